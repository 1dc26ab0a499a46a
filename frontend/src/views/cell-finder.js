// The cell finder: the units whose activation best follows a pattern the person picks (inside
// quotes, position in the line, … or spans of the text they mark), on the text the cell view
// shows; a click on one shows it there. The arithmetic is cell-patterns.js's.
import { isConstant, KINDS, PATTERNS, patternValues, rankUnits } from '../cell-patterns.js';

const LISTED = 10; // units listed, best first

function signed(value) {
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(2)}`;
}

export class CellFinder {
  constructor(cellView, doc = document) {
    this.doc = doc;
    this.cells = cellView;
    const $ = (id) => doc.getElementById(id);
    this.root = $('cell-finder-panel');
    this.pattern = $('cell-pattern');
    this.run = $('cell-find');
    this.markButton = $('cell-mark');
    this.clearButton = $('cell-clear-marks');
    this.markTools = $('cell-mark-tools');
    this.meaning = $('cell-pattern-meaning');
    this.measure = $('cell-measure');
    this.list = $('cell-finder');
    this.status = $('cell-finder-status');
    this.marked = new Set(); // the indices of the characters the person marked
    this.cells.onMark = (index) => this.toggle(index);
    this.pattern.replaceChildren(...Object.entries(PATTERNS).map(([id, { label }]) => new Option(label, id)));
    this.pattern.addEventListener('change', () => this.describe());
    this.run.addEventListener('click', () => this.find());
    this.markButton.addEventListener('click', () => this.markSelection());
    this.clearButton.addEventListener('click', () => this.setMarks([]));
    this.describe();
  }

  describe() {
    const id = this.pattern.value;
    this.meaning.textContent = `The pattern's value at each character: ${PATTERNS[id].meaning}.`;
    this.markTools.hidden = id !== 'marked';
  }

  // A new text: no marks, no list.
  reset() {
    this.setMarks([]);
    this.list.replaceChildren();
    this.measure.textContent = '';
    this.status.textContent = '';
    this.root.hidden = !this.cells.data;
  }

  // The marked characters as [start, end) spans, in order.
  get marks() {
    const spans = [];
    for (const index of [...this.marked].sort((a, b) => a - b)) {
      const last = spans[spans.length - 1];
      if (last && last[1] === index) last[1] += 1;
      else spans.push([index, index + 1]);
    }
    return spans;
  }

  setMarks(spans) {
    this.marked = new Set(spans.flatMap(([start, end]) => Array.from({ length: end - start }, (_, k) => start + k)));
    this.showMarks();
  }

  showMarks() {
    this.cells.setMarks(this.marks);
    const count = this.marked.size;
    this.status.textContent = count ? `${count.toLocaleString('en')} character${count === 1 ? '' : 's'} marked.` : '';
  }

  markSelection() {
    const span = this.cells.selectedSpan();
    if (!span) {
      this.status.textContent = 'Select some of the text above first (drag over it), then mark it; or focus the text and press Space at a character.';
      return;
    }
    this.setMarks([...this.marks, span]);
  }

  // Space at a character of the text: marked if it was not, unmarked if it was.
  toggle(index) {
    if (this.marked.has(index)) this.marked.delete(index);
    else this.marked.add(index);
    this.showMarks();
  }

  find() {
    const { data } = this.cells;
    if (!data) return;
    const id = this.pattern.value;
    const kind = this.cells.shown;
    const values = patternValues(id, data.chars, this.marks);
    const what = KINDS[kind].short;
    this.measure.textContent = `Ranked by |r|, the absolute Pearson correlation between each unit's ${what} and the ` +
      `pattern "${PATTERNS[id].label}", over the ${data.chars.length.toLocaleString('en')} characters shown ` +
      '(1: it follows the pattern exactly, or its opposite; 0: not at all).';
    if (values.length < 2 || isConstant(values)) {
      this.list.replaceChildren();
      this.status.textContent = id === 'marked' && this.marked.size === 0
        ? 'Mark some of the text first: select it, then press "Mark the selection".'
        : `The pattern "${PATTERNS[id].label}" is the same at every character of this text, so no unit can follow it: try a text where it changes.`;
      return;
    }
    const ranked = rankUnits(data.layers, kind, values, { top: LISTED });
    this.list.replaceChildren(...ranked.map((entry) => this.entry(entry, what)));
    this.status.textContent = `The ${ranked.length} units that follow "${PATTERNS[id].label}" best: choose one to see it.`;
  }

  entry({ layer, unit, correlation, score }, what) {
    const li = this.doc.createElement('li');
    Object.assign(li.dataset, { unit: String(unit), layer: String(layer), score: String(score), correlation: String(correlation) });
    const button = this.doc.createElement('button');
    button.type = 'button';
    button.textContent = `Layer ${layer + 1}, unit ${unit}: r = ${signed(correlation)}`;
    button.title = correlation >= 0 ? `its ${what} rises with the pattern` : `its ${what} falls as the pattern rises`;
    button.addEventListener('click', () => {
      this.cells.showUnit(layer, unit);
      this.cells.root.scrollIntoView({ block: 'nearest' });
    });
    li.append(button);
    return li;
  }
}
