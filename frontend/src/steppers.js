// Where each step's probabilities come from. The generator asks next() for the probabilities
// of every lane ([lanes × size], float64), draws, and tells accept(ids) what it drew. The
// LSTM step (steps/) does the arithmetic; a stepper decides when values come back from it.
import * as tf from '@tensorflow/tfjs';

import { filtersActive } from './sampling.js';
import { proposeFromLogits } from './steps/webgl-programs.js';

// Softmax of each lane's logits, in float64 as the contract asks.
export function softmaxRows(logits, size) {
  const p = new Float64Array(logits.length);
  for (let at = 0; at < logits.length; at += size) {
    let top = -Infinity;
    for (let i = at; i < at + size; i++) top = Math.max(top, logits[i]);
    let total = 0;
    for (let i = at; i < at + size; i++) total += (p[i] = Math.exp(logits[i] - top));
    for (let i = at; i < at + size; i++) p[i] /= total;
  }
  return p;
}

// The probabilities after `state`: at once where the step reads its logits synchronously
// (WASM, CPU), else a promise.
export function probabilitiesAfter(step, state) {
  const logits = step.readLogits(state);
  if (logits instanceof Promise) return logits.then((values) => softmaxRows(values, step.vocabSize));
  return softmaxRows(logits, step.vocabSize);
}

// Stateful mode, reading the logits back every step: where reading back is a memory copy
// (WASM, CPU), and the default anywhere else.
export class ReadBackStepper {
  constructor(step, state) {
    this.step = step;
    this.state = state;
  }

  next() {
    return probabilitiesAfter(this.step, this.state);
  }

  accept(ids) {
    const next = this.step.advance(this.state, ids);
    this.step.disposeState(this.state);
    this.state = next;
  }

  dispose() {
    this.step.disposeState(this.state);
  }
}

// Stateful mode, drawing ahead on the device (WebGL), where each read-back stalls the GPU
// pipeline: the device draws `depth` steps ahead on its own and one read-back brings all
// their logits. The generator redraws each step in float64; where it disagrees with the
// device's float32 draw, the rest of the block is dropped and the step redone, so the text is
// the contract's either way. Needs a step whose state is on the device (TensorStateStep).
export class LookaheadStepper {
  constructor(step, state, { depth, temperatures, filters, uniforms }) {
    this.step = step;
    this.state = state;
    this.depth = depth;
    // Per lane: 1 / T (-1: greedy), then top-k, top-p and min-p when any lane filters.
    this.settings = temperatures.map((t, lane) => [t === 0 ? -1 : 1 / t,
      filters[lane].topK, filters[lane].topP, filters[lane].minP]);
    this.filtered = filters.some(filtersActive);
    this.uniforms = uniforms;
    this.block = []; // {probabilities, proposed, state} for each step drawn ahead
  }

  async next(stepsLeft) {
    if (this.block.length === 0) await this.runAhead(Math.min(this.depth, stepsLeft));
    return this.block[0].probabilities;
  }

  async runAhead(count) {
    const uniformsAhead = this.uniforms.peek(count); // one array per step, a uniform per lane
    const lanes = this.settings.length;
    const width = this.filtered ? 5 : 2;
    const steps = [];
    let state = this.state;
    for (let i = 0; i < count; i++) {
      const logits = this.step.logitsTensor(state);
      const settings = tf.tensor2d(this.settings.flatMap(([inverseT, ...filters], lane) => [
        inverseT, uniformsAhead[i][lane], ...(this.filtered ? filters : [])]), [lanes, width]);
      const proposed = proposeFromLogits(logits, settings);
      settings.dispose();
      state = this.step.advance(state, proposed);
      steps.push({ logits, proposed, state });
    }
    const packed = tf.tidy(() => tf.concat(steps.flatMap((s) => [
      tf.reshape(s.logits, [-1]), tf.cast(s.proposed, 'float32')])));
    steps.forEach((s) => {
      s.logits.dispose();
      s.proposed.dispose();
    });
    let values;
    try {
      values = await packed.data();
    } catch (error) {
      steps.forEach((s) => this.step.disposeState(s.state));
      throw error;
    } finally {
      packed.dispose();
    }
    const size = this.step.vocabSize;
    const stride = lanes * size + lanes;
    this.block = steps.map((s, i) => ({
      probabilities: softmaxRows(values.subarray(i * stride, i * stride + lanes * size), size),
      proposed: values.subarray(i * stride + lanes * size, (i + 1) * stride),
      state: s.state,
    }));
  }

  accept(ids) {
    const [step, ...rest] = this.block;
    if (ids.every((id, lane) => id === step.proposed[lane])) {
      this.step.disposeState(this.state);
      this.state = step.state;
      this.block = rest;
      return;
    }
    this.block.forEach((s) => this.step.disposeState(s.state));
    this.block = [];
    const next = this.step.advance(this.state, ids);
    this.step.disposeState(this.state);
    this.state = next;
  }

  dispose() {
    this.block.forEach((s) => this.step.disposeState(s.state));
    this.block = [];
    this.step.disposeState(this.state);
  }
}

// Window mode, the notebook's way: every step reruns the last `maxlen` ids from a zero state.
export class WindowStepper {
  constructor(step, history, maxlen) {
    this.step = step;
    this.history = history; // one array of ids per lane
    this.maxlen = maxlen;
  }

  next() {
    const state = this.step.run(this.history);
    const probabilities = probabilitiesAfter(this.step, state);
    this.step.disposeState(state);
    return probabilities;
  }

  accept(ids) {
    const keep = this.maxlen - 1;
    this.history = this.history.map((laneIds, lane) => [...laneIds.slice(Math.max(0, laneIds.length - keep)), ids[lane]]);
  }

  dispose() {}
}

const SCORE_BLOCK = 64; // stateful scoring: positions per read-back
const WINDOW_BATCH = 128; // window scoring: windows of one length run together as lanes

// The distributions a text is scored under, in blocks of consecutive positions: next() gives
// [rows × size] float64 probabilities (or a promise of them), the distribution after ids[0],
// then after ids[0..1], and so on to the one before the last id.
export function scoreStepper(step, ids, mode, maxlen) {
  return mode === 'window' ? new WindowScorer(step, ids, maxlen) : new StatefulScorer(step, ids);
}

// One pass over the text from a zero state. A step whose state stays on the device brings a
// whole block back in one read-back; the others read each step's logits as it goes.
class StatefulScorer {
  constructor(step, ids) {
    this.step = step;
    this.ids = ids;
    this.at = 0; // ids fed so far
    this.state = step.zeroState(1);
  }

  next() {
    const end = Math.min(this.at + SCORE_BLOCK, this.ids.length - 1);
    return this.step.logitsTensor ? this.nextOnDevice(end) : this.nextInMemory(end);
  }

  // The recurrence goes one id at a time, but the output layer waits for the block: the top
  // layer's h of every step, stacked as the lanes of one state, takes one product instead of
  // one per step (each tensor op has a fixed cost of microseconds).
  nextInMemory(end) {
    const last = this.step.units.length - 1;
    const units = this.step.units[last];
    const rows = end - this.at;
    const h = new Float32Array(rows * units);
    for (let row = 0; this.at < end; row++) {
      this.feed();
      h.set(this.state.layers[last].h, row * units);
    }
    const stacked = { lanes: rows, layers: this.state.layers.map((layer, index) => (index === last ? { h } : layer)) };
    return softmaxRows(this.step.readLogits(stacked), this.step.vocabSize);
  }

  async nextOnDevice(end) {
    const tensors = [];
    while (this.at < end) {
      this.feed();
      tensors.push(this.step.logitsTensor(this.state));
    }
    const packed = tf.concat(tensors);
    tensors.forEach((t) => t.dispose());
    try {
      return softmaxRows(await packed.data(), this.step.vocabSize);
    } finally {
      packed.dispose();
    }
  }

  feed() {
    const next = this.step.advance(this.state, [this.ids[this.at]]);
    this.step.disposeState(this.state);
    this.state = next;
    this.at += 1;
  }

  dispose() {
    this.step.disposeState(this.state);
  }
}

// Each position from the last maxlen ids before it, from a zero state; positions whose windows
// have the same length (all of them past the first maxlen) run together as lanes.
class WindowScorer {
  constructor(step, ids, maxlen) {
    this.step = step;
    this.ids = ids;
    this.maxlen = maxlen;
    this.position = 1; // the id scored next
  }

  next() {
    const { ids, maxlen, position } = this;
    const length = Math.min(position, maxlen);
    const count = length < maxlen ? 1 : Math.min(WINDOW_BATCH, ids.length - position);
    const windows = Array.from({ length: count }, (_, j) => ids.slice(position + j - length, position + j));
    this.position += count;
    const state = this.step.run(windows);
    const probabilities = probabilitiesAfter(this.step, state);
    this.step.disposeState(state);
    return probabilities;
  }

  dispose() {}
}
