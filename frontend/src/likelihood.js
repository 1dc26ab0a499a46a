// How likely each character was under the model: rank, probability, entropy, lane statistics.
// The definitions are in docs/sampling.md ("How likely each character was"); this mirrors
// tempera/likelihood.py, and tests/test_js_likelihood.py holds the two together.
// Plain JavaScript numbers are float64, as the contract asks.
import { filtersActive, laneWeights, NO_FILTERS } from './sampling.js';

// 1 for the most likely character; ties go to the lower vocabulary index.
// p is read at [offset, offset + size), so one lane of a [lanes × size] array can be ranked.
export function rankOf(p, index, offset = 0, size = p.length - offset) {
  const mine = p[offset + index];
  let rank = 1;
  for (let i = 0; i < size; i++) {
    const other = p[offset + i];
    if (other > mine || (other === mine && i < index)) rank += 1;
  }
  return rank;
}

// The distribution a lane draws from: q of the contract's temperature step, filtered and
// normalised; one-hot at the greedy pick for T = 0.
export function laneDistribution(p, temperature, offset = 0, size = p.length - offset, filters = NO_FILTERS) {
  const q = laneWeights(p, temperature, offset, size, filters);
  let total = 0;
  for (let i = 0; i < size; i++) total += q[i];
  for (let i = 0; i < size; i++) q[i] /= total;
  return q;
}

// −Σ q log2 q over the characters with q > 0.
export function entropyBits(q) {
  let sum = 0;
  for (const value of q) if (value > 0) sum -= value * Math.log(value);
  return sum / Math.LN2 + 0; // + 0: a certain pick is 0, not −0
}

// Mean −log2 p; a probability that underflowed to 0 counts as the smallest float (1022 bits).
export function bitsPerChar(p, count = p.length) {
  if (count === 0) return null;
  let sum = 0;
  for (let i = 0; i < count; i++) sum -= Math.log(Math.max(p[i], 2.2250738585072014e-308));
  return sum / count / Math.LN2;
}

// Distinct 4-character substrings / all of them; characters are code points. null below 4.
export function distinct4(text) {
  const chars = Array.from(text);
  if (chars.length < 4) return null;
  const seen = new Set();
  for (let i = 0; i + 4 <= chars.length; i++) seen.add(chars.slice(i, i + 4).join(''));
  return seen.size / (chars.length - 3);
}

// How many of the model's top candidates each step keeps for the inspector.
export const TOP_CANDIDATES = 10;
const FIRST_ALLOCATION = 4096; // characters of records a run starts with

// One lane's (or one scored text's) per-character records in typed arrays, allocated once for
// the run's length: a long run is hundreds of thousands of characters, which must not become
// as many objects. Beside the contract's p, rank, entropy_bits and u, each step keeps the lane's
// q of the drawn character and its top candidates (ids, p and q, computed in float64 and kept
// in float32: 1e-7 is far below what a bar or a percentage shows), so the inspector can show
// any step without keeping the whole distribution.
export class StepRecords {
  // capacity: the most characters the run can have; the arrays start small and grow towards
  // it, so a run that is stopped early (or starts) does not pay for its whole length at once.
  constructor(capacity, { withU = true, vocabSize = 256, temperature = 1, filters = NO_FILTERS } = {}) {
    this.count = 0;
    this.capacity = capacity;
    this.temperature = temperature; // the lane's: what its q is (1 when scoring)
    this.filters = filters; // the lane's, which set some of its q to 0 (none when scoring)
    // removed[i]: the filters took character i out at the step being recorded
    this.removed = filtersActive(filters) && temperature !== 0 ? new Uint8Array(vocabSize) : null;
    this.withU = withU;
    this.Ids = vocabSize <= 256 ? Uint8Array : Uint16Array;
    this.allocate(Math.min(capacity, FIRST_ALLOCATION));
    this.weights = null; // the lane's weights at the step being recorded: q_i = weights[i] / total
    this.total = 1;
    this.topCount = Math.min(TOP_CANDIDATES, vocabSize);
  }

  // Room for `size` characters, keeping what is recorded.
  allocate(size) {
    const kept = (array, Type, width = 1) => {
      const next = new Type(size * width);
      if (array) next.set(array.subarray(0, this.count * width));
      return next;
    };
    this.p = kept(this.p, Float64Array);
    this.rank = kept(this.rank, Uint32Array);
    this.entropyBits = kept(this.entropyBits, Float64Array);
    this.u = this.withU ? kept(this.u, Float64Array) : null;
    this.q = kept(this.q, Float32Array); // the drawn character's probability in the lane
    this.topIds = kept(this.topIds, this.Ids, TOP_CANDIDATES);
    this.topP = kept(this.topP, Float32Array, TOP_CANDIDATES);
    this.topQ = kept(this.topQ, Float32Array, TOP_CANDIDATES);
    this.topRemoved = kept(this.topRemoved, Uint16Array); // bit k: top candidate k was filtered out
    this.allocated = size;
  }

  // The character `chosen` drawn from p[offset .. offset + size) at the lane's temperature with
  // uniform u (null when scoring: the distribution is p itself).
  record(p, chosen, u = null, offset = 0, size = p.length - offset) {
    if (this.count === this.allocated) {
      if (this.count === this.capacity) throw new RangeError('StepRecords: the run is longer than its records');
      this.allocate(Math.min(this.capacity, 2 * this.allocated));
    }
    const at = this.count;
    const mine = p[offset + chosen];
    const t = this.temperature;
    let rank = 1;
    let largest = 0;
    for (let i = 0; i < size; i++) {
      const other = p[offset + i];
      if (other > mine || (other === mine && i < chosen)) rank += 1;
      if (other > largest) largest = other;
    }
    this.p[at] = mine;
    this.rank[at] = rank;
    this.entropyBits[at] = t === 0 ? 0 : this.entropyOf(p, offset, size, Math.log(largest));
    if (this.u) this.u[at] = u;
    this.q[at] = this.laneShare(chosen, rank === 1);
    this.keepTop(p, offset, size, at);
    this.count += 1;
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

  // The TOP_CANDIDATES most likely ids in rank order (ties: lower index first), chosen in
  // float64 by insertion, then kept in float32.
  keepTop(p, offset, size, at) {
    const kept = this.topCount;
    const ids = this.scratchIds ?? (this.scratchIds = new Int32Array(kept));
    const values = this.scratchValues ?? (this.scratchValues = new Float64Array(kept));
    let filled = 0;
    for (let i = 0; i < size; i++) {
      const value = p[offset + i];
      if (filled === kept && value <= values[kept - 1]) continue;
      let j = Math.min(filled, kept - 1);
      while (j > 0 && values[j - 1] < value) {
        ids[j] = ids[j - 1];
        values[j] = values[j - 1];
        j -= 1;
      }
      ids[j] = i;
      values[j] = value;
      if (filled < kept) filled += 1;
    }
    const base = at * TOP_CANDIDATES;
    let removedBits = 0;
    for (let k = 0; k < kept; k++) {
      this.topIds[base + k] = ids[k];
      this.topP[base + k] = values[k];
      this.topQ[base + k] = this.laneShare(ids[k], k === 0);
      if (this.removed && this.removed[ids[k]]) removedBits |= 1 << k;
    }
    this.topRemoved[at] = removedBits;
  }

  // The lane's probability (its reweighted q) of character `id` at the step being recorded; at
  // T = 0 the greedy pick has 1, everything else 0.
  laneShare(id, isTop1) {
    if (this.temperature === 0) return isTop1 ? 1 : 0;
    return this.weights[id] / this.total;
  }

  // Step `at`'s top candidates: [{id, p, q, removed}] in rank order; removed: the lane's
  // filters took it out.
  candidates(at) {
    const base = at * TOP_CANDIDATES;
    return Array.from({ length: this.topCount }, (_, k) => ({
      id: this.topIds[base + k], p: this.topP[base + k], q: this.topQ[base + k],
      removed: Boolean(this.topRemoved[at] & (1 << k)),
    }));
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

// What lets lanes be compared by number (docs/sampling.md), over the generated text only.
export function laneStatistics(records, text) {
  const count = records.count;
  let entropy = 0;
  let top1 = 0;
  for (let i = 0; i < count; i++) {
    entropy += records.entropyBits[i];
    if (records.rank[i] === 1) top1 += 1;
  }
  return {
    chars: count,
    bits_per_char: bitsPerChar(records.p, count),
    entropy_bits: count ? entropy / count : null,
    top1_share: count ? top1 / count : null,
    distinct4: distinct4(text),
  };
}

// The colour bucket of a rank: 0 for rank 1, 1 for ranks 2-3, 2 for ranks 4-10, 3 above.
export const RANK_BUCKETS = Object.freeze([
  { name: 'rank 1', upTo: 1 },
  { name: 'ranks 2–3', upTo: 3 },
  { name: 'ranks 4–10', upTo: 10 },
  { name: 'rank over 10', upTo: Infinity },
]);

export function rankBucket(rank) {
  return rank === 1 ? 0 : rank <= 3 ? 1 : rank <= 10 ? 2 : 3;
}

// A lane's statistics kept up to date step by step, so a long run can show them live without
// going over its whole text each time. Four-character substrings are counted by their ids packed
// into one number (a small integer for vocabularies up to 181 characters).
export class LaneTally {
  constructor(vocabSize) {
    this.vocabSize = vocabSize;
    this.chars = 0;
    this.bits = 0;
    this.entropy = 0;
    this.top1 = 0;
    this.last = []; // the last three ids
    this.grams = new Set();
  }

  add(p, rank, entropyBitsValue, id) {
    this.chars += 1;
    this.bits -= Math.log(Math.max(p, 2.2250738585072014e-308));
    this.entropy += entropyBitsValue;
    if (rank === 1) this.top1 += 1;
    if (this.last.length === 3) {
      const [a, b, c] = this.last;
      const v = this.vocabSize;
      this.grams.add(((a * v + b) * v + c) * v + id);
      this.last.shift();
    }
    this.last.push(id);
  }

  // The same figures as laneStatistics, with the same names.
  stats() {
    const n = this.chars;
    return {
      chars: n,
      bits_per_char: n ? this.bits / n / Math.LN2 : null,
      entropy_bits: n ? this.entropy / n : null,
      top1_share: n ? this.top1 / n : null,
      distinct4: n >= 4 ? this.grams.size / (n - 3) : null,
    };
  }
}

// The totals `tempera score --json` reports for a scored text (without its per-character list).
export function scoreTotals(mode, encoding, records) {
  const bits = bitsPerChar(records.p, records.count);
  return {
    mode,
    text: encoding.text,
    scored: records.count,
    dropped: encoding.droppedCount,
    dropped_chars: encoding.dropped,
    bits_per_char: bits,
    nats_per_char: bits === null ? null : bits * Math.LN2,
  };
}
