// What a run may ask for, and what the user is told when the request is trimmed: the page's
// copy of tempera/generate.py and tempera/sampling.py (docs/sampling.md). Each value and note
// lives here only; tests/test_js_contract.py holds them to their Python twins.
import { checkTemperature, FILTERS, SamplingError } from './sampling.js';

export const MODES = Object.freeze(['stateful', 'window']); // the first is the default
// The course notebook's temperatures: the page's default lanes.
export const NOTEBOOK_TEMPERATURES = Object.freeze([0.2, 0.5, 1.0, 1.2]);
export const MAX_LENGTH = 100000;
// Stateful mode primes on at most the seed's last PRIME_CHARS characters.
export const PRIME_CHARS = 2000;
// The page's own limit, with no Python twin: each lane is a batch row of every step and a
// column on the page; past 8 the columns are too narrow to read and the step slows for little gain.
export const MAX_LANES = 8;

// Numbers in notes as Python's f'{n:,}' writes them.
const grouped = (n) => n.toLocaleString('en');

export function checkMode(mode) {
  if (!MODES.includes(mode)) throw new SamplingError(`mode must be ${MODES.join(' or ')}, got ${mode}`);
  return mode;
}

// One temperature per lane, from 1 to MAX_LANES of them.
export function checkTemperatures(temperatures) {
  if (!Array.isArray(temperatures)) throw new SamplingError('temperatures must be a list of numbers, one per lane');
  if (temperatures.length === 0) throw new SamplingError('give at least one temperature');
  if (temperatures.length > MAX_LANES) {
    throw new SamplingError(`give at most ${MAX_LANES} temperatures (one lane each), got ${temperatures.length}`);
  }
  return temperatures.map(checkTemperature);
}

// One value for every lane, or an array of one per lane, each checked; undefined or null gives
// `off` for every lane (tempera/sampling.py's per_lane).
function perLane(values, lanes, check, what, off) {
  if (values === undefined || values === null) return Array(lanes).fill(off);
  const list = Array.isArray(values) ? values : [values];
  const spread = list.length === 1 ? Array(lanes).fill(list[0]) : list;
  if (spread.length !== lanes) {
    throw new SamplingError(`give one ${what} for all lanes or one per temperature (${lanes}), got ${spread.length}`);
  }
  return spread.map(check);
}

// Each lane's filters, {topK, topP, minP}, from one value each for every lane or one per lane.
export function laneFilters(values = {}, lanes) {
  const byKey = FILTERS.map(({ key, check, label, off }) => perLane(values[key], lanes, check, label, off));
  return Array.from({ length: lanes }, (_, lane) => Object.fromEntries(FILTERS.map(({ key }, f) => [key, byKey[f][lane]])));
}

// Lanes' filters, [{topK, topP, minP}], as laneFilters takes them: {topK: [one per lane], …}.
export function filtersByKey(filters) {
  return Object.fromEntries(FILTERS.map(({ key }) => [key, filters.map((f) => f[key])]));
}

// A length is a whole number, 0 or more; generation caps it at MAX_LENGTH, and lengthNote says so.
export function checkLength(value) {
  const length = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (!Number.isInteger(length)) throw new SamplingError(`length must be a whole number, got ${value}`);
  if (length < 0) throw new SamplingError(`length must be 0 or more, got ${length}`);
  return length;
}

// tempera/generate.py's length_note: '' when the length is not capped.
export function lengthNote(length) {
  if (length <= MAX_LENGTH) return '';
  return `length ${grouped(length)} is over the limit: capped at ${grouped(MAX_LENGTH)} characters`;
}

// tempera/cli.py's note on a long seed: '' unless stateful mode reads only the seed's end.
export function primeNote(seedLength, mode) {
  if (mode !== 'stateful' || seedLength <= PRIME_CHARS) return '';
  return `the seed has ${grouped(seedLength)} characters; the model reads its last ${grouped(PRIME_CHARS)}`;
}

// Everything to say before the text, in tempera sample's order: characters dropped from the
// seed, the length capped, only the seed's end read.
export function runNotes(encoding, mode, length) {
  return [encoding.report, lengthNote(length), primeNote(encoding.ids.length, mode)].filter(Boolean).join('; ');
}
