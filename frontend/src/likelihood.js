// How likely each character was under the model: rank, probability, entropy, lane statistics.
// The definitions are in docs/sampling.md ("How likely each character was"); this mirrors
// tempera/likelihood.py, and tests/test_js_likelihood.py holds the two together.
// Plain JavaScript numbers are float64, as the contract asks.

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

// The distribution a lane draws from: q of the contract's temperature step, normalised;
// one-hot at the greedy pick for T = 0.
export function laneDistribution(p, temperature, offset = 0, size = p.length - offset) {
  const q = new Float64Array(size);
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < size; i++) if (p[offset + i] > p[offset + best]) best = i;
    q[best] = 1;
    return q;
  }
  let maxLog = -Infinity;
  for (let i = 0; i < size; i++) maxLog = Math.max(maxLog, Math.log(p[offset + i]));
  let total = 0;
  for (let i = 0; i < size; i++) {
    q[i] = Math.exp((Math.log(p[offset + i]) - maxLog) / temperature);
    total += q[i];
  }
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

// One lane's per-character records in typed arrays that grow as needed: a long run is
// hundreds of thousands of characters, which must not become as many objects.
export class StepRecords {
  constructor(withU = true, capacity = 1024) {
    this.count = 0;
    this.p = new Float64Array(capacity);
    this.rank = new Uint32Array(capacity);
    this.entropyBits = new Float64Array(capacity);
    this.u = withU ? new Float64Array(capacity) : null;
  }

  grow() {
    const larger = (array) => {
      const next = new array.constructor(array.length * 2);
      next.set(array);
      return next;
    };
    this.p = larger(this.p);
    this.rank = larger(this.rank);
    this.entropyBits = larger(this.entropyBits);
    if (this.u) this.u = larger(this.u);
  }

  // The character `chosen` drawn (or scored) from p[offset .. offset + size), where drawnFrom is
  // the distribution it came from (the lane's, or p itself when scoring).
  record(p, chosen, drawnFrom, u = null, offset = 0, size = p.length - offset) {
    if (this.count === this.p.length) this.grow();
    const at = this.count;
    this.p[at] = p[offset + chosen];
    this.rank[at] = rankOf(p, chosen, offset, size);
    this.entropyBits[at] = entropyBits(drawnFrom);
    if (this.u) this.u[at] = u;
    this.count += 1;
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
