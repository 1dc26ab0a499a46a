// What the filters add to a draw, without the model: `node bench/filter_cost.mjs`.
// Four lanes of a 57-character distribution (the shipped model's vocabulary), drawn 20,000
// times per setting after a warm-up round; prints µs per step (all four lanes), the median of 5.
import { draw } from '../frontend/src/sampling.js';

const SIZE = 57;
const LANES = 4;
const STEPS = 20000;
const SETTINGS = {
  'temperature alone': undefined,
  'min-p 0.05': { topK: 0, topP: 1, minP: 0.05 },
  'top-k 20': { topK: 20, topP: 1, minP: 0 },
  'top-p 0.9': { topK: 0, topP: 0.9, minP: 0 },
  'all three': { topK: 20, topP: 0.9, minP: 0.05 },
};

// A peaked distribution per lane, as a character model's usually is.
function distributions(seed) {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  const p = new Float64Array(SIZE * LANES);
  for (let lane = 0; lane < LANES; lane++) {
    let total = 0;
    for (let i = 0; i < SIZE; i++) total += (p[lane * SIZE + i] = random() ** 6);
    for (let i = 0; i < SIZE; i++) p[lane * SIZE + i] /= total;
  }
  return p;
}

function microsecondsPerStep(p, filters) {
  const started = performance.now();
  let sink = 0;
  for (let step = 0; step < STEPS; step++) {
    for (let lane = 0; lane < LANES; lane++) sink += draw(p, 1.0, (step % 97) / 97, lane * SIZE, SIZE, filters);
  }
  if (sink < 0) console.log(sink); // keeps the loop from being optimised away
  return ((performance.now() - started) / STEPS) * 1000;
}

const p = distributions(7);
console.log('| setting | µs per step, 4 lanes (median of 5) |\n|---|---|');
for (const [name, filters] of Object.entries(SETTINGS)) {
  microsecondsPerStep(p, filters); // warm-up
  const runs = Array.from({ length: 5 }, () => microsecondsPerStep(p, filters)).sort((a, b) => a - b);
  console.log(`| ${name} | ${runs[2].toFixed(1)} |`);
}
