// Where a generation step's time goes, on the WASM and CPU backends, in Node (same
// TensorFlow.js, same V8 as Chromium): the whole stateful step as the page takes it
// (frontend/src/steppers.js ReadBackStepper over steps/wasm.js or steps/cpu.js), the gates
// inside it ([h | one-hot] times the stacked kernels, through a sigmoid) and the output layer
// (the logits from h): fused matMuls on WASM, plain loops on the CPU; for 1 and 4 lanes of the
// shipped model.
//
//     node bench/step_cost.mjs [--steps 2000] [--repeats 5]
import { parseArgs } from 'node:util';

import { chooseStep } from '../frontend/src/steps/index.js';
import { loadBundleFolder, useBackend } from '../harness/node-tfjs.mjs';
import { microseconds, warmState, wholeStep } from './step_timing.js';

const { values: args } = parseArgs({
  options: { steps: { type: 'string', default: '2000' }, repeats: { type: 'string', default: '5' } },
});
const STEPS = Number(args.steps);
const REPEATS = Number(args.repeats);

// The first layer's gate inputs as a step has them: h, then a one-hot character, per lane.
function gateInputs(step, lanes) {
  const units = step.units[0];
  const depth = units + step.vocabSize;
  const inputs = new Float32Array(lanes * depth);
  for (let lane = 0; lane < lanes; lane++) {
    for (let k = 0; k < units; k++) inputs[lane * depth + k] = Math.random() - 0.5;
    inputs[lane * depth + units + lane + 3] = 1;
  }
  return inputs;
}

console.log('| backend | lanes | whole step (µs) | gates alone (µs) | output layer alone (µs) | gates + output, share of the step | ' +
  '4-lane / 1-lane: step | 4-lane / 1-lane: gates |');
console.log('|---|---|---|---|---|---|---|---|');
for (const backend of ['wasm', 'cpu']) {
  await useBackend(backend);
  const { model } = await loadBundleFolder();
  const { step } = chooseStep(model);
  const times = {};
  for (const lanes of [1, 4]) {
    const inputs = gateInputs(step, lanes);
    const state = warmState(step, lanes);
    times[lanes] = {
      step: microseconds(wholeStep(step, lanes), STEPS, REPEATS),
      gates: microseconds(() => step.gates(0, inputs, lanes, () => {}), STEPS, REPEATS),
      output: microseconds(() => step.readLogits(state), STEPS, REPEATS),
    };
    step.disposeState(state);
  }
  step.dispose();
  model.dispose();
  for (const lanes of [1, 4]) {
    const { step: whole, gates, output } = times[lanes];
    const ratios = lanes === 4
      ? `${(whole / times[1].step).toFixed(2)} | ${(gates / times[1].gates).toFixed(2)}`
      : ' | ';
    console.log(`| ${backend} | ${lanes} | ${whole.toFixed(0)} | ${gates.toFixed(0)} | ${output.toFixed(0)} | ` +
      `${Math.round((100 * (gates + output)) / whole)} % | ${ratios} |`);
  }
}
