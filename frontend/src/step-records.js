// One lane's (or one scored text's) per-character records, the page's copy of
// tempera/likelihood.py's StepRecords: p, rank, entropy_bits and u of each character, in typed
// arrays allocated once for the run's length: a long run is hundreds of thousands of
// characters, which must not become as many objects. Plain JavaScript numbers are float64, as
// the contract asks.
import { filtersActive, laneWeights, NO_FILTERS } from './sampling.js';

const FIRST_ALLOCATION = 4096; // characters of records a run starts with

// A typed array of `size` × `width` entries that keeps the first `count` × `width` of `array`.
export function grownArray(array, Type, size, count, width = 1) {
  const next = new Type(size * width);
  if (array) next.set(array.subarray(0, count * width));
  return next;
}

export class StepRecords {
  // capacity: the most characters the run can have; the arrays start small and grow towards
  // it, so a run that is stopped early (or starts) does not pay for its whole length at once.
  constructor(capacity, { withU = true, vocabSize = 256, temperature = 1, filters = NO_FILTERS } = {}) {
    this.count = 0;
    this.capacity = capacity;
    this.temperature = temperature; // the lane's: what its q is (1 when scoring)
    this.filters = filters; // the lane's, which set some of its q to 0 (none when scoring)
    // The lane's distribution at the step last recorded: q_i = weights[i] / total, and
    // removed[i] = 1 where the filters took character i out.
    this.removed = filtersActive(filters) && temperature !== 0 ? new Uint8Array(vocabSize) : null;
    this.weights = null;
    this.total = 1;
    this.withU = withU;
    this.allocate(Math.min(capacity, FIRST_ALLOCATION));
  }

  // Room for `size` characters, keeping what is recorded.
  allocate(size) {
    this.p = grownArray(this.p, Float64Array, size, this.count);
    this.rank = grownArray(this.rank, Uint32Array, size, this.count);
    this.entropyBits = grownArray(this.entropyBits, Float64Array, size, this.count);
    this.u = this.withU ? grownArray(this.u, Float64Array, size, this.count) : null;
    this.allocated = size;
  }

  // The character `chosen` drawn from p[offset .. offset + size) at the lane's temperature with
  // uniform u (null when scoring: the distribution is p itself). Returns its rank.
  record(p, chosen, u = null, offset = 0, size = p.length - offset) {
    if (this.count === this.allocated) {
      if (this.count === this.capacity) throw new RangeError('StepRecords: the run is longer than its records');
      this.allocate(Math.min(this.capacity, 2 * this.allocated));
    }
    const at = this.count;
    const mine = p[offset + chosen];
    let rank = 1;
    let largest = 0;
    for (let i = 0; i < size; i++) {
      const other = p[offset + i];
      if (other > mine || (other === mine && i < chosen)) rank += 1;
      if (other > largest) largest = other;
    }
    this.p[at] = mine;
    this.rank[at] = rank;
    this.entropyBits[at] = this.temperature === 0 ? 0 : this.entropyOf(p, offset, size, Math.log(largest));
    if (this.u) this.u[at] = u;
    this.count += 1;
    return rank;
  }

  // Entropy of the lane's distribution from its weights w_i = exp((ln p_i − max ln p) / T),
  // filtered: H = ln W − Σ w_i ln w_i / W, with W = Σ w_i. A tiny T sends every weight but the
  // largest to 0, as in the reference.
  entropyOf(p, offset, size, maxLog) {
    const t = this.temperature;
    const weights = this.weights?.length === size ? this.weights : (this.weights = new Float64Array(size));
    laneWeights(p, t, offset, size, this.filters, weights, this.removed);
    let total = 0;
    let weighted = 0;
    for (let i = 0; i < size; i++) {
      if (weights[i] === 0) continue;
      total += weights[i];
      weighted += weights[i] * ((Math.log(p[offset + i]) - maxLog) / t);
    }
    this.total = total;
    return Math.max(0, Math.log(total) - weighted / total) / Math.LN2;
  }

  // The lane's probability (its q) of character `id` at the step last recorded; at T = 0 the
  // greedy pick has 1, everything else 0.
  laneShare(id, isTop1) {
    if (this.temperature === 0) return isTop1 ? 1 : 0;
    return this.weights[id] / this.total;
  }

  // The records as plain objects with the names the Python reference uses.
  toJSON(text) {
    const chars = Array.from(text);
    return Array.from({ length: this.count }, (_, i) => ({
      char: chars[i],
      p: this.p[i],
      rank: this.rank[i],
      entropy_bits: this.entropyBits[i],
      ...(this.u ? { u: this.u[i] } : {}),
    }));
  }
}
