// The inspector: for one step of a lane (or of a scored text), what came before, the model's
// top candidates (T = 1) beside the lane's reweighted share, which one was drawn, by which
// uniform, the entropy of the lane's distribution, and which candidates the lane's filters took
// out. Screen readers get the same in a line.
//
// Where the eye is: the section stays in its place in the page (and in the reading order) as a
// short hint, while the step's details open in a panel beside the character pointed at on a
// wide screen, or in a sheet at the bottom of a phone's screen with the character scrolled
// above it. A panel shown by a pointer passing over the text lets the pointer through.
import { overlaps, placeBeside, scrollAboveSheet } from '../panel-placement.js';
import { bits, visibleChar, percent, shortNumber } from './format.js';
import { termButton } from './terms.js';

const CONTEXT_CHARS = 40;
const PHONE = '(max-width: 600px)'; // as style.css's narrow layout

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
    this.closeHandler = () => {};
    this.addCloseButton();
    this.phone = doc.defaultView?.matchMedia?.(PHONE) ?? { matches: false };
    // Scrolling (the page or a lane) and resizing move the character: the panel follows it.
    const follow = () => this.place({ scroll: false });
    doc.addEventListener('scroll', follow, { capture: true, passive: true });
    doc.defaultView?.addEventListener('resize', follow);
    // Keyboard focus that lands under the panel (Tab past the lane) must not be hidden: the
    // panel goes back to its place in the page, where Tab reaches it as any section.
    this.docked = false;
    doc.addEventListener('focusin', (event) => this.dockIfCovering(event.target));
  }

  addCloseButton() {
    const close = this.doc.createElement('button');
    close.type = 'button';
    close.className = 'inspector-close';
    close.dataset.testid = 'inspector-close';
    close.setAttribute('aria-label', 'Close the inspector');
    close.textContent = '×';
    close.addEventListener('click', () => this.close());
    this.body.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        this.close();
      }
    });
    this.body.prepend(close);
  }

  // handler() when the person closes the panel (its × or Escape inside it).
  onClose(handler) {
    this.closeHandler = handler;
  }

  close() {
    const focused = this.body.contains(this.doc.activeElement);
    this.closeHandler();
    this.clear();
    if (focused) this.heading().focus(); // keyboard users stay where the panel was
  }

  heading() {
    const heading = this.root.querySelector('h2');
    heading.tabIndex = -1;
    return heading;
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
    this.body.classList.toggle('passing', !announce); // a pointer passing over the text goes through it
    this.saliency?.inspect(source, step, { pinned: announce }); // "What did it look back at?", where the page has it
    this.docked = false;
    this.place({ scroll: true });
    // What the same click moves after this (a lane scrolled to keep lanes together) moves the panel too.
    this.doc.defaultView?.requestAnimationFrame?.(() => this.place({ scroll: false }));
  }

  // `element` took the keyboard's focus: where the panel covers it, the panel docks.
  dockIfCovering(element) {
    if (this.body.hidden || this.docked || this.body.contains(element)) return;
    if (!element?.matches?.(':focus-visible') || this.source?.text.scroller?.contains(element)) return;
    const covered = element.getBoundingClientRect();
    const panel = this.body.getBoundingClientRect();
    if (overlaps(covered, panel)) {
      this.docked = true;
      this.place({ scroll: false });
    }
  }

  // The character shown, on the screen: its element, or null when it is not in the page.
  target() {
    if (!this.source) return null;
    const element = this.source.text.elementOf?.(this.step);
    return element?.isConnected ? element : null;
  }

  // Puts the panel beside the character (a sheet on a phone, with the character scrolled above
  // it when `scroll`); a character out of the page leaves the panel where it is.
  place({ scroll }) {
    if (this.body.hidden || !this.source) return;
    const view = this.doc.defaultView;
    if (this.docked) {
      this.body.classList.remove('sheet', 'floating', 'passing');
      this.doc.body.classList.remove('inspector-sheet-open');
      Object.assign(this.body.style, { left: '', top: '', transform: '', width: '', maxHeight: '' });
      return;
    }
    const sheet = this.phone.matches;
    this.body.classList.toggle('sheet', sheet);
    this.body.classList.toggle('floating', !sheet);
    this.doc.body.classList.toggle('inspector-sheet-open', sheet); // room below the page's end to scroll into
    const element = this.target();
    if (sheet) {
      Object.assign(this.body.style, { left: '', top: '', transform: '', width: '', maxHeight: '' });
      if (scroll && element) {
        const by = scrollAboveSheet(element.getBoundingClientRect(), this.body.offsetHeight, view.innerHeight);
        if (by) view.scrollBy(0, by);
      }
      return;
    }
    if (!element) return;
    const rect = element.getBoundingClientRect();
    Object.assign(this.body.style, { maxHeight: '', top: '0px', left: '0px' });
    const natural = { width: this.body.offsetWidth, height: this.body.offsetHeight };
    const viewport = { width: this.doc.documentElement.clientWidth, height: view.innerHeight };
    const spot = placeBeside(rect, natural, viewport);
    // The panel is positioned against its containing block: the page, or a positioned ancestor.
    const container = this.body.offsetParent;
    const positioned = container && view.getComputedStyle(container).position !== 'static';
    const origin = positioned ? container.getBoundingClientRect() : { left: -view.scrollX, top: -view.scrollY };
    const border = positioned ? { left: container.clientLeft, top: container.clientTop } : { left: 0, top: 0 };
    // Moved by a transform, from one character to the next, so that the browser counts no
    // layout shift as a pointer passes over the text.
    const x = spot.left - origin.left - border.left;
    const y = spot.top - origin.top - border.top;
    Object.assign(this.body.style, { transform: `translate(${x}px, ${y}px)`, maxHeight: `${Math.floor(spot.maxHeight)}px` });
    this.body.dataset.side = spot.side;
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
      ['rank', 'place among the model\'s guesses (rank)', `${rank} of ${size}`],
      ['probability', 'how likely the model found it (T = 1)', percent(p)],
      ...(scoring ? [] : [['probability', `how likely in ${laneName}`, percent(q)]]),
      ['bitsPerChar', 'surprise (−log₂ p)', bits(-Math.log2(Math.max(p, Number.MIN_VALUE)))],
      ...(records.u ? [['uniform', 'the random draw that picked it (u)', shortNumber(records.u[step], 4)]] : []),
      ['entropy', scoring ? 'how open the model\'s choice was (entropy)' : 'how open the lane\'s choice was (entropy)',
        bits(records.entropyBits[step])],
    ];
    this.facts.replaceChildren(...facts.flatMap(([key, term, value]) => {
      const dt = this.doc.createElement('dt');
      dt.append(termButton(this.doc, key, term));
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

  // Nothing is pinned any more: a pointer passing over the text goes through the panel again.
  release() {
    this.body.classList.add('passing');
  }

  // Back to the hint: the text it showed is gone.
  clear() {
    this.source = null;
    this.hint.hidden = false;
    this.body.hidden = true;
    this.body.classList.remove('floating', 'sheet', 'passing');
    this.doc.body.classList.remove('inspector-sheet-open');
    this.summary.textContent = '';
    this.saliency?.clear();
  }
}
