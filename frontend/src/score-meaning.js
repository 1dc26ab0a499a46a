// What a score means: a text's bits per character placed between the model's own figure on
// its held-out text and the letter-frequency (unigram) baseline of its training text, both from
// the bundle's tempera.json. Pure: no page.

// Where a score falls on the gap from the held-out figure (0) to letter frequencies (1). A short
// text with plain words often scores a little better than the held-out text, so "more
// predictable" takes a clear lead (memorised text scores far lower still).
const BELOW = 0.3; // more than 30 % of the gap below the held-out figure: "more predictable"
const NEAR = 0.15; // up to 15 % of it above: "about as predictable"
const FAR = 0.6; // past 60 % of it: "far less predictable"
const SHORT = 40; // fewer characters scored than this: the figure is rough

function bitsFrom(nats) {
  return Number.isFinite(nats) && nats > 0 ? nats / Math.LN2 : null;
}

// {heldOut, unigram}: the bundle's two figures in bits per character, null where it has none.
export function referenceBits(meta) {
  return {
    heldOut: bitsFrom(meta?.held_out?.loss_nats_per_char),
    unigram: bitsFrom(meta?.baselines?.unigram_nats_per_char),
  };
}

const two = (bits) => bits.toFixed(2);

// {kind, sentence} for a score of `bits` bits per character over `scored` characters.
// kind: 'more' (more predictable than the training text), 'about', 'less', 'far', 'beyond'
// (no better than letter frequencies), or, without the bundle's figures, 'lower'/'higher'
// against the held-out figure alone, 'unplaced', or 'none' (nothing scored).
export function scoreMeaning(bits, meta, scored = Infinity) {
  if (!Number.isFinite(bits)) {
    return { kind: 'none', sentence: 'Nothing was scored: the text needs at least two characters the model knows.' };
  }
  const { heldOut, unigram } = referenceBits(meta);
  const rough = scored < SHORT ? ' The text is short, so the figure is rough.' : '';
  const score = `${two(bits)} bits per character`;
  if (heldOut === null) {
    return {
      kind: 'unplaced',
      sentence: `${score}: this model records no figure for its own held-out text, so the score cannot be placed; ` +
        `lower means more predictable, and 1 bit is a coin toss between two characters.${rough}`,
    };
  }
  const own = `the model scores ${two(heldOut)} on held-out text like its training text`;
  if (unigram === null || unigram <= heldOut) {
    const kind = bits < heldOut * (1 - NEAR) ? 'lower' : bits > heldOut * (1 + NEAR) ? 'higher' : 'about';
    const words = { lower: 'more predictable than the training text: repetitive or memorised',
      about: 'about as predictable as the training text', higher: 'less predictable than the training text' }[kind];
    return {
      kind,
      sentence: `${score}: ${words} (${own}; this model records no letter-frequency baseline to compare with).${rough}`,
    };
  }
  const where = (bits - heldOut) / (unigram - heldOut); // 0 at the held-out figure, 1 at letter frequencies
  const figures = `(${own}; guessing from letter frequencies alone scores ${two(unigram)})`;
  let kind;
  let words;
  if (where < -BELOW) {
    kind = 'more';
    words = 'more predictable than the training text: repetitive or memorised, perhaps text the model was trained on';
  } else if (where <= NEAR) {
    kind = 'about';
    words = 'about as predictable as the training text: it reads like what the model learnt';
  } else if (where <= FAR) {
    kind = 'less';
    words = 'less predictable than the training text: a related but different style';
  } else if (where < 1) {
    kind = 'far';
    words = 'far less predictable than the training text: a different style or language';
  } else {
    kind = 'beyond';
    words = 'far less predictable than the training text, no better than guessing from letter frequencies: ' +
      'a different language or alphabet';
  }
  return { kind, sentence: `${score}: ${words} ${figures}.${rough}` };
}
