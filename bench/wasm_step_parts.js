// A page of its own for bench/browser.py --threads-only: the WASM step's matMuls alone against
// the whole step, for 1 and 4 lanes, with the threads this page gets. It starts the backend
// and builds the step with the page's own code (backend.js, bundle.js, steps/), so the matMuls
// are the very calls a generating page makes. bench/browser.py bundles it with esbuild into a
// copy of the built site and serves it with and without the isolation headers.
import { chooseBackend, wasmThreads } from '../frontend/src/backend.js';
import { loadBundle } from '../frontend/src/bundle.js';
import { ReadBackStepper } from '../frontend/src/steppers.js';
import { chooseStep } from '../frontend/src/steps/index.js';

// Median microseconds per call of fn: `calls` calls, `repeats` times, after a warm-up.
function microseconds(fn, calls, repeats) {
  for (let i = 0; i < calls / 4; i++) fn();
  const runs = [];
  for (let r = 0; r < repeats; r++) {
    const started = performance.now();
    for (let i = 0; i < calls; i++) fn();
    runs.push(((performance.now() - started) / calls) * 1000);
  }
  return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)];
}

// A state as generation has it, from a few characters of input.
function warmState(step, lanes) {
  return step.run(Array.from({ length: lanes }, (_, lane) => [lane + 3, lane + 9, lane + 1]));
}

// Every matMul of one step: each layer's gates (the real input widths) and the output layer.
function matMuls(step, lanes) {
  const inputs = step.units.map((units, index) => new Float32Array(lanes * (units + step.inputWidths[index])));
  const state = warmState(step, lanes);
  return () => {
    inputs.forEach((values, index) => step.gates(index, values, lanes, () => {}));
    step.readLogits(state);
  };
}

// One stateful step as the generator takes it: probabilities read back, the LSTM advanced.
function wholeStep(step, lanes) {
  const stepper = new ReadBackStepper(step, warmState(step, lanes));
  const ids = Array.from({ length: lanes }, (_, lane) => lane + 3);
  return () => {
    stepper.next();
    stepper.accept(ids);
  };
}

window.stepParts = async ({ model, calls, repeats }) => {
  await chooseBackend('wasm');
  const { step } = chooseStep((await loadBundle(new URL(`models/${model}/`, window.location.href).href)).model);
  const times = {};
  for (let r = 0; r < repeats; r++) {
    for (const lanes of [1, 4]) {
      for (const [part, make] of [['matMuls', matMuls], ['whole', wholeStep]]) {
        (times[`${part} ${lanes}`] ??= []).push(microseconds(make(step, lanes), calls, 3));
      }
    }
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return {
    threads: wasmThreads(),
    isolated: globalThis.crossOriginIsolated,
    ...Object.fromEntries(Object.entries(times).map(([key, values]) => [key, median(values)])),
  };
};
