// Lanes across bundles under Node, as the page runs them (epoch-lanes.js generateAcross): for
// {bundles, backend, seedText, temperatures, length, rngSeed} on stdin, lane k is a one-lane run
// of bundles[k] at temperatures[k]. Prints {lanes: [text], stepped: [text], started} as JSON:
// the texts the runs returned, the texts as handed on step by step, and how many lanes' records
// onStart was given.
import { generateAcross } from '../frontend/src/epoch-lanes.js';
import { Generator } from '../frontend/src/generator.js';
import { LoadedModel } from '../frontend/src/loaded-model.js';
import { chooseStep } from '../frontend/src/steps/index.js';
import { loadBundleFolder, readInput, useBackend } from '../harness/node-tfjs.mjs';

const run = await readInput();
await useBackend(run.backend);
const models = [];
for (const [index, folder] of run.bundles.entries()) {
  const bundle = await loadBundleFolder(folder);
  const { step, lookahead } = chooseStep(bundle.model, { backend: run.backend });
  const generator = new Generator(step, bundle.vocab, bundle.meta.maxlen, { lookahead });
  models.push(new LoadedModel({ id: String(index), name: folder }, bundle, step, generator));
}
const encoding = models[0].vocab.encodeSeed(run.seedText);
const stepped = models.map(() => '');
let started = null;
const lanes = await generateAcross(models, {
  seedIds: encoding.ids, temperatures: run.temperatures, length: run.length, rngSeed: run.rngSeed, mode: 'stateful',
}, {
  onStart: (records) => {
    started = records.length;
  },
  onChars: (chars, step) => {
    if (step !== Array.from(stepped[0]).length) throw new Error(`step ${step} out of order`);
    chars.forEach((c, lane) => {
      stepped[lane] += c;
    });
  },
});
models.forEach((model) => model.retire());
process.stdout.write(`${JSON.stringify({ lanes: lanes.map((lane) => lane.text), stepped, started })}\n`, () => process.exit(0));
