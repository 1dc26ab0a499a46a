// The vocabulary and the shared policy for unknown seed characters (docs/sampling.md).
// A character is one Unicode code point: Array.from splits strings by code point.

export class SeedError extends Error {}

export class Vocabulary {
  constructor(chars, lowercase) {
    this.chars = chars;
    this.lowercase = lowercase;
    this.index = new Map(chars.map((c, i) => [c, i]));
  }

  get size() {
    return this.chars.length;
  }

  decode(ids) {
    let text = '';
    for (const id of ids) text += this.chars[id];
    return text;
  }

  // {text, ids, folded, dropped (distinct, in order), droppedCount, report}
  // `what` names the text in messages: the seed, or a text to score.
  encodeSeed(seed, what = 'seed') {
    if (!seed) throw new SeedError(`the ${what === 'seed' ? 'seed text' : what} is empty: type at least one character`);
    const folded = this.lowercase && seed.toLowerCase() !== seed;
    const source = this.lowercase ? seed.toLowerCase() : seed;
    const kept = [];
    const dropped = new Set(); // distinct, in order of first appearance
    let droppedCount = 0;
    for (const c of source) {
      if (this.index.has(c)) {
        kept.push(c);
        continue;
      }
      droppedCount += 1;
      dropped.add(c);
    }
    const distinct = [...dropped];
    if (kept.length === 0) {
      throw new SeedError(`the ${what} has no character the model knows: ${listChars(distinct)}`);
    }
    return {
      text: kept.join(''),
      ids: kept.map((c) => this.index.get(c)),
      folded,
      dropped: distinct,
      droppedCount,
      report: seedReport(folded, distinct, droppedCount, what),
    };
  }
}

// A character for a message: quoted if visible, else its code point (U+202E), as Python's
// str.isprintable() decides (the space is the one visible separator).
function show(c) {
  const invisible = c !== ' ' && /^[\p{C}\p{Z}]$/u.test(c);
  return invisible ? `U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}` : `'${c}'`;
}

// Characters named in a message; a seed can hold thousands of distinct unknown ones.
const LISTED_CHARS = 20;

export function listChars(chars) {
  const listed = chars.slice(0, LISTED_CHARS).map(show).join(', ');
  const more = chars.length - LISTED_CHARS;
  return more > 0 ? `${listed} and ${more.toLocaleString('en')} more` : listed;
}

function seedReport(folded, dropped, droppedCount, what) {
  const parts = [];
  if (folded) parts.push(`${what} lowercased (the model was trained on lowercase text)`);
  if (dropped.length) {
    const plural = droppedCount === 1 ? '' : 's';
    parts.push(`dropped ${droppedCount} unknown character${plural}: ${listChars(dropped)}`);
  }
  return parts.join('; ');
}
