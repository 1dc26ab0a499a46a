// A run's loss chart: an SVG of bits per character per epoch (training and held-out text, the
// run's baselines as labelled reference lines), a sentence that says what it shows, and the
// same numbers as a table. Geometry from runs-chart.js; the figure is redrawn, its table's
// disclosure kept open or shut as the person left it.
import { CHART_SIZE, lossChart } from '../runs-chart.js';
import { bitsText } from '../runs.js';

const SVG = 'http://www.w3.org/2000/svg';
const NARROWEST = 300; // px: below this the chart keeps its width and its box scrolls
const WIDEST = 760;

function svg(name, attributes = {}, text = null) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== null) element.textContent = text;
  return element;
}

function element(name, attributes = {}, text = null) {
  const made = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) made.setAttribute(key, String(value));
  if (text !== null) made.textContent = text;
  return made;
}

// One sentence for a person (and the screen reader's name for the picture).
export function chartSentence(run) {
  const rows = (run.history ?? []).filter((row) => Number.isFinite(row[2]));
  if (!rows.length) return 'No epoch has finished yet: the curves start after the first one.';
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (rows.length === 1) return `After epoch ${first[0]} the model needs ${bitsText(first[2])} bits per character on text it never trained on.`;
  const trend = last[2] < first[2] ? 'fell' : 'rose';
  return `On text it never trained on, the model's cost ${trend} from ${bitsText(first[2])} bits per character ` +
    `(epoch ${first[0]}) to ${bitsText(last[2])} (epoch ${last[0]}); lower means better guesses.`;
}

export class LossChartView {
  // id: a prefix for the ids of the figure's parts.
  constructor(id) {
    this.figure = element('figure', { class: 'loss-chart', 'data-testid': 'loss-chart' });
    this.caption = element('figcaption', { id: `${id}-caption` });
    this.frame = element('div', { class: 'chart-frame' });
    this.key = element('ul', { class: 'chart-key', 'aria-hidden': 'true' });
    this.table = element('table');
    const tableBox = element('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Loss per epoch, as a table' });
    tableBox.append(this.table);
    this.numbers = element('details', { class: 'chart-table' });
    this.numbers.append(element('summary', {}, 'The numbers, as a table'), tableBox);
    this.figure.append(this.caption, this.frame, this.key, this.numbers);
    this.id = id;
    this.run = null;
    this.width = CHART_SIZE.width;
    this.resize = new ResizeObserver(() => {
      const width = Math.max(NARROWEST, Math.min(WIDEST, Math.floor(this.frame.clientWidth)));
      if (width > 0 && Math.abs(width - this.width) > 4 && this.run) {
        this.width = width;
        this.draw();
      }
    });
    this.resize.observe(this.frame);
  }

  show(run) {
    this.run = run;
    this.figure.dataset.points = JSON.stringify(run.history ?? []);
    this.caption.textContent = chartSentence(run);
    this.draw();
    this.fillTable();
  }

  draw() {
    const run = this.run;
    const narrow = this.width < 480;
    const size = { ...CHART_SIZE, width: this.width, height: narrow ? 240 : CHART_SIZE.height, right: narrow ? 84 : CHART_SIZE.right };
    const chart = lossChart(run.history ?? [], run.baselines, size);
    const { plot } = chart;
    const picture = svg('svg', {
      viewBox: `0 0 ${size.width} ${size.height}`, width: size.width, height: size.height,
      role: 'img', 'aria-labelledby': `${this.id}-caption`,
    });
    const axes = svg('g', { class: 'axes' });
    chart.yTicks.forEach(({ value, y }) => {
      axes.append(svg('line', { x1: plot.left, x2: plot.right, y1: y, y2: y, class: 'grid' }));
      axes.append(svg('text', { x: plot.left - 6, y: y + 4, 'text-anchor': 'end' }, String(value)));
    });
    chart.xTicks.forEach(({ value, x }) => {
      axes.append(svg('line', { x1: x, x2: x, y1: plot.bottom, y2: plot.bottom + 4, class: 'tick' }));
      axes.append(svg('text', { x, y: plot.bottom + 17, 'text-anchor': 'middle' }, String(value)));
    });
    axes.append(svg('line', { x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom, class: 'axis' }));
    axes.append(svg('line', { x1: plot.left, x2: plot.left, y1: plot.top, y2: plot.bottom, class: 'axis' }));
    axes.append(svg('text', { x: (plot.left + plot.right) / 2, y: size.height - 6, 'text-anchor': 'middle', class: 'axis-title' }, 'epoch'));
    axes.append(svg('text', {
      x: 12, y: (plot.top + plot.bottom) / 2, 'text-anchor': 'middle', class: 'axis-title',
      transform: `rotate(-90 12 ${(plot.top + plot.bottom) / 2})`,
    }, 'bits per character'));
    picture.append(axes);
    chart.baselines.forEach(({ key, label, short, bits, y, labelY }) => {
      const line = svg('g', { class: `baseline baseline-${key}` });
      line.append(svg('line', { x1: plot.left, x2: plot.right, y1: y, y2: y }));
      line.append(svg('text', { x: plot.right + 6, y: labelY + 4 }, `${narrow ? short : label} ${bitsText(bits)}`));
      picture.append(line);
    });
    chart.series.forEach(({ key, path, points }) => {
      const curve = svg('g', { class: `series series-${key}` });
      if (path) curve.append(svg('path', { d: path }));
      points.forEach(({ x, y }) => curve.append(key === 'train'
        ? svg('circle', { cx: x, cy: y, r: 3 }) : svg('rect', { x: x - 3, y: y - 3, width: 6, height: 6 })));
      picture.append(curve);
    });
    this.frame.replaceChildren(picture);
    // Each entry of the key drawn with its line's own stroke and dashes (style.css).
    const keyed = (className, label) => {
      const item = element('li', { class: className });
      const sample = svg('svg', { width: 28, height: 8, 'aria-hidden': 'true' });
      sample.append(svg('line', { x1: 0, x2: 28, y1: 4, y2: 4 }));
      item.append(sample, label);
      return item;
    };
    this.key.replaceChildren(
      ...chart.series.map(({ key, label }) => keyed(`series series-${key}`, label)),
      ...chart.baselines.map(({ key, label }) => keyed(`baseline baseline-${key}`, label)),
    );
  }

  fillTable() {
    const run = this.run;
    const head = element('thead');
    const header = element('tr');
    ['epoch', 'training text (bits per character)', 'held-out text (bits per character)'].forEach((text) => {
      header.append(element('th', { scope: 'col' }, text));
    });
    head.append(header);
    const body = element('tbody');
    for (const [epoch, train, heldOut] of run.history ?? []) {
      const row = element('tr');
      row.append(element('th', { scope: 'row' }, String(epoch)), element('td', {}, bitsText(train)), element('td', {}, bitsText(heldOut)));
      body.append(row);
    }
    const lines = [];
    const baselines = run.baselines ?? {};
    if (Number.isFinite(baselines.unigram_bits_per_char)) lines.push(`letter frequencies ${bitsText(baselines.unigram_bits_per_char)}`);
    if (Number.isFinite(baselines.ngram_bits_per_char)) lines.push(`${baselines.ngram_order ?? 'n'}-gram model ${bitsText(baselines.ngram_bits_per_char)}`);
    const caption = element('caption', {}, `Bits per character per epoch${lines.length ? `; baselines: ${lines.join(', ')}` : ''}`);
    this.table.replaceChildren(caption, head, body);
  }

  remove() {
    this.resize.disconnect();
    this.figure.remove();
  }
}
