// <tempera-lanes>: lanes side by side, generated in the reader's browser, each character tinted
// by how likely the model found it (the page's rank colours), for any static page.
//   <tempera-lanes model="models/nietzsche" seed="the meaning of life is"
//                  temperatures="0.2,1.2" length="300" rng-seed="42"></tempera-lanes>
// Attributes: model (a bundle folder's URL, relative to the page), seed, temperatures (commas
// or spaces), length, rng-seed (left out: a random one), top-k, top-p, min-p (one value, or
// one per lane), mode, backend (webgl, wasm or cpu; left out: the page's choice), heading-level
// (of the lanes' headings: 2 by default, for a page whose own heading is an h1). It runs again when one changes. When a run ends, `result` holds
// what model.run() gives and a `tempera-done` event carries it; a failure is said in the status
// line and sent as `tempera-error`.
import { RANK_BUCKETS, rankBucket } from './likelihood.js';
import { MODES, NOTEBOOK_TEMPERATURES } from './run-options.js';
import { filtersLabel } from './sampling.js';
import { LANES_STYLE } from './tempera-lanes-style.js';
import { showStats } from './views/lane-stats.js';

const DEFAULT_SEED = 'the meaning of life is';
const DEFAULT_LENGTH = 400;
const FILTER_ATTRIBUTES = [['top-k', 'topK'], ['top-p', 'topP'], ['min-p', 'minP']];
const ATTRIBUTES = ['model', 'seed', 'temperatures', 'length', 'rng-seed', ...FILTER_ATTRIBUTES.map(([name]) => name),
  'mode', 'backend', 'heading-level'];

// The lanes' headings sit under the host page's: h2 unless heading-level says another, 2 to 6.
function headingLevel(value) {
  const level = Number(value);
  return Number.isInteger(level) && level >= 2 && level <= 6 ? level : 2;
}

// A list attribute ("0.2, 1.2" or "0.2 1.2") as numbers; a word that is no number stays text,
// for the run's own check to name.
function numbers(text) {
  return text.split(/[\s,]+/).filter(Boolean).map((word) => (Number.isNaN(Number(word)) ? word : Number(word)));
}

function element(doc, tag, properties = {}, children = []) {
  const made = doc.createElement(tag);
  for (const [name, value] of Object.entries(properties)) {
    if (name === 'className' || name === 'textContent') made[name] = value;
    else made.setAttribute(name, value);
  }
  made.append(...children);
  return made;
}

// One lane on screen: its label, the seed and the drawn text (tinted, hidden from screen
// readers), the same text as plain text for them, and its statistics.
class LaneView {
  constructor(doc, index, temperature, filters, seedText, headingLevel) {
    const titleId = `lane-${index}-title`;
    const label = filters ? ` · ${filters}` : '';
    this.title = element(doc, `h${headingLevel}`, { id: titleId, className: 'title' }, [`T = ${temperature}`,
      ...(label ? [element(doc, 'span', { className: 'filters', textContent: label })] : [])]);
    this.drawn = element(doc, 'span', { className: 'drawn', 'aria-hidden': 'true' });
    this.plain = doc.createTextNode('');
    // Focusable, so a keyboard scrolls it; a group named by the lane's heading.
    this.text = element(doc, 'div', { className: 'text', tabindex: '0', role: 'group', 'aria-labelledby': titleId,
      'data-testid': 'lane-text-box' }, [
      element(doc, 'span', { className: 'seed', textContent: seedText }),
      this.drawn,
      element(doc, 'span', { className: 'sr-only', 'data-testid': 'lane-text' }, [this.plain]),
    ]);
    this.stats = element(doc, 'dl', { className: 'stats', 'data-testid': 'lane-stats' });
    this.root = element(doc, 'section', { className: 'lane', 'aria-labelledby': titleId, 'data-testid': 'lane' },
      [this.title, this.text, this.stats]);
    this.bucket = -1;
    this.run = null; // the text node of the last stretch of one bucket
  }

  // Adds a drawn character: to the last stretch if it is of the same bucket, else a new one.
  add(char, rank) {
    const atEnd = this.text.scrollTop + this.text.clientHeight >= this.text.scrollHeight - 4;
    const bucket = rankBucket(rank);
    if (bucket !== this.bucket) {
      this.run = this.drawn.ownerDocument.createTextNode('');
      this.drawn.append(element(this.drawn.ownerDocument, 'span', { className: RANK_BUCKETS[bucket].className }, [this.run]));
      this.bucket = bucket;
    }
    this.run.appendData(char);
    this.plain.appendData(char);
    if (atEnd) this.text.scrollTop = this.text.scrollHeight; // a reader scrolled back stays there
  }
}

// Defines <tempera-lanes> with `load` (the module's), once; null where there are no custom
// elements (Node).
export function defineTemperaLanes(load, defaultModel) {
  if (typeof customElements === 'undefined') return null;
  const defined = customElements.get('tempera-lanes');
  if (defined) return defined;
  const models = new Map(); // URL + backend -> the model's promise, shared by every element

  function modelFor(address, backend, onStatus) {
    const key = `${new URL(address, document.baseURI).href} ${backend ?? ''}`;
    if (!models.has(key)) {
      const loading = load(address, { backend, onStatus });
      loading.catch(() => models.delete(key)); // a failed load is tried again next time
      models.set(key, loading);
    }
    return models.get(key);
  }

  class TemperaLanes extends HTMLElement {
    static get observedAttributes() {
      return ATTRIBUTES;
    }

    constructor() {
      super();
      const shadow = this.attachShadow({ mode: 'open' });
      const doc = this.ownerDocument;
      this.statusLine = element(doc, 'p', { className: 'status', role: 'status', 'aria-live': 'polite', 'data-testid': 'status' });
      this.lanesBox = element(doc, 'div', { className: 'lanes', 'data-testid': 'lanes' });
      const legend = element(doc, 'ul', { className: 'legend', 'aria-label': 'How likely the model found each character', 'data-testid': 'legend' },
        RANK_BUCKETS.map(({ name, className }) => element(doc, 'li', {}, [element(doc, 'span', { className, textContent: name })])));
      const root = element(doc, 'div', { className: 'root', 'data-testid': 'tempera-lanes', part: 'root' },
        [this.statusLine, this.lanesBox, legend]);
      shadow.append(element(doc, 'style', { textContent: LANES_STYLE }), root);
      this.runNumber = 0;
      this.result = null;
      this.scheduled = false;
    }

    connectedCallback() {
      this.schedule();
    }

    disconnectedCallback() {
      this.runNumber += 1; // the run in progress stops at its next step
    }

    attributeChangedCallback() {
      if (this.isConnected) this.schedule();
    }

    // Attributes set one after another start one run, not one each.
    schedule() {
      if (this.scheduled) return;
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        if (this.isConnected) this.start();
      });
    }

    setStatus(line, state = '') {
      this.statusLine.textContent = line;
      this.statusLine.dataset.state = state;
    }

    // The run the attributes ask for, as model.generate() takes it.
    options() {
      const read = (name) => this.getAttribute(name);
      const options = {
        seedText: read('seed') ?? DEFAULT_SEED,
        temperatures: read('temperatures') === null ? [...NOTEBOOK_TEMPERATURES] : numbers(read('temperatures')),
        length: read('length') === null ? DEFAULT_LENGTH : Number(read('length').trim() || NaN),
        rngSeed: read('rng-seed') ?? undefined,
        mode: read('mode') ?? MODES[0],
      };
      for (const [name, key] of FILTER_ATTRIBUTES) {
        if (read(name) !== null) options[key] = numbers(read(name));
      }
      return options;
    }

    // Generates the lanes anew; a newer run, or the element leaving the page, stops this one.
    async start() {
      const number = ++this.runNumber;
      const current = () => number === this.runNumber && this.isConnected;
      this.lanesBox.setAttribute('aria-busy', 'true');
      this.setStatus('Loading the model…');
      try {
        const options = this.options();
        const model = await modelFor(this.getAttribute('model') ?? defaultModel, this.getAttribute('backend') ?? undefined,
          (line) => current() && this.setStatus(line));
        if (!current()) return;
        const lanes = `${options.temperatures.length} lane${options.temperatures.length === 1 ? '' : 's'}`;
        this.setStatus(`Generating ${lanes} of ${options.length} characters (${model.backend.name} backend)…`);
        let views = null;
        const steps = model.generate(options);
        let next = await steps.next();
        for (; !next.done; next = await steps.next()) {
          if (!current()) {
            await steps.return();
            return;
          }
          views ??= this.showLanes(model, options);
          next.value.lanes.forEach((step, lane) => views[lane].add(step.char, step.rank));
        }
        const result = next.value;
        views ??= this.showLanes(model, options);
        result.lanes.forEach((lane, index) => showStats(views[index].stats, lane.stats));
        this.result = result;
        const notes = [result.seedReport, ...result.notes].filter(Boolean).join('; ');
        const chars = Array.from(result.lanes[0].text).length;
        this.setStatus(`Generated ${lanes} of ${chars} characters on ${result.backend} (RNG seed ${result.rngSeed}).` +
          (notes ? ` ${notes}.` : ''));
        this.dispatchEvent(new CustomEvent('tempera-done', { detail: this.result }));
      } catch (error) {
        if (!current()) return;
        const message = error?.message || String(error);
        this.setStatus(`Could not generate: ${message}`, 'error');
        this.dispatchEvent(new CustomEvent('tempera-error', { detail: error }));
      } finally {
        if (number === this.runNumber) this.lanesBox.removeAttribute('aria-busy');
      }
    }

    showLanes(model, options) {
      const doc = this.ownerDocument;
      const seedText = model.seedAsRead(options.seedText);
      const lanes = options.temperatures.map((temperature, index) => {
        const filters = Object.fromEntries(FILTER_ATTRIBUTES.map(([, key]) => {
          const values = options[key];
          return [key, values === undefined ? undefined : (values.length === 1 ? values[0] : values[index])];
        }));
        return new LaneView(doc, index, temperature, filtersLabel(filters), seedText, headingLevel(this.getAttribute('heading-level')));
      });
      this.lanesBox.replaceChildren(...lanes.map((lane) => lane.root));
      return lanes;
    }
  }

  customElements.define('tempera-lanes', TemperaLanes);
  return TemperaLanes;
}
