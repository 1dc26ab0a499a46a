// The seed's first step, once for all lanes: every lane starts from the same distribution, so
// its top candidates are shown with one bar per lane's temperature and filters, reweighted here in
// the page (no model run) whenever a lane's settings change.
import { laneDistribution } from '../likelihood.js';
import { filtersLabel } from '../sampling.js';
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
  }

  // p: the model's distribution after the seed (vocabulary order); vocab: its characters.
  setDistribution(p, vocab) {
    this.p = Float64Array.from(p);
    this.vocab = vocab;
  }

  // lanes: [{temperature (as typed), filters (null: unreadable)}], one per lane; a lane whose
  // settings cannot be read shows no bars.
  show(lanes) {
    if (!this.p) return;
    const order = Array.from(this.p.keys()).sort((a, b) => this.p[b] - this.p[a] || a - b).slice(0, SHOWN);
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
