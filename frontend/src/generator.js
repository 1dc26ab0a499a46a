// Generation: every temperature lane advances together, one batched LSTM step per character.
import { checkLength, checkMode, checkTemperatures, laneFilters, MAX_LENGTH, PRIME_CHARS } from './run-options.js';
import { LaneRecords } from './likelihood.js';
import { SeedError } from './vocab.js';
import { checkRngSeed, draw, LaneUniforms } from './sampling.js';
import { LookaheadStepper, probabilitiesAfter, ReadBackStepper, scoreStepper, WindowStepper } from './steppers.js';
import { nextTurn } from './next-turn.js';

const PRIME_CHUNK = 32; // priming steps between checks of the clock
const SLICE_MS = 12; // longest stretch of work before the page gets a turn

// Rejects with signal.reason as soon as the signal aborts: a read-back from a lost GPU
// context never settles, and generation must not hang on it.
function unlessAborted(promise, signal) {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

export class Generator {
  // step: the LSTM step (steps/); lookahead: how many steps the device may draw ahead of a
  // read-back (1: none), from the same table (steps/index.js).
  constructor(step, vocab, maxlen, { lookahead = 1 } = {}) {
    this.step = step;
    this.vocab = vocab;
    this.maxlen = maxlen;
    this.lookahead = lookahead;
  }

  // The LSTM state after the seed's last PRIME_CHARS ids, from a zero state. Gives the page a
  // turn every SLICE_MS, so a long seed never freezes it.
  async prime(seedIds, signal) {
    const ids = seedIds.slice(-PRIME_CHARS);
    let state = this.step.zeroState(1);
    try {
      let lastTurn = performance.now();
      for (let from = 0; from < ids.length; from += PRIME_CHUNK) {
        state = this.step.run([ids], state, from, Math.min(from + PRIME_CHUNK, ids.length));
        if (performance.now() - lastTurn > SLICE_MS) {
          await unlessAborted(nextTurn(), signal);
          lastTurn = performance.now();
        }
      }
      return state;
    } catch (error) {
      this.step.disposeState(state);
      throw error;
    }
  }

  // Next-character probabilities after the seed ids, in vocabulary order.
  async probabilities(seedIds, mode) {
    const state = mode === 'window' ? this.step.run([seedIds.slice(-this.maxlen)]) : await this.prime(seedIds);
    const probabilities = probabilitiesAfter(this.step, state);
    this.step.disposeState(state);
    return Array.from(await probabilities);
  }

  async stepper(mode, seedIds, temps, filters, uniforms, signal) {
    if (mode === 'window') return new WindowStepper(this.step, temps.map(() => seedIds.slice(-this.maxlen)), this.maxlen);
    const primed = await this.prime(seedIds, signal);
    const state = this.step.tile(primed, temps.length);
    this.step.disposeState(primed);
    if (this.lookahead > 1) {
      return new LookaheadStepper(this.step, state, { depth: this.lookahead, temperatures: temps, filters, uniforms });
    }
    return new ReadBackStepper(this.step, state);
  }

  // Calls onChars(charsPerLane, step, probabilities) after each step; stops early when
  // shouldStop() is true, and fails with signal.reason when the AbortSignal `signal` aborts.
  // Each lane comes back as {temperature, filters, text, records}: records (likelihood.js) say how
  // likely each character was, unless `records` is false; onStart(recordsPerLane) gets them
  // before the first step, to show them as they fill. filters: {topK, topP, minP}, each one
  // number for every lane or one per lane (run-options.js laneFilters); left out, none.
  async generate({ seedIds, temperatures, length, rngSeed, mode, filters: wanted }, { onStart, onChars, shouldStop, signal, records = true } = {}) {
    checkMode(mode);
    const temps = checkTemperatures(temperatures);
    const filters = laneFilters(wanted, temps.length);
    const steps = Math.min(checkLength(length), MAX_LENGTH);
    const uniforms = new LaneUniforms(checkRngSeed(rngSeed), temps.length);
    const size = this.vocab.size;
    const texts = temps.map(() => '');
    const laneRecords = temps.map((temperature, lane) => (records
      ? new LaneRecords(steps, { vocabSize: size, temperature, filters: filters[lane] }) : null));
    const result = () => temps.map((temperature, lane) => ({
      temperature, filters: filters[lane], text: texts[lane], records: laneRecords[lane],
    }));
    if (onStart) onStart(laneRecords);
    if (steps === 0) return result();
    const stepper = await this.stepper(mode, seedIds, temps, filters, uniforms, signal);
    let lastTurn = performance.now();
    try {
      for (let step = 0; step < steps; step++) {
        const p = await unlessAborted(Promise.resolve(stepper.next(steps - step)), signal);
        const u = uniforms.take();
        const chosen = temps.map((t, lane) => draw(p, t, u[lane], lane * size, size, filters[lane]));
        if (records) chosen.forEach((id, lane) => laneRecords[lane].record(p, id, u[lane], lane * size, size));
        const chars = chosen.map((id) => this.vocab.chars[id]);
        chars.forEach((c, lane) => {
          texts[lane] += c;
        });
        if (onChars) onChars(chars, step, p);
        if ((shouldStop && shouldStop()) || step + 1 === steps) break;
        stepper.accept(chosen);
        if (performance.now() - lastTurn > SLICE_MS) {
          await nextTurn();
          lastTurn = performance.now();
          if (shouldStop && shouldStop()) break;
        }
      }
    } finally {
      stepper.dispose();
    }
    return result();
  }

  // How likely each character of `ids` after the first is under the model, given the ones
  // before it (docs/sampling.md): LaneRecords at T = 1, one per scored character. Stateful: one
  // pass from a zero state; window: the last maxlen ids before each, from a zero state.
  // onProgress(scored, total) is called between slices of work.
  async score(ids, mode, { signal, onProgress, shouldStop } = {}) {
    checkMode(mode);
    if (ids.length < 2) {
      throw new SeedError('a text to score needs at least two characters the model knows: the first is the context of the second');
    }
    const total = ids.length - 1;
    const records = new LaneRecords(total, { withU: false, vocabSize: this.vocab.size });
    const stepper = scoreStepper(this.step, ids, mode, this.maxlen);
    const size = this.vocab.size;
    let lastTurn = performance.now();
    try {
      while (records.count < total) {
        const block = await unlessAborted(Promise.resolve(stepper.next()), signal);
        for (let row = 0; row < block.length / size; row++) {
          records.record(block, ids[records.count + 1], null, row * size, size);
        }
        if (performance.now() - lastTurn > SLICE_MS) {
          if (onProgress) onProgress(records.count, total);
          await unlessAborted(nextTurn(), signal);
          lastTurn = performance.now();
          if (shouldStop && shouldStop()) break;
        }
      }
    } finally {
      stepper.dispose();
    }
    return records;
  }
}
