// Wiring: load a model, run the page, and expose window.tempera for scripts and tests.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { chooseBackend } from './backend.js';
import { loadBundle } from './bundle.js';
import { checkLength, Generator, MAX_LENGTH, PRIME_CHARS } from './generator.js';
import { CharLstm } from './lstm.js';
import { checkRngSeed, checkTemperature, MAX_RNG_SEED } from './sampling.js';
import * as ui from './ui.js';
import { readUrl, writeUrl } from './url-state.js';

const session = {
  generator: null,
  vocab: null,
  backend: null,
  modelId: null,
  running: false,
  stopRequested: false,
  failure: new AbortController(), // aborts every generation when the backend is lost
};

function randomRngSeed() {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

async function listModels() {
  const response = await fetch('models/index.json');
  if (!response.ok) throw new Error(`the model list models/index.json is missing (HTTP ${response.status})`);
  const { models } = await response.json();
  if (!models || models.length === 0) throw new Error('no model bundle is available');
  return models;
}

function describeModel(meta) {
  const loss = meta.held_out?.loss_nats_per_char;
  const units = meta.layers?.lstm_units?.join(' + ');
  return `${meta.layers?.vocab_size} characters, LSTM ${units}` +
    (loss ? `, held-out ${loss.toFixed(3)} nats/char` : '') +
    (meta.lowercase ? ', lowercase' : '');
}

// Steps drawn on the device ahead of each read-back: WebGL read-backs wait for the GPU.
const LOOKAHEAD = { webgl: 16 };

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

async function loadModel(model) {
  ui.setStatus(`Loading model ${model.name}…`);
  const bundle = await loadBundle(`models/${model.id}/`);
  if (session.generator) {
    session.generator.lstm.dispose();
    session.model.dispose();
  }
  session.model = bundle.model;
  session.generator = new Generator(new CharLstm(bundle.model), bundle.vocab, bundle.meta.maxlen,
    { lookahead: LOOKAHEAD[session.backend.name] ?? 1 });
  session.vocab = bundle.vocab;
  session.modelId = model.id;
  ui.elements.modelFacts.textContent = describeModel(bundle.meta);
  // Warm up: the first run compiles kernels (shaders on WebGL) so the first character is quick.
  await session.generator.generate({ seedIds: [0], temperatures: [1], length: 2, rngSeed: 0, mode: 'stateful' });
}

// The programmatic API: the same generator, without the page's lanes.
async function apiGenerate({ seedText, temperatures, length, rngSeed, mode = 'stateful' }) {
  const encoding = session.vocab.encodeSeed(seedText);
  const lanes = await session.generator.generate(
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
}

async function apiProbabilities(text, mode = 'stateful') {
  return session.generator.probabilities(session.vocab.encodeSeed(text).ids, mode);
}

function readForm() {
  const temperatures = ui.laneTemperatures().map(checkTemperature);
  const rngSeed = checkRngSeed(ui.elements.rng.value);
  return {
    seed: ui.elements.seed.value,
    temperatures,
    length: checkLength(ui.elements.length.value),
    rngSeed,
    mode: ui.elements.mode.value,
    model: session.modelId,
  };
}

async function runFromPage() {
  if (session.running) return;
  ui.showError('');
  let run;
  let encoding;
  try {
    run = readForm();
    encoding = session.vocab.encodeSeed(run.seed);
  } catch (error) {
    ui.showError(error.message);
    return;
  }
  ui.showSeedNote(runNotes(encoding, run.mode, run.length));
  writeUrl(run);
  const writer = new ui.LaneWriter(encoding.text);
  session.running = true;
  session.stopRequested = false;
  ui.setBusy(true);
  ui.setStatus('Generating…');
  const started = performance.now();
  let steps = 0;
  try {
    await session.generator.generate(
      { seedIds: encoding.ids, temperatures: run.temperatures, length: run.length, rngSeed: run.rngSeed, mode: run.mode },
      {
        onChars: (chars) => {
          steps += 1;
          writer.push(chars);
        },
        shouldStop: () => session.stopRequested,
        signal: session.failure.signal,
      },
    );
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
    ui.setBusy(false);
  }
}

function fillForm(state) {
  ui.elements.seed.value = state.seed;
  ui.elements.length.value = state.length;
  ui.elements.rng.value = state.rngSeed ?? String(randomRngSeed());
  ui.elements.mode.value = state.mode === 'window' ? 'window' : 'stateful';
  ui.setLanes(state.temperatures);
}

function bindControls(models) {
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
  ui.elements.model.replaceChildren(...models.map((m) => new Option(m.name, m.id)));
  ui.elements.model.value = session.modelId;
  ui.elements.model.disabled = models.length < 2;
  ui.elements.model.addEventListener('change', async () => {
    const model = models.find((m) => m.id === ui.elements.model.value);
    ui.setBusy(true);
    try {
      await loadModel(model);
      ui.setStatus(`Model ${model.name} ready.`);
    } catch (error) {
      ui.showError(error.message);
    } finally {
      ui.setBusy(false);
    }
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
  const state = readUrl();
  fillForm(state);
  const backend = await chooseBackend(state.backend);
  session.backend = backend;
  ui.elements.backend.textContent = backend.name;
  ui.elements.backend.title = backend.reason;
  watchContextLoss();
  const models = await listModels();
  const model = models.find((m) => m.id === state.model) ?? models[0];
  if (state.model && model.id !== state.model) ui.showError(`model "${state.model}" is not available; showing ${model.name}`);
  await loadModel(model);
  bindControls(models);
  ui.setBusy(false);
  ui.setStatus(`Ready: ${backend.name} backend (${backend.reason}). Type a seed and press Generate.`);
}

const ready = start().catch((error) => {
  ui.showError(error.message);
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
};
