// What a single LSTM unit might track, as one number per character, and which units follow it
// best. Every pattern gives, for each character of a text, its value in the state the model is
// in right after reading that character (the same moment as the unit's activation), so the two
// can be compared character by character. The measure is the Pearson correlation; units are
// ranked by its absolute value: a unit that falls inside quotes tracks them as well as one that
// rises. No DOM here: the finder (views/cell-finder.js) and the tests share it.

// Quote marks that open and close differently; the straight quote opens and closes by turns.
// Single quotes are left out, straight or curly: in most texts they are apostrophes.
const PAIRED_QUOTES = { '“': '”', '«': '»', '„': '“' };
const STRAIGHT_QUOTE = '"';
const LETTER = /^[\p{L}\p{M}]$/u;
const WHITESPACE = /^\s$/u;
const DIGIT = /^\p{Nd}$/u;
const UPPER = /^\p{Lu}$/u;
const VOWELS = new Set(['a', 'e', 'i', 'o', 'u']);

// 1 for each character after which a quotation is open (the opening mark counts as inside,
// the closing one does not). Curly quotes nest; straight double quotes open and close by turns,
// inside or outside curly ones; a quotation left open runs to the end of the text.
function insideQuotes(chars) {
  const closers = []; // the closing marks awaited, innermost last
  let straightOpen = false;
  return chars.map((c) => {
    if (c === STRAIGHT_QUOTE) straightOpen = !straightOpen;
    else if (closers.length && c === closers[closers.length - 1]) closers.pop();
    else if (c in PAIRED_QUOTES) closers.push(PAIRED_QUOTES[c]);
    return straightOpen || closers.length > 0 ? 1 : 0;
  });
}

// 1 for each character after which a parenthesis is open; a ")" with none open is ignored.
function insideParentheses(chars) {
  let depth = 0;
  return chars.map((c) => {
    if (c === '(') depth += 1;
    else if (c === ')') depth = Math.max(0, depth - 1);
    return depth > 0 ? 1 : 0;
  });
}

// How many characters of the current line have been read: 0 at a line break, 1 at the first
// character after it.
function positionInLine(chars) {
  let column = 0;
  return chars.map((c) => {
    column = c === '\n' ? 0 : column + 1;
    return column;
  });
}

// How many letters of the current word have been read: 1 at a word's first letter, 0 at any
// character that is not a letter.
function positionInWord(chars) {
  let letters = 0;
  return chars.map((c) => {
    letters = LETTER.test(c) ? letters + 1 : 0;
    return letters;
  });
}

// A vowel, with or without accents (é, ä) and in either case.
function isVowel(c) {
  return VOWELS.has(c.normalize('NFD').charAt(0).toLowerCase());
}

const flag = (test) => (chars) => chars.map((c) => (test(c) ? 1 : 0));

// id -> {label (for the menu), meaning (for the page: what the value is at each character), values(chars, marks)}
export const PATTERNS = {
  quotes: { label: 'inside quotes', meaning: '1 from an opening quote mark up to its closing one, 0 elsewhere', values: insideQuotes },
  parentheses: { label: 'inside parentheses', meaning: '1 from "(" up to its ")", 0 elsewhere', values: insideParentheses },
  line: { label: 'position in the line', meaning: 'how many characters of the line have been read (0 at a line break)', values: positionInLine },
  word: { label: 'position in the word', meaning: 'how many letters of the word have been read (0 outside words)', values: positionInWord },
  space: { label: 'after a space', meaning: '1 at a space, tab or line break (what follows comes after a space), 0 elsewhere', values: flag((c) => WHITESPACE.test(c)) },
  vowels: { label: 'vowels', meaning: '1 at a, e, i, o, u (with or without accents), 0 elsewhere', values: flag(isVowel) },
  digits: { label: 'digits', meaning: '1 at a digit, 0 elsewhere', values: flag((c) => DIGIT.test(c)) },
  upper: { label: 'upper case', meaning: '1 at an upper-case letter, 0 elsewhere', values: flag((c) => UPPER.test(c)) },
  marked: { label: 'a pattern I mark', meaning: '1 at the characters you marked, 0 elsewhere', values: (chars, marks) => markedValues(chars.length, marks) },
};

// 1 inside any of `marks` ([start, end) character indices, clipped to the text), 0 elsewhere.
export function markedValues(length, marks = []) {
  const values = new Array(length).fill(0);
  for (const [start, end] of marks) {
    for (let i = Math.max(0, start); i < Math.min(length, end); i++) values[i] = 1;
  }
  return values;
}

// The pattern's value at each character of `chars` (an array of code points).
export function patternValues(id, chars, marks = []) {
  const pattern = PATTERNS[id];
  if (!pattern) throw new Error(`no pattern "${id}"; the patterns are ${Object.keys(PATTERNS).join(', ')}`);
  return pattern.values(chars, marks);
}

// Whether every value is the same (then nothing can correlate with it).
export function isConstant(values) {
  return values.every((v) => v === values[0]);
}

// The Pearson correlation of two equally long series; 0 where either has no spread (a
// constant series, or fewer than two values), so the result is never NaN.
export function pearson(x, y) {
  const n = Math.min(x.length, y.length);
  if (n < 2) return 0;
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    meanX += x[i];
    meanY += y[i];
  }
  meanX /= n;
  meanY /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - meanX;
    const dy = y[i] - meanY;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  // Spreads this small are rounding noise around a constant.
  if (sxx <= 1e-12 * n || syy <= 1e-12 * n) return 0;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

// The two things a unit can show: its cell state through tanh (always in -1..1, like h) and its
// output h.
export const KINDS = {
  c: { label: 'tanh(c), the cell state', short: 'tanh(c)' },
  h: { label: 'h, the output', short: 'h' },
};

// One unit's activation at each character: tanh(c) or h, from a layer of the activations dict
// ({units, h: [[...]], c: [[...]]}, one row per character).
export function unitSeries(layer, unit, kind) {
  if (kind === 'c') return layer.c.map((row) => Math.tanh(row[unit]));
  if (kind === 'h') return layer.h.map((row) => row[unit]);
  throw new Error(`no activation "${kind}"; the kinds are c (shown as tanh(c)) and h`);
}

// The units of every layer ranked by |r| between their activation (kind) and `values`, best
// first (ties: lower layer, then lower unit); the first `top` of them, each
// {layer, unit, correlation, score} with score = |correlation|.
export function rankUnits(layers, kind, values, { top = 10 } = {}) {
  const ranked = [];
  layers.forEach((layer, layerIndex) => {
    for (let unit = 0; unit < layer.units; unit++) {
      const correlation = pearson(unitSeries(layer, unit, kind), values);
      ranked.push({ layer: layerIndex, unit, correlation, score: Math.abs(correlation) });
    }
  });
  ranked.sort((a, b) => b.score - a.score || a.layer - b.layer || a.unit - b.unit);
  return ranked.slice(0, top);
}
