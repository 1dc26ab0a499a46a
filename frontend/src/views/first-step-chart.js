// The seed's first step, once for all lanes: every lane starts from the same distribution, so
// its top candidates are shown with one bar per lane's temperature and filters, reweighted here in
// the page (no model run) whenever a lane's settings change. Beside it, a temperature slider
// reshapes the same candidates live and says in a sentence what the temperature does.
import { laneDistribution } from '../likelihood.js';
import { filtersLabel } from '../sampling.js';
import { SLIDER, sharesAt, temperatureSentence, temperatureText } from '../temperature-lesson.js';
import { percent, visibleChar } from './format.js';

const SHOWN = 8; // candidates in the chart

export class FirstStepChart {
  constructor(doc = document) {
    this.doc = doc;
    this.root = doc.getElementById('first-step');
    this.table = this.root.querySelector('table');
    this.scroll = this.root.querySelector('.table-scroll'); // the table scrolls sideways in it when many lanes make it wide
    this.empty = this.root.querySelector('.chart-empty');
    this.p = null;
    this.addTemperatureDemo();
  }

  // The slider, its sentence and its bars, after the table.
  addTemperatureDemo() {
    const make = (tag, attributes = {}, content = []) => {
      const element = this.doc.createElement(tag);
      Object.entries(attributes).forEach(([name, value]) => element.setAttribute(name, value));
      element.append(...content);
      return element;
    };
    this.demo = make('div', { class: 'temperature-demo', 'data-testid': 'temperature-demo' });
    this.demo.hidden = true;
    this.slider = make('input', {
      type: 'range', id: 'temperature-slider', 'data-testid': 'temperature-slider',
      min: String(SLIDER.min), max: String(SLIDER.max), step: String(SLIDER.step), value: String(SLIDER.start),
      'aria-describedby': 'temperature-sentence',
    });
    this.sliderValue = make('output', { for: 'temperature-slider', 'data-testid': 'temperature-value' });
    this.sentence = make('p', { id: 'temperature-sentence', class: 'temperature-sentence', 'data-testid': 'temperature-sentence' });
    this.bars = make('ol', { class: 'temperature-bars', 'data-testid': 'temperature-bars',
      'aria-label': 'The same characters\' shares at the slider\'s temperature, without any lane\'s filters' });
    const control = make('div', { class: 'temperature-control' }, [
      make('label', { for: 'temperature-slider' }, ['Try a temperature']), this.slider, this.sliderValue]);
    const explain = make('p', { class: 'temperature-explain' }, [
      'Temperature reshapes the model\'s odds before each draw: below 1 the likely characters get likelier, ' +
      'above 1 the odds even out. The slider changes only this picture (no lane\'s filters), not the lanes.']);
    this.demo.append(control, explain, this.bars, this.sentence);
    this.scroll.after(this.demo);
    this.slider.addEventListener('input', () => this.showTemperature());
  }

  // p: the model's distribution after the seed (vocabulary order); vocab: its characters.
  setDistribution(p, vocab) {
    this.p = Float64Array.from(p);
    this.vocab = vocab;
  }

  // The slider's temperature, its bars and its sentence for the distribution shown.
  showTemperature() {
    if (!this.p) return;
    const t = Number(this.slider.value);
    const q = sharesAt(this.p, t);
    const shown = this.order;
    const rest = 1 - shown.reduce((sum, id) => sum + q[id], 0);
    const item = (label, value, data) => {
      const li = this.doc.createElement('li');
      Object.assign(li.dataset, data, { q: String(value) });
      const outer = this.doc.createElement('span');
      outer.className = 'bar bar-temperature';
      const inner = this.doc.createElement('span');
      inner.style.width = `${Math.max(0, Math.min(1, value)) * 100}%`;
      outer.append(inner);
      const share = this.doc.createElement('span');
      share.className = 'share';
      share.textContent = percent(value);
      li.append(label, outer, share);
      return li;
    };
    const items = shown.map((id) => {
      const name = this.doc.createElement('code');
      name.textContent = visibleChar(this.vocab.chars[id]);
      return item(name, q[id], { char: this.vocab.chars[id] });
    });
    const others = this.doc.createElement('span');
    others.textContent = `the other ${this.p.length - shown.length}`;
    items.push(item(others, Math.max(0, rest), { others: 'true' }));
    this.bars.replaceChildren(...items);
    const text = temperatureText(t);
    this.sliderValue.textContent = text;
    this.slider.setAttribute('aria-valuetext', `T = ${text}`);
    this.sentence.textContent = temperatureSentence(this.p, t, (i) => `“${visibleChar(this.vocab.chars[i])}”`);
    this.demo.hidden = false;
  }

  // lanes: [{temperature (as typed), filters (null: unreadable)}], one per lane; a lane whose
  // settings cannot be read shows no bars.
  show(lanes) {
    if (!this.p) return;
    const order = Array.from(this.p.keys()).sort((a, b) => this.p[b] - this.p[a] || a - b).slice(0, SHOWN);
    this.order = order;
    const columns = [{ label: 'model (T = 1)', q: this.p, className: 'bar-model' },
      ...lanes.map(({ temperature: typed, filters }, lane) => {
        const t = typed === '' ? NaN : Number(typed);
        const valid = Number.isFinite(t) && t >= 0 && filters !== null;
        const active = filters && t > 0 ? filtersLabel(filters) : '';
        return {
          label: `lane ${lane + 1}, T = ${typed || '?'}${active ? ` · ${active}` : ''}`,
          q: valid ? laneDistribution(this.p, t, 0, this.p.length, filters) : null,
          className: 'bar-lane',
        };
      })];
    const head = this.doc.createElement('tr');
    head.append(this.cell('th', ['character'], { scope: 'col' }),
      ...columns.map((c) => this.cell('th', [c.label], { scope: 'col' })));
    const rows = order.map((id) => {
      const tr = this.doc.createElement('tr');
      Object.assign(tr.dataset, { char: this.vocab.chars[id], p: String(this.p[id]) });
      const name = this.doc.createElement('code');
      name.textContent = visibleChar(this.vocab.chars[id]);
      tr.append(this.cell('th', [name], { scope: 'row' }),
        ...columns.map((c) => this.barCell(c.q ? c.q[id] : null, c.className)));
      return tr;
    });
    this.table.tHead.replaceChildren(head);
    this.table.tBodies[0].replaceChildren(...rows);
    this.empty.hidden = true;
    this.table.hidden = false;
    this.scroll.hidden = false;
    this.showTemperature();
  }

  cell(tag, content, attributes = {}) {
    const element = this.doc.createElement(tag);
    Object.entries(attributes).forEach(([name, value]) => element.setAttribute(name, value));
    element.append(...content);
    return element;
  }

  barCell(value, className) {
    if (value === null) return this.cell('td', ['–']);
    const outer = this.doc.createElement('span');
    outer.className = `bar ${className}`;
    const inner = this.doc.createElement('span');
    inner.style.width = `${value * 100}%`;
    outer.append(inner);
    const td = this.cell('td', [outer, ` ${percent(value)}`]);
    td.dataset.q = String(value);
    return td;
  }
}
