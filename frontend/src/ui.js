// The page's DOM: lanes, controls and messages. Text only ever goes in as text, never markup.
import { MAX_LANES } from './generator.js';

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
  urlNotes: $('url-notes'),
  lanes: $('lanes'),
};

export function setStatus(text) {
  elements.status.textContent = text;
}

// One message, or several lines (shown one under the other).
export function showError(message) {
  const text = Array.isArray(message) ? message.filter(Boolean).join('\n') : message;
  elements.error.textContent = text;
  elements.error.hidden = !text;
}

export function showSeedNote(report) {
  elements.seedNote.textContent = report ? `Note: ${report}.` : '';
  elements.seedNote.hidden = !report;
}

// What the page did with values of the address it could not use, one item each.
export function showUrlNotes(notes) {
  elements.urlNotes.replaceChildren(...notes.map((note) => {
    const item = document.createElement('li');
    item.textContent = note;
    return item;
  }));
  elements.urlNotes.hidden = notes.length === 0;
}

// The model list; an unavailable bundle is listed, disabled, with its reason.
export function showModels(entries, currentId) {
  elements.model.replaceChildren(...entries.map((entry) => {
    const option = new Option(entry.unavailable ? `${entry.name} (unavailable: ${entry.unavailable})` : entry.name,
      entry.id ?? '');
    option.disabled = Boolean(entry.unavailable);
    return option;
  }));
  elements.model.value = currentId ?? '';
  refreshControls();
}

// Which controls work now. While a run goes on, the ones that shape what the lanes show (the
// model, adding and removing lanes, their temperatures) are disabled; the seed, length, rng
// seed and mode stay editable: the run read them when it started, and they set up the next.
const controls = { ready: false, loading: false, running: false };

export function setControls(change) {
  Object.assign(controls, change);
  refreshControls();
}

function refreshControls() {
  const { ready, loading, running } = controls;
  const lanes = [...elements.lanes.children];
  elements.generate.disabled = !ready || loading || running;
  elements.stop.disabled = !running;
  elements.model.disabled = loading || running || elements.model.options.length < 2;
  elements.addLane.disabled = running || lanes.length >= MAX_LANES;
  for (const lane of lanes) {
    lane.querySelector('.remove').disabled = running || lanes.length <= 1;
    lane.querySelector('.temperature').disabled = running;
  }
}

function laneKind(value) {
  const t = Number(value);
  if (value === '' || Number.isNaN(t)) return '';
  if (t === 0) return 'greedy';
  if (t < 0.4) return 'cautious';
  if (t <= 1) return 'balanced';
  return 'adventurous';
}

// Adds a lane, up to MAX_LANES; returns it, or null at the limit.
export function addLane(temperature) {
  if (elements.lanes.children.length >= MAX_LANES) return null;
  const lane = document.getElementById('lane-template').content.firstElementChild.cloneNode(true);
  const input = lane.querySelector('.temperature');
  const sync = () => {
    lane.dataset.temperature = input.value;
    lane.querySelector('.kind').textContent = laneKind(input.value);
  };
  input.value = String(temperature);
  input.addEventListener('input', sync);
  lane.querySelector('.remove').addEventListener('click', () => {
    if (controls.running || elements.lanes.children.length <= 1) return;
    lane.remove();
    refreshControls();
  });
  sync();
  elements.lanes.append(lane);
  refreshControls();
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
