// What the model computes inside, for the views that show it (README: "Inside the model"):
// every layer's h and c after each character, as `tempera activations --json` prints
// them, and how much each earlier character moved one prediction, as `tempera saliency --json`.
// Plain TensorFlow.js ops on the session's backend (lstm-graph.js), only when asked: the
// generator and its steps record nothing. Long texts are read in stretches with a turn for the
// page between them; session.failure or the caller's AbortSignal stops the work.
import * as tf from '@tensorflow/tfjs';

import { disposeState, LstmGraph } from './lstm-graph.js';
import { checkMode, MODES } from './run-options.js';
import { listChars, SeedError } from './vocab.js';
import { nextTurn } from './next-turn.js';

export const ACTIVATION_NOTE = "h: the layer's output after reading the character; c: the raw cell state " +
  'after it (the page shows it through tanh(c), in -1..1)';
export const SALIENCY_METHOD = 'gradient: the L2 norm of d log p(target) / d one-hot input, over the ' +
  'vocabulary, for each character of the context (exact, one backward pass; occlusion would need a ' +
  'replacement character and a forward pass per position)';
export const DEFAULT_CONTEXT = 100;

const STRETCH = 64; // steps of one lane between read-backs (and turns for the page)
const WINDOW_BATCH = 128; // window mode: windows run together as lanes
const SLICE_MS = 12; // longest stretch of work before the page gets a turn

export class InsideModelError extends Error {}

// Turns for the page while the work goes on, and its end as soon as a signal aborts.
class Turns {
  constructor(signals) {
    this.signals = signals.filter(Boolean);
    this.last = performance.now();
  }

  check() {
    for (const signal of this.signals) signal.throwIfAborted();
  }

  // The promise's value, or signal.reason at once: a read-back from a lost WebGL context never settles.
  settle(promise) {
    this.check();
    return new Promise((resolve, reject) => {
      const onAbort = (event) => {
        forget();
        reject(event.target.reason);
      };
      const forget = () => this.signals.forEach((signal) => signal.removeEventListener('abort', onAbort));
      this.signals.forEach((signal) => signal.addEventListener('abort', onAbort, { once: true }));
      promise.then((value) => {
        forget();
        resolve(value);
      }, (error) => {
        forget();
        reject(error);
      });
    });
  }

  async pause() {
    if (performance.now() - this.last > SLICE_MS) {
      await this.settle(nextTurn());
      this.last = performance.now();
    }
    this.check();
  }
}

const DECIMALS = 1e6; // activations are rounded to 6 decimals, as the command rounds them

// `rows` rows of `units` numbers from values[offset…], rounded.
function rowsOf(values, offset, rows, units) {
  return Array.from({ length: rows }, (_, row) => Array.from(
    values.subarray(offset + row * units, offset + (row + 1) * units), (v) => Math.round(v * DECIMALS) / DECIMALS));
}

// Every layer's {h, c} rows from states of the same lanes: one row per lane of each state, in order.
async function readStates(graph, states, turns) {
  const packed = tf.tidy(() => tf.concat(graph.units.flatMap((_, layer) => ['h', 'c'].map(
    (part) => tf.reshape(tf.concat(states.map((state) => state[layer][part])), [-1])))));
  let values;
  try {
    values = await turns.settle(packed.data());
  } finally {
    packed.dispose();
  }
  const rows = values.length / graph.units.reduce((sum, units) => sum + 2 * units, 0);
  let at = 0;
  return graph.units.map((units) => {
    const h = rowsOf(values, at, rows, units);
    const c = rowsOf(values, at + rows * units, rows, units);
    at += 2 * rows * units;
    return { h, c };
  });
}

// Feeds `ids` one at a time from `state` (disposed here); the state after the last. onRows,
// where given, gets every layer's {h, c} rows after each id, a stretch at a time.
async function feed(graph, ids, state, turns, onRows = null) {
  let trail = [state]; // the state before the stretch, then after each of its ids
  try {
    for (let from = 0; from < ids.length; from += STRETCH) {
      const stretch = ids.slice(from, from + STRETCH);
      const inputs = tf.tidy(() => graph.inputsOfIds(tf.tensor1d(stretch, 'int32')));
      try {
        for (let t = 0; t < stretch.length; t++) {
          const last = trail[trail.length - 1];
          trail.push(tf.tidy(() => graph.advance(tf.slice(inputs, [t, 0], [1, -1]), last)));
          if (!onRows) disposeState(trail.shift());
        }
      } finally {
        inputs.dispose();
      }
      if (onRows) onRows(await readStates(graph, trail.slice(1), turns));
      trail.slice(0, -1).forEach(disposeState);
      trail = trail.slice(-1);
      await turns.pause();
    }
    return trail.pop();
  } finally {
    trail.forEach(disposeState);
  }
}

// The state after each window (equal lengths), the windows side by side as lanes, from a zero state.
async function runWindows(graph, windows, turns) {
  let state = graph.zeroState(windows.length);
  try {
    for (let t = 0; t < windows[0].length; t++) {
      const previous = state;
      state = tf.tidy(() => graph.advance(graph.inputsOfIds(tf.tensor1d(windows.map((w) => w[t]), 'int32')), previous));
      disposeState(previous);
      await turns.pause();
    }
    return state;
  } catch (error) {
    disposeState(state);
    throw error;
  }
}

function checkText(text) {
  if (typeof text !== 'string') throw new SeedError('the text must be a string');
}

// The text as `tempera score` reads it (lowercased for a lowercase model), except that an unknown
// character is refused, not dropped: every row and index belongs to a character the person gave.
function readText(vocab, text) {
  const encoding = vocab.encodeSeed(text, 'text');
  if (encoding.droppedCount) {
    const count = encoding.droppedCount;
    throw new SeedError(`the text has ${count} character${count === 1 ? '' : 's'} the model does not know: ` +
      `${listChars(encoding.dropped)} (every character gets its own row, so none is dropped)`);
  }
  return encoding;
}

// {mode, text, chars, activation_note, layers: [{units, h, c}]}: `tempera activations --json`.
// stateful: row t is the state after character t, one pass from a zero state; window: after the
// last maxlen characters up to t, from a zero state (what window mode holds to predict t + 1).
export async function activations(session, text, mode = MODES[0], { signal } = {}) {
  checkText(text);
  checkMode(mode);
  return session.model.use(async ({ model, vocab, meta }) => {
    const encoding = readText(vocab, text);
    const graph = new LstmGraph(model);
    const turns = new Turns([session.failure?.signal, signal]);
    const layers = graph.units.map((units) => ({ units, h: [], c: [] }));
    const keep = (rows) => rows.forEach(({ h, c }, layer) => {
      for (const row of h) layers[layer].h.push(row);
      for (const row of c) layers[layer].c.push(row);
    });
    const { ids } = encoding;
    // Window mode's first maxlen rows read the whole text so far: one stateful pass.
    const prefix = mode === 'window' ? ids.slice(0, meta.maxlen) : ids;
    disposeState(await feed(graph, prefix, graph.zeroState(1), turns, keep));
    for (let end = prefix.length; end < ids.length; end += WINDOW_BATCH) {
      const windows = [];
      for (let t = end; t < Math.min(end + WINDOW_BATCH, ids.length); t++) windows.push(ids.slice(t + 1 - meta.maxlen, t + 1));
      const state = await runWindows(graph, windows, turns);
      try {
        keep(await readStates(graph, [state], turns));
      } finally {
        disposeState(state);
      }
    }
    return { mode, text: encoding.text, chars: Array.from(encoding.text), activation_note: ACTIVATION_NOTE, layers };
  });
}

// log p(target) after `ids` fed from `held` (disposed here), and the gradient's L2 norm for each
// id's one-hot input. The context goes in stretches: a forward pass keeps the state where each
// begins, then the gradient goes back one stretch at a time, carried by the state between them.
async function gradientNorms(graph, ids, target, held, turns) {
  const stretches = [];
  for (let from = 0; from < ids.length; from += STRETCH) stretches.push(ids.slice(from, from + STRETCH));
  const starts = [held];
  const kept = []; // the norms of each stretch, in order, then the log-probability
  let upstream = null; // d log p / d the flattened state after the stretch going back now
  const targetRow = tf.tidy(() => tf.oneHot(tf.tensor1d([target], 'int32'), graph.vocabSize).toFloat());
  try {
    for (const stretch of stretches.slice(0, -1)) {
      const start = starts[starts.length - 1];
      starts.push(tf.tidy(() => graph.run(graph.inputsOfIds(tf.tensor1d(stretch, 'int32')), start)));
      await turns.pause();
    }
    for (let j = stretches.length - 1; j >= 0; j--) {
      const last = j === stretches.length - 1;
      const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(stretches[j], 'int32'), graph.vocabSize).toFloat());
      const through = (x, flatStart) => graph.run(graph.inputsOfOneHot(x), graph.unflatten(flatStart));
      const { value, grads } = tf.tidy(() => {
        const args = [oneHot, graph.flatten(starts[j])];
        if (last) return tf.valueAndGrads((x, s) => tf.sum(tf.mul(graph.logProbabilities(through(x, s)), targetRow)))(args);
        return { grads: tf.grads((x, s) => graph.flatten(through(x, s)))(args, upstream) };
      });
      oneHot.dispose();
      if (value) kept.push(value);
      kept.unshift(tf.tidy(() => tf.sqrt(tf.sum(tf.square(grads[0]), 1))));
      grads[0].dispose();
      upstream?.dispose();
      upstream = grads[1];
      await turns.pause();
    }
    const packed = tf.tidy(() => tf.concat(kept.map((t) => tf.reshape(t, [-1]))));
    try {
      const values = await turns.settle(packed.data());
      return { norms: Array.from(values.subarray(0, ids.length)), logProbability: values[ids.length] };
    } finally {
      packed.dispose();
    }
  } finally {
    targetRow.dispose();
    upstream?.dispose();
    kept.forEach((t) => t.dispose());
    starts.forEach(disposeState);
  }
}

function checkPosition(position, length) {
  if (length < 2) {
    throw new InsideModelError('the text needs at least two characters the model knows: the predicted one and one before it');
  }
  if (!Number.isInteger(position) || position < 1 || position > length - 1) {
    throw new InsideModelError(`position must be a whole number from 1 to ${length - 1} (the character predicted, ` +
      `counted from 0 in the text as the model reads it), got ${position}`);
  }
}

function checkContext(context) {
  if (!Number.isInteger(context) || context < 1) {
    throw new InsideModelError(`context must be a whole number of characters, 1 or more, got ${context}`);
  }
}

// {mode, position, target, log_probability, context, context_start, method, influence: [{index,
// char, influence}]}: `tempera saliency --json`. Stateful: the last `context` characters before
// `position` get an influence, the state before them held fixed; window: the window before it,
// from a zero state.
export async function saliency(session, text, position, { context = DEFAULT_CONTEXT, mode = MODES[0], signal } = {}) {
  checkText(text);
  checkMode(mode);
  checkContext(context);
  return session.model.use(async ({ model, vocab, meta }) => {
    const encoding = readText(vocab, text);
    const { ids } = encoding;
    checkPosition(position, ids.length);
    const used = mode === 'window' ? meta.maxlen : context;
    const start = Math.max(0, position - used);
    const graph = new LstmGraph(model);
    const turns = new Turns([session.failure?.signal, signal]);
    const held = mode === 'window' ? graph.zeroState(1) : await feed(graph, ids.slice(0, start), graph.zeroState(1), turns);
    const { norms, logProbability } = await gradientNorms(graph, ids.slice(start, position), ids[position], held, turns);
    const chars = Array.from(encoding.text);
    return {
      mode,
      position,
      target: chars[position],
      log_probability: logProbability,
      context: used,
      context_start: start,
      method: SALIENCY_METHOD,
      influence: norms.map((influence, k) => ({ index: start + k, char: chars[start + k], influence })),
    };
  });
}
