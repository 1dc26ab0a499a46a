// window.tempera, for scripts and tests: the page's generator without its lanes.
//   ready                          settles when the page has started (or could not)
//   generate({seedText, temperatures, length, rngSeed, mode}) -> {lanes, backend, seedText, seedReport, notes}
//   probabilities(text, mode)      the next character's probabilities, in vocabulary order
//   memory()                       tf.memory(); backend, model: what runs now
import * as tf from '@tensorflow/tfjs';

import { checkLength, MODES, runNotes } from './run-options.js';
import { SeedError } from './vocab.js';

// A run keeps the model it started on, even if another is chosen meanwhile.
async function generate(session, { seedText, temperatures, length, rngSeed, mode = MODES[0] } = {}) {
  if (typeof seedText !== 'string') throw new SeedError('seedText must be a string');
  return session.model.use(async ({ generator, vocab }) => {
    const encoding = vocab.encodeSeed(seedText);
    const lanes = await generator.generate(
      { seedIds: encoding.ids, temperatures, length, rngSeed, mode },
      { signal: session.failure.signal },
    );
    return {
      lanes,
      backend: session.backend.name,
      seedText: encoding.text,
      seedReport: encoding.report,
      notes: runNotes(encoding, mode, checkLength(length)),
    };
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
    probabilities: async (text, mode) => {
      await ready;
      return probabilities(session, text, mode);
    },
    memory: () => tf.memory(),
    get backend() {
      return session.backend?.name;
    },
    get model() {
      return session.model?.entry.id ?? null;
    },
  };
}
