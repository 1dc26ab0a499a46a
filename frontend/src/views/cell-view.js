// The cell view: a text tinted, character by character, by one unit of one LSTM layer, as the
// model was right after reading that character. The person picks the layer, the unit (a number
// field whose arrow keys step through them, and Previous / Next) and what to show of it:
// tanh(c), the cell state, or h, the output; both lie in -1..1, drawn blue below 0 and orange
// above it, stronger further from 0. With the text focused the arrow keys move from character
// to character and the value is said in words, so colour is never the only way to read it;
// Space marks or unmarks the character for the finder's "a pattern I mark".
import { KINDS, unitSeries } from '../cell-patterns.js';
import { visibleChar } from './format.js';
import { tintOf } from './tints.js';

function signed(value) {
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(2)}`;
}

export class CellView {
  constructor(doc = document) {
    this.doc = doc;
    const $ = (id) => doc.getElementById(id);
    this.root = $('cell-view');
    this.layer = $('cell-layer');
    this.unit = $('cell-unit');
    this.unitRange = $('cell-unit-range');
    this.kind = $('cell-kind');
    this.previous = $('cell-previous');
    this.next = $('cell-next');
    this.caption = $('cell-caption');
    this.text = $('cell-text');
    this.readout = $('cell-readout');
    this.kind.replaceChildren(...Object.entries(KINDS).map(([value, { label }]) => new Option(label, value)));
    this.data = null; // the activations dict shown
    this.spans = [];
    this.active = null; // the character the readout names
    this.marks = [];
    this.onMark = null; // onMark(index): Space at a character marks or unmarks it for the finder
    this.layer.addEventListener('change', () => this.showUnit(Number(this.layer.value), this.unitValue()));
    // While a number is typed, each unit it passes through that exists is shown; on leaving the
    // field, one past either end wraps around.
    this.unit.addEventListener('input', () => {
      const unit = Number(this.unit.value);
      if (this.unit.value.trim() !== '' && Number.isInteger(unit) && unit >= 0 && unit <= Number(this.unit.max)) {
        this.showUnit(this.layerValue(), unit);
      }
    });
    this.unit.addEventListener('change', () => this.showUnit(this.layerValue(), this.unitValue()));
    this.kind.addEventListener('change', () => this.paint());
    this.previous.addEventListener('click', () => this.showUnit(this.layerValue(), this.unitValue() - 1));
    this.next.addEventListener('click', () => this.showUnit(this.layerValue(), this.unitValue() + 1));
    this.text.addEventListener('mouseover', (event) => {
      const index = event.target.closest?.('[data-index]')?.dataset.index;
      if (index !== undefined) this.say(Number(index));
    });
    this.text.addEventListener('keydown', (event) => this.onKey(event));
  }

  layerValue() {
    return Number(this.layer.value);
  }

  unitValue() {
    const value = Math.round(Number(this.unit.value));
    return Number.isFinite(value) ? value : 0;
  }

  // Which of tanh(c) and h is shown: 'c' or 'h'.
  get shown() {
    return this.kind.value;
  }

  // A new activations dict (inside-model.js): its text, and the layer and unit kept where they fit.
  show(data) {
    const previousLayer = this.layerValue() || 0;
    this.data = data;
    this.layer.replaceChildren(...data.layers.map((layer, index) => new Option(
      `${index + 1}${index === 0 ? ' (reads the characters)' : ''}${index === data.layers.length - 1 && index > 0 ? ' (the last)' : ''}`,
      String(index))));
    this.spans = data.chars.map((char, index) => {
      const span = this.doc.createElement('span');
      span.dataset.testid = 'cell-char';
      span.dataset.index = String(index);
      span.textContent = char;
      return span;
    });
    this.text.replaceChildren(...this.spans);
    this.active = null;
    this.marks = [];
    this.root.hidden = false;
    const layer = Math.min(previousLayer, data.layers.length - 1);
    this.showUnit(layer, this.unitValue());
  }

  clear() {
    this.data = null;
    this.spans = [];
    this.text.replaceChildren();
    this.root.hidden = true;
  }

  // Shows `unit` of `layer` (0-based; a unit past either end wraps around to the other).
  showUnit(layer, unit) {
    if (!this.data) return;
    const units = this.data.layers[layer].units;
    const wrapped = ((unit % units) + units) % units;
    this.layer.value = String(layer);
    this.unit.max = String(units - 1);
    if (this.unit.value !== String(wrapped)) this.unit.value = String(wrapped);
    this.unitRange.textContent = `0 to ${units - 1}`;
    Object.assign(this.root.dataset, { layer: String(layer), unit: String(wrapped) });
    this.paint();
  }

  // The shown unit's activation at each character.
  series() {
    const { layer, unit } = this.root.dataset;
    return unitSeries(this.data.layers[Number(layer)], Number(unit), this.shown);
  }

  paint() {
    if (!this.data) return;
    const values = this.series();
    this.root.dataset.kind = this.shown;
    values.forEach((value, index) => {
      const span = this.spans[index];
      const { className, alpha } = tintOf(value);
      span.className = className;
      span.style.setProperty('--alpha', alpha);
      span.dataset.activation = String(value);
    });
    this.paintMarks();
    const low = values.length ? Math.min(...values) : 0;
    const high = values.length ? Math.max(...values) : 0;
    const { layer, unit } = this.root.dataset;
    this.caption.textContent = `Layer ${Number(layer) + 1}, unit ${unit}: ${KINDS[this.shown].label} after each ` +
      `character, from ${signed(low)} to ${signed(high)} over ${values.length.toLocaleString('en')} characters.`;
    if (this.active !== null) this.say(this.active);
  }

  // Characters the person marked for the finder are underlined.
  setMarks(marks) {
    this.marks = marks;
    this.paintMarks();
  }

  paintMarks() {
    const marked = new Set();
    for (const [start, end] of this.marks) for (let i = start; i < end; i++) marked.add(i);
    this.spans.forEach((span, index) => span.classList.toggle('cell-marked', marked.has(index)));
  }

  // The readout: one character and the unit's value there.
  say(index) {
    const span = this.spans[index];
    if (!span) return;
    this.spans[this.active]?.classList.remove('active');
    this.active = index;
    span.classList.add('active');
    this.readout.textContent = `${visibleChar(span.textContent)} (character ${index + 1} of ${this.spans.length}): ` +
      `${KINDS[this.shown].short} = ${signed(Number(span.dataset.activation))}`;
  }

  onKey(event) {
    if (event.key === ' ' && this.active !== null && this.onMark) {
      event.preventDefault();
      this.onMark(this.active);
      return;
    }
    const moves = { ArrowLeft: -1, ArrowRight: 1 };
    const last = this.spans.length - 1;
    let index = null;
    if (event.key in moves) index = Math.max(0, Math.min(last, (this.active ?? -moves[event.key]) + moves[event.key]));
    else if (event.key === 'Home') index = 0;
    else if (event.key === 'End') index = last;
    if (index === null || last < 0) return;
    event.preventDefault();
    this.say(index);
    this.spans[index].scrollIntoView({ block: 'nearest' });
  }

  // The [start, end) character indices of the person's selection within the text, or null.
  selectedSpan() {
    const selection = this.doc.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    const start = this.boundary(range.startContainer, range.startOffset, 'start');
    const end = this.boundary(range.endContainer, range.endOffset, 'end');
    return end > start ? [start, end] : null;
  }

  // A selection boundary as a character index: a boundary inside a character's text counts the
  // character in; one outside the text is clipped to its ends.
  boundary(node, offset, which) {
    const count = this.spans.length;
    if (!this.text.contains(node)) {
      const before = this.text.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_PRECEDING;
      return before ? 0 : count;
    }
    if (node === this.text) {
      const child = this.text.childNodes[offset];
      return child ? Number(child.dataset.index) : count;
    }
    const span = (node.nodeType === Node.TEXT_NODE ? node.parentElement : node).closest('[data-index]');
    const index = Number(span.dataset.index);
    const length = node.nodeType === Node.TEXT_NODE ? node.length : node.childNodes.length;
    if (which === 'start') return offset >= length ? index + 1 : index;
    return offset > 0 ? index + 1 : index;
  }
}
