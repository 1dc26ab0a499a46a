// What bench/step_cost.mjs (Node) and bench/wasm_step_parts.js (a page) share to time an LSTM
// step: a median timer, a state as generation has it, and one whole step as the page takes it.
import { ReadBackStepper } from '../frontend/src/steppers.js';

// Median microseconds per call of fn: `calls` calls, `repeats` times, after a warm-up.
export function microseconds(fn, calls, repeats) {
  for (let i = 0; i < Math.min(200, calls); i++) fn();
  const runs = [];
  for (let r = 0; r < repeats; r++) {
    const started = performance.now();
    for (let i = 0; i < calls; i++) fn();
    runs.push(((performance.now() - started) / calls) * 1000);
  }
  return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)];
}

// A state as a step has it, from a few characters of input.
export function warmState(step, lanes) {
  return step.run(Array.from({ length: lanes }, (_, lane) => [lane + 3, lane + 9, lane + 1]));
}

// One stateful step as the page takes it: the probabilities read back, then the LSTM advanced.
export function wholeStep(step, lanes) {
  const stepper = new ReadBackStepper(step, warmState(step, lanes));
  const ids = Array.from({ length: lanes }, (_, lane) => lane + 3);
  return () => {
    stepper.next();
    stepper.accept(ids);
  };
}
