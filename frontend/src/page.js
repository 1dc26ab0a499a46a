// The page controller: starts the page from its address, opens a model, and wires the views
// (views/) to generation. What it shares with window.tempera is in the Session.
import { candidates, chooseBackend, MEASURE_ALL, onBackendLost, started, wasmThreads } from './backend.js';
import { describeRates, measureBackends, measurementKey, remember, remembered } from './backend-measure.js';
import { fetchCatalog, unavailableLine } from './catalog.js';
import { scoreTotals } from './likelihood.js';
import { openModel } from './loaded-model.js';
import { checkLength, filtersByKey, runNotes } from './run-options.js';
import { checkRngSeed, checkTemperature, filtersFromText, SamplingError } from './sampling.js';
import { readUrl, writeUrl } from './url-state.js';
import { ControlsView } from './views/controls.js';
import { FactsView } from './views/facts.js';
import { FirstStepChart } from './views/first-step-chart.js';
import { InspectorView } from './views/inspector.js';
import { LanesView } from './views/lanes.js';
import { LikelihoodControls } from './views/likelihood-controls.js';
import { MessagesView } from './views/messages.js';
import { ModelPicker } from './views/model-picker.js';
import { ScoreView, scoringProgress } from './views/score-view.js';

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

// Why the backend runs, with how many threads WASM computes ("…; 2 threads").
function withThreads(parts) {
  const threads = wasmThreads();
  return [...parts, threads ? `${threads} thread${threads > 1 ? 's' : ''}` : ''].filter(Boolean).join('; ');
}

// A number input holds '' when it is empty or what was typed is not a number.
function filled(value, what) {
  if (value.trim() === '') throw new SamplingError(`${what} is empty or not a number`);
  return value;
}

export class Page {
  constructor(session, doc = document) {
    this.session = session;
    this.controls = new ControlsView(doc);
    this.lanes = new LanesView(doc);
    this.messages = new MessagesView(doc);
    this.models = new ModelPicker(doc);
    this.facts = new FactsView(doc);
    this.inspector = new InspectorView(doc);
    this.chart = new FirstStepChart(doc);
    this.scoreView = new ScoreView(doc);
    this.likelihood = new LikelihoodControls(doc);
    this.controlState = { ready: false, loading: false, running: false, scoring: false }; // what the controls allow
    this.stopRequested = false; // by the Stop button, for the page's own run
    this.scoreStopRequested = false; // by the score view's Stop button, for the text being scored
    this.pinned = false; // the inspector keeps a clicked or key-chosen character until Escape
    this.marked = null; // the LaneText whose character the inspector marks
  }

  // A character of source.text was pointed at (how: 'hover'), clicked ('pin'), focused, reached
  // by keys, or Escape was pressed ('unpin'). A clicked or key-chosen character stays in the
  // inspector, marked in its text, until Escape or a second click on it.
  inspect(source, step, how) {
    const { text } = source;
    const again = how === 'pin' && this.pinned && this.marked === text && text.active === step;
    if (how === 'unpin' || again) {
      this.unpin();
      return;
    }
    if (how === 'hover' && this.pinned) return;
    if (how !== 'hover') {
      if (this.marked && this.marked !== text) this.marked.mark(null);
      this.marked = text;
      text.mark(step, { scroll: how === 'key' });
      if (how !== 'focus') this.pinned = true;
    }
    this.inspector.show(source, step, { announce: how !== 'hover' });
  }

  unpin() {
    if (!this.pinned && !this.marked) return;
    this.pinned = false;
    this.marked?.mark(null);
    this.marked = null;
    this.inspector.say('Unpinned: pointing at a character shows it again.');
  }

  // Resolves once the page works; rejects, with the reasons shown on the page, if it cannot.
  async start(addressNotes) {
    try {
      await this.startFromAddress(addressNotes);
    } catch (error) {
      this.messages.showError(error.lines ?? error.message);
      this.messages.setStatus('Not ready.');
      throw error;
    }
  }

  async startFromAddress(addressNotes) {
    const { session, messages } = this;
    const { state, notes } = readUrl();
    this.controls.fill(state);
    this.lanes.set(state.temperatures, state.filters);
    this.controls.onGenerate(() => this.runFromPage());
    this.controls.onStop(() => {
      this.stopRequested = true;
    });
    const inspect = (source, step, how) => this.inspect(source, step, how);
    this.lanes.onInspect(inspect);
    this.scoreView.onInspect(inspect);
    this.lanes.onTemperatures(() => this.chart.show(this.lanes.settings()));
    this.lanes.onScore((text) => this.scoreView.fill(text));
    this.scoreView.onScore((request) => this.scoreFromPage(request));
    this.scoreView.onStop(() => {
      this.scoreStopRequested = true;
    });
    let backend = await chooseBackend(state.backend);
    messages.showUrlNotes([...addressNotes, ...notes, backend.note].filter(Boolean));
    session.backend = backend;
    session.catalog = await fetchCatalog();
    const requested = state.model === null ? null : session.catalog.find((entry) => entry.id === state.model) ?? null;
    let loaded = await this.openFirstWorking(requested);
    this.models.show(session.catalog, loaded?.entry.id);
    const lines = this.startLines(state.model, requested, loaded);
    if (!loaded) throw new StartError(lines);
    if (backend.forced) backend = { ...backend, threads: wasmThreads(), reason: withThreads([backend.reason]) };
    else [backend, loaded] = await this.measuredBackend(backend, loaded, state.backend === MEASURE_ALL);
    session.backend = backend;
    this.facts.showBackend(backend);
    onBackendLost((error) => {
      session.failure.abort(error);
      messages.showError(error.message);
      messages.setStatus('Stopped: the WebGL backend is gone.');
    });
    messages.showError(lines);
    this.useModel(loaded);
    this.models.onChoose((id) => {
      const entry = session.catalog.find((e) => e.id === id);
      if (entry && entry !== session.model.entry) this.switchModel(entry);
    });
    this.setControls({ ready: true });
    messages.setStatus(`Ready: ${backend.name} backend (${backend.reason}). Type a seed and press Generate.`);
    await this.chartSeed(state.seed, state.mode);
  }

  // The backend to run `loaded` on, by measurement where there is a choice (remembered from an
  // earlier visit when there is one), and the model opened on it: [backend, loaded].
  async measuredBackend(provisional, loaded, all) {
    const { names, left } = candidates(all);
    const key = measurementKey(loaded.units, loaded.vocab.size);
    const known = all ? null : remembered(key);
    let measurement = null;
    let how;
    if (known && names.includes(known.choice)) {
      measurement = { ...known, cached: true };
      how = `measured on an earlier visit: ${describeRates(known)}`;
    } else if (names.length > 1) {
      this.messages.setStatus(`Measuring ${names.join(' and ')} on this device…`);
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
      opened = await this.open(loaded.entry);
    }
    const reason = withThreads([provisional.reason, how]);
    return [{ ...provisional, name: choice, reason, measurement, threads: wasmThreads() }, opened];
  }

  // The first-step chart for `seed` before any run; a seed the model cannot read leaves it empty.
  async chartSeed(seed, mode) {
    try {
      await this.session.model.use(async ({ generator, vocab }) => {
        this.chart.setDistribution(await generator.probabilities(vocab.encodeSeed(seed).ids, mode), vocab);
      });
      this.chart.show(this.lanes.settings());
    } catch {
      // the chart waits for the first run
    }
  }

  setControls(change) {
    Object.assign(this.controlState, change);
    this.controls.enable(this.controlState);
    this.lanes.enable(this.controlState);
    this.models.enable(this.controlState);
    this.scoreView.enable(this.controlState);
  }

  useModel(loaded) {
    this.session.useModel(loaded);
    this.facts.showModel(loaded);
    this.inspector.clear();
    this.scoreView.clear();
  }

  // The entry's model; a bundle that fails is marked unavailable with its error.
  async open(entry) {
    this.messages.setStatus(`Loading model ${entry.name}…`);
    try {
      return await openModel(entry);
    } catch (error) {
      entry.unavailable = reasonOf(error);
      throw error;
    }
  }

  // The requested bundle if it loads, else the first that does, in the list's order; null if none.
  async openFirstWorking(requested) {
    const catalog = this.session.catalog;
    for (const entry of [requested, ...catalog.filter((e) => e !== requested)]) {
      if (!entry || entry.unavailable) continue;
      try {
        return await this.open(entry);
      } catch {
        // marked unavailable; try the next
      }
    }
    return null;
  }

  // What the page says about the bundles once it has started on `loaded` (null: on none).
  startLines(requestedId, requested, loaded) {
    const lines = this.session.catalog.filter((entry) => entry.unavailable).map(unavailableLine);
    if (!loaded) return [...lines, 'no model bundle could be loaded'];
    if (requestedId !== null && !requested) {
      lines.unshift(`model "${requestedId}" is not available; showing ${loaded.entry.name}`);
    } else if (lines.length) {
      lines.push(`showing ${loaded.entry.name}`);
    }
    return lines;
  }

  async switchModel(entry) {
    const { session, messages } = this;
    const previous = session.model;
    this.setControls({ loading: true });
    try {
      this.useModel(await this.open(entry));
      messages.showError('');
      messages.setStatus(`Model ${entry.name} ready.`);
      const typed = this.controls.values();
      await this.chartSeed(typed.seed, typed.mode);
    } catch {
      messages.showError([unavailableLine(entry), `still using ${previous.entry.name}`]);
      messages.setStatus(`Model ${previous.entry.name} ready.`);
    } finally {
      this.models.show(session.catalog, session.model.entry.id);
      this.setControls({ loading: false });
    }
  }

  // The run the form describes, checked: {seed, temperatures, filters, length, rngSeed, mode}.
  readForm() {
    const typed = this.controls.values();
    const inLane = (lane, read) => {
      try {
        return read();
      } catch (error) {
        throw new SamplingError(`lane ${lane + 1}: ${error.message}`);
      }
    };
    const temperatures = this.lanes.temperatures().map((value, lane) => inLane(lane,
      () => checkTemperature(filled(value, 'the temperature'))));
    const filters = this.lanes.filters().map((fields, lane) => inLane(lane, () => {
      if (fields.unreadable.length) throw new SamplingError(`${fields.unreadable[0]} is not a number`);
      return filtersFromText(fields);
    }));
    return {
      seed: typed.seed,
      temperatures,
      filters,
      length: checkLength(filled(typed.length, 'the length')),
      rngSeed: checkRngSeed(filled(typed.rngSeed, 'the RNG seed')),
      mode: typed.mode,
    };
  }

  async runFromPage() {
    const { session, messages } = this;
    const loaded = session.model;
    if (this.controlState.running || !loaded) return;
    messages.showError('');
    let run;
    let encoding;
    try {
      run = this.readForm();
      encoding = loaded.vocab.encodeSeed(run.seed);
    } catch (error) {
      messages.showError(error.message);
      return;
    }
    messages.showRunNotes(runNotes(encoding, run.mode, run.length));
    messages.showUrlNotes([]); // the address now holds this run
    writeUrl({ ...run, model: loaded.entry.id });
    const writer = this.lanes.writer(encoding.text, loaded.vocab);
    const size = loaded.vocab.size;
    this.inspector.clear();
    this.pinned = false;
    this.marked = null;
    this.stopRequested = false;
    this.setControls({ running: true });
    messages.setStatus('Generating…');
    const started = performance.now();
    let steps = 0;
    try {
      await loaded.use(({ generator }) => generator.generate(
        {
          seedIds: encoding.ids,
          temperatures: run.temperatures,
          filters: filtersByKey(run.filters),
          length: run.length,
          rngSeed: run.rngSeed,
          mode: run.mode,
        },
        {
          records: this.likelihood.on,
          onStart: (records) => writer.begin(records),
          onChars: (chars, step, p) => {
            if (step === 0) {
              this.chart.setDistribution(p.subarray(0, size), loaded.vocab);
              this.chart.show(this.lanes.settings());
            }
            steps += 1;
            writer.push(chars, step);
          },
          shouldStop: () => this.stopRequested,
          signal: session.failure.signal,
        },
      ));
      writer.finish();
      const seconds = (performance.now() - started) / 1000;
      messages.setStatus(`${this.stopRequested ? 'Stopped after' : 'Done:'} ${steps} characters per lane in ` +
        `${seconds.toFixed(1)} s (${Math.round(steps / Math.max(seconds, 1e-3))} steps/s, ${session.backend.name}).`);
    } catch (error) {
      writer.finish();
      messages.showError(error.message);
      messages.setStatus('Generation failed.');
    } finally {
      this.setControls({ running: false });
    }
  }

  async scoreFromPage({ text, mode }) {
    const { session, messages } = this;
    const loaded = session.model;
    if (this.controlState.scoring || this.controlState.running || !loaded) return;
    messages.showError('');
    this.scoreStopRequested = false;
    this.setControls({ scoring: true });
    messages.setStatus('Scoring…');
    const started = performance.now();
    try {
      await loaded.use(async ({ generator, vocab }) => {
        const encoding = vocab.encodeSeed(text, 'text');
        const records = await generator.score(encoding.ids, mode, {
          signal: session.failure.signal,
          onProgress: (done, total) => messages.setStatus(scoringProgress(done, total)),
          shouldStop: () => this.scoreStopRequested,
        });
        this.inspector.clear();
        this.marked?.mark(null);
        this.pinned = false;
        this.marked = null;
        const total = encoding.ids.length - 1;
        if (records.count < total) {
          // Stopped: a half-scored text would read as a whole one, so nothing is shown.
          this.scoreView.clear();
          messages.setStatus(`Scoring stopped after ${records.count.toLocaleString('en')} of ${total.toLocaleString('en')} characters; nothing is shown.`);
          return;
        }
        this.scoreView.show(scoreTotals(mode, encoding, records), records, vocab, encoding.report);
        const seconds = (performance.now() - started) / 1000;
        const bits = this.scoreView.bits.textContent;
        messages.setStatus(`Scored ${records.count.toLocaleString('en')} characters in ${seconds.toFixed(1)} s: ${bits}.`);
      });
    } catch (error) {
      messages.showError(reasonOf(error));
      messages.setStatus('Scoring failed.');
    } finally {
      this.setControls({ scoring: false });
    }
  }
}
