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
  const t = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
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

// The index drawn by uniform u at this temperature from probabilities p[offset .. offset+size).
export function draw(p, temperature, u, offset = 0, size = p.length - offset) {
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < size; i++) if (p[offset + i] > p[offset + best]) best = i;
    return best;
  }
  let maxLog = -Infinity;
  for (let i = 0; i < size; i++) maxLog = Math.max(maxLog, Math.log(p[offset + i]));
  const cumulative = new Float64Array(size);
  let total = 0;
  for (let i = 0; i < size; i++) {
    total += Math.exp((Math.log(p[offset + i]) - maxLog) / temperature);
    cumulative[i] = total;
  }
  const target = u * total;
  for (let i = 0; i < size; i++) if (cumulative[i] > target) return i;
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
