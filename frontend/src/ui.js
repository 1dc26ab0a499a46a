// The page's DOM: lanes, controls and messages. Text only ever goes in as text, never markup.

const $ = (id) => document.getElementById(id);

export const elements = {
  seed: $('seed'),
  length: $('length'),
  rng: $('rng'),
  newRng: $('new-rng'),
  mode: $('mode'),
  addLane: $('add-lane'),
  generate: $('generate'),
  stop: $('stop'),
  form: $('controls'),
  model: $('model'),
  modelFacts: $('model-facts'),
  backend: $('backend'),
  status: $('status'),
  error: $('error'),
  seedNote: $('seed-note'),
  lanes: $('lanes'),
};

export function setStatus(text) {
  elements.status.textContent = text;
}

export function showError(message) {
  elements.error.textContent = message;
  elements.error.hidden = !message;
}

export function showSeedNote(report) {
  elements.seedNote.textContent = report ? `Note: ${report}.` : '';
  elements.seedNote.hidden = !report;
}

function laneKind(value) {
  const t = Number(value);
  if (value === '' || Number.isNaN(t)) return '';
  if (t === 0) return 'greedy';
  if (t < 0.4) return 'cautious';
  if (t <= 1) return 'balanced';
  return 'adventurous';
}

export function addLane(temperature) {
  const lane = document.getElementById('lane-template').content.firstElementChild.cloneNode(true);
  const input = lane.querySelector('.temperature');
  const sync = () => {
    lane.dataset.temperature = input.value;
    lane.querySelector('.kind').textContent = laneKind(input.value);
  };
  input.value = String(temperature);
  input.addEventListener('input', sync);
  lane.querySelector('.remove').addEventListener('click', () => {
    if (elements.lanes.children.length > 1) lane.remove();
  });
  sync();
  elements.lanes.append(lane);
  return lane;
}

export function setLanes(temperatures) {
  elements.lanes.replaceChildren();
  temperatures.forEach(addLane);
}

export function laneTemperatures() {
  return [...elements.lanes.children].map((lane) => lane.querySelector('.temperature').value);
}

// Buffers generated characters and writes them once per animation frame.
export class LaneWriter {
  constructor(seedText) {
    this.targets = [...elements.lanes.children].map((lane) => {
      lane.querySelector('.seed-text').textContent = seedText;
      const generated = lane.querySelector('.generated');
      generated.textContent = '';
      return generated;
    });
    this.pending = this.targets.map(() => '');
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

export function setBusy(busy) {
  elements.generate.disabled = busy;
  elements.stop.disabled = !busy;
}
