// Where a model stands, in plain words: its held-out loss beside the baselines its tempera.json
// records (letter frequencies, a character n-gram), as tempera/baselines.py words it.

const SHORT = {
  none: 'no better than letter frequencies',
  barely: 'barely beyond letter frequencies',
  below: 'short of a {n}-gram model',
  level: 'about as good as a {n}-gram model',
  better: 'better than a {n}-gram model',
  well: 'well beyond a {n}-gram model',
};
const ADVICE = 'train longer or on more text';
const LEVEL_MARGIN = 0.05; // nats/char: closer than this to the n-gram is "about as good"
const WELL_MARGIN = 0.25; // nats/char below the n-gram: "well beyond"
const BARELY_SHARE = 0.5; // less than half the way from letter frequencies to the n-gram

const positive = (value) => typeof value === 'number' && Number.isFinite(value) && value > 0;

// tempera.json's baselines when whole and finite, else null (bundles exported before them).
export function readBaselines(meta) {
  const baselines = meta?.baselines;
  if (!baselines || typeof baselines !== 'object') return null;
  const { unigram_nats_per_char: unigram, ngram_nats_per_char: ngram, ngram_order: order } = baselines;
  if (!positive(unigram) || !positive(ngram) || !Number.isInteger(order) || order < 1) return null;
  return { unigram, ngram, order };
}

// The held-out loss as the bundle ships: its quantised weights' where measured.
export function bundleLoss(meta) {
  const heldOut = meta?.held_out;
  for (const key of ['quantized_loss_nats_per_char', 'loss_nats_per_char']) {
    const value = heldOut?.[key];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return null;
}

export function verdictLevel(loss, { unigram, ngram }) {
  if (loss >= unigram) return 'none';
  if (loss > ngram + LEVEL_MARGIN) {
    const gained = unigram > ngram ? (unigram - loss) / (unigram - ngram) : 1;
    return gained < BARELY_SHARE ? 'barely' : 'below';
  }
  if (loss > ngram - LEVEL_MARGIN) return 'level';
  return loss <= ngram - WELL_MARGIN ? 'well' : 'better';
}

// { words, details } for a bundle's tempera.json, or null when it records no baselines:
// words for the page ("barely beyond letter frequencies: train longer or on more text"), and
// details with the figures, the same sentence as `tempera sample` prints.
export function modelQuality(meta) {
  const baselines = readBaselines(meta);
  const loss = bundleLoss(meta);
  if (!baselines || loss === null) return null;
  const level = verdictLevel(loss, baselines);
  const advice = ['none', 'barely', 'below'].includes(level) ? `: ${ADVICE}` : '';
  const words = SHORT[level].replace('{n}', baselines.order) + advice;
  const figures = `held-out ${loss.toFixed(2)} nats/char; ${baselines.order}-gram ` +
    `${baselines.ngram.toFixed(2)}, letter frequencies ${baselines.unigram.toFixed(2)}`;
  return { level, words, details: `${words} (${figures})` };
}
