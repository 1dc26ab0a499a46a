// A run's loss curves as chart geometry: the history's bits per character per epoch, and the
// run's baselines, placed in a box of the given size. Pure (no DOM): views/training-chart.js
// draws it, and the tests check it under Node.

// The plot area inside the chart's box: room on the left for the bits axis, below for epochs,
// on the right for the baselines' labels.
export const CHART_SIZE = Object.freeze({ width: 640, height: 300, left: 52, right: 150, top: 14, bottom: 44 });
const LABEL_GAP = 14; // px between two baselines' labels, one above the other

// The two curves, in the order of a history row after its epoch.
export const SERIES = Object.freeze([
  { key: 'train', label: 'training text', column: 1 },
  { key: 'heldOut', label: 'held-out text', column: 2 },
]);

// A number usable as a point: finite (a diverged epoch's loss is null).
function usable(value) {
  return typeof value === 'number' && Number.isFinite(value);
}

// A step of 1, 2, 2.5 or 5 times a power of ten that cuts `span` into about `count` parts.
export function niceStep(span, count = 5) {
  if (!(span > 0)) return 1;
  const rough = span / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= rough) * power;
  return Number(step.toPrecision(12));
}

// Ticks from `low` to the first multiple of the step at or above `high`.
function ticksUpTo(low, high, step) {
  const ticks = [];
  for (let i = 0; ; i++) {
    const value = Number((low + i * step).toPrecision(12));
    ticks.push(value);
    if (value >= high - 1e-9) return ticks;
  }
}

// The baselines a run records, as reference lines: {key, label, bits}.
export function baselineLines(baselines) {
  if (!baselines) return [];
  const lines = [];
  if (usable(baselines.unigram_bits_per_char)) {
    lines.push({ key: 'unigram', label: 'letter frequencies', short: 'letters', bits: baselines.unigram_bits_per_char });
  }
  if (usable(baselines.ngram_bits_per_char)) {
    const order = Number.isInteger(baselines.ngram_order) ? `${baselines.ngram_order}-gram` : 'n-gram';
    lines.push({ key: 'ngram', label: `${order} model`, short: order, bits: baselines.ngram_bits_per_char });
  }
  return lines;
}

// An SVG path through the points, a gap where a value is missing: "M x y L x y … M …".
function pathThrough(points) {
  let path = '';
  let drawing = false;
  for (const point of points) {
    if (point === null) {
      drawing = false;
      continue;
    }
    path += `${drawing ? ' L' : path ? ' M' : 'M'} ${point.x} ${point.y}`;
    drawing = true;
  }
  return path;
}

const round = (value) => Math.round(value * 100) / 100;

// Label heights for lines at `ys`: each at its line, moved down where it would overlap the one
// above it.
function labelHeights(ys) {
  const order = ys.map((y, index) => ({ y, index })).sort((a, b) => a.y - b.y);
  const placed = Array(ys.length);
  let last = -Infinity;
  for (const { y, index } of order) {
    placed[index] = Math.max(y, last + LABEL_GAP);
    last = placed[index];
  }
  return placed;
}

// {xTicks: [{value, x}], yTicks: [{value, y}], series: [{key, label, points: [{epoch, bits, x, y}],
// path}], baselines: [{key, label, short, bits, y, labelY}], plot: {left, right, top, bottom}}
// for a history of [epoch, train bits, held-out bits] rows and the run's baselines.
export function lossChart(history, baselines, size = CHART_SIZE) {
  const plot = {
    left: size.left, right: size.width - size.right, top: size.top, bottom: size.height - size.bottom,
  };
  const epochs = history.map((row) => row[0]).filter(usable);
  const lines = baselineLines(baselines);
  const values = [...history.flatMap((row) => [row[1], row[2]]), ...lines.map((line) => line.bits)].filter(usable);
  const firstEpoch = epochs.length ? Math.min(...epochs) : 1;
  const lastEpoch = Math.max(epochs.length ? Math.max(...epochs) : 1, firstEpoch + 1);
  const xStep = Math.max(1, Math.ceil(niceStep(lastEpoch - firstEpoch, 8)));
  const xTicks = [];
  for (let epoch = firstEpoch; epoch <= lastEpoch; epoch += xStep) xTicks.push(epoch);
  const top = values.length ? Math.max(...values) : 1;
  const yStep = niceStep(top, 5);
  const yValues = ticksUpTo(0, top, yStep);
  const yHigh = yValues[yValues.length - 1];
  const x = (epoch) => round(plot.left + ((epoch - firstEpoch) / (lastEpoch - firstEpoch)) * (plot.right - plot.left));
  const y = (bits) => round(plot.bottom - (bits / yHigh) * (plot.bottom - plot.top));
  const series = SERIES.map(({ key, label, column }) => {
    const points = history.map((row) => (usable(row[0]) && usable(row[column])
      ? { epoch: row[0], bits: row[column], x: x(row[0]), y: y(row[column]) } : null));
    return { key, label, points: points.filter(Boolean), path: pathThrough(points) };
  });
  return {
    plot,
    xTicks: xTicks.map((value) => ({ value, x: x(value) })),
    yTicks: yValues.map((value) => ({ value, y: y(value) })),
    series,
    baselines: lines.map((line, index, all) => ({
      ...line, y: y(line.bits), labelY: round(labelHeights(all.map((l) => y(l.bits)))[index]),
    })),
  };
}
