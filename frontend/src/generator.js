// Generation: every temperature lane advances together, one batched LSTM step per character.
import { disposeState, tileState } from './lstm.js';
import { checkRngSeed, checkTemperature, draw, LaneUniforms, SamplingError } from './sampling.js';
import { LookaheadStepper, StatefulStepper, WindowStepper } from './steppers.js';

export const MODES = ['stateful', 'window'];
export const MAX_LENGTH = 100000;
// Lanes of one run: each is a batch row of every step and a column on the page; past 8 the
// columns are too narrow to read and the step slows down for little gain.
export const MAX_LANES = 8;
// Stateful mode primes on at most the seed's last PRIME_CHARS characters (docs/sampling.md).
export const PRIME_CHARS = 2000;
const PRIME_CHUNK = 32; // priming steps between checks of the clock
const SLICE_MS = 12; // longest stretch of work before the page gets a turn

// Resolves on the next macrotask: unlike a resolved promise, it lets clicks and typing in.
function nextTurn() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

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

// A length is a whole number, 0 or more; generation caps it at MAX_LENGTH, and the page says so.
export function checkLength(value) {
  const length = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (!Number.isInteger(length)) throw new SamplingError(`length must be a whole number, got ${value}`);
  if (length < 0) throw new SamplingError(`length must be 0 or more, got ${length}`);
  return length;
}

export class Generator {
  // lookahead: how many steps the device may draw ahead of a read-back (1: none). It pays on
  // WebGL, where a read-back waits for the GPU; on WASM and the CPU reading back is cheap.
  constructor(lstm, vocab, maxlen, { lookahead = 1 } = {}) {
    this.lstm = lstm;
    this.vocab = vocab;
    this.maxlen = maxlen;
    this.lookahead = lookahead;
  }

  // The LSTM state after the seed's last PRIME_CHARS ids, from a zero state. Gives the page a
  // turn every SLICE_MS, so a long seed never freezes it.
  async prime(seedIds, signal) {
    const ids = seedIds.slice(-PRIME_CHARS);
    let state = this.lstm.zeroState(1);
    try {
      let lastTurn = performance.now();
      for (let from = 0; from < ids.length; from += PRIME_CHUNK) {
        state = this.lstm.run([ids], state, from, Math.min(from + PRIME_CHUNK, ids.length));
        if (performance.now() - lastTurn > SLICE_MS) {
          await unlessAborted(nextTurn(), signal);
          lastTurn = performance.now();
        }
      }
      return state;
    } catch (error) {
      disposeState(state);
      throw error;
    }
  }

  // Next-character probabilities after the seed ids, in vocabulary order.
  async probabilities(seedIds, mode) {
    const state = mode === 'window' ? this.lstm.run([seedIds.slice(-this.maxlen)]) : await this.prime(seedIds);
    const probabilities = this.lstm.probabilities(state);
    disposeState(state);
    const values = await probabilities.data();
    probabilities.dispose();
    return Array.from(values);
  }

  async stepper(mode, seedIds, temps, uniforms, signal) {
    if (mode === 'window') return new WindowStepper(this.lstm, temps.map(() => seedIds.slice(-this.maxlen)), this.maxlen);
    const primed = await this.prime(seedIds, signal);
    const state = tileState(primed, temps.length);
    disposeState(primed);
    if (this.lookahead > 1) {
      return new LookaheadStepper(this.lstm, state, { depth: this.lookahead, temperatures: temps, uniforms });
    }
    return new StatefulStepper(this.lstm, state);
  }

  // Calls onChars(charsPerLane, step) after each step; stops early when shouldStop() is true,
  // and fails with signal.reason when the AbortSignal `signal` aborts.
  async generate({ seedIds, temperatures, length, rngSeed, mode }, { onChars, shouldStop, signal } = {}) {
    if (!MODES.includes(mode)) throw new SamplingError(`mode must be stateful or window, got ${mode}`);
    if (!Array.isArray(temperatures)) throw new SamplingError('temperatures must be a list of numbers, one per lane');
    if (temperatures.length === 0) throw new SamplingError('give at least one temperature');
    if (temperatures.length > MAX_LANES) {
      throw new SamplingError(`give at most ${MAX_LANES} temperatures (one lane each), got ${temperatures.length}`);
    }
    const temps = temperatures.map(checkTemperature);
    const steps = Math.min(checkLength(length), MAX_LENGTH);
    const uniforms = new LaneUniforms(checkRngSeed(rngSeed), temps.length);
    const size = this.vocab.size;
    const texts = temps.map(() => '');
    if (steps === 0) return temps.map((temperature) => ({ temperature, text: '' }));
    const stepper = await this.stepper(mode, seedIds, temps, uniforms, signal);
    let lastTurn = performance.now();
    try {
      for (let step = 0; step < steps; step++) {
        const p = await unlessAborted(Promise.resolve(stepper.next(steps - step)), signal);
        const u = uniforms.take();
        const chosen = temps.map((t, lane) => draw(p, t, u[lane], lane * size, size));
        const chars = chosen.map((id) => this.vocab.chars[id]);
        chars.forEach((c, lane) => {
          texts[lane] += c;
        });
        if (onChars) onChars(chars, step);
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
    return temps.map((temperature, lane) => ({ temperature, text: texts[lane] }));
  }
}
