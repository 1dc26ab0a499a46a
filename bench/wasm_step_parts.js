// A page of its own for bench/browser.py --threads-only: the WASM step's matMuls alone against
// the whole step, for 1 and 4 lanes, with the threads this page gets. It starts the backend
// and builds the step with the page's own code (backend.js, bundle.js, steps/), so the matMuls
// are the very calls a generating page makes. bench/browser.py bundles it with esbuild into a
// copy of the built site and serves it with and without the isolation headers.
import { chooseBackend, wasmThreads } from '../frontend/src/backend.js';
import { loadBundle } from '../frontend/src/bundle.js';
import { chooseStep } from '../frontend/src/steps/index.js';
import { microseconds, warmState, wholeStep } from './step_timing.js';

// Every matMul of one step: each layer's gates (the real input widths) and the output layer.
function matMuls(step, lanes) {
  const inputs = step.units.map((units, index) => new Float32Array(lanes * (units + step.inputWidths[index])));
  const state = warmState(step, lanes);
  return () => {
    inputs.forEach((values, index) => step.gates(index, values, lanes, () => {}));
    step.readLogits(state);
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
