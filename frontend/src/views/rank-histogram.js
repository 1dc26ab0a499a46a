// A lane's histogram of rank buckets, after GLTR: one bar per bucket of the legend, in its
// colour, as tall as the bucket's share of the lane's characters, with the share under it. It
// keeps its size from the start, so that filling it moves nothing; data-counts holds the
// counts as JSON, and its label says them in words.
import { RANK_BUCKETS } from '../likelihood.js';
import { BUCKET_WORDS, countsSentence, noCounts, sharePercent } from '../rank-counts.js';

export function rankHistogram(doc = document) {
  const histogram = doc.createElement('div');
  histogram.className = 'rank-histogram';
  histogram.dataset.testid = 'rank-histogram';
  histogram.setAttribute('role', 'img');
  RANK_BUCKETS.forEach(({ className }, bucket) => {
    const column = doc.createElement('span');
    column.className = 'rank-column';
    column.title = BUCKET_WORDS[bucket];
    const frame = doc.createElement('span');
    frame.className = 'rank-bar-frame';
    const bar = doc.createElement('span');
    bar.className = `rank-bar bar-${className}`;
    frame.append(bar);
    const share = doc.createElement('span');
    share.className = 'rank-share';
    column.append(frame, share);
    histogram.append(column);
  });
  showRankCounts(histogram, noCounts(), 'this lane');
  return histogram;
}

// Shows `counts` (one per bucket) in `histogram`; `name` says whose they are ("lane 2").
// recorded: false for a run made with the colours off, which keeps no ranks (true: as before).
export function showRankCounts(histogram, counts, name, recorded = histogram.dataset.recorded !== 'false') {
  const total = counts.reduce((sum, count) => sum + count, 0);
  histogram.dataset.counts = JSON.stringify(counts);
  histogram.dataset.recorded = String(recorded);
  const said = recorded ? countsSentence(counts) : 'not kept, as the run was made with the colours off';
  histogram.setAttribute('aria-label', `Ranks of ${name}'s characters: ${said}`);
  [...histogram.children].forEach((column, bucket) => {
    const share = total ? counts[bucket] / total : 0;
    column.firstElementChild.firstElementChild.style.transform = `scaleY(${share})`;
    column.lastElementChild.textContent = sharePercent(counts[bucket], total);
  });
}
