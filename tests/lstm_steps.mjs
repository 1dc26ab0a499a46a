// Runs the page's CharLstm under Node: each backend's fused step against the generic step of
// small ops, on random LSTM weights. Prints the largest differences as JSON.
//     node tests/lstm_steps.mjs
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

import { CharLstm, disposeState, tileState } from '../frontend/src/lstm.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const VOCAB = 23;
const STEPS = 40;

// recurrentActivation: one name for every layer, or 'mixed' (sigmoid, then hardSigmoid).
function model(layers, units, recurrentActivation) {
  const m = tf.sequential();
  for (let i = 0; i < layers; i++) {
    m.add(tf.layers.lstm({
      units,
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

// Logits of every step when `lanes` lanes read their own id sequences from a shared start.
function logitsOf(lstm, rows) {
  const zero = lstm.zeroState(1);
  let state = tileState(zero, rows.length);
  disposeState(zero);
  const out = [];
  for (let t = 0; t < rows[0].length; t++) {
    const next = lstm.advance(rows.map((row) => row[t]), state);
    disposeState(state);
    state = next;
    const logits = lstm.logits(state);
    out.push(...logits.dataSync());
    logits.dispose();
  }
  disposeState(state);
  return out;
}

setWasmPaths(path.join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + path.sep);
const rows = Array.from({ length: 4 }, (_, lane) => Array.from({ length: STEPS }, (_, t) => (lane * 7 + t * 5) % VOCAB));
const results = [];
for (const backend of ['cpu', 'wasm']) {
  await tf.setBackend(backend);
  for (const [layers, recurrentActivation] of [[1, 'sigmoid'], [2, 'sigmoid'], [2, 'hardSigmoid'], [2, 'mixed']]) {
    const layersModel = model(layers, 16, recurrentActivation);
    const modelTensors = tf.memory().numTensors;
    const lstm = new CharLstm(layersModel);
    const tensorsBefore = tf.memory().numTensors;
    const fused = logitsOf(lstm, rows);
    const fusedCells = lstm.layers.map((layer) => layer.fusedCell);
    lstm.layers.forEach((layer) => { layer.fusedCell = null; });
    lstm.inJavaScript = false;
    const generic = logitsOf(lstm, rows);
    const difference = Math.max(...fused.map((value, i) => Math.abs(value - generic[i])));
    const scale = Math.max(...generic.map(Math.abs));
    const leaked = tf.memory().numTensors - tensorsBefore;
    lstm.dispose();
    const keptAfterDispose = tf.memory().numTensors - modelTensors;
    layersModel.dispose();
    results.push({ backend, layers, recurrentActivation, fusedCells, difference, scale, leaked, keptAfterDispose });
  }
}
console.log(JSON.stringify(results));
