// The lanes: one column per temperature, its text as it is generated (coloured by likelihood,
// views/lane-text.js), its histogram of ranks and its statistics, the button that adds a lane,
// and the bar above them: scrolling together, copying the link, downloading the run. Text only
// ever goes in as text, never markup.
import { LaneTally, rankBucket } from '../likelihood.js';
import { noCounts } from '../rank-counts.js';
import { runDocument, runFileName, runJson, runText } from '../run-document.js';
import { MAX_LANES } from '../run-options.js';
import { checkTemperature, FILTERS, filtersFromText, filtersLabel, NO_FILTERS, SamplingError } from '../sampling.js';
import { confirm, copyText, download, keepButton } from './keep-share.js';
import { LaneText } from './lane-text.js';
import { showStats } from './lane-stats.js';
import { filled } from './number-field.js';
import { rankHistogram, showRankCounts } from './rank-histogram.js';
import { ScrollTogether } from './scroll-together.js';
import { inspectTextBy } from './text-inspection.js';

const STATS_EVERY_MS = 250; // live statistics: how often they are redrawn during a run
const REDRAW_SHARE = 5; // after a redraw of d ms, the next waits 5·d: drawing takes ≤ 1/6
// and at least this long: plain text streams at 10 frames a second, coloured text at 5 (painting
// it costs the browser several times more, and that time would come out of the model's)
const REDRAW_MS = { plain: 100, coloured: 200 };

// A lane's filters as its fields hold them: {topK, topP, minP} as typed ('' when empty), and
// the labels of fields whose text is no number (a number input then holds ''). Each field's
// class is its filter's label.
function typedFilters(lane) {
  const typed = { unreadable: [] };
  FILTERS.forEach(({ label, key }) => {
    const input = lane.querySelector(`.${label}`);
    typed[key] = input.value;
    if (input.validity.badInput) typed.unreadable.push(label);
  });
  return typed;
}

// What the lane's filters do, for its label: the checked values ('' fields are off), or null
// while a field holds something that is no filter value.
export function readableFilters(typed) {
  if (typed.unreadable.length) return null;
  try {
    return filtersFromText(typed);
  } catch {
    return null;
  }
}

// A word for what a temperature does, shown beside it: one per range, short enough never to be cut.
function kindOf(value) {
  const t = Number(value);
  if (value === '' || Number.isNaN(t)) return '';
  if (t === 0) return 'greedy';
  if (t < 0.4) return 'cautious';
  if (t < 0.8) return 'steady';
  if (t < 1.2) return 'natural';
  if (t < 1.6) return 'lively';
  return 'wild';
}

export class LanesView {
  constructor(doc = document) {
    this.container = doc.getElementById('lanes');
    this.template = doc.getElementById('lane-template');
    this.addButton = doc.getElementById('add-lane');
    this.addButton.title = `add a lane (at most ${MAX_LANES})`;
    this.addButton.addEventListener('click', () => {
      if (this.add(1.0)) this.temperatureHandler(); // the first-step chart gets the new lane's column
    });
    this.running = false;
    this.texts = new WeakMap(); // lane element -> its LaneText
    this.together = new ScrollTogether(doc.getElementById('scroll-together'),
      () => this.lanes.map((lane) => this.texts.get(lane)));
    this.keepStatus = doc.getElementById('keep-status');
    this.copyLink = keepButton(doc.getElementById('copy-link'), 'Copied ✓');
    this.downloadJson = doc.getElementById('download-run');
    this.downloadText = doc.getElementById('download-run-text');
    this.copyLink.addEventListener('click', () => this.copy(this.copyLink, window.location.href, 'Link to this run copied.'));
    this.downloadJson.addEventListener('click', () => this.download('json'));
    this.downloadText.addEventListener('click', () => this.download('txt'));
    this.linked = false; // the address holds a run made on this page
    this.kept = null; // the last run that ended: {seedText, rngSeed, mode, model, lanes}
    this.inspectHandler = () => {};
    this.scoreHandler = () => {};
    this.temperatureHandler = () => {};
  }

  get lanes() {
    return [...this.container.children];
  }

  // handler(source, step, how): a character of a lane was pointed at, pinned or reached by keys.
  onInspect(handler) {
    this.inspectHandler = handler;
  }

  // handler(text): the lane's "Score" button.
  onScore(handler) {
    this.scoreHandler = handler;
  }

  // handler(): a lane's temperature or filters were edited, or a lane added or removed.
  onTemperatures(handler) {
    this.temperatureHandler = handler;
  }

  // temperatures: one per lane; filters: {topK, topP, minP} per lane (left out: none).
  set(temperatures, filters = []) {
    this.container.replaceChildren();
    temperatures.forEach((t, lane) => this.add(t, filters[lane]));
  }

  // Adds a lane, up to MAX_LANES; returns it, or null at the limit.
  add(temperature, filters = NO_FILTERS) {
    if (this.lanes.length >= MAX_LANES) return null;
    const lane = this.template.content.firstElementChild.cloneNode(true);
    const input = lane.querySelector('.temperature');
    const sync = () => {
      lane.dataset.temperature = input.value;
      lane.querySelector('.kind').textContent = kindOf(input.value);
      this.showFilters(lane);
    };
    input.value = String(temperature);
    FILTERS.forEach(({ label, key, off }) => {
      const field = lane.querySelector(`.${label}`);
      field.value = filters[key] === off ? '' : String(filters[key]);
      field.addEventListener('input', () => {
        sync();
        this.temperatureHandler();
      });
    });
    lane.querySelector('.filters').open = FILTERS.some(({ key, off }) => filters[key] !== off);
    input.addEventListener('input', () => {
      sync();
      this.temperatureHandler();
    });
    lane.querySelector('.remove').addEventListener('click', () => {
      if (this.running || this.lanes.length <= 1) return;
      lane.remove();
      this.refresh();
      this.temperatureHandler();
    });
    const text = new LaneText({
      scroller: lane.querySelector('.lane-scroll'),
      target: lane.querySelector('.generated'),
      prefix: lane.querySelector('.seed-text'),
    });
    this.texts.set(lane, text);
    inspectTextBy(text, (step, how) => this.inspectHandler(this.sourceOf(lane), step, how));
    this.together.watch(text);
    lane.querySelector('.score-lane').addEventListener('click', () => this.scoreHandler(text.text()));
    const foot = lane.ownerDocument.createElement('div');
    foot.className = 'lane-foot';
    const copy = keepButton(lane.ownerDocument.createElement('button'), 'Copied ✓');
    copy.type = 'button';
    copy.className = 'copy-lane keep-button';
    copy.dataset.testid = 'copy-lane';
    const whose = lane.ownerDocument.createElement('span');
    whose.className = 'visually-hidden lane-name';
    copy.querySelector('.keep-label').replaceChildren('Copy text', whose);
    copy.addEventListener('click', () => {
      const number = this.lanes.indexOf(lane) + 1;
      this.copy(copy, text.prefixText + text.text(),
        `Lane ${number}'s text copied: the seed and ${text.length.toLocaleString('en')} generated characters.`);
    });
    foot.append(rankHistogram(lane.ownerDocument), copy);
    lane.querySelector('.lane-stats').before(foot);
    showStats(lane.querySelector('.lane-stats'), null);
    sync();
    this.container.append(lane);
    this.refresh();
    return lane;
  }

  // The lane's label, "T = 1.2 · min-p 0.1", and its filters' summary line.
  showFilters(lane) {
    const filters = readableFilters(typedFilters(lane));
    const active = filters ? filtersLabel(filters) : '';
    const summary = filters === null ? 'Filters: a value is not valid' : `Filters: ${active || 'off'}`;
    lane.querySelector('.filters-label').textContent = summary;
    lane.querySelector('.filters').classList.toggle('active', Boolean(active));
    lane.dataset.label = [`T = ${lane.dataset.temperature}`, active].filter(Boolean).join(' · ');
  }

  // What the inspector needs to show a step of this lane: its label names the run's settings.
  sourceOf(lane) {
    const text = this.texts.get(lane);
    const number = this.lanes.indexOf(lane) + 1;
    const records = text.records;
    const settings = [`T = ${records?.temperature}`, records?.temperature ? filtersLabel(records.filters) : '']
      .filter(Boolean).join(' · ');
    return { label: `Lane ${number} (${settings})`, settings, text, records, vocab: this.vocab, scoring: false };
  }

  // What each lane's temperature field holds, as typed.
  temperatures() {
    return this.lanes.map((lane) => lane.querySelector('.temperature').value);
  }

  // What each lane's filter fields hold, as typed: [{topK, topP, minP, unreadable}].
  filters() {
    return this.lanes.map(typedFilters);
  }

  // Each lane's temperature and filters, checked: {temperatures, filters}; a value that is not
  // one throws SamplingError, naming its lane.
  read() {
    const inLane = (lane, read) => {
      try {
        return read();
      } catch (error) {
        throw new SamplingError(`lane ${lane + 1}: ${error.message}`);
      }
    };
    const temperatures = this.temperatures().map((value, lane) => inLane(lane,
      () => checkTemperature(filled(value, 'the temperature'))));
    const filters = this.filters().map((fields, lane) => inLane(lane, () => {
      if (fields.unreadable.length) throw new SamplingError(`${fields.unreadable[0]} is not a number`);
      return filtersFromText(fields);
    }));
    return { temperatures, filters };
  }

  // Each lane's temperature as typed and its filters as far as they can be read (null when a
  // field holds no filter value), for the first-step chart.
  settings() {
    return this.lanes.map((lane) => ({
      temperature: lane.querySelector('.temperature').value,
      filters: readableFilters(typedFilters(lane)),
    }));
  }

  // While a run goes on, the lanes it writes to keep their number and temperatures.
  enable({ running }) {
    this.running = running;
    this.refresh();
  }

  refresh() {
    const lanes = this.lanes;
    this.addButton.disabled = this.running || lanes.length >= MAX_LANES;
    lanes.forEach((lane, index) => {
      lane.querySelector('.remove').disabled = this.running || lanes.length <= 1;
      lane.querySelector('.temperature').disabled = this.running;
      FILTERS.forEach(({ label }) => {
        lane.querySelector(`.${label}`).disabled = this.running;
      });
      lane.querySelector('.score-lane').disabled = this.running || this.texts.get(lane).length === 0;
      const name = `lane ${index + 1}`;
      const histogram = lane.querySelector('.rank-histogram');
      showRankCounts(histogram, JSON.parse(histogram.dataset.counts), name);
      const copy = lane.querySelector('.copy-lane');
      copy.disabled = this.texts.get(lane).prefixText === '';
      copy.querySelector('.lane-name').textContent = ` of ${name}`;
      copy.title = 'copy the seed and what was generated';
      lane.querySelector('.lane-scroll').setAttribute('aria-label',
        `Lane ${index + 1} text, the seed first; with likelihood on, arrow keys move between characters`);
      lane.querySelector('.score-lane').setAttribute('aria-label', `Score ${name}'s text`);
      lane.querySelector('.remove').setAttribute('aria-label', `Remove ${name}`);
    });
    this.copyLink.disabled = !this.linked;
    this.downloadJson.disabled = this.running || this.kept === null;
    this.downloadText.disabled = this.downloadJson.disabled;
  }

  // Copies `text`, and says so (sentence) or that it could not.
  async copy(button, text, sentence) {
    const copied = await copyText(text, button.ownerDocument);
    confirm(button, this.keepStatus, copied ? sentence
      : 'Could not copy: the browser refused the clipboard. Select the text and copy it by hand.', copied);
  }

  // The last run as `tempera sample --json` prints it, as a document.
  keptDocument() {
    const { seedText, rngSeed, mode, lanes } = this.kept;
    return runDocument({ seedText, rngSeed, mode, lanes: lanes.map(({ temperature, filters, text }) => ({
      temperature, filters, text: text.text(), records: text.records,
    })) });
  }

  // Downloads the last run: 'json' as `tempera sample --json` prints it, 'txt' as `tempera sample`.
  download(extension) {
    if (this.kept === null) return;
    const run = this.keptDocument();
    const json = extension === 'json';
    const name = runFileName(this.kept, extension);
    download(json ? `${runJson(run)}\n` : runText(run), name,
      json ? 'application/json' : 'text/plain;charset=utf-8', this.container.ownerDocument);
    confirm(null, this.keepStatus, `Run downloaded as ${name}.`);
  }

  // A writer for a run from `seedText` with the model's `vocab`: the seed shown in every lane,
  // their text emptied. Call begin(records) with the run's LaneRecords per lane (null entries:
  // plain text, no likelihood) before the first push. run: {temperatures, filters, rngSeed,
  // mode, model}, what the run's download says.
  writer(seedText, vocab, run) {
    this.vocab = vocab;
    this.kept = null;
    this.linked = true; // the page writes the run into its address as it starts
    const lanes = this.lanes.map((lane, index) => ({
      text: this.texts.get(lane),
      stats: lane.querySelector('.lane-stats'),
      histogram: lane.querySelector('.rank-histogram'),
      name: `lane ${index + 1}`,
      temperature: run.temperatures[index],
      filters: run.filters[index],
    }));
    return new LaneWriter(lanes, seedText, vocab, () => {
      this.kept = { seedText, rngSeed: run.rngSeed, mode: run.mode, model: run.model, lanes };
      this.refresh();
    });
  }
}

// Hands each step's characters to the lanes' texts and keeps their statistics live. The page is
// redrawn 10 times a second at most (5 when coloured), and less often when a redraw is slow, so
// that drawing takes little of the time the model has to generate.
class LaneWriter {
  // onFinish(): the run has ended and its lanes are all written.
  constructor(lanes, seedText, vocab, onFinish) {
    this.lanes = lanes;
    this.vocab = vocab;
    this.seedText = seedText;
    this.onFinish = onFinish;
    lanes.forEach((lane) => {
      lane.text.reset(seedText, null);
      lane.counts = noCounts();
      showStats(lane.stats, null);
      showRankCounts(lane.histogram, lane.counts, lane.name);
    });
    this.lastStats = 0;
    this.frame = null;
    this.notBefore = 0; // the next redraw waits until then
    this.redrawMs = REDRAW_MS.plain;
  }

  begin(records) {
    this.redrawMs = records.some(Boolean) ? REDRAW_MS.coloured : REDRAW_MS.plain;
    this.lanes.forEach((lane, index) => {
      lane.text.reset(this.seedText, records[index], { streaming: true });
      lane.tally = records[index] ? new LaneTally(this.vocab.size) : null;
      showRankCounts(lane.histogram, lane.counts, lane.name, Boolean(records[index]));
    });
  }

  push(chars, step) {
    chars.forEach((c, index) => {
      const { text, tally, counts } = this.lanes[index];
      text.push(c);
      if (tally) {
        const { p, rank, entropyBits } = text.records;
        tally.add(p[step], rank[step], entropyBits[step], this.vocab.index.get(c));
        counts[rankBucket(rank[step])] += 1;
      }
    });
    if (this.frame === null && performance.now() >= this.notBefore) {
      this.frame = requestAnimationFrame(() => this.flush());
    }
  }

  // Draws what is pending: reads every lane's scroll position, writes, then scrolls.
  flush() {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    const started = performance.now();
    const following = this.lanes.map(({ text }) => text.atEnd());
    this.lanes.forEach(({ text }) => text.write());
    if (started - this.lastStats > STATS_EVERY_MS) this.showStats(started);
    this.lanes.forEach(({ text }, index) => {
      if (following[index]) text.scrollToEnd();
    });
    const now = performance.now();
    this.notBefore = now + Math.max(this.redrawMs, REDRAW_SHARE * (now - started));
  }

  // Draws what is pending and the final statistics: the run has ended (or stopped, or failed),
  // and the last redraw may have come within STATS_EVERY_MS of the one before it. Every lane
  // still following the new text then shows its start, so that all lanes show the same place
  // after a run; a lane the reader scrolled stays where they left it.
  finish() {
    const following = this.lanes.map(({ text }) => text.atEnd());
    this.flush();
    this.lanes.forEach(({ text }) => text.settle());
    this.showStats();
    this.lanes.forEach(({ text }, index) => {
      if (following[index]) text.scrollToStart();
    });
    this.onFinish();
  }

  showStats(now = performance.now()) {
    this.lastStats = now;
    this.lanes.forEach(({ stats, tally, histogram, counts, name }) => {
      showStats(stats, tally ? tally.stats() : null);
      showRankCounts(histogram, counts, name);
    });
  }
}
