// Lanes written by separate runs, handed on together: each run reports its own characters as
// it draws them, and the lanes see step s once every run has drawn it. Pure: no DOM, no model.
export class Lockstep {
  // lanes: how many runs; onStep(charsPerLane, step): called once per step, in order.
  constructor(lanes, onStep) {
    this.pending = Array.from({ length: lanes }, () => []);
    this.done = 0; // steps handed on
    this.onStep = onStep;
  }

  // Lane `lane` drew `char` (its runs report in order); hands on every step all lanes have.
  add(lane, char) {
    this.pending[lane].push(char);
    while (this.pending.every((chars) => chars.length > this.done)) {
      this.onStep(this.pending.map((chars) => chars[this.done]), this.done);
      this.done += 1;
    }
  }
}
