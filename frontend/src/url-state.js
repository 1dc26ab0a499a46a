// The URL holds a run: seed text, temperatures, each lane's filters (k, p, minp), length, rng
// seed, mode, model (and backend), and the training run's epochs it uses (runs-url.js).
// A value the page cannot use is replaced by the default, with a note that quotes what the URL
// held and says what the page uses instead.
import { BACKENDS, MEASURE_ALL } from './backend.js';
import { MAX_LANES, MODES, NOTEBOOK_TEMPERATURES } from './run-options.js';
import { epochLaneTemperatures, readRunLanes, writeRunLanes } from './runs-url.js';
import { FILTERS, MAX_RNG_SEED, NO_FILTERS } from './sampling.js';
import { quote } from './url-guard.js';

// What the page shows when the address says nothing: its own seed and length, the contract's
// temperatures and mode.
export const DEFAULTS = {
  seed: 'the meaning of life is',
  temperatures: NOTEBOOK_TEMPERATURES,
  length: 400,
  mode: MODES[0],
};

// Number() as the page's number inputs would take it; null for '' and text that is no number.
function parseNumber(text) {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const value = Number(trimmed);
  return Number.isNaN(value) ? null : value;
}

function readSeed(value, notes) {
  if (value === null) return DEFAULTS.seed;
  if (value === '') {
    notes.push(`seed "" in the URL is empty; using ${quote(DEFAULTS.seed)}`);
    return DEFAULTS.seed;
  }
  return value;
}

// The first few of a list; a URL can hold thousands of bad items.
function listed(items, shown = 5) {
  const more = items.length - shown;
  return items.slice(0, shown).join(', ') + (more > 0 ? ` and ${more.toLocaleString('en')} more` : '');
}

// Why one item of ?t= is no temperature, or null when it is one.
function temperatureProblem(item) {
  if (item.trim() === '') return 'is empty';
  const t = parseNumber(item);
  if (t === null) return 'is not a number';
  if (!Number.isFinite(t)) return 'is not a finite number';
  if (t < 0) return 'is negative';
  return null;
}

function readTemperatures(value, notes) {
  const fallback = DEFAULTS.temperatures;
  if (value === null) return fallback;
  const items = value.split(',');
  const problems = [];
  let temperatures = [];
  items.forEach((item, index) => {
    const problem = temperatureProblem(item);
    if (problem) problems.push(`item ${index + 1} ${item.trim() === '' ? '' : `${quote(item)} `}${problem}`);
    else temperatures.push(parseNumber(item));
  });
  if (temperatures.length > MAX_LANES) {
    problems.unshift(`${temperatures.length} temperatures are more than the ${MAX_LANES} lanes the page has`);
    temperatures = temperatures.slice(0, MAX_LANES);
  }
  if (problems.length === 0) return temperatures;
  const used = temperatures.length ? temperatures : fallback;
  notes.push(`t ${quote(value)} in the URL: ${listed(problems)}; using ${used.join(', ')}` +
    (temperatures.length ? '' : ' (the default)'));
  return used;
}

// Each lane's filters from k=, p= and minp=: one value for every lane or a list of one per lane,
// an empty item meaning off. A value that is no filter value is off, with a note.
function readFilters(params, lanes, notes) {
  const filters = Array.from({ length: lanes }, () => ({ ...NO_FILTERS }));
  FILTERS.forEach(({ urlName: name, key, check }) => {
    const value = params.get(name);
    if (value === null) return;
    let items = value.split(',');
    if (items.length === 1) items = Array(lanes).fill(items[0]);
    if (items.length !== lanes) {
      notes.push(`${name} ${quote(value)} in the URL has ${items.length} items for ${lanes} lanes; using it for none`);
      return;
    }
    const problems = [];
    items.forEach((item, lane) => {
      if (item.trim() === '') return;
      try {
        filters[lane][key] = check(item);
      } catch (error) {
        problems.push(`lane ${lane + 1}: ${error.message}`);
      }
    });
    if (problems.length) notes.push(`${name} ${quote(value)} in the URL: ${listed(problems, 3)}; those lanes use it off`);
  });
  return filters;
}

function readLength(value, notes) {
  if (value === null) return DEFAULTS.length;
  const length = parseNumber(value);
  let problem = null;
  if (!Number.isInteger(length)) problem = 'is not a whole number';
  else if (length < 0) problem = 'is negative';
  if (!problem) return length;
  notes.push(`len ${quote(value)} in the URL ${problem}; using ${DEFAULTS.length}`);
  return DEFAULTS.length;
}

// null: a random seed, drawn by the page.
function readRngSeed(value, notes) {
  if (value === null) return null;
  const seed = parseNumber(value);
  if (Number.isInteger(seed) && seed >= 0 && seed <= MAX_RNG_SEED) return seed;
  notes.push(`rng ${quote(value)} in the URL is not a whole number from 0 to ${MAX_RNG_SEED}; using a random seed`);
  return null;
}

function readChoice(name, value, choices, fallback, instead, notes) {
  if (value === null || choices.includes(value)) return value ?? fallback;
  notes.push(`${name} ${quote(value)} in the URL is not one of ${choices.join(', ')}; ${instead}`);
  return fallback;
}

// {state, notes, runLanes}: the run the URL describes, every value usable, a note per replaced
// value, and the training run's epochs it uses (runs-url.js: {lanesBy, trainingRun, epochs}).
export function readUrl(location = window.location) {
  const params = new URLSearchParams(location.search);
  const notes = [];
  const runLanes = readRunLanes(params, notes);
  let temperatures = readTemperatures(params.get('t'), notes);
  if (runLanes.lanesBy === 'epoch' && runLanes.epochs.length) {
    temperatures = epochLaneTemperatures(temperatures, runLanes.epochs, notes);
  }
  const state = {
    seed: readSeed(params.get('seed'), notes),
    temperatures,
    filters: readFilters(params, temperatures.length, notes),
    length: readLength(params.get('len'), notes),
    rngSeed: readRngSeed(params.get('rng'), notes),
    mode: readChoice('mode', params.get('mode'), MODES, DEFAULTS.mode, `using ${DEFAULTS.mode}`, notes),
    model: params.get('model'), // checked against the list of models once it is fetched
    backend: readChoice('backend', params.get('backend'), [...BACKENDS, MEASURE_ALL], null, 'choosing one automatically', notes),
  };
  return { state, notes, runLanes };
}

export function writeUrl(run) {
  const params = new URLSearchParams(window.location.search);
  params.set('seed', run.seed);
  params.set('t', run.temperatures.join(','));
  FILTERS.forEach(({ urlName: name, key, off }) => {
    // Only the filters some lane uses: a link without them is the run without them.
    const values = run.filters.map((f) => f[key]);
    if (values.some((v) => v !== off)) params.set(name, values.join(','));
    else params.delete(name);
  });
  params.set('len', String(run.length));
  params.set('rng', String(run.rngSeed));
  params.set('mode', run.mode);
  if (run.model) params.set('model', run.model);
  writeRunLanes(params, run);
  window.history.replaceState(null, '', `?${params}`);
}
