// How many of a lane's characters fell in each rank bucket (likelihood.js): the four bars of
// its histogram, their shares, and the sentence that says them.
import { RANK_BUCKETS, rankBucket } from './likelihood.js';

// The buckets in words, in the legend's order.
export const BUCKET_WORDS = Object.freeze(['first choice', '2nd–3rd', '4th–10th', 'further']);

export function noCounts() {
  return RANK_BUCKETS.map(() => 0);
}

// The counts of the first `count` ranks.
export function rankCounts(ranks, count = ranks.length) {
  const counts = noCounts();
  for (let i = 0; i < count; i++) counts[rankBucket(ranks[i])] += 1;
  return counts;
}

// A share of the characters, in whole percent, for people: a bucket that holds any character
// never reads "0 %", and one that lacks some never "100 %".
export function sharePercent(count, total) {
  if (total === 0) return '–';
  const pct = (100 * count) / total;
  if (pct > 0 && pct < 1) return '< 1 %';
  if (pct > 99 && pct < 100) return '> 99 %';
  return `${Math.round(pct)} %`;
}

// The histogram in words: "first choice 120 (60 %), 2nd–3rd 50 (25 %), …".
export function countsSentence(counts) {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return 'no characters yet';
  return counts.map((count, bucket) => `${BUCKET_WORDS[bucket]} ${count.toLocaleString('en')} (${sharePercent(count, total)})`)
    .join(', ');
}
