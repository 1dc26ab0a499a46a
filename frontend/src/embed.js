// The embeddable module's core, shared by its browser and Node entries: a bundle opened with
// the page's own loader, backend choice and generator, behind a small API.
//   load(bundleUrl, {backend})  -> TemperaModel
//   model.run(options)          -> what window.tempera.generate gives (api.js)
//   model.generate(options)     -> an async iterator of steps, then the same result
//   model.score(text, mode)     -> what window.tempera.score gives
//   model.activations(text, mode), model.saliency(text, position, {context, mode})
//                               -> what window.tempera.activations / saliency give
//   model.dispose()
// The environment (where the WASM binaries are, how files are fetched) comes from the entry.
import { generate as generateRun, score as scoreText } from './api.js';
import { activations as activationsOf, saliency as saliencyOf } from './inside-model.js';
import { BACKENDS, chooseBackend, MEASURE_ALL, onBackendLost } from './backend.js';
import { settleBackend } from './backend-choice.js';
import { openModel } from './loaded-model.js';
import { MAX_RNG_SEED } from './sampling.js';

// TensorFlow.js has one backend per page (or process): the first load chooses it, and every
// model opened while one is alive shares it.
const shared = { backend: null, models: new Set(), queue: Promise.resolve() };

function checkBackend(backend) {
  if (backend === undefined || backend === null) return null;
  if (!BACKENDS.includes(backend) && backend !== MEASURE_ALL) {
    throw new TypeError(`backend must be one of ${[...BACKENDS, MEASURE_ALL].join(', ')}, not ${JSON.stringify(backend)}`);
  }
  return backend;
}

// The options window.tempera.generate takes; `seed` is accepted for seedText, as ml5's charRNN
// names it, and a run without rngSeed gets a random one (the result says which).
function runOptions(options = {}) {
  const { seed, ...rest } = options;
  if (rest.seedText === undefined && seed !== undefined) rest.seedText = seed;
  if (rest.rngSeed === undefined || rest.rngSeed === null) rest.rngSeed = Math.floor(Math.random() * (MAX_RNG_SEED + 1));
  return rest;
}

// One step of a run as the iterator yields it, as the Python API's Step.to_json() writes it:
// the step's index, the characters drawn (one per lane) and each lane's record as `tempera
// sample --json` lists it (char, p, rank, entropy_bits, u; the character alone when the run
// keeps no records).
function stepOf(index, chars, laneRecords) {
  return {
    step: index,
    chars: [...chars],
    lanes: chars.map((char, lane) => {
      const records = laneRecords?.[lane];
      if (!records) return { char };
      return { char, p: records.p[index], rank: records.rank[index], entropy_bits: records.entropyBits[index],
        u: records.u[index] };
    }),
  };
}

export class TemperaModel {
  constructor(loaded, backend, url) {
    this.url = url;
    // What api.js's runs read: the model, its backend, and a signal that stops every run.
    this.session = { model: loaded, backend, failure: new AbortController() };
    this.disposed = false;
  }

  // {name, reason, forced, note, threads}: the backend the model runs on and why.
  get backend() {
    const { name, reason, forced, note, threads } = this.session.backend;
    return { name, reason, forced, note, threads: threads ?? null };
  }

  // The bundle's tempera.json.
  get meta() {
    return this.session.model.meta;
  }

  // The characters the model knows, in vocabulary order.
  get vocabulary() {
    return [...this.session.model.vocab.chars];
  }

  // The seed as the model reads it: lowercased where the model is, unknown characters left out.
  seedAsRead(seedText) {
    return this.session.model.vocab.encodeSeed(seedText).text;
  }

  checkOpen() {
    if (this.disposed) throw new Error('this model was disposed; load it again');
  }

  // {lanes, backend, seedText, seedReport, notes}, as window.tempera.generate, and rngSeed.
  async run(options) {
    this.checkOpen();
    const run = runOptions(options);
    return { ...(await generateRun(this.session, run)), rngSeed: run.rngSeed };
  }

  // Yields each step as it is drawn ({step, chars, lanes: [{char, p, rank, entropy_bits, u}]}); the
  // iterator's return value is what run() resolves to. Leaving the loop early stops the run.
  async *generate(options) {
    this.checkOpen();
    const queue = [];
    let taken = 0;
    let wake = null;
    let finished = false;
    let failure = null;
    let stop = false;
    let laneRecords = null;
    const notify = () => {
      if (wake) wake();
      wake = null;
    };
    const run = runOptions(options);
    const running = generateRun(this.session, run, {
      onStart: (records) => {
        laneRecords = records;
      },
      onChars: (chars, index) => {
        queue.push(stepOf(index, chars, laneRecords));
        notify();
      },
      shouldStop: () => stop,
    }).then((result) => ({ ...result, rngSeed: run.rngSeed }), (error) => {
      failure = error;
      return null;
    }).finally(() => {
      finished = true;
      notify();
    });
    try {
      for (;;) {
        while (taken < queue.length) {
          const step = queue[taken];
          queue[taken++] = null; // the consumer has it; let it go
          yield step;
        }
        if (finished) break;
        await new Promise((resolve) => {
          wake = resolve;
        });
      }
      const result = await running;
      if (failure) throw failure;
      return result;
    } finally {
      stop = true;
      await running; // the run frees its state before the loop goes on
    }
  }

  // What window.tempera.score gives: `tempera score --json`.
  async score(text, mode) {
    this.checkOpen();
    return scoreText(this.session, text, mode);
  }

  // What window.tempera.activations gives: `tempera activations --json`.
  async activations(text, mode) {
    this.checkOpen();
    return activationsOf(this.session, text, mode);
  }

  // What window.tempera.saliency gives: `tempera saliency --json`.
  async saliency(text, position, options) {
    this.checkOpen();
    return saliencyOf(this.session, text, position, options);
  }

  // Frees the model's tensors once the runs still using it end; later calls fail.
  dispose() {
    if (this.disposed) return;
    this.disposed = true;
    shared.models.delete(this);
    this.session.model.retire();
  }
}

// Opens the bundle at `url` (a folder's URL ending in '/'). environment: {wasmPaths, fetchFile,
// onStatus}. Loads run one after another, so the backend is chosen once.
export function loadAt(url, { backend: requested, ...environment } = {}) {
  const wanted = checkBackend(requested);
  const opened = shared.queue.then(() => open(url, wanted, environment));
  shared.queue = opened.catch(() => {});
  return opened;
}

async function open(url, wanted, { wasmPaths, fetchFile, onStatus = () => {} }) {
  const entry = { id: url, name: url, baseUrl: url, fetchFile };
  const current = shared.backend;
  const alive = shared.models.size > 0;
  if (current && wanted && wanted !== MEASURE_ALL && wanted !== current.name && alive) {
    throw new Error(`the models on this page run on ${current.name}, and a page has one backend at a time: ` +
      `dispose() them before loading one on ${wanted}`);
  }
  let loaded;
  if (current && (!wanted || wanted === current.name || alive)) {
    onStatus('Loading the model…');
    loaded = await openModel(entry);
  } else {
    // The page's own choice (backend.js, backend-choice.js): the forced backend where it
    // starts, else the fastest this device has, measured where there is a choice.
    const provisional = await chooseBackend(wanted, '', wasmPaths);
    onStatus('Loading the model…');
    const first = await openModel(entry);
    let settled;
    [settled, loaded] = await settleBackend(provisional, first, {
      all: wanted === MEASURE_ALL, setStatus: onStatus, reopen: (again) => openModel(again),
    });
    // The page's words for a forced backend name its address; here load() forced it.
    shared.backend = { ...settled, reason: settled.reason.replace('chosen in the URL (?backend=)', 'asked for by load()') };
    // A lost WebGL context stops every run; the next load chooses again.
    onBackendLost((error) => {
      shared.backend = null;
      shared.models.forEach((model) => model.session.failure.abort(error));
    });
  }
  const model = new TemperaModel(loaded, shared.backend, url);
  shared.models.add(model);
  return model;
}

// The folder URL of a bundle: `address` resolved against `base`, ending in '/'.
export function folderUrl(address, base) {
  if (typeof address !== 'string' || address.trim() === '') {
    throw new TypeError('load() needs the URL of a bundle folder (model.json + tempera.json)');
  }
  const url = new URL(address, base);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
}
