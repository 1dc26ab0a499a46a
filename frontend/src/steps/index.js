// Which LSTM step a model runs, decided once, from this one table: the backend's own step where
// the activations are the usual ones (tanh, sigmoid gates), else the generic step of small ops;
// and how many steps the device draws ahead of each read-back (1: none; more needs a step
// whose state stays on the device, WebGL's or the generic one).
import * as tf from '@tensorflow/tfjs';

import { CpuStep } from './cpu.js';
import { GenericStep } from './generic.js';
import { readWeights, usualActivations } from './model-weights.js';
import { WasmStep } from './wasm.js';
import { WebglStep } from './webgl.js';

export const STEPS = {
  // A WebGL read-back waits for the GPU: the device draws 16 steps for each one.
  webgl: { Step: WebglStep, lookahead: 16 },
  // Reading back is a memory copy here: one per step.
  wasm: { Step: WasmStep, lookahead: 1 },
  cpu: { Step: CpuStep, lookahead: 1 },
};
const ELSEWHERE = { Step: GenericStep, lookahead: 1 };

// {step, lookahead} for the layers-model on `backend`. step: 'own' (the backend's, where the
// activations allow) or 'generic', whatever the backend: the tests hold the others to it.
export function chooseStep(model, { backend = tf.getBackend(), step = 'own' } = {}) {
  const weights = readWeights(model);
  const row = STEPS[backend] ?? ELSEWHERE;
  const Step = step === 'generic' || !usualActivations(weights) ? GenericStep : row.Step;
  return { step: new Step(weights), lookahead: row.lookahead };
}
