// window.tempera, for scripts and tests: the page's generator without its lanes.
//   ready                          settles when the page has started (or could not)
//   generate({seedText, temperatures, length, rngSeed, mode, topK, topP, minP, records})
//       -> {lanes: [{temperature, top_k, top_p, min_p, text, steps, stats}], backend, seedText,
//           seedReport, notes}
//       topK, topP, minP: one number for every lane or an array of one per lane (left out: off);
//       steps and stats as `tempera sample --json` (left out with records: false)
//   score(text, mode)              what `tempera score --json` prints
//   probabilities(text, mode)      the next character's probabilities, in vocabulary order
//   activations(text, mode)        what `tempera activations --json` prints: every layer's h and c
//                                  after each character
//   saliency(text, position, {context, mode})
//                                  what `tempera saliency --json` prints: how much each character
//                                  before `position` moved the probability of the one there
//   memory()                       tf.memory(); backend, model: what runs now
//   backendChoice                  how the backend was chosen, what was measured, threads
import * as tf from '@tensorflow/tfjs';

import { activations, saliency } from './inside-model.js';
import { scoreTotals } from './likelihood.js';
import { laneDocument } from './run-document.js';
import { checkLength, checkMode, MODES, runNotes } from './run-options.js';
import { SeedError } from './vocab.js';

// A run keeps the model it started on, even if another is chosen meanwhile. hooks: onStart,
// onChars and shouldStop, as Generator.generate takes them (the embeddable module streams).
export async function generate(session, {
  seedText, temperatures, length, rngSeed, mode = MODES[0], topK, topP, minP, records = true,
} = {}, hooks = {}) {
  if (typeof seedText !== 'string') throw new SeedError('seedText must be a string');
  return session.model.use(async ({ generator, vocab }) => {
    const encoding = vocab.encodeSeed(seedText);
    const lanes = await generator.generate(
      { seedIds: encoding.ids, temperatures, length, rngSeed, mode, filters: { topK, topP, minP } },
      { ...hooks, signal: session.failure.signal, records: Boolean(records) },
    );
    return {
      lanes: lanes.map(laneDocument),
      backend: session.backend.name,
      seedText: encoding.text,
      seedReport: encoding.report,
      notes: runNotes(encoding, mode, checkLength(length)),
    };
  });
}

export async function score(session, text, mode = MODES[0]) {
  if (typeof text !== 'string') throw new SeedError('the text must be a string');
  checkMode(mode);
  return session.model.use(async ({ generator, vocab }) => {
    const encoding = vocab.encodeSeed(text, 'text');
    const records = await generator.score(encoding.ids, mode, { signal: session.failure.signal });
    const totals = scoreTotals(mode, encoding, records);
    return { ...totals, chars: records.toJSON(Array.from(encoding.text).slice(1).join('')) };
  });
}

async function probabilities(session, text, mode = MODES[0]) {
  if (typeof text !== 'string') throw new SeedError('the text must be a string');
  return session.model.use(({ generator, vocab }) => generator.probabilities(vocab.encodeSeed(text).ids, mode));
}

export function installApi(session, ready) {
  window.tempera = {
    ready,
    generate: async (options) => {
      await ready;
      return generate(session, options);
    },
    score: async (text, mode) => {
      await ready;
      return score(session, text, mode);
    },
    probabilities: async (text, mode) => {
      await ready;
      return probabilities(session, text, mode);
    },
    activations: async (text, mode) => {
      await ready;
      return activations(session, text, mode);
    },
    saliency: async (text, position, options) => {
      await ready;
      return saliency(session, text, position, options);
    },
    memory: () => tf.memory(),
    get backend() {
      return session.backend?.name;
    },
    // How the backend was chosen: {name, reason, forced, threads (WASM), measurement:
    // {choice, rates: {backend: steps/s}, ms, cached} or null where nothing was measured}.
    get backendChoice() {
      const backend = session.backend;
      return backend && { name: backend.name, reason: backend.reason, forced: backend.forced,
        threads: backend.threads ?? null, measurement: backend.measurement ?? null,
        crossOriginIsolated: Boolean(globalThis.crossOriginIsolated) };
    },
    get model() {
      return session.model?.entry.id ?? null;
    },
  };
}
