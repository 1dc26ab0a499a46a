// A run as a document to keep: as JSON, what `tempera sample --json` prints for the same run
// (window.tempera.generate's lanes are built here too), and as text, what `tempera sample`
// prints. One builder, so that the page, its API and the command line agree.
import { laneStatistics } from './likelihood.js';
import { FILTERS, filtersLabel } from './sampling.js';

// One lane: its temperature, its filters by their JSON names, its text, and with records (a
// StepRecords) every step's likelihood and the lane's statistics.
export function laneDocument({ temperature, filters, text, records = null }) {
  const lane = { temperature, ...Object.fromEntries(FILTERS.map(({ key, jsonName }) => [jsonName, filters[key]])), text };
  return records ? { ...lane, steps: records.toJSON(text), stats: laneStatistics(records, text) } : lane;
}

// The whole run: seedText as the model read it, the RNG seed, the mode, and each lane as
// laneDocument takes it.
export function runDocument({ seedText, rngSeed, mode, lanes }) {
  return { seed_text: seedText, rng_seed: rngSeed, mode, lanes: lanes.map(laneDocument) };
}

// JSON has no NaN or Infinity, and JSON.stringify would write them as null without a word.
function finite(key, value) {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new RangeError(`the run cannot be written as JSON: ${key || 'a value'} is ${value}`);
  }
  return value;
}

// The document as one line of JSON, as the command prints it.
export function runJson(document) {
  return JSON.stringify(document, finite);
}

// A temperature as Python prints a float: 1 -> '1.0', 0.5 -> '0.5'.
function pythonFloat(value) {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

// The line `tempera sample` prints above a lane.
export function laneHeading(lane) {
  const filters = Object.fromEntries(FILTERS.map(({ key, jsonName }) => [key, lane[jsonName]]));
  const active = lane.temperature === 0 ? '' : filtersLabel(filters);
  return `------ temperature: ${lane.temperature === 0 ? 'greedy' : pythonFloat(lane.temperature)}` +
    (active ? ` · ${active}` : '');
}

// The document as the text `tempera sample` prints: each lane's heading, then the seed and
// the lane's text.
export function runText(document) {
  return `${document.lanes.map((lane) => `${laneHeading(lane)}\n${document.seed_text}${lane.text}`).join('\n')}\n`;
}

// A file name that tells runs apart: tempera-<model>-rng<seed>.<extension>.
export function runFileName({ model, rngSeed }, extension) {
  const name = String(model ?? 'run').replace(/[^\w.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'run';
  return `tempera-${name}-rng${rngSeed}.${extension}`;
}
