// The sampling contract of docs/sampling.md, mirrored from tempera/sampling.py and rng.py.
// Plain JavaScript numbers are float64, as the contract asks.

export const MAX_RNG_SEED = 2 ** 32 - 1;
const GOLDEN_GAMMA = 0x9e3779b9; // spreads the per-lane seeds apart

export class SamplingError extends Error {}

// Mulberry32, bit for bit as the well-known generator.
export function mulberry32(seed) {
  let a = seed >>> 0;
  return {
    nextUint32() {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (t ^ (t >>> 14)) >>> 0;
    },
    uniform() {
      return this.nextUint32() / 4294967296;
    },
  };
}

export function laneSeed(rngSeed, lane) {
  return (rngSeed + lane * GOLDEN_GAMMA) % 4294967296;
}

export function checkTemperature(value) {
  const t = asNumber(value);
  if (typeof t !== 'number' || Number.isNaN(t)) {
    throw new SamplingError(`temperature must be a number, got ${JSON.stringify(value)}`);
  }
  if (!Number.isFinite(t)) throw new SamplingError(`temperature must be a finite number, got ${t}`);
  if (t < 0) throw new SamplingError(`temperature must be 0 (greedy) or positive, got ${t}`);
  return t;
}

export function checkRngSeed(value) {
  const seed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_RNG_SEED) {
    throw new SamplingError(`rng seed must be an integer between 0 and ${MAX_RNG_SEED}, got ${value}`);
  }
  return seed;
}

// Number() as a form field or a URL would give it; anything else is left for the check to refuse.
function asNumber(value) {
  return typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
}

// How a filter value may be written as text: plain decimal notation, as both Number() and
// Python's float() read it (tempera/sampling.py's DECIMAL: not "0x10", "1_000", "Infinity").
const DECIMAL = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;
const NOT_FINITE = /^[+-]?(inf|infinity|nan)$/i;

function finiteNumber(value, what) {
  if (typeof value === 'string' && NOT_FINITE.test(value.trim())) {
    throw new SamplingError(`${what} must be a finite number, got ${JSON.stringify(value)}`);
  }
  if (typeof value === 'string' && !DECIMAL.test(value.trim())) {
    throw new SamplingError(`${what} must be a number, got ${JSON.stringify(value)}`);
  }
  const number = asNumber(value);
  if (typeof number !== 'number' || Number.isNaN(number)) {
    throw new SamplingError(`${what} must be a number, got ${JSON.stringify(value)}`);
  }
  if (!Number.isFinite(number)) throw new SamplingError(`${what} must be a finite number, got ${value}`);
  return number;
}

// The filters of docs/sampling.md: top-k a whole number ≥ 0 (0: off), top-p in (0, 1] (1: off),
// min-p in [0, 1) (0: off).
export function checkTopK(value) {
  const k = finiteNumber(value, 'top-k');
  if (!Number.isInteger(k) || k < 0) throw new SamplingError(`top-k must be a whole number, 0 (off) or more, got ${value}`);
  return k;
}

export function checkTopP(value) {
  const p = finiteNumber(value, 'top-p');
  if (!(p > 0 && p <= 1)) throw new SamplingError(`top-p must be above 0 and at most 1 (off), got ${value}`);
  return p;
}

export function checkMinP(value) {
  const m = finiteNumber(value, 'min-p');
  if (!(m >= 0 && m < 1)) throw new SamplingError(`min-p must be 0 (off) or more and below 1, got ${value}`);
  return m;
}

// The lane filters, the one description the page, its address and the API read: each filter's
// key in a lane's filters, its name in the address (?k=) and in JSON as tempera writes it, its
// label (also its field's class), the value that is off, and the check that reads a number or
// its text.
export const FILTERS = Object.freeze([
  Object.freeze({ key: 'topK', urlName: 'k', jsonName: 'top_k', label: 'top-k', off: 0, check: checkTopK, isOn: (k) => k > 0 }),
  Object.freeze({ key: 'topP', urlName: 'p', jsonName: 'top_p', label: 'top-p', off: 1, check: checkTopP, isOn: (p) => p < 1 }),
  Object.freeze({ key: 'minP', urlName: 'minp', jsonName: 'min_p', label: 'min-p', off: 0, check: checkMinP, isOn: (m) => m > 0 }),
]);

export const NO_FILTERS = Object.freeze(Object.fromEntries(FILTERS.map(({ key, off }) => [key, off])));

export function filtersActive(filters) {
  return FILTERS.some(({ key, isOn }) => isOn(filters[key]));
}

// What is on, as a lane's label says it: "top-k 40 · min-p 0.1" ('' when nothing is).
export function filtersLabel(filters) {
  return FILTERS.filter(({ key, isOn }) => isOn(filters[key]))
    .map(({ key, label }) => `${label} ${filters[key]}`).join(' · ');
}

// A lane's filters from their text as typed, {topK: '40', topP: '', ...}: an empty text is off;
// a value that is no filter value throws SamplingError.
export function filtersFromText(texts) {
  return Object.fromEntries(FILTERS.map(({ key, off, check }) => [key, texts[key].trim() === '' ? off : check(texts[key])]));
}

// Scratch arrays by vocabulary size: a draw runs for every lane at every step.
const scratch = new Map();
function scratchFor(size) {
  let arrays = scratch.get(size);
  if (!arrays) scratch.set(size, (arrays = { weights: new Float64Array(size), order: new Int32Array(size) }));
  return arrays;
}

// Sets to 0 the weights w[0 .. size) that the filters remove (docs/sampling.md); where
// `removed` is given, removed[i] becomes 1 for a weight above 0 that was set to 0, else 0.
export function filterWeights(w, size, { topK, topP, minP }, removed = null) {
  if (removed) removed.fill(0, 0, size);
  const drop = (i) => {
    if (removed && w[i] > 0) removed[i] = 1;
    w[i] = 0;
  };
  let kept = size;
  let order = null;
  if ((topK > 0 && topK < size) || topP < 1) {
    // Largest weight first, the lower index first among equals: an insertion sort, which for
    // a vocabulary of tens of characters costs less than calling a comparator.
    order = scratchFor(size).order;
    for (let i = 0; i < size; i++) {
      const weight = w[i];
      let j = i;
      while (j > 0 && w[order[j - 1]] < weight) {
        order[j] = order[j - 1];
        j -= 1;
      }
      order[j] = i;
    }
  }
  if (topK > 0 && topK < size) {
    for (let r = topK; r < size; r++) drop(order[r]);
    kept = topK;
  }
  if (topP < 1) {
    let total = 0;
    for (let i = 0; i < size; i++) total += w[i]; // S, in index order as the draw adds
    const target = topP * total;
    let running = 0;
    let cut = kept - 1; // rounding can leave the running sum short of p × S: keep all
    for (let r = 0; r < kept; r++) {
      running += w[order[r]];
      if (running >= target) {
        cut = r;
        break;
      }
    }
    for (let r = cut + 1; r < kept; r++) drop(order[r]);
  }
  if (minP > 0) {
    let top = 0;
    for (let i = 0; i < size; i++) if (w[i] > top) top = w[i];
    const threshold = minP * top;
    for (let i = 0; i < size; i++) if (w[i] < threshold) drop(i);
  }
}

// The weights a lane draws from, unnormalised (tempera/sampling.py's lane_weights), for
// p[offset .. offset + size), written into `out`: w_i = exp((ln p_i − max ln p) / T), then the
// lane's filters (`removed` as filterWeights takes it). T = 0 is one-hot at the greedy pick
// (the lower index among equals), the filters ignored.
export function laneWeights(p, temperature, offset = 0, size = p.length - offset, filters = NO_FILTERS,
  out = new Float64Array(size), removed = null) {
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < size; i++) if (p[offset + i] > p[offset + best]) best = i;
    out.fill(0, 0, size);
    out[best] = 1;
    return out;
  }
  let maxLog = -Infinity;
  for (let i = 0; i < size; i++) maxLog = Math.max(maxLog, Math.log(p[offset + i]));
  for (let i = 0; i < size; i++) out[i] = Math.exp((Math.log(p[offset + i]) - maxLog) / temperature);
  if (filtersActive(filters)) filterWeights(out, size, filters, removed);
  return out;
}

// The index drawn by uniform u at this temperature, after the lane's filters, from
// probabilities p[offset .. offset+size). T = 0 is greedy and ignores the filters.
export function draw(p, temperature, u, offset = 0, size = p.length - offset, filters = NO_FILTERS) {
  const weights = laneWeights(p, temperature, offset, size, filters, scratchFor(size).weights);
  let total = 0;
  for (let i = 0; i < size; i++) total += weights[i];
  const target = u * total;
  let running = 0;
  for (let i = 0; i < size; i++) {
    running += weights[i];
    if (running > target) return i;
  }
  return size - 1; // unreachable: u < 1 keeps target below total
}

// One Mulberry32 stream per lane, with look-ahead: peek(n) shows the next n uniforms of each
// lane (as n arrays, one uniform per lane) without using them up; take() uses up one row.
export class LaneUniforms {
  constructor(rngSeed, lanes) {
    this.rngs = Array.from({ length: lanes }, (_, lane) => mulberry32(laneSeed(rngSeed, lane)));
    this.ahead = [];
  }

  peek(n) {
    while (this.ahead.length < n) this.ahead.push(this.rngs.map((rng) => rng.uniform()));
    return this.ahead.slice(0, n);
  }

  take() {
    this.peek(1);
    return this.ahead.shift();
  }
}
