// A lane's statistics (docs/sampling.md), each with a one-line explanation on hover.
import { shortNumber } from './format.js';

export const STATISTICS = [
  { key: 'chars', attribute: 'chars', label: 'chars', format: (v) => v.toLocaleString('en'),
    explain: 'characters generated in this lane' },
  { key: 'bits_per_char', attribute: 'bitsPerChar', label: 'bits/char', format: (v) => shortNumber(v),
    explain: 'mean −log₂ p of the drawn characters under the model at T = 1: how surprising the text is to the model' },
  { key: 'entropy_bits', attribute: 'entropyBits', label: 'entropy', format: (v) => `${shortNumber(v)} bits`,
    explain: 'mean entropy of the distributions this lane drew from: how open each choice was' },
  { key: 'top1_share', attribute: 'top1Share', label: 'top-1', format: (v) => `${Math.round(v * 100)} %`,
    explain: 'share of characters that were the model\'s most likely pick' },
  { key: 'distinct4', attribute: 'distinct4', label: 'distinct 4-grams', format: (v) => shortNumber(v),
    explain: 'distinct 4-character substrings / all of them: 1 never repeats, low values loop' },
];

// Fills the <dl> `list` with `stats` (null: no run yet, or one without likelihood).
export function showStats(list, stats) {
  const doc = list.ownerDocument;
  list.replaceChildren(...STATISTICS.flatMap(({ key, attribute, label, format, explain }) => {
    const value = stats ? stats[key] : null;
    list.dataset[attribute] = value === null ? '' : String(value);
    const dt = doc.createElement('dt');
    dt.textContent = label;
    dt.title = explain;
    const dd = doc.createElement('dd');
    dd.textContent = value === null ? '–' : format(value);
    dd.title = explain;
    const group = doc.createElement('div');
    group.append(dt, dd);
    return [group];
  }));
}
