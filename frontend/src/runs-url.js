// The address's part about training runs: which lanes (by temperature or by epoch), which run,
// which epochs. by=epoch&run=NAME&epochs=1,4,9&t=0.5: one lane per epoch of the run, all at
// one temperature; run=NAME&epochs=4 (lanes by temperature): the lanes use that epoch's model.
import { MAX_LANES } from './run-options.js';
import { quote } from './url-guard.js';

export const LANES_BY = Object.freeze(['temperature', 'epoch']);

// Whole epochs from 1 up; a list the page cannot use entirely is cut to the items it can.
function readEpochs(value, notes) {
  if (value === null) return [];
  const epochs = [];
  const problems = [];
  value.split(',').forEach((item, index) => {
    const text = item.trim();
    const epoch = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(epoch) || epoch < 1) problems.push(`item ${index + 1} ${quote(item)} is not a whole number from 1`);
    else if (epochs.includes(epoch)) problems.push(`epoch ${epoch} is listed twice`);
    else epochs.push(epoch);
  });
  if (epochs.length > MAX_LANES) {
    problems.unshift(`${epochs.length} epochs are more than the ${MAX_LANES} lanes the page has`);
    epochs.splice(MAX_LANES);
  }
  if (problems.length) {
    notes.push(`epochs ${quote(value)} in the URL: ${problems.slice(0, 3).join(', ')}; using ${epochs.length ? epochs.join(', ') : 'none'}`);
  }
  return epochs;
}

// {lanesBy, trainingRun, epochs} from the address's parameters; a note for each value replaced.
// temperatures: what the address's t= gave, so that lanes by epoch can take the first.
export function readRunLanes(params, notes) {
  let lanesBy = params.get('by') ?? LANES_BY[0];
  if (!LANES_BY.includes(lanesBy)) {
    notes.push(`by ${quote(lanesBy)} in the URL is not one of ${LANES_BY.join(', ')}; lanes by temperature`);
    lanesBy = LANES_BY[0];
  }
  const given = params.get('run');
  const run = given === null || given === '' ? null : given;
  let epochs = readEpochs(params.get('epochs'), notes);
  if (run === null) {
    if (lanesBy === 'epoch' || epochs.length) notes.push('the URL names no run (run=); lanes by temperature on the chosen model');
    return { lanesBy: LANES_BY[0], trainingRun: null, epochs: [] };
  }
  if (lanesBy === 'temperature' && epochs.length > 1) {
    notes.push(`lanes by temperature use one epoch; using epoch ${epochs[epochs.length - 1]}, the last listed`);
    epochs = epochs.slice(-1);
  }
  return { lanesBy, trainingRun: run, epochs };
}

// Lanes by epoch take the first temperature of t= for every lane.
export function epochLaneTemperatures(temperatures, epochs, notes) {
  const [first] = temperatures;
  if (new Set(temperatures).size > 1) notes.push(`lanes by epoch share one temperature; using T = ${first}, the first of t=`);
  return epochs.map(() => first);
}

// Writes {lanesBy, trainingRun, epochs} into URLSearchParams; lanes by epoch write one temperature.
export function writeRunLanes(params, { lanesBy, trainingRun: run, epochs }) {
  ['by', 'run', 'epochs'].forEach((name) => params.delete(name));
  if (!run) return;
  if (lanesBy === 'epoch') {
    params.set('by', 'epoch');
    params.set('t', params.get('t').split(',')[0]);
  }
  params.set('run', run);
  if (epochs?.length) params.set('epochs', epochs.join(','));
}
