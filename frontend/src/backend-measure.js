// The backend chosen by measurement: a short burst of real steps of the loaded model, all lanes
// of the default run, on each backend worth measuring (backend.js candidates), the fastest
// kept. The result is remembered per device in localStorage, keyed by the model's shape, the
// TensorFlow.js version and the number of WASM threads, so later visits skip the measurement.
import * as tf from '@tensorflow/tfjs';

import { started, wasmThreadsSetting } from './backend.js';
import { Generator } from './generator.js';
import { NOTEBOOK_TEMPERATURES } from './run-options.js';
import { chooseStep } from './steps/index.js';

const BURST_MS = 80; // timed steps per backend, after one warm-up run
const CHUNK = 8; // steps per timed run
const STORAGE_PREFIX = 'tempera.backend.';

// What the measurement depends on: the model's shape, TensorFlow.js, and WASM's threads (a
// measurement made with other threads is not this page's).
export function measurementKey(units, vocabSize, threads = wasmThreadsSetting()) {
  return `${STORAGE_PREFIX}${tf.version.tfjs}.${units.join('x')}.${vocabSize}.wasm-threads-${threads}`;
}

// A stored measurement as remember() writes it: rates by backend, each steps/s or null (did
// not start), and a choice among them. Storage is the visitor's to edit, so nothing is assumed.
function isMeasurement(value) {
  if (value === null || typeof value !== 'object' || value.rates === null || typeof value.rates !== 'object') return false;
  const rates = Object.entries(value.rates);
  return rates.some(([name]) => name === value.choice) &&
    rates.every(([, rate]) => rate === null || (Number.isFinite(rate) && rate >= 0));
}

// {choice, rates} measured on an earlier visit, or null (none, unreadable, or storage blocked).
export function remembered(key) {
  try {
    const value = JSON.parse(window.localStorage.getItem(key));
    return isMeasurement(value) ? value : null;
  } catch {
    return null;
  }
}

export function remember(key, value) {
  try {
    window.localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // private browsing or a full storage: the next visit measures again
  }
}

// Steps per second of `model` on backend `name` (null when it does not start): one warm-up run
// (which compiles its kernels), then runs of CHUNK steps for BURST_MS, every default lane.
async function stepsPerSecond(model, vocab, maxlen, name) {
  if (!(await started(name))) return null;
  const { step, lookahead } = chooseStep(model, { backend: name });
  const generator = new Generator(step, vocab, maxlen, { lookahead });
  const run = { seedIds: [0], temperatures: [...NOTEBOOK_TEMPERATURES], length: CHUNK, rngSeed: 1, mode: 'stateful' };
  try {
    await generator.generate({ ...run, length: 2 }, { records: false });
    let steps = 0;
    const begun = performance.now();
    do {
      await generator.generate(run, { records: false });
      steps += CHUNK;
    } while (performance.now() - begun < BURST_MS);
    return steps / ((performance.now() - begun) / 1000);
  } finally {
    step.dispose();
  }
}

// {choice, rates: {name: steps/s or null}, ms}: every backend of `names` measured in turn; the
// backend left current is the fastest.
export async function measureBackends(model, vocab, maxlen, names) {
  const begun = performance.now();
  const rates = {};
  for (const name of names) rates[name] = await stepsPerSecond(model, vocab, maxlen, name);
  const measured = names.filter((name) => rates[name] !== null);
  if (measured.length === 0) throw new Error('no TensorFlow.js backend could start');
  const choice = measured.reduce((best, name) => (rates[name] > rates[best] ? name : best));
  await started(choice);
  return { choice, rates, ms: performance.now() - begun };
}

// "wasm: 9,800 steps/s, webgl: 275 → wasm"
export function describeRates({ choice, rates }) {
  const figures = Object.entries(rates).map(([name, rate]) => (rate === null
    ? `${name}: did not start` : `${name}: ${Math.round(rate).toLocaleString('en')} steps/s`));
  return `${figures.join(', ')} → ${choice}`;
}
