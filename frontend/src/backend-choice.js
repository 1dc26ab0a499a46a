// Which backend the page runs on once a model is open: the one the address forces, else the
// fastest measured on this device (remembered from an earlier visit when there is one).
import { candidates, started, wasmThreads } from './backend.js';
import { describeRates, measureBackends, measurementKey, remember, remembered } from './backend-measure.js';

// Why the backend runs, with how many threads WASM computes ("…; 2 threads").
function withThreads(parts) {
  const threads = wasmThreads();
  return [...parts, threads ? `${threads} thread${threads > 1 ? 's' : ''}` : ''].filter(Boolean).join('; ');
}

// [backend, loaded]: the backend to run `loaded` on, and the model opened on it. provisional:
// chooseBackend's choice; all: measure every backend (?backend=all); setStatus(line) tells
// what is measured (a sentence, and {backend: line} for its details); reopen(entry) opens the model again on another backend.
export async function settleBackend(provisional, loaded, { all, setStatus, reopen }) {
  if (provisional.forced) {
    return [{ ...provisional, threads: wasmThreads(), reason: withThreads([provisional.reason]) }, loaded];
  }
  const { names, left } = candidates(all);
  const key = measurementKey(loaded.units, loaded.vocab.size);
  const known = all ? null : remembered(key);
  let measurement = null;
  let how;
  if (known && names.includes(known.choice)) {
    measurement = { ...known, cached: true };
    how = `measured on an earlier visit: ${describeRates(known)}`;
  } else if (names.length > 1) {
    setStatus('Finding the fastest way to run on this device…', { backend: `Measuring ${names.join(' and ')}…` });
    const { choice, rates, ms } = await measureBackends(loaded.model, loaded.vocab, loaded.meta.maxlen, names);
    remember(key, { choice, rates, at: new Date().toISOString() });
    measurement = { choice, rates, ms, cached: false };
    how = `measured: ${describeRates(measurement)}`;
  } else {
    how = `the only one to measure (${left.join('; ')})`;
  }
  const choice = measurement?.choice ?? provisional.name;
  await started(choice);
  let opened = loaded;
  if (choice !== provisional.name) {
    // The model was opened on the provisional backend: open it again on the faster one.
    loaded.retire();
    opened = await reopen(loaded.entry);
  }
  const reason = withThreads([provisional.reason, how]);
  return [{ ...provisional, name: choice, reason, measurement, threads: wasmThreads() }, opened];
}
