// The page's start-up, in order: the address fills the form and lanes, a backend is chosen,
// the list of models is fetched and the first bundle that loads (the address's, if it does) is
// opened, the backend is settled by measuring it, and the controls come on.
import { chooseBackend, MEASURE_ALL, onBackendLost } from './backend.js';
import { settleBackend } from './backend-choice.js';
import { fetchCatalog, startLines } from './catalog.js';
import { openModel } from './loaded-model.js';
import { readUrl } from './url-state.js';
import { backendWords } from './views/messages.js';

// The page could not start; `lines` say why, one problem each.
class StartError extends Error {
  constructor(lines) {
    super(lines.join('; '));
    this.lines = lines;
  }
}

// An error's message for a line on the page; TensorFlow.js sometimes throws plain strings.
export function reasonOf(error) {
  return error?.message || String(error);
}

// The entry's model; a bundle that fails is marked unavailable with its error.
export async function openEntry(entry, setStatus) {
  setStatus(`Loading model ${entry.name}…`);
  try {
    return await openModel(entry);
  } catch (error) {
    entry.unavailable = reasonOf(error);
    throw error;
  }
}

// The requested bundle if it loads, else the first that does, in the list's order; null if none.
async function openFirstWorking(catalog, requested, setStatus) {
  for (const entry of [requested, ...catalog.filter((e) => e !== requested)]) {
    if (!entry || entry.unavailable) continue;
    try {
      return await openEntry(entry, setStatus);
    } catch {
      // marked unavailable; try the next
    }
  }
  return null;
}

// Resolves once `page` works; rejects, with the reasons shown on the page, if it cannot.
export async function startPage(page, addressNotes) {
  try {
    await startFromAddress(page, addressNotes);
  } catch (error) {
    page.shown('starting');
    page.shown('loading');
    page.messages.showError(error.lines ?? error.message);
    page.messages.setStatus('Not ready.');
    throw error;
  }
}

async function startFromAddress(page, addressNotes) {
  const { session, messages } = page;
  const setStatus = (line, details) => messages.setStatus(line, details);
  const { state, notes } = readUrl();
  page.controls.fill(state);
  page.lanes.set(state.temperatures, state.filters);
  page.shown('starting');
  page.listen();
  let backend = await chooseBackend(state.backend);
  messages.showUrlNotes([...addressNotes, ...notes, backend.note].filter(Boolean));
  session.backend = backend;
  session.catalog = await fetchCatalog();
  const requested = state.model === null ? null : session.catalog.find((entry) => entry.id === state.model) ?? null;
  let loaded = await openFirstWorking(session.catalog, requested, setStatus);
  page.models.show(session.catalog, loaded?.entry.id);
  const lines = startLines(session.catalog, state.model, requested, loaded);
  if (!loaded) throw new StartError(lines);
  [backend, loaded] = await settleBackend(backend, loaded, {
    all: state.backend === MEASURE_ALL, setStatus, reopen: (entry) => openEntry(entry, setStatus),
  });
  session.backend = backend;
  page.facts.showBackend(backend);
  onBackendLost((error) => {
    session.failure.abort(error);
    messages.showError(error.message);
    messages.setStatus('Stopped: the WebGL backend is gone.');
  });
  messages.showError(lines);
  page.useModel(loaded);
  page.models.onChoose((id) => {
    const entry = session.catalog.find((e) => e.id === id);
    if (entry && entry !== session.model.entry) page.switchModel(entry);
  });
  page.setControls({ ready: true });
  messages.setStatus(`Ready: running on ${backendWords(backend.name)}.`,
    { backend: `Backend: ${backend.name} (${backend.reason})` });
  await page.chartSeed(state.seed, state.mode);
  page.shown('loading');
}
