// Runs the page's scorer under Node on the cases tests/test_js_scoring.py sends as JSON on stdin:
// {backend, mode}, on the shipped bundle. Each case scores one text with Generator.score (the
// blocks of steppers.js) and feeds the same text one id at a time, reading every step's logits
// (the plain way), then scores it again with a stop asked for after the first progress report.
// Prints [{case, count, total, maxDifference, ranksDiffer, stoppedAt, progressCalls, leaked}].
import * as tf from '@tensorflow/tfjs';

import { Generator } from '../frontend/src/generator.js';
import { rankOf } from '../frontend/src/likelihood.js';
import { chooseStep } from '../frontend/src/steps/index.js';
import { softmaxRows } from '../frontend/src/steppers.js';
import { loadBundleFolder, readInput, useBackend } from '../harness/node-tfjs.mjs';

const LENGTH = 300;

// The distribution after each prefix, one step and one read-back at a time.
async function plainDistributions(step, ids, mode, maxlen) {
  const rows = [];
  let state = step.zeroState(1);
  for (let at = 0; at + 1 < ids.length; at++) {
    if (mode === 'window') {
      const windowState = step.run([ids.slice(Math.max(0, at + 1 - maxlen), at + 1)]);
      rows.push(softmaxRows(await step.readLogits(windowState), step.vocabSize));
      step.disposeState(windowState);
      continue;
    }
    const next = step.advance(state, [ids[at]]);
    step.disposeState(state);
    state = next;
    rows.push(softmaxRows(await step.readLogits(state), step.vocabSize));
  }
  step.disposeState(state);
  return rows;
}

const results = [];
for (const testCase of await readInput()) {
  await useBackend(testCase.backend);
  const { model, meta } = await loadBundleFolder();
  const { step } = chooseStep(model);
  const size = step.vocabSize;
  const ids = Array.from({ length: LENGTH }, (_, t) => (t * 7 + ((t * t) % 11)) % size);
  const generator = new Generator(step, { size }, meta.maxlen);
  const before = tf.memory().numTensors;
  const records = await generator.score(ids, testCase.mode);
  const plain = await plainDistributions(step, ids, testCase.mode, meta.maxlen);
  let maxDifference = 0;
  let ranksDiffer = 0;
  plain.forEach((p, at) => {
    maxDifference = Math.max(maxDifference, Math.abs(p[ids[at + 1]] - records.p[at]));
    if (rankOf(p, ids[at + 1]) !== records.rank[at]) ranksDiffer += 1;
  });
  // A stop asked for at the first progress report ends the scoring at the next turn.
  let progressCalls = 0;
  const stopped = await new Generator(step, { size }, meta.maxlen).score(ids.concat(ids, ids, ids), testCase.mode, {
    onProgress: () => {
      progressCalls += 1;
    },
    shouldStop: () => progressCalls > 0,
  });
  const leaked = tf.memory().numTensors - before;
  step.dispose();
  model.dispose();
  results.push({
    case: testCase, count: records.count, total: ids.length - 1, maxDifference, ranksDiffer,
    stoppedAt: stopped.count, stoppedTotal: 4 * ids.length - 1, progressCalls, leaked,
  });
}
console.log(JSON.stringify(results));
