// The page's generator under Node on the CPU and WASM backends, with the page's own bundle
// loader and LSTM steps: what window.tempera.generate / score / probabilities give, for the
// runs tests/test_js_generator.py sends as JSON on stdin:
//   {bundle, runs: [{backend, mode, seedText, temperatures, length, rngSeed, topK, topP, minP,
//                    scoreText, direct}]}
// Prints [{lanes: [{text, steps, stats, direct}], seedText, score, leaked}] as JSON, where
// direct[k], for the run's first `direct` characters, is generator.probabilities() of the seed
// and the lane's first k characters at the drawn character: the same distribution computed on
// its own, not by the run.
import * as tf from '@tensorflow/tfjs';

import { Generator } from '../frontend/src/generator.js';
import { laneStatistics, scoreTotals } from '../frontend/src/likelihood.js';
import { chooseStep } from '../frontend/src/steps/index.js';
import { loadBundleFolder, readInput, useBackend } from '../harness/node-tfjs.mjs';

const input = await readInput();
const out = [];
for (const run of input.runs) {
  await useBackend(run.backend);
  const { meta, vocab, model } = await loadBundleFolder(input.bundle);
  const { step, lookahead } = chooseStep(model, { backend: run.backend });
  const generator = new Generator(step, vocab, meta.maxlen, { lookahead });
  const before = tf.memory().numTensors;
  const encoding = vocab.encodeSeed(run.seedText);
  const lanes = await generator.generate({
    seedIds: encoding.ids, temperatures: run.temperatures, length: run.length, rngSeed: run.rngSeed,
    mode: run.mode, filters: { topK: run.topK, topP: run.topP, minP: run.minP },
  }, { records: true });
  const result = { seedText: encoding.text, lanes: [] };
  for (const lane of lanes) {
    const chars = Array.from(lane.text);
    const ids = chars.map((c) => vocab.index.get(c));
    const direct = [];
    for (let k = 0; k < Math.min(run.direct ?? 0, chars.length); k++) {
      const p = await generator.probabilities([...encoding.ids, ...ids.slice(0, k)], run.mode);
      direct.push(p[ids[k]]);
    }
    result.lanes.push({ text: lane.text, steps: lane.records.toJSON(lane.text),
                        stats: laneStatistics(lane.records, lane.text), direct });
  }
  const scored = vocab.encodeSeed(run.scoreText, 'text');
  const records = await generator.score(scored.ids, run.mode);
  result.score = { ...scoreTotals(run.mode, scored, records),
                   chars: records.toJSON(Array.from(scored.text).slice(1).join('')) };
  result.leaked = tf.memory().numTensors - before;
  step.dispose?.();
  model.dispose();
  out.push(result);
}
// The generator's MessageChannel turns keep Node's event loop alive: leave once written.
process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(0));
