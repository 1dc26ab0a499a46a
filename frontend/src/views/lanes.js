// The lanes: one column per temperature, its text as it is generated, and the button that adds
// a lane. Text only ever goes in as text, never markup.
import { MAX_LANES } from '../run-options.js';

// A word for what a temperature does, shown beside it.
function kindOf(value) {
  const t = Number(value);
  if (value === '' || Number.isNaN(t)) return '';
  if (t === 0) return 'greedy';
  if (t < 0.4) return 'cautious';
  if (t <= 1) return 'balanced';
  return 'adventurous';
}

export class LanesView {
  constructor(doc = document) {
    this.container = doc.getElementById('lanes');
    this.template = doc.getElementById('lane-template');
    this.addButton = doc.getElementById('add-lane');
    this.addButton.title = `add a lane (at most ${MAX_LANES})`;
    this.addButton.addEventListener('click', () => this.add(1.0));
    this.running = false;
  }

  get lanes() {
    return [...this.container.children];
  }

  set(temperatures) {
    this.container.replaceChildren();
    temperatures.forEach((t) => this.add(t));
  }

  // Adds a lane, up to MAX_LANES; returns it, or null at the limit.
  add(temperature) {
    if (this.lanes.length >= MAX_LANES) return null;
    const lane = this.template.content.firstElementChild.cloneNode(true);
    const input = lane.querySelector('.temperature');
    const sync = () => {
      lane.dataset.temperature = input.value;
      lane.querySelector('.kind').textContent = kindOf(input.value);
    };
    input.value = String(temperature);
    input.addEventListener('input', sync);
    lane.querySelector('.remove').addEventListener('click', () => {
      if (this.running || this.lanes.length <= 1) return;
      lane.remove();
      this.refresh();
    });
    sync();
    this.container.append(lane);
    this.refresh();
    return lane;
  }

  // What each lane's temperature field holds, as typed.
  temperatures() {
    return this.lanes.map((lane) => lane.querySelector('.temperature').value);
  }

  // While a run goes on, the lanes it writes to keep their number and temperatures.
  enable({ running }) {
    this.running = running;
    this.refresh();
  }

  refresh() {
    const lanes = this.lanes;
    this.addButton.disabled = this.running || lanes.length >= MAX_LANES;
    for (const lane of lanes) {
      lane.querySelector('.remove').disabled = this.running || lanes.length <= 1;
      lane.querySelector('.temperature').disabled = this.running;
    }
  }

  // A writer for a run from `seedText`: the seed shown in every lane, their text emptied.
  writer(seedText) {
    return new LaneWriter(this.lanes.map((lane) => {
      lane.querySelector('.seed-text').textContent = seedText;
      const generated = lane.querySelector('.generated');
      generated.textContent = '';
      return generated;
    }));
  }
}

// Buffers generated characters and writes them once per animation frame.
class LaneWriter {
  constructor(targets) {
    this.targets = targets;
    this.pending = targets.map(() => '');
    this.frame = null;
  }

  push(chars) {
    chars.forEach((c, lane) => {
      this.pending[lane] += c;
    });
    if (this.frame === null) this.frame = requestAnimationFrame(() => this.flush());
  }

  flush() {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    this.targets.forEach((target, lane) => {
      if (this.pending[lane]) target.append(this.pending[lane]);
      this.pending[lane] = '';
    });
  }
}
