// The page's side of training runs: the Training view fed by RunsFeed, an epoch opened in the
// generator, and the lanes by epoch (lane k: a one-lane run of epoch k at one temperature,
// same seed, same RNG seed). page.js asks it what the lanes generate with (lanesSource).
import { EpochModels, epochEntry, generateAcross } from './epoch-lanes.js';
import { MAX_LANES } from './run-options.js';
import { POLL_MS, RunsFeed } from './runs-feed.js';
import { runEpochs, spreadEpochs } from './runs.js';
import { writeRunLanes } from './runs-url.js';
import { quote } from './url-guard.js';
import { TrainingView } from './views/training.js';

const EPOCH_LANES = 4; // lanes a comparison of epochs starts with: readable side by side

// A failed epoch bundle's reason in the server's words (its 422 or 503 JSON), else null.
async function epochRefusal(entry) {
  let response;
  try {
    response = await fetch(`${entry.baseUrl}model.json`, { cache: 'no-store' });
  } catch {
    return null; // the loader says what went wrong
  }
  if (response.ok) return null;
  try {
    const body = await response.json();
    if (typeof body?.error === 'string') {
      return `${entry.name} cannot be opened: ${body.error}${body.install ? ` (install it with: ${body.install})` : ''}`;
    }
  } catch {
    // not JSON: the loader's own words follow
  }
  return null;
}

// The address's run part, as the page shows it now, with the lanes' temperatures where given.
function updateAddress(runLanes, temperatures = null) {
  const params = new URLSearchParams(window.location.search);
  if (temperatures !== null) params.set('t', String(temperatures));
  writeRunLanes(params, runLanes);
  window.history.replaceState(null, '', `?${params}`);
}

export class RunsPage {
  constructor(page, doc = document) {
    this.page = page;
    this.view = new TrainingView(doc);
    this.lanesBy = doc.getElementById('lanes-by');
    this.lanesByField = doc.getElementById('lanes-by-field');
    this.lanesContainer = doc.getElementById('lanes');
    this.addLane = doc.getElementById('add-lane');
    this.models = new EpochModels((entry) => this.openEpochModel(entry));
    this.mode = { lanesBy: 'temperature', trainingRun: null, epochs: [] };
    this.temperatureLanes = null; // the lanes by temperature, kept while lanes are by epoch
    this.syncing = false;
    this.feed = new RunsFeed({
      onRuns: (runs) => this.view.show(runs),
      onSamples: (name, samples) => this.view.showSamples(name, samples),
      onError: (message) => this.view.showProblem(message),
    });
  }

  // No change of lanes while a model loads or a run goes on.
  enable({ loading, running }) {
    this.lanesBy.disabled = loading || running;
  }

  // The runs as the view shows them (window.tempera.runs()); null where the server has none.
  runs() {
    return this.feed.runs === null ? null : structuredClone(this.feed.runs);
  }

  // After the page has started: the view, if the server lists runs, and the address's run.
  async start(runLanes) {
    let available;
    try {
      available = await this.feed.start();
    } catch (error) {
      // The server has runs but could not list them now: the view says why and keeps asking.
      this.view.showProblem(`${error.message}; trying again every ${POLL_MS / 1000} s while this view is on screen`);
      available = true;
    }
    if (!available) return;
    this.view.reveal();
    this.lanesByField.hidden = false;
    this.listen();
    if (runLanes.trainingRun !== null) await this.restore(runLanes);
  }

  listen() {
    this.view.onOpen((name, epoch) => this.openEpoch(name, epoch));
    this.view.onCompare((name) => this.compareEpochs(name));
    this.lanesBy.addEventListener('change', () => {
      if (this.lanesBy.value === 'epoch') this.compareEpochs(this.mode.trainingRun ?? this.feed.runs?.[0]?.name ?? null);
      else this.lanesByTemperature();
    });
    // Lanes by epoch share one temperature: a change in one lane is made in all.
    this.lanesContainer.addEventListener('input', (event) => {
      if (this.mode.lanesBy !== 'epoch' || this.syncing || !event.target.matches('.temperature')) return;
      this.syncing = true;
      for (const input of this.lanesContainer.querySelectorAll('.temperature')) {
        if (input === event.target) continue;
        input.value = event.target.value;
        input.dispatchEvent(new Event('input', { bubbles: true }));
      }
      this.syncing = false;
    });
    const visibility = { onScreen: false };
    const update = () => this.feed.setVisible(visibility.onScreen && document.visibilityState === 'visible');
    new IntersectionObserver(([entry]) => {
      visibility.onScreen = entry.isIntersecting;
      update();
    }, { rootMargin: '200px' }).observe(this.view.section);
    document.addEventListener('visibilitychange', update);
  }

  run(name) {
    return this.feed.runs?.find((run) => run.name === name) ?? null;
  }

  async restore({ lanesBy, trainingRun, epochs }) {
    const run = this.run(trainingRun);
    const saved = runEpochs(run);
    const note = (line) => this.page.messages.showUrlNotes([...this.page.messages.urlNotes.children].map((item) => item.textContent).concat(line));
    if (!run || !saved.length) {
      note(`run ${quote(trainingRun)} in the URL has no saved epoch on this server; using the chosen model`);
      return;
    }
    const missing = epochs.filter((epoch) => !saved.includes(epoch));
    const usable = epochs.filter((epoch) => saved.includes(epoch));
    if (missing.length) note(`run ${quote(trainingRun)} in the URL has no epoch ${missing.join(', ')}; its epochs are ${saved[0]} to ${saved[saved.length - 1]}`);
    if (lanesBy === 'epoch') {
      const { lanes } = this.page;
      const shown = usable.length ? usable : spreadEpochs(saved, EPOCH_LANES);
      // The address's filters, one per epoch lane, where they still match the lanes.
      const filters = shown.length === lanes.lanes.length ? this.readFilters() : [];
      await this.showEpochLanes(trainingRun, shown, lanes.temperatures()[0], filters);
    } else {
      await this.openEpoch(trainingRun, usable[0] ?? run.best_epoch ?? saved[saved.length - 1]);
    }
  }

  // A LoadedModel of an epoch's bundle; a bundle the server refuses fails with its reason.
  async openEpochModel(entry) {
    try {
      return await this.page.open(entry);
    } catch (error) {
      const refusal = await epochRefusal(entry);
      throw refusal ? new Error(refusal) : error;
    }
  }

  // Epoch `epoch` of run `name` becomes the generator's model; the lanes go by temperature.
  async openEpoch(name, epoch) {
    const { page } = this;
    const { messages, session } = page;
    if (page.controlState.running || page.controlState.loading) return;
    if (this.mode.lanesBy === 'epoch') this.lanesByTemperature({ address: false });
    const entry = epochEntry(name, epoch);
    page.setControls({ loading: true });
    try {
      page.useModel(await this.openEpochModel(entry));
      this.mode = { lanesBy: 'temperature', trainingRun: name, epochs: [epoch] };
      updateAddress(this.mode);
      messages.showError('');
      messages.setStatus(`Epoch ${epoch} of ${name} ready: Generate writes with it.`);
    } catch (error) {
      messages.showError(error.message);
      messages.setStatus(`Still using ${session.model.entry.name}.`);
    } finally {
      const current = session.model.entry;
      page.models.show(current.epoch ? [...session.catalog, current] : session.catalog, current.id);
      page.setControls({ loading: false });
    }
    const typed = page.controls.values();
    await page.chartSeed(typed.seed, typed.mode);
  }

  // Lanes by epoch: the chosen run's epochs, spread, at the first lane's temperature.
  async compareEpochs(name) {
    const run = this.run(name);
    const epochs = spreadEpochs(runEpochs(run), Math.min(EPOCH_LANES, MAX_LANES));
    if (!run || epochs.length < 1) {
      this.lanesBy.value = this.mode.lanesBy;
      this.page.messages.showError('No training run has a saved epoch yet: lanes by epoch need one.');
      return;
    }
    await this.showEpochLanes(name, epochs, this.page.lanes.temperatures()[0]);
  }

  async showEpochLanes(name, epochs, temperature, filters = []) {
    const { page } = this;
    if (page.controlState.running) return;
    if (this.mode.lanesBy !== 'epoch') this.keepTemperatureLanes();
    this.mode = { lanesBy: 'epoch', trainingRun: name, epochs };
    page.lanes.set(epochs.map(() => temperature), filters);
    page.lanes.lanes.forEach((lane, index) => {
      lane.dataset.epoch = String(epochs[index]);
      const label = document.createElement('strong');
      label.className = 'lane-epoch';
      label.textContent = `Epoch ${epochs[index]}`;
      lane.querySelector('header').prepend(label);
    });
    this.addLane.hidden = true;
    this.lanesBy.value = 'epoch';
    updateAddress(this.mode, temperature);
    page.chart.show(page.lanes.settings());
    page.messages.showError('');
    page.setControls({ loading: true });
    page.messages.setStatus(`Loading epochs ${epochs.join(', ')} of ${name}…`);
    try {
      await this.models.get(name, epochs);
      page.messages.setStatus(`${epochs.length > 1 ? 'Epochs' : 'Epoch'} ${epochs.join(', ')} of ${name} ready: ` +
        'Generate writes one lane per epoch, at one temperature and with the same random numbers.');
    } catch (error) {
      page.messages.showError(error.message);
      page.messages.setStatus('The epochs could not be loaded.');
    } finally {
      page.setControls({ loading: false });
    }
    page.lanes.container.scrollIntoView?.({ block: 'nearest' });
  }

  // The lanes' filters where every field reads, else none.
  readFilters() {
    try {
      return this.page.lanes.read().filters;
    } catch {
      return []; // a field holds no value: the lanes go without filters
    }
  }

  // The lanes by temperature as they are, to come back to.
  keepTemperatureLanes() {
    this.temperatureLanes = { temperatures: this.page.lanes.temperatures(), filters: this.readFilters() };
  }

  lanesByTemperature({ address = true } = {}) {
    const { page } = this;
    if (this.mode.lanesBy !== 'epoch' || page.controlState.running) return;
    const kept = this.temperatureLanes;
    page.lanes.set(kept?.temperatures ?? [1], kept?.filters);
    this.addLane.hidden = false;
    this.lanesBy.value = 'temperature';
    this.models.clear();
    const current = page.session.model.entry.epoch;
    this.mode = current ? { lanesBy: 'temperature', trainingRun: current.run, epochs: [current.epoch] }
      : { lanesBy: 'temperature', trainingRun: null, epochs: [] };
    if (address) updateAddress(this.mode, page.lanes.temperatures().join(','));
    page.chart.show(page.lanes.settings());
  }

  // What the lanes generate with: {model (whose vocabulary reads the seed), address (the run
  // part of the URL), generate(request, callbacks)}. Lanes by epoch use this.mode's epochs.
  async lanesSource(loaded) {
    if (this.mode.lanesBy !== 'epoch') {
      const epoch = loaded.entry.epoch;
      return {
        model: loaded,
        address: epoch ? { lanesBy: 'temperature', trainingRun: epoch.run, epochs: [epoch.epoch] } : {},
        generate: (request, callbacks) => loaded.use(({ generator }) => generator.generate(request, callbacks)),
      };
    }
    // Lanes may have been removed: each lane names its own epoch.
    const epochs = this.page.lanes.lanes.map((lane) => Number(lane.dataset.epoch));
    this.mode = { ...this.mode, epochs };
    const models = await this.models.get(this.mode.trainingRun, epochs);
    return {
      model: models[0],
      address: { ...this.mode },
      generate: (request, callbacks) => generateAcross(models, request, callbacks),
    };
  }
}
