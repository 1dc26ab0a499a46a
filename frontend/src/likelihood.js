// How likely each character was under the model: rank, probability, entropy, lane statistics.
// The definitions are in docs/sampling.md ("How likely each character was"); this mirrors
// tempera/likelihood.py, and tests/test_js_likelihood.py holds the two together.
// Plain JavaScript numbers are float64, as the contract asks.
import { CandidateStore } from './candidates.js';
import { laneWeights, NO_FILTERS } from './sampling.js';
import { StepRecords } from './step-records.js';

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

// A lane's (or a scored text's) records as the page keeps them: the contract's StepRecords
// and, beside each step, the inspector's candidates.
export class LaneRecords extends StepRecords {
  constructor(capacity, options = {}) {
    super(capacity, options);
    this.store = new CandidateStore(options.vocabSize ?? 256);
  }

  record(p, chosen, u = null, offset = 0, size = p.length - offset) {
    const at = this.count;
    const rank = super.record(p, chosen, u, offset, size);
    this.store.keep(this, at, p, chosen, rank, offset, size);
    return rank;
  }

  // The drawn character's probability in the lane, per step.
  get q() {
    return this.store.q;
  }

  candidates(at) {
    return this.store.candidates(at);
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

// The colour buckets of ranks, best first: each takes the ranks up to `upTo` that the one
// before it left; `className` is the class (and highlight) that tints them on the page.
export const RANK_BUCKETS = Object.freeze([
  { name: 'rank 1', upTo: 1, className: 'rank-1' },
  { name: 'ranks 2–3', upTo: 3, className: 'rank-2-3' },
  { name: 'ranks 4–10', upTo: 10, className: 'rank-4-10' },
  { name: 'rank over 10', upTo: Infinity, className: 'rank-over-10' },
]);

// The index in RANK_BUCKETS of a rank's bucket: the first whose upTo reaches it.
export function rankBucket(rank) {
  const last = RANK_BUCKETS.length - 1;
  for (let bucket = 0; bucket < last; bucket++) if (rank <= RANK_BUCKETS[bucket].upTo) return bucket;
  return last;
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
