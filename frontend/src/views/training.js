// The Training view: one item per training run that `tempera serve` finds, newest first, each
// with where it stands, its facts, its loss chart and the evolution of its samples. Items are
// updated in place as the runs change, so what a person has open, scrolled or focused stays.
import { displayText } from '../catalog.js';
import { runFacts, runSummary } from '../runs.js';
import { LossChartView } from './training-chart.js';
import { EvolutionView } from './training-evolution.js';

function element(name, attributes = {}, text = null) {
  const made = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) made.setAttribute(key, String(value));
  if (text !== null) made.textContent = text;
  return made;
}

class RunItem {
  constructor(run, index, { onOpen, onCompare }) {
    const id = `run-${index}`;
    this.name = run.name;
    this.article = element('article', { class: 'run', 'data-testid': 'run-item', 'data-run': run.name, 'aria-labelledby': `${id}-name` });
    const heading = element('h3', { id: `${id}-name` });
    this.title = element('span', {}, displayText(run.name));
    this.badge = element('span', { class: 'run-state' });
    heading.append(this.title, ' ', this.badge);
    this.summary = element('p', { class: 'run-summary' });
    this.facts = element('dl', { class: 'run-facts' });
    this.chart = new LossChartView(id);
    this.evolution = new EvolutionView(id, (epoch) => onOpen(this.name, epoch));
    const compare = element('button', { type: 'button', class: 'compare-epochs', 'data-testid': 'compare-epochs' },
      'Compare its epochs side by side in the lanes');
    compare.addEventListener('click', () => onCompare(this.name));
    this.compare = compare;
    this.article.append(heading, this.summary, this.facts, this.chart.figure, compare, this.evolution.section);
    this.samples = null;
  }

  show(run) {
    this.run = run;
    const { article } = this;
    article.dataset.epochs = String(run.epochs ?? 0);
    article.dataset.state = run.state;
    this.badge.textContent = run.state === 'training' ? '(training now)' : '(finished)';
    this.badge.className = `run-state ${run.state}`;
    this.summary.textContent = runSummary(run);
    this.facts.replaceChildren(...runFacts(run).map(({ term, value, plain }) => {
      const item = element('div');
      item.append(element('dt', { title: plain }, term), element('dd', {}, value));
      return item;
    }));
    this.chart.show(run);
    this.compare.disabled = (run.history ?? []).length < 2;
    this.evolution.show(run, this.samples);
  }

  showSamples(samples) {
    this.samples = samples;
    if (this.run) this.evolution.show(this.run, samples);
  }

  remove() {
    this.chart.remove();
    this.article.remove();
  }
}

export class TrainingView {
  constructor(doc = document) {
    this.section = doc.getElementById('training');
    this.list = doc.getElementById('runs');
    this.status = doc.getElementById('training-status');
    this.items = new Map(); // run name -> RunItem
    this.made = 0;
    this.problem = ''; // why the runs cannot be fetched now; '' when they can
    this.note = ''; // what the list itself says (no runs yet)
    this.openHandler = () => {};
    this.compareHandler = () => {};
  }

  // handler(runName, epoch): a row's "Open in the generator".
  onOpen(handler) {
    this.openHandler = handler;
  }

  // handler(runName): a run's "Compare its epochs".
  onCompare(handler) {
    this.compareHandler = handler;
  }

  reveal() {
    this.section.hidden = false;
  }

  // A problem with the server's runs, shown until it clears ('').
  showProblem(text) {
    this.problem = text;
    this.status.textContent = this.problem || this.note;
  }

  // runs: api/runs' list, in its order (newest first).
  show(runs, runsFolderWords = 'the runs folder') {
    const names = new Set(runs.map((run) => run.name));
    for (const [name, item] of this.items) {
      if (!names.has(name)) {
        item.remove();
        this.items.delete(name);
      }
    }
    runs.forEach((run, index) => {
      let item = this.items.get(run.name);
      if (!item) {
        item = new RunItem(run, this.made++, {
          onOpen: (name, epoch) => this.openHandler(name, epoch),
          onCompare: (name) => this.compareHandler(name),
        });
        this.items.set(run.name, item);
      }
      item.show(run);
      if (this.list.children[index] !== item.article) this.list.insertBefore(item.article, this.list.children[index] ?? null);
    });
    this.note = runs.length ? '' : `No training run yet in ${runsFolderWords}. Train one with: tempera train --corpus your-text.txt`;
    this.showProblem(this.problem);
  }

  showSamples(name, samples) {
    this.items.get(name)?.showSamples(samples);
  }
}
