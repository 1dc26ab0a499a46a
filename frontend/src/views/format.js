// Numbers and characters as the page shows them.

const NAMED = { ' ': '␣ (space)', '\n': '↵ (new line)', '\t': '⇥ (tab)' };

// A character a person can see: spaces and line breaks by name, other invisible ones by code point.
export function visibleChar(c) {
  if (NAMED[c]) return NAMED[c];
  if (/^[\p{C}\p{Z}]$/u.test(c)) return `U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return c;
}

// 0.4123 -> '41.2 %'; small shares keep two significant digits.
export function percent(value) {
  const pct = value * 100;
  if (pct === 0) return '0 %';
  if (pct < 0.1) return `${pct.toPrecision(2)} %`;
  return `${pct.toFixed(1)} %`;
}

export function shortNumber(value, digits = 2) {
  return value === null || value === undefined ? '–' : value.toFixed(digits);
}
