// The likelihood toggle and the explanations beside the legend. With the toggle off, a run
// records nothing and its lanes are plain text (the fastest way to generate); the colours of
// text already shown are hidden and come back when it is turned on again.
import { termOf } from './glossary.js';
import { STATISTICS } from './lane-stats.js';

export class LikelihoodControls {
  constructor(doc = document) {
    this.toggle = doc.getElementById('likelihood-toggle');
    this.body = doc.body;
    const help = doc.getElementById('stats-help');
    help.replaceChildren(...STATISTICS.flatMap(({ label, term }) => {
      const { name, plain, exact } = termOf(term);
      const dt = doc.createElement('dt');
      dt.textContent = label.toLowerCase() === name.toLowerCase() ? name : `${label} (${name.toLowerCase()})`;
      const dd = doc.createElement('dd');
      dd.textContent = `${plain} Precisely: ${exact}`;
      return [dt, dd];
    }));
    this.toggle.addEventListener('change', () => this.apply());
    this.apply();
  }

  get on() {
    return this.toggle.checked;
  }

  apply() {
    this.body.classList.toggle('plain-text', !this.on);
  }
}
