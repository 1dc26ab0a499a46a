// The evolution of a run's samples: what the model of each epoch writes after the same seed,
// at the same temperature, with the same random numbers, one row per epoch, coloured by rank as
// the lanes are. A slider steps through the epochs by keyboard or pointer; each row has the
// button that opens its epoch in the generator.
import { RANK_BUCKETS, rankBucket } from '../likelihood.js';
import { bitsText, historyRow, runEpochs } from '../runs.js';

function element(name, attributes = {}, text = null) {
  const made = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) made.setAttribute(key, String(value));
  if (text !== null) made.textContent = text;
  return made;
}

// The text as runs of characters of one rank bucket: one element per run, not per character.
export function tintedRuns(text, ranks) {
  const chars = Array.from(text);
  const runs = [];
  chars.forEach((char, step) => {
    const bucket = Number.isInteger(ranks?.[step]) ? rankBucket(ranks[step]) : null;
    const last = runs[runs.length - 1];
    if (last && last.bucket === bucket) last.text += char;
    else runs.push({ bucket, text: char });
  });
  return runs;
}

// The colours' key, in the words of the lanes' legend.
const RANK_WORDS = ["the model's first choice", '2nd or 3rd', '4th to 10th', 'further down (underlined)'];

function legend() {
  const list = element('ul', { class: 'legend evolution-legend', 'aria-label': 'What the colours mean: the rank of each character among the model\'s guesses' });
  RANK_BUCKETS.forEach(({ className }, index) => {
    const item = element('li');
    item.append(element('span', { class: `swatch ${className}`, 'aria-hidden': 'true' }, 'a'), ` ${RANK_WORDS[index]}`);
    list.append(item);
  });
  return list;
}

export class EvolutionView {
  // id: a prefix for the ids of its parts; onOpen(epoch): a row's button was pressed.
  constructor(id, onOpen) {
    // Named by its title and the run's (`${id}-name`), so that each run's is told apart.
    this.section = element('section', { class: 'evolution', 'data-testid': 'evolution', 'aria-labelledby': `${id}-title ${id}-name` });
    const title = element('h4', { id: `${id}-title` }, 'What the model writes, epoch by epoch');
    this.intro = element('p', { class: 'evolution-intro' });
    const stepper = element('label', { class: 'evolution-step' }, 'Step through the epochs ');
    this.slider = element('input', { type: 'range', min: 1, max: 1, step: 1, value: 1, 'data-testid': 'evolution-step' });
    this.where = element('output', { 'aria-hidden': 'true' });
    stepper.append(this.slider, this.where);
    this.list = element('ol', { class: 'evolution-list', tabindex: 0, 'aria-label': 'Samples by epoch' });
    this.section.append(title, this.intro, legend(), stepper, this.list);
    this.rows = new Map(); // epoch -> {item, text, bits, shown}
    this.epochs = [];
    this.current = null;
    this.onOpen = onOpen;
    this.slider.addEventListener('input', () => this.select(this.epochs[Number(this.slider.value) - 1], { scroll: true }));
  }

  // run: as api/runs lists it; samples: its api/runs/<name>/samples, or null while it is fetched.
  show(run, samples) {
    const following = this.current === null || this.current === this.epochs[this.epochs.length - 1];
    this.epochs = runEpochs(run);
    const byEpoch = new Map((samples?.epochs ?? []).map((sample) => [sample.epoch, sample]));
    if (samples) {
      this.intro.textContent = `Each epoch's model continues the same seed, “${samples.seed}”, at temperature ` +
        `${samples.temperature} with the same random numbers (RNG seed ${samples.rng_seed}): what changes is what it has learned.`;
    } else {
      this.intro.textContent = this.epochs.length ? 'The samples are being written…' : 'Samples appear here after each epoch.';
    }
    for (const [epoch, row] of this.rows) {
      if (!this.epochs.includes(epoch)) {
        row.item.remove();
        this.rows.delete(epoch);
      }
    }
    this.epochs.forEach((epoch) => {
      const row = this.rows.get(epoch) ?? this.addRow(run.name, epoch);
      const held = historyRow(run, epoch)?.[2];
      row.bits.textContent = `${bitsText(held)} bits per character on held-out text${epoch === run.best_epoch ? ' (the best so far)' : ''}`;
      const sample = byEpoch.get(epoch);
      if (sample && row.shown !== sample.text) this.fill(row, samples.seed, sample);
    });
    this.slider.max = String(Math.max(1, this.epochs.length));
    this.slider.disabled = this.epochs.length < 2;
    const keep = !following && this.epochs.includes(this.current) ? this.current : this.epochs[this.epochs.length - 1];
    this.select(keep ?? null, { scroll: following });
  }

  addRow(runName, epoch) {
    const item = element('li', { 'data-epoch': epoch });
    const head = element('div', { class: 'evolution-head' });
    head.append(element('strong', {}, `Epoch ${epoch}`));
    const bits = element('span', { class: 'evolution-bits' });
    const open = element('button', { type: 'button', 'data-testid': 'open-epoch', 'data-epoch': epoch,
      'aria-label': `Open in the generator: epoch ${epoch} of ${runName}` }, 'Open in the generator');
    open.addEventListener('click', () => this.onOpen(epoch));
    head.append(bits, open);
    const text = element('pre', { class: 'evolution-text' });
    text.append(element('span', { class: 'seed-text' }), element('span', { class: 'sample' }, '…'));
    item.append(head, text);
    const row = { item, text, bits, shown: null };
    const after = [...this.rows.keys()].filter((e) => e > epoch).sort((a, b) => a - b)[0];
    if (after === undefined) this.list.append(item);
    else this.list.insertBefore(item, this.rows.get(after).item);
    this.rows.set(epoch, row);
    return row;
  }

  fill(row, seed, sample) {
    const [seedPart, samplePart] = row.text.children;
    seedPart.textContent = seed;
    samplePart.replaceChildren(...tintedRuns(sample.text, sample.ranks).map(({ bucket, text }) => (bucket === null
      ? document.createTextNode(text) : element('span', { class: RANK_BUCKETS[bucket].className }, text))));
    row.shown = sample.text;
  }

  // Marks `epoch`'s row as the one the slider points at, and scrolls the list to it if asked.
  select(epoch, { scroll = false } = {}) {
    this.rows.forEach((row, e) => {
      if (e === epoch) row.item.setAttribute('aria-current', 'true');
      else row.item.removeAttribute('aria-current');
    });
    this.current = epoch;
    const index = this.epochs.indexOf(epoch);
    if (index < 0) {
      this.where.textContent = '';
      return;
    }
    this.slider.value = String(index + 1);
    this.slider.setAttribute('aria-valuetext', `epoch ${epoch} of ${this.epochs.length}`);
    this.where.textContent = `epoch ${epoch} of ${this.epochs.length}`;
    const item = this.rows.get(epoch)?.item;
    if (scroll && item) {
      // Within the list only: the page itself stays where the person is.
      const { list } = this;
      const top = item.offsetTop; // the list is the rows' offset parent (style.css)
      if (top < list.scrollTop || top + item.offsetHeight > list.scrollTop + list.clientHeight) {
        list.scrollTop = top - (list.clientHeight - item.offsetHeight) / 2;
      }
    }
  }
}
