// Numbers and characters as the page shows them: rounded for people, never in exponent notation.

const NAMED = { ' ': '␣ (space)', '\n': '↵ (new line)', '\t': '⇥ (tab)' };

// A character a person can see: spaces and line breaks by name, other invisible ones by code point.
export function visibleChar(c) {
  if (NAMED[c]) return NAMED[c];
  if (/^[\p{C}\p{Z}]$/u.test(c)) return `U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return c;
}

const SMALLEST_PERCENT = 0.01; // below this a share reads "< 0.01 %": a figure like 3.1e-16 % says nothing more

// A share (0 to 1) as a percentage: 0.4123 -> '41.2 %', 0.00066 -> '0.066 %', 8.4e-9 -> '< 0.01 %',
// 0.99999 -> '> 99.99 %' (it is not certain), 1 -> '100 %'.
export function percent(value) {
  if (!Number.isFinite(value)) return '–';
  const pct = value * 100;
  if (pct <= 0) return '0 %';
  if (pct >= 100) return '100 %';
  if (pct < SMALLEST_PERCENT) return `< ${SMALLEST_PERCENT} %`;
  if (pct > 100 - SMALLEST_PERCENT) return `> ${100 - SMALLEST_PERCENT} %`;
  if (pct < 0.1) return `${trimmed(pct.toFixed(3))} %`;
  if (pct >= 99.95) return `${trimmed(pct.toFixed(2))} %`; // '99.97 %', not '100.0 %'
  return `${pct.toFixed(1)} %`;
}

// A whole percentage, for shares that are counts: 0.934 -> '93 %'; never '0 %' or '100 %' unless exact.
export function wholePercent(value) {
  if (!Number.isFinite(value)) return '–';
  const pct = value * 100;
  if (pct > 0 && pct < 1) return '< 1 %';
  if (pct > 99 && pct < 100) return '> 99 %';
  return `${Math.round(pct)} %`;
}

// A number with `digits` decimals, '–' when there is none; never '-0.00' nor exponent notation.
export function shortNumber(value, digits = 2) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const text = value.toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : text;
}

// Bits with their unit: 1.8412 -> '1.84 bits', 1 -> '1.00 bit'.
export function bits(value, digits = 2) {
  const text = shortNumber(value, digits);
  return text === '–' ? text : `${text} ${Number(text) === 1 ? 'bit' : 'bits'}`;
}

function trimmed(fixed) {
  return fixed.replace(/\.?0+$/, '');
}
