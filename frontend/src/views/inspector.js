// The inspector: for one step of a lane (or of a scored text), what came before, the model's
// top candidates (T = 1) beside the lane's reweighted share, which one was drawn, by which
// uniform, the entropy of the lane's distribution, and which candidates the lane's filters took
// out. Screen readers get the same in a line.
import { visibleChar, percent, shortNumber } from './format.js';

const CONTEXT_CHARS = 40;

export class InspectorView {
  constructor(doc = document) {
    this.doc = doc;
    this.root = doc.getElementById('inspector');
    this.hint = this.root.querySelector('.inspector-hint');
    this.body = this.root.querySelector('.inspector-body');
    this.what = this.root.querySelector('.inspector-what');
    this.before = this.root.querySelector('.context-before');
    this.char = this.root.querySelector('.context-char');
    this.laneHeading = this.root.querySelector('.lane-column');
    this.rows = this.root.querySelector('.candidates tbody');
    this.facts = this.root.querySelector('.inspector-facts');
    this.summary = this.root.querySelector('.inspector-summary');
    this.source = null;
  }

  // source: {label, text (LaneText), records (LaneRecords), vocab, scoring}; `announce` puts the
  // facts in the live line too (for keyboard and taps, not for a pointer passing over text).
  show(source, step, { announce = false } = {}) {
    const { records, text, vocab, scoring } = source;
    if (!records || step < 0 || step >= records.count) return;
    this.source = source;
    this.step = step;
    const drawn = text.chars[step];
    const rank = records.rank[step];
    const p = records.p[step];
    const q = scoring ? p : records.q[step];
    const t = records.temperature;
    const laneName = scoring ? 'this text' : `this lane (${source.settings ?? `T = ${t}`})`;
    this.hint.hidden = true;
    this.body.hidden = false;
    Object.assign(this.root.dataset, {
      step: String(step), char: drawn, p: String(p), pLane: String(q), rank: String(rank),
      entropyBits: String(records.entropyBits[step]), u: records.u ? String(records.u[step]) : '',
    });
    this.what.textContent = `${source.label}, character ${step + 1} of ${text.length}: ${visibleChar(drawn)}`;
    this.before.textContent = text.textBefore(step, CONTEXT_CHARS);
    this.char.textContent = drawn;
    this.laneHeading.textContent = scoring ? 'model (T = 1)' : laneName;
    this.laneHeading.hidden = scoring;
    this.root.classList.toggle('scoring', scoring);
    const candidates = records.candidates(step);
    const rows = candidates.map((c, index) => this.row(vocab.chars[c.id], index + 1, c.p, scoring ? c.p : c.q, drawn, c.removed));
    if (rank > candidates.length) rows.push(this.row(drawn, rank, p, q, drawn));
    this.rows.replaceChildren(...rows);
    this.showFacts(records, step, { rank, p, q, laneName, scoring, size: vocab.size });
    if (announce) this.announce(drawn, { rank, p, q, records, step, scoring, laneName, candidates, vocab });
  }

  row(char, rank, p, q, drawn, removed = false) {
    const tr = this.doc.createElement('tr');
    Object.assign(tr.dataset, { testid: 'candidate', char, p: String(p), pLane: String(q), rank: String(rank) });
    if (removed) tr.dataset.removed = 'true';
    if (char === drawn) tr.classList.add('drawn');
    tr.classList.toggle('removed', removed);
    const cell = (content, className) => {
      const td = this.doc.createElement('td');
      if (className) td.className = className;
      td.append(...content);
      return td;
    };
    const bar = (value, className) => {
      const outer = this.doc.createElement('span');
      outer.className = `bar ${className}`;
      const inner = this.doc.createElement('span');
      inner.style.width = `${Math.max(0, Math.min(1, value)) * 100}%`;
      outer.append(inner);
      return [outer, ` ${percent(value)}`];
    };
    const name = this.doc.createElement('code');
    name.textContent = visibleChar(char);
    tr.append(
      cell([String(rank)], 'rank'),
      cell(char === drawn ? [name, ' drawn'] : removed ? [name, ' filtered out'] : [name], 'char'),
      cell(bar(p, 'bar-model'), 'share'),
      cell(bar(q, 'bar-lane'), 'share lane-share'),
    );
    return tr;
  }

  showFacts(records, step, { rank, p, q, laneName, scoring, size }) {
    const facts = [
      ['rank under the model', `${rank} of ${size}`],
      ['model probability (T = 1)', percent(p)],
      ...(scoring ? [] : [[`probability in ${laneName}`, percent(q)]]),
      ['bits (−log₂ p)', shortNumber(-Math.log2(Math.max(p, Number.MIN_VALUE)))],
      ...(records.u ? [['uniform u that drew it', shortNumber(records.u[step], 4)]] : []),
      [scoring ? 'entropy of the model\'s distribution' : 'entropy of the lane\'s distribution',
        `${shortNumber(records.entropyBits[step])} bits`],
    ];
    this.facts.replaceChildren(...facts.flatMap(([term, value]) => {
      const dt = this.doc.createElement('dt');
      dt.textContent = term;
      const dd = this.doc.createElement('dd');
      dd.textContent = value;
      return [dt, dd];
    }));
  }

  announce(drawn, { rank, p, q, records, step, scoring, laneName, candidates, vocab }) {
    const others = candidates.slice(0, 3).map((c) => `${visibleChar(vocab.chars[c.id])} ${percent(c.p)}`).join(', ');
    const removed = candidates.filter((c) => c.removed).length;
    this.summary.textContent = `${visibleChar(drawn)}: rank ${rank}, model ${percent(p)}` +
      `${scoring ? '' : `, ${laneName} ${percent(q)}`}` +
      `${records.u ? `, drawn by u ${shortNumber(records.u[step], 4)}` : ''}` +
      `, entropy ${shortNumber(records.entropyBits[step])} bits. Top: ${others}.` +
      `${removed ? ` The filters took out ${removed} of the top ${candidates.length}.` : ''}`;
  }

  // A line for screen readers only.
  say(text) {
    this.summary.textContent = text;
  }

  // Back to the hint: the text it showed is gone.
  clear() {
    this.source = null;
    this.hint.hidden = false;
    this.body.hidden = true;
    this.summary.textContent = '';
  }
}
