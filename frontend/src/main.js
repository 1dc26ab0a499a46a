// Wiring: load a model, run the page, and expose window.tempera for scripts and tests.
// url-guard.js is imported first so that it runs before TensorFlow.js reads the address.
import { addressNotes } from './url-guard.js';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { chooseBackend } from './backend.js';
import { fetchCatalog, unavailableLine } from './catalog.js';
import { checkLength, MAX_LENGTH, PRIME_CHARS } from './generator.js';
import { openModel } from './loaded-model.js';
import { checkRngSeed, checkTemperature, MAX_RNG_SEED, SamplingError } from './sampling.js';
import * as ui from './ui.js';
import { readUrl, writeUrl } from './url-state.js';
import { SeedError } from './vocab.js';

const session = {
  backend: null,
  catalog: [], // entries of models/index.json, marked unavailable as bundles fail
  current: null, // the LoadedModel that new runs use
  running: false,
  stopRequested: false,
  failure: new AbortController(), // aborts every generation when the backend is lost
};

// The page could not start; `lines` say why, one problem each.
class StartError extends Error {
  constructor(lines) {
    super(lines.join('; '));
    this.lines = lines;
  }
}

// An error's message for a line on the page; TensorFlow.js sometimes throws plain strings.
function reasonOf(error) {
  return error?.message || String(error);
}

function randomRngSeed() {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

// Facts from the loaded model itself; tempera.json's optional fields are shown only when sound.
function describeModel(loaded) {
  const loss = loaded.meta.held_out?.loss_nats_per_char;
  const units = loaded.generator.lstm.layers.map((layer) => layer.units).join(' + ');
  return `${loaded.vocab.size} characters, LSTM ${units}` +
    (Number.isFinite(loss) ? `, held-out ${loss.toFixed(3)} nats/char` : '') +
    (loaded.vocab.lowercase ? ', lowercase' : '');
}

// Steps drawn on the device ahead of each read-back: WebGL read-backs wait for the GPU.
const LOOKAHEAD = { webgl: 16 };

function open(entry) {
  return openModel(entry, { lookahead: LOOKAHEAD[session.backend.name] ?? 1 });
}

// What the user should know before reading the text: characters dropped from the seed, only
// the seed's end being read, the length capped.
function runNotes(encoding, mode, length) {
  const notes = encoding.report ? [encoding.report] : [];
  if (length > MAX_LENGTH) {
    notes.push(`length ${length.toLocaleString('en')} is over the limit: capped at ${MAX_LENGTH.toLocaleString('en')} characters`);
  }
  if (mode === 'stateful' && encoding.ids.length > PRIME_CHARS) {
    notes.push(`the seed has ${encoding.ids.length.toLocaleString('en')} characters; the model reads its last ` +
      `${PRIME_CHARS.toLocaleString('en')}`);
  }
  return notes.join('; ');
}

function useModel(loaded) {
  const previous = session.current;
  session.current = loaded;
  previous?.retire(); // freed once the runs still using it end
  ui.elements.modelFacts.textContent = describeModel(loaded);
}

// The requested bundle if it loads, else the first that does, in the list's order. A bundle
// that fails is marked unavailable with its error.
async function openFirstWorking(requested) {
  const order = [requested, ...session.catalog.filter((entry) => entry !== requested)];
  for (const entry of order) {
    if (!entry || entry.unavailable) continue;
    ui.setStatus(`Loading model ${entry.name}…`);
    try {
      return await open(entry);
    } catch (error) {
      entry.unavailable = reasonOf(error);
    }
  }
  return null;
}

// What the page says about the bundles once it has started on `loaded` (null: on none).
function startLines(requestedId, requested, loaded) {
  const lines = session.catalog.filter((entry) => entry.unavailable).map(unavailableLine);
  if (!loaded) return [...lines, 'no model bundle could be loaded'];
  if (requestedId !== null && !requested) {
    lines.unshift(`model "${requestedId}" is not available; showing ${loaded.entry.name}`);
  } else if (lines.length) {
    lines.push(`showing ${loaded.entry.name}`);
  }
  return lines;
}

async function switchModel(entry) {
  const previous = session.current;
  ui.setControls({ loading: true });
  ui.setStatus(`Loading model ${entry.name}…`);
  try {
    useModel(await open(entry));
    ui.showError('');
    ui.setStatus(`Model ${entry.name} ready.`);
  } catch (error) {
    entry.unavailable = reasonOf(error);
    ui.showError([unavailableLine(entry), `still using ${previous.entry.name}`]);
    ui.setStatus(`Model ${previous.entry.name} ready.`);
  } finally {
    ui.showModels(session.catalog, session.current.entry.id);
    ui.setControls({ loading: false });
  }
}

// The programmatic API: the same generator, without the page's lanes.
async function apiGenerate({ seedText, temperatures, length, rngSeed, mode = 'stateful' } = {}) {
  if (typeof seedText !== 'string') throw new SeedError('seedText must be a string');
  return session.current.use(async ({ generator, vocab }) => {
    const encoding = vocab.encodeSeed(seedText);
    const lanes = await generator.generate(
      { seedIds: encoding.ids, temperatures, length, rngSeed, mode },
      { signal: session.failure.signal },
    );
    return {
      lanes,
      backend: session.backend.name,
      seedText: encoding.text,
      seedReport: encoding.report,
      notes: runNotes(encoding, mode, checkLength(length)),
    };
  });
}

async function apiProbabilities(text, mode = 'stateful') {
  if (typeof text !== 'string') throw new SeedError('the text must be a string');
  return session.current.use(({ generator, vocab }) => generator.probabilities(vocab.encodeSeed(text).ids, mode));
}

// A number input holds '' when it is empty or what was typed is not a number.
function filled(value, what) {
  if (value.trim() === '') throw new SamplingError(`${what} is empty or not a number`);
  return value;
}

function readForm() {
  const temperatures = ui.laneTemperatures().map((value, lane) => {
    try {
      return checkTemperature(filled(value, 'the temperature'));
    } catch (error) {
      throw new SamplingError(`lane ${lane + 1}: ${error.message}`);
    }
  });
  return {
    seed: ui.elements.seed.value,
    temperatures,
    length: checkLength(filled(ui.elements.length.value, 'the length')),
    rngSeed: checkRngSeed(filled(ui.elements.rng.value, 'the RNG seed')),
    mode: ui.elements.mode.value,
  };
}

async function runFromPage() {
  const loaded = session.current;
  if (session.running || !loaded) return;
  ui.showError('');
  let run;
  let encoding;
  try {
    run = readForm();
    encoding = loaded.vocab.encodeSeed(run.seed);
  } catch (error) {
    ui.showError(error.message);
    return;
  }
  ui.showSeedNote(runNotes(encoding, run.mode, run.length));
  ui.showUrlNotes([]); // the address now holds this run
  writeUrl({ ...run, model: loaded.entry.id });
  const writer = new ui.LaneWriter(encoding.text);
  session.running = true;
  session.stopRequested = false;
  ui.setControls({ running: true });
  ui.setStatus('Generating…');
  const started = performance.now();
  let steps = 0;
  try {
    await loaded.use(({ generator }) => generator.generate(
      { seedIds: encoding.ids, temperatures: run.temperatures, length: run.length, rngSeed: run.rngSeed, mode: run.mode },
      {
        onChars: (chars) => {
          steps += 1;
          writer.push(chars);
        },
        shouldStop: () => session.stopRequested,
        signal: session.failure.signal,
      },
    ));
    writer.flush();
    const seconds = (performance.now() - started) / 1000;
    ui.setStatus(`${session.stopRequested ? 'Stopped after' : 'Done:'} ${steps} characters per lane in ` +
      `${seconds.toFixed(1)} s (${Math.round(steps / Math.max(seconds, 1e-3))} steps/s, ${session.backend.name}).`);
  } catch (error) {
    writer.flush();
    ui.showError(error.message);
    ui.setStatus('Generation failed.');
  } finally {
    session.running = false;
    ui.setControls({ running: false });
  }
}

function fillForm(state) {
  ui.elements.seed.value = state.seed;
  ui.elements.length.value = String(state.length);
  ui.elements.rng.value = String(state.rngSeed ?? randomRngSeed());
  ui.elements.mode.value = state.mode;
  ui.setLanes(state.temperatures);
}

function bindFormControls() {
  ui.elements.form.addEventListener('submit', (event) => {
    event.preventDefault();
    runFromPage();
  });
  ui.elements.stop.addEventListener('click', () => {
    session.stopRequested = true;
  });
  ui.elements.newRng.addEventListener('click', () => {
    ui.elements.rng.value = String(randomRngSeed());
  });
  ui.elements.addLane.addEventListener('click', () => ui.addLane(1.0));
  ui.elements.rng.max = String(MAX_RNG_SEED);
}

function bindModelSelect() {
  ui.elements.model.addEventListener('change', () => {
    const entry = session.catalog.find((e) => e.id === ui.elements.model.value);
    if (entry && entry !== session.current.entry) switchModel(entry);
  });
}

function watchContextLoss() {
  const canvas = tf.backend()?.gpgpu?.gl?.canvas;
  if (!canvas) return;
  canvas.addEventListener('webglcontextlost', () => {
    session.failure.abort(new Error('The WebGL context was lost (the GPU was reset or is busy). ' +
      'Reload the page, or add ?backend=wasm to the address.'));
    ui.showError(session.failure.signal.reason.message);
    ui.setStatus('Stopped: the WebGL backend is gone.');
  });
}

async function start() {
  const { state, notes } = readUrl();
  fillForm(state);
  bindFormControls();
  const backend = await chooseBackend(state.backend);
  ui.showUrlNotes([...addressNotes, ...notes, backend.note].filter(Boolean));
  session.backend = backend;
  ui.elements.backend.textContent = backend.name;
  ui.elements.backend.title = backend.reason;
  watchContextLoss();
  session.catalog = await fetchCatalog();
  const requested = state.model === null ? null : session.catalog.find((entry) => entry.id === state.model) ?? null;
  const loaded = await openFirstWorking(requested);
  ui.showModels(session.catalog, loaded?.entry.id);
  const lines = startLines(state.model, requested, loaded);
  if (!loaded) throw new StartError(lines);
  ui.showError(lines);
  useModel(loaded);
  bindModelSelect();
  ui.setControls({ ready: true });
  ui.setStatus(`Ready: ${backend.name} backend (${backend.reason}). Type a seed and press Generate.`);
}

const ready = start().catch((error) => {
  ui.showError(error.lines ?? error.message);
  ui.setStatus('Not ready.');
  throw error;
});
ready.catch(() => {}); // reported in the page; callers of window.tempera.ready still see it

window.tempera = {
  ready,
  generate: async (options) => {
    await ready;
    return apiGenerate(options);
  },
  probabilities: async (text, mode) => {
    await ready;
    return apiProbabilities(text, mode);
  },
  memory: () => tf.memory(),
  get backend() {
    return session.backend?.name;
  },
  get model() {
    return session.current?.entry.id ?? null;
  },
};
