// The inspector's candidate store: for each recorded step, the lane's q of the drawn character
// and the model's top candidates (ids, p and q, computed in float64 and kept in float32: 1e-7
// is far below what a bar or a percentage shows), so the inspector can show any step without
// keeping the whole distribution.
import { grownArray } from './step-records.js';

// How many of the model's top candidates each step keeps for the inspector.
export const TOP_CANDIDATES = 10;

export class CandidateStore {
  constructor(vocabSize) {
    this.Ids = vocabSize <= 256 ? Uint8Array : Uint16Array;
    this.topCount = Math.min(TOP_CANDIDATES, vocabSize);
    this.allocated = 0;
  }

  // Room for `size` steps, keeping the first `count`.
  allocate(size, count) {
    this.q = grownArray(this.q, Float32Array, size, count); // the drawn character's probability in the lane
    this.topIds = grownArray(this.topIds, this.Ids, size, count, TOP_CANDIDATES);
    this.topP = grownArray(this.topP, Float32Array, size, count, TOP_CANDIDATES);
    this.topQ = grownArray(this.topQ, Float32Array, size, count, TOP_CANDIDATES);
    this.topRemoved = grownArray(this.topRemoved, Uint16Array, size, count); // bit k: top candidate k was filtered out
    this.allocated = size;
  }

  // Step `at`, just recorded in `records` (StepRecords, whose lane weights are this step's):
  // `chosen` of rank `rank` drawn from p[offset .. offset + size).
  keep(records, at, p, chosen, rank, offset, size) {
    if (at >= this.allocated) this.allocate(records.allocated, at);
    this.q[at] = records.laneShare(chosen, rank === 1);
    this.keepTop(records, at, p, offset, size);
  }

  // The TOP_CANDIDATES most likely ids in rank order (ties: lower index first), chosen in
  // float64 by insertion, then kept in float32.
  keepTop(records, at, p, offset, size) {
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
    const removed = records.removed;
    let removedBits = 0;
    for (let k = 0; k < kept; k++) {
      this.topIds[base + k] = ids[k];
      this.topP[base + k] = values[k];
      this.topQ[base + k] = records.laneShare(ids[k], k === 0);
      if (removed && removed[ids[k]]) removedBits |= 1 << k;
    }
    this.topRemoved[at] = removedBits;
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
}
