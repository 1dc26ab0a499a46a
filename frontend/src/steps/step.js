// What every LSTM step offers the generator (steps/index.js picks one per model):
//   zeroState(lanes), tile(oneLaneState, lanes)   states, owned by the caller
//   advance(state, ids) -> new state               one id per lane; `state` is left as it was
//   readLogits(state) -> [lanes × vocabulary]      values, or a promise of them; it is done
//                                                  with `state` when it returns
//   disposeState(state), dispose()                 free what the step made
//   name, units (one per layer), vocabSize
// A step whose state stays on the device (TensorStateStep) also offers logitsTensor(state) and
// takes ids as an int32 tensor, which is what the look-ahead needs.
export class LstmStep {
  // Feeds each lane its ids (idsPerLane: [lanes][time], equal lengths) from `state` (a zero
  // state when null), times `from` to `to`. Returns the new state, and disposes `state`.
  run(idsPerLane, state = null, from = 0, to = idsPerLane[0].length) {
    let current = state ?? this.zeroState(idsPerLane.length);
    for (let t = from; t < to; t++) {
      const next = this.advance(current, idsPerLane.map((ids) => ids[t]));
      this.disposeState(current);
      current = next;
    }
    return current;
  }
}
