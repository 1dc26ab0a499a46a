// The page controller: wires the views (views/) to generation, scoring and the choice of model;
// start-up.js starts it from its address. What it shares with window.tempera is in the Session.
import { unavailableLine } from './catalog.js';
import { InsidePage } from './inside-page.js';
import { InspectorPin } from './inspector-pin.js';
import { scoreTotals } from './likelihood.js';
import { filtersByKey, runNotes } from './run-options.js';
import { RunsPage } from './runs-page.js';
import { openEntry, reasonOf, startPage } from './start-up.js';
import { readUrl, writeUrl } from './url-state.js';
import { ControlsView } from './views/controls.js';
import { FactsView } from './views/facts.js';
import { FirstStepChart } from './views/first-step-chart.js';
import { InspectorView } from './views/inspector.js';
import { LanesView } from './views/lanes.js';
import { LikelihoodControls } from './views/likelihood-controls.js';
import { MessagesView, runSentence } from './views/messages.js';
import { ModelPicker } from './views/model-picker.js';
import { ScoreView, scoringProgress } from './views/score-view.js';
import { Terms } from './views/terms.js';

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
    this.terms = new Terms(doc); // every term's definition, on demand
    this.controlState = { ready: false, loading: false, running: false, scoring: false }; // what the controls allow
    this.stopRequested = false; // by the Stop button, for the page's own run
    this.scoreStopRequested = false; // by the score view's Stop button, for the text being scored
    this.pin = new InspectorPin(this.inspector);
    this.inside = new InsidePage(this, doc); // the cell view, its finder, and the inspector's saliency
    this.training = new RunsPage(this, doc); // the Training view, and lanes by epoch
  }

  // Resolves once the page works; rejects, with the reasons shown on the page, if it cannot.
  // The training runs come after: a server without them answers the page all the same.
  async start(addressNotes) {
    const { runLanes } = readUrl();
    await startPage(this, addressNotes);
    await this.training.start(runLanes);
  }

  // The page shows in two parts as it starts, each kept from view until what it holds is in, so
  // that nothing comes in under the reader's eye: `part` 'starting', the lanes and what sits
  // above them; 'loading', what sits below the lanes, once the model is open and the first-step
  // chart drawn.
  shown(part) {
    this.controls.form.closest('main')?.classList.remove(part);
  }

  // The views' buttons and edits, wired to the page.
  listen() {
    this.controls.onGenerate(() => this.runFromPage());
    this.controls.onStop(() => {
      this.stopRequested = true;
    });
    const inspect = (source, step, how) => this.pin.inspect(source, step, how);
    this.lanes.onInspect(inspect);
    this.scoreView.onInspect(inspect);
    this.lanes.onTemperatures(() => this.chart.show(this.lanes.settings()));
    this.lanes.onScore((text) => this.scoreView.fill(text));
    this.scoreView.onScore((request) => this.scoreFromPage(request));
    this.scoreView.onStop(() => {
      this.scoreStopRequested = true;
    });
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
    this.training.enable(this.controlState);
    this.inside.enable(this.controlState);
  }

  useModel(loaded) {
    this.session.useModel(loaded);
    this.facts.showModel(loaded);
    this.inspector.clear();
    this.inside.clear();
    this.scoreView.useModel(loaded);
    this.scoreView.clear();
  }

  open(entry) {
    return openEntry(entry, (line) => this.messages.setStatus(line));
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
    const { temperatures, filters } = this.lanes.read();
    const { seed, length, rngSeed, mode } = this.controls.read();
    return { seed, temperatures, filters, length, rngSeed, mode };
  }

  async runFromPage() {
    const { session, messages } = this;
    if (this.controlState.running || this.controlState.loading || !session.model) return;
    messages.showError('');
    let run;
    let encoding;
    let source; // the model (or the epochs' models) the lanes use
    let loaded;
    try {
      source = await this.training.lanesSource(session.model);
      loaded = source.model;
      run = this.readForm();
      encoding = loaded.vocab.encodeSeed(run.seed);
    } catch (error) {
      messages.showError(error.message);
      return;
    }
    messages.showRunNotes(runNotes(encoding, run.mode, run.length));
    messages.showUrlNotes([]); // the address now holds this run
    writeUrl({ ...run, ...source.address, model: loaded.entry.epoch ? null : loaded.entry.id });
    const writer = this.lanes.writer(encoding.text, loaded.vocab, { ...run, model: loaded.entry.id });
    const size = loaded.vocab.size;
    this.pin.forget();
    this.inside.ranLanes(run.mode, loaded);
    this.stopRequested = false;
    this.setControls({ running: true });
    messages.setStatus('Writing…');
    const started = performance.now();
    let steps = 0;
    try {
      await source.generate(
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
            if (step === 0 && p) {
              this.chart.setDistribution(p.subarray(0, size), loaded.vocab);
              this.chart.show(this.lanes.settings());
            }
            steps += 1;
            writer.push(chars, step);
          },
          shouldStop: () => this.stopRequested,
          signal: session.failure.signal,
        },
      );
      writer.finish();
      const seconds = (performance.now() - started) / 1000;
      messages.setStatus(runSentence({ stopped: this.stopRequested, lanes: run.temperatures.length, chars: steps }), {
        run: `Last run: ${steps} characters per lane in ${seconds.toFixed(1)} s ` +
          `(${Math.round(steps / Math.max(seconds, 1e-3))} steps/s, ${session.backend.name}).`,
      });
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
        this.pin.forget({ unmark: true });
        const total = encoding.ids.length - 1;
        if (records.count < total) {
          // Stopped: a half-scored text would read as a whole one, so nothing is shown.
          this.scoreView.clear();
          messages.setStatus(`Scoring stopped after ${records.count.toLocaleString('en')} of ${total.toLocaleString('en')} characters; nothing is shown.`);
          return;
        }
        this.scoreView.show(scoreTotals(mode, encoding, records), records, vocab, encoding.report);
        this.inside.scoredIn(mode);
        const seconds = (performance.now() - started) / 1000;
        const bits = this.scoreView.bits.textContent;
        messages.setStatus(`Scored ${records.count.toLocaleString('en')} characters: ${bits}.`,
          { run: `Last score: ${records.count.toLocaleString('en')} characters in ${seconds.toFixed(1)} s.` });
      });
    } catch (error) {
      messages.showError(reasonOf(error));
      messages.setStatus('Scoring failed.');
    } finally {
      this.setControls({ scoring: false });
    }
  }
}
