// Generation: every temperature lane advances together, one batched LSTM step per character.
import * as tf from '@tensorflow/tfjs';

import { disposeState, tileState } from './lstm.js';
import { checkRngSeed, checkTemperature, draw, laneSeed, mulberry32, SamplingError } from './sampling.js';

export const MODES = ['stateful', 'window'];
export const MAX_LENGTH = 100000;
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

export function checkLength(value) {
  const length = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (!Number.isInteger(length)) throw new SamplingError(`length must be a whole number, got ${value}`);
  if (length < 0) throw new SamplingError(`length must be 0 or more, got ${length}`);
  if (length > MAX_LENGTH) {
    throw new SamplingError(`length ${length} is over the limit of ${MAX_LENGTH} characters`);
  }
  return length;
}

export class Generator {
  constructor(lstm, vocab, maxlen) {
    this.lstm = lstm;
    this.vocab = vocab;
    this.maxlen = maxlen;
  }

  // Next-character probabilities after the seed ids, in vocabulary order.
  async probabilities(seedIds, mode) {
    const ids = mode === 'window' ? seedIds.slice(-this.maxlen) : seedIds;
    const state = this.lstm.run([ids]);
    const probabilities = this.lstm.probabilities(state);
    disposeState(state);
    const values = await probabilities.data();
    probabilities.dispose();
    return Array.from(values);
  }

  // Calls onChars(charsPerLane, step) after each step; stops early when shouldStop() is true,
  // and fails with signal.reason when the AbortSignal `signal` aborts.
  async generate({ seedIds, temperatures, length, rngSeed, mode }, { onChars, shouldStop, signal } = {}) {
    if (!MODES.includes(mode)) throw new SamplingError(`mode must be stateful or window, got ${mode}`);
    const temps = temperatures.map(checkTemperature);
    if (temps.length === 0) throw new SamplingError('give at least one temperature');
    const steps = checkLength(length);
    const seed = checkRngSeed(rngSeed);
    const lanes = temps.length;
    const size = this.vocab.size;
    const rngs = temps.map((_, lane) => mulberry32(laneSeed(seed, lane)));
    const texts = temps.map(() => '');
    let history = null;
    let state = null;
    if (mode === 'window') {
      history = temps.map(() => seedIds.slice(-this.maxlen));
    } else {
      const primed = this.lstm.run([seedIds]);
      state = tileState(primed, lanes);
      disposeState(primed);
    }
    let lastTurn = performance.now();
    try {
      for (let step = 0; step < steps; step++) {
        let probabilitiesTensor;
        if (mode === 'window') {
          const windowState = this.lstm.run(history);
          probabilitiesTensor = this.lstm.probabilities(windowState);
          disposeState(windowState);
        } else {
          probabilitiesTensor = this.lstm.probabilities(state);
        }
        let p;
        try {
          p = await unlessAborted(probabilitiesTensor.data(), signal);
        } finally {
          probabilitiesTensor.dispose();
        }
        const chosen = temps.map((t, lane) => draw(p, t, rngs[lane].uniform(), lane * size, size));
        const chars = chosen.map((id) => this.vocab.chars[id]);
        chars.forEach((c, lane) => {
          texts[lane] += c;
        });
        if (onChars) onChars(chars, step);
        if ((shouldStop && shouldStop()) || step + 1 === steps) break;
        if (mode === 'window') {
          const keep = this.maxlen - 1;
          history = history.map((row, lane) => [...row.slice(Math.max(0, row.length - keep)), chosen[lane]]);
        } else {
          const ids = tf.tensor1d(chosen, 'int32');
          const next = this.lstm.advance(ids, state);
          ids.dispose();
          disposeState(state);
          state = next;
        }
        if (performance.now() - lastTurn > SLICE_MS) {
          await nextTurn();
          lastTurn = performance.now();
          if (shouldStop && shouldStop()) break;
        }
      }
    } finally {
      if (state) disposeState(state);
    }
    return temps.map((temperature, lane) => ({ temperature, text: texts[lane] }));
  }
}
