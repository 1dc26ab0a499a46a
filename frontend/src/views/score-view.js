// "Score any text": a pasted text coloured by the same ranks as the lanes, with its bits per
// character under the model and the characters the model does not know; the inspector works
// on it as on a lane.
import { MODES } from '../run-options.js';
import { scoreMeaning } from '../score-meaning.js';
import { percent, shortNumber, visibleChar } from './format.js';
import { LaneText } from './lane-text.js';
import { inspectTextBy } from './text-inspection.js';

const LISTED = 60; // unknown characters named; a pasted text can hold thousands

function listed(chars) {
  const names = chars.slice(0, LISTED).map(visibleChar).join('  ');
  return chars.length > LISTED ? `${names} and ${(chars.length - LISTED).toLocaleString('en')} more` : names;
}

// The status line while a text is scored.
export function scoringProgress(done, total) {
  const share = Math.floor((100 * done) / Math.max(total, 1));
  return `Scoring… ${share} % (${done.toLocaleString('en')} of ${total.toLocaleString('en')} characters; Stop beside Score ends it)`;
}

export class ScoreView {
  constructor(doc = document) {
    const $ = (id) => doc.getElementById(id);
    this.input = $('score-input');
    this.mode = $('score-mode');
    this.button = $('score-run');
    this.stop = $('score-stop');
    this.bits = $('score-bits-per-char');
    this.summary = $('score-summary');
    this.unknown = $('score-unknown');
    this.meaning = $('score-meaning') ?? meaningElement(doc, this.summary);
    this.meta = null; // the model's tempera.json: its held-out figure and baselines
    this.mode.replaceChildren(...MODES.map((mode) => new Option(mode, mode)));
    this.text = new LaneText({ scroller: $('score-scroll'), target: $('score-text'), prefix: $('score-context') });
    this.inspectHandler = () => {};
    inspectTextBy(this.text, (step, how) => this.inspectHandler(this.source(), step, how));
  }

  onScore(handler) {
    this.button.addEventListener('click', () => handler({ text: this.input.value, mode: this.mode.value }));
  }

  // handler() when Stop is pressed while a text is being scored.
  onStop(handler) {
    this.stop.addEventListener('click', () => handler());
  }

  onInspect(handler) {
    this.inspectHandler = handler;
  }

  // The model that scores from now on: its own figures place a score.
  useModel({ meta }) {
    this.meta = meta;
  }

  source() {
    return { label: 'Scored text', text: this.text, records: this.text.records, vocab: this.vocab, scoring: true };
  }

  // Puts `text` in the box and brings the view to the person.
  fill(text) {
    this.input.value = text;
    this.input.focus();
    this.input.scrollIntoView({ block: 'center' });
  }

  enable({ ready, loading, running, scoring }) {
    this.button.disabled = !ready || loading || running || scoring;
    this.stop.disabled = !scoring;
  }

  clear() {
    this.text.reset('', null);
    this.bits.textContent = '–';
    this.bits.dataset.value = '';
    this.summary.textContent = '';
    this.meaning.textContent = '';
    this.meaning.hidden = true;
    this.unknown.hidden = true;
  }

  // report: the totals of window.tempera.score (api.js scoreTotals); records: the LaneRecords
  // behind them.
  // note: what the text lost on the way in (lowercased, characters dropped), or ''.
  show(report, records, vocab, note = '') {
    this.vocab = vocab;
    const chars = Array.from(report.text);
    this.text.reset(chars[0], records);
    this.text.pushAll(chars.slice(1));
    this.bits.textContent = `${shortNumber(report.bits_per_char, 3)} bits/char`;
    this.bits.dataset.value = String(report.bits_per_char);
    const meaning = scoreMeaning(report.bits_per_char, this.meta, report.scored);
    this.meaning.textContent = meaning.sentence;
    this.meaning.dataset.kind = meaning.kind;
    this.meaning.hidden = false;
    const ranked = Array.from(records.rank.subarray(0, records.count));
    const top1 = ranked.filter((r) => r === 1).length / Math.max(1, ranked.length);
    this.summary.textContent = `${report.nats_per_char.toFixed(3)} nats/char over ` +
      `${report.scored.toLocaleString('en')} characters scored (${report.mode}; the first is context only); ` +
      `the model's top pick ${percent(top1)} of the time; ${report.dropped.toLocaleString('en')} dropped.`;
    const lines = [report.dropped_chars.length ? `Characters the model does not know (dropped): ${listed(report.dropped_chars)}` : '',
      note.includes('lowercased') ? 'The text was lowercased: the model was trained on lowercase text.' : ''].filter(Boolean);
    this.unknown.hidden = lines.length === 0;
    this.unknown.textContent = lines.join(' ');
  }
}

// The sentence that says what a score means, under the figure.
function meaningElement(doc, before) {
  const element = doc.createElement('p');
  element.id = 'score-meaning';
  element.dataset.testid = 'score-meaning';
  element.hidden = true;
  before.before(element);
  return element;
}
