// Runs the page's LSTM steps under Node: each backend's own step against the generic step of
// small ops, on the cases tests/test_js_lstm.py sends as JSON on stdin, one result per case:
//   {backend, layers, recurrentActivation}  random weights, 16 units ('mixed': sigmoid, then
//                                           hardSigmoid)
//   {backend, model: 'shipped'}             the shipped bundle, read as the page reads it
// Prints [{case, step, difference, scale, leaked, keptAfterDispose}] as JSON.
import * as tf from '@tensorflow/tfjs';

import { chooseStep } from '../frontend/src/steps/index.js';
import { loadBundleFolder, readInput, useBackend } from '../harness/node-tfjs.mjs';

const VOCAB = 23;
const STEPS = 40;
const LANES = 4;

function randomModel({ layers, recurrentActivation }) {
  const m = tf.sequential();
  for (let i = 0; i < layers; i++) {
    m.add(tf.layers.lstm({
      units: 16,
      recurrentActivation: recurrentActivation === 'mixed' ? ['sigmoid', 'hardSigmoid'][i] : recurrentActivation,
      returnSequences: i < layers - 1, inputShape: i === 0 ? [null, VOCAB] : undefined,
      kernelInitializer: tf.initializers.randomNormal({ stddev: 0.5, seed: 10 + i }),
      recurrentInitializer: tf.initializers.randomNormal({ stddev: 0.5, seed: 20 + i }),
      biasInitializer: tf.initializers.randomNormal({ stddev: 0.5, seed: 30 + i }),
    }));
  }
  m.add(tf.layers.dense({ units: VOCAB, activation: 'softmax', kernelInitializer: tf.initializers.randomNormal({ stddev: 1, seed: 40 }) }));
  return m;
}

// The logits of every step when each lane reads its own ids from a shared zero start.
async function logitsOf(step, idsPerLane) {
  const zero = step.zeroState(1);
  let state = step.tile(zero, idsPerLane.length);
  step.disposeState(zero);
  const out = [];
  for (let t = 0; t < idsPerLane[0].length; t++) {
    const next = step.advance(state, idsPerLane.map((ids) => ids[t]));
    step.disposeState(state);
    state = next;
    out.push(...(await step.readLogits(state)));
  }
  step.disposeState(state);
  return out;
}

// The logits from the step chosen with `options`, and the tensors it left behind while
// running and once disposed.
async function run(model, options, idsPerLane) {
  const modelTensors = tf.memory().numTensors;
  const { step } = chooseStep(model, options);
  const before = tf.memory().numTensors;
  const logits = await logitsOf(step, idsPerLane);
  const leaked = tf.memory().numTensors - before;
  step.dispose();
  return { name: step.name, logits, leaked, keptAfterDispose: tf.memory().numTensors - modelTensors };
}

const results = [];
for (const testCase of await readInput()) {
  await useBackend(testCase.backend);
  const model = testCase.model === 'shipped' ? (await loadBundleFolder()).model : randomModel(testCase);
  const vocab = model.outputs[0].shape.at(-1);
  const idsPerLane = Array.from({ length: LANES }, (_, lane) => Array.from({ length: STEPS }, (_, t) => (lane * 7 + t * 5) % vocab));
  const own = await run(model, {}, idsPerLane);
  const generic = await run(model, { step: 'generic' }, idsPerLane);
  model.dispose();
  results.push({
    case: testCase,
    step: own.name,
    difference: Math.max(...own.logits.map((value, i) => Math.abs(value - generic.logits[i]))),
    scale: Math.max(...generic.logits.map(Math.abs)),
    leaked: Math.max(own.leaked, generic.leaked),
    keptAfterDispose: Math.max(own.keptAfterDispose, generic.keptAfterDispose),
  });
}
console.log(JSON.stringify(results));
