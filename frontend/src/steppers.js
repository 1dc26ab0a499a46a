// Where each step's probabilities come from. The generator asks next() for the probabilities
// of every lane ([lanes × size], read back), draws in float64, and tells accept(ids) what it drew.
import * as tf from '@tensorflow/tfjs';

import { peekValues } from './js-cell.js';
import { disposeState } from './lstm.js';
import { proposeFromLogits } from './webgl-kernels.js';

async function readBack(tensor) {
  try {
    return await tensor.data();
  } finally {
    tensor.dispose();
  }
}

// Softmax of each row of logits, in float64.
function softmaxRows(logits, size) {
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

// Stateful mode, one read-back per step: for WASM and the CPU, where reading back is a copy
// that never waits for a GPU, so it is done synchronously. The softmax is taken here, in
// float64, from the read-back logits.
export class StatefulStepper {
  constructor(lstm, state) {
    this.lstm = lstm;
    this.state = state;
  }

  next() {
    const logits = this.lstm.logits(this.state);
    try {
      return softmaxRows(peekValues(logits), this.lstm.vocabSize);
    } finally {
      logits.dispose();
    }
  }

  accept(ids) {
    const next = this.lstm.advance(ids, this.state);
    disposeState(this.state);
    this.state = next;
  }

  dispose() {
    disposeState(this.state);
  }
}

// Stateful mode on WebGL, where each read-back stalls the GPU pipeline: the device draws
// `depth` steps ahead on its own and one read-back brings all their logits. The generator
// redraws each step in float64; where it disagrees with the device's float32 draw, the rest
// of the block is dropped and the step redone, so the text is the contract's either way.
export class LookaheadStepper {
  constructor(lstm, state, { depth, temperatures, uniforms }) {
    this.lstm = lstm;
    this.state = state;
    this.depth = depth;
    this.inverseTemperatures = temperatures.map((t) => (t === 0 ? -1 : 1 / t)); // -1: greedy
    this.uniforms = uniforms;
    this.block = []; // {probabilities, proposed, state} for each step drawn ahead
  }

  async next(stepsLeft) {
    if (this.block.length === 0) await this.runAhead(Math.min(this.depth, stepsLeft));
    return this.block[0].probabilities;
  }

  async runAhead(count) {
    const rows = this.uniforms.peek(count);
    const lanes = this.inverseTemperatures.length;
    const steps = [];
    let state = this.state;
    for (let i = 0; i < count; i++) {
      const logits = this.lstm.logits(state);
      const settings = tf.tensor2d(this.inverseTemperatures.flatMap((t, lane) => [t, rows[i][lane]]), [lanes, 2]);
      const proposed = proposeFromLogits(logits, settings);
      settings.dispose();
      state = this.lstm.advance(proposed, state);
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
      values = await readBack(packed);
    } catch (error) {
      steps.forEach((s) => disposeState(s.state));
      throw error;
    }
    const size = this.lstm.vocabSize;
    const width = lanes * size + lanes;
    this.block = steps.map((s, i) => ({
      probabilities: softmaxRows(values.subarray(i * width, i * width + lanes * size), size),
      proposed: values.subarray(i * width + lanes * size, (i + 1) * width),
      state: s.state,
    }));
  }
  accept(ids) {
    const [step, ...rest] = this.block;
    if (ids.every((id, lane) => id === step.proposed[lane])) {
      disposeState(this.state);
      this.state = step.state;
      this.block = rest;
      return;
    }
    this.block.forEach((s) => disposeState(s.state));
    this.block = [];
    const next = this.lstm.advance(ids, this.state);
    disposeState(this.state);
    this.state = next;
  }

  dispose() {
    this.block.forEach((s) => disposeState(s.state));
    this.block = [];
    disposeState(this.state);
  }
}

// Window mode, the notebook's way: every step reruns the last `maxlen` ids from a zero state.
export class WindowStepper {
  constructor(lstm, history, maxlen) {
    this.lstm = lstm;
    this.history = history; // one array of ids per lane
    this.maxlen = maxlen;
  }

  next() {
    const state = this.lstm.run(this.history);
    const probabilities = this.lstm.probabilities(state);
    disposeState(state);
    return readBack(probabilities);
  }

  accept(ids) {
    const keep = this.maxlen - 1;
    this.history = this.history.map((row, lane) => [...row.slice(Math.max(0, row.length - keep)), ids[lane]]);
  }

  dispose() {}
}
