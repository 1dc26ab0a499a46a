// A lane's statistics (docs/sampling.md), each named in plain words; its name opens the exact
// definition (views/terms.js).
import { termOf } from './glossary.js';
import { bits, shortNumber, wholePercent } from './format.js';
import { termButton } from './terms.js';

export const STATISTICS = [
  { key: 'chars', attribute: 'chars', term: 'chars', label: 'characters', format: (v) => v.toLocaleString('en') },
  { key: 'bits_per_char', attribute: 'bitsPerChar', term: 'bitsPerChar', label: 'surprise', format: (v) => `${shortNumber(v)} bits` },
  { key: 'entropy_bits', attribute: 'entropyBits', term: 'entropy', label: 'openness', format: (v) => bits(v) },
  { key: 'top1_share', attribute: 'top1Share', term: 'top1', label: 'first picks', format: (v) => wholePercent(v) },
  { key: 'distinct4', attribute: 'distinct4', term: 'distinct4', label: 'variety', format: (v) => shortNumber(v) },
].map((statistic) => ({ ...statistic, explain: termOf(statistic.term).plain }));

// Fills the <dl> `list` with `stats` (null: no run yet, or one without likelihood). The terms are
// made once; a redraw during a run changes only the values.
export function showStats(list, stats) {
  const doc = list.ownerDocument;
  if (list.children.length !== STATISTICS.length) {
    list.replaceChildren(...STATISTICS.map(({ term, label }) => {
      const dt = doc.createElement('dt');
      dt.append(termButton(doc, term, label));
      const group = doc.createElement('div');
      group.append(dt, doc.createElement('dd'));
      return group;
    }));
  }
  STATISTICS.forEach(({ key, attribute, format }, index) => {
    const value = stats ? stats[key] : null;
    list.dataset[attribute] = value === null ? '' : String(value);
    list.children[index].lastElementChild.textContent = value === null ? '–' : format(value);
  });
}
