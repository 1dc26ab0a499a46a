// Where a generation step's time goes, on the WASM and CPU backends, in Node (same
// TensorFlow.js, same V8 as Chromium): the whole stateful step of the page's CharLstm
// against the gates inside it ([h | one-hot] times the stacked kernels, through a sigmoid:
// one fused matMul on WASM, plain loops on the CPU; see frontend/src/js-cell.js), for 1 and
// 4 lanes.
//
//     node bench/step_cost.mjs [--steps 2000] [--repeats 5]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

import { gatesOf } from '../frontend/src/js-cell.js';
import { CharLstm, disposeState, tileState } from '../frontend/src/lstm.js';
import { StatefulStepper } from '../frontend/src/steppers.js';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values: args } = parseArgs({
  options: { steps: { type: 'string', default: '2000' }, repeats: { type: 'string', default: '5' } },
});
const STEPS = Number(args.steps);
const REPEATS = Number(args.repeats);

async function loadShippedModel() {
  const dir = path.join(root, 'models', 'nietzsche');
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json')));
  const shards = json.weightsManifest.flatMap((group) => group.paths.map((p) => fs.readFileSync(path.join(dir, p))));
  const data = Buffer.concat(shards);
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.length),
  }));
}

// Median microseconds per call of fn over STEPS calls, REPEATS times.
function microseconds(fn) {
  for (let i = 0; i < 200; i++) fn();
  const runs = [];
  for (let r = 0; r < REPEATS; r++) {
    const started = performance.now();
    for (let i = 0; i < STEPS; i++) fn();
    runs.push(((performance.now() - started) / STEPS) * 1000);
  }
  return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)];
}

// One stateful step as the page takes it: logits read back, then the LSTM advanced.
function stepper(lstm, lanes) {
  const zero = lstm.zeroState(1);
  const stepper = new StatefulStepper(lstm, tileState(zero, lanes));
  disposeState(zero);
  const ids = Array.from({ length: lanes }, (_, lane) => lane + 3);
  return () => {
    stepper.next();
    stepper.accept(ids);
  };
}

setWasmPaths(path.join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + path.sep);
console.log('| backend | lanes | whole step (µs) | gates alone (µs) | share of the step | ' +
  '4-lane / 1-lane: step | 4-lane / 1-lane: gates |');
console.log('|---|---|---|---|---|---|---|');
for (const backend of ['wasm', 'cpu']) {
  await tf.setBackend(backend);
  const lstm = new CharLstm(await loadShippedModel());
  const layer = lstm.layers[0];
  const rows = {};
  for (const lanes of [1, 4]) {
    // Rows as a step has them: h, then a one-hot character.
    const { depth } = layer.stacked;
    const side = new Float32Array(lanes * depth);
    for (let lane = 0; lane < lanes; lane++) {
      for (let k = 0; k < layer.units; k++) side[lane * depth + k] = Math.random() - 0.5;
      side[lane * depth + layer.units + lane + 3] = 1;
    }
    rows[lanes] = {
      step: microseconds(stepper(lstm, lanes)),
      gates: microseconds(() => gatesOf(side, lanes, layer.stacked, () => {})),
    };
  }
  for (const lanes of [1, 4]) {
    const { step, gates } = rows[lanes];
    const ratios = lanes === 4
      ? `${(step / rows[1].step).toFixed(2)} | ${(gates / rows[1].gates).toFixed(2)}`
      : ' | ';
    console.log(`| ${backend} | ${lanes} | ${step.toFixed(0)} | ${gates.toFixed(0)} | ` +
      `${Math.round((100 * gates) / step)} % | ${ratios} |`);
  }
}
