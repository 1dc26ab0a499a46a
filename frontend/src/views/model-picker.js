// The model menu: every bundle of the catalog, an unavailable one listed, disabled, with its reason.
import { menuText } from '../catalog.js';

export class ModelPicker {
  constructor(doc = document) {
    this.select = doc.getElementById('model');
    this.busy = false; // loading a model, or a run going on
  }

  show(entries, currentId) {
    this.select.replaceChildren(...entries.map((entry) => {
      const option = new Option(menuText(entry), entry.id ?? '');
      option.disabled = Boolean(entry.unavailable);
      return option;
    }));
    this.select.value = currentId ?? '';
    this.refresh();
  }

  // Calls handler(id) when the user picks a model.
  onChoose(handler) {
    this.select.addEventListener('change', () => handler(this.select.value));
  }

  // No switch while a model loads or a run goes on.
  enable({ loading, running }) {
    this.busy = loading || running;
    this.refresh();
  }

  refresh() {
    this.select.disabled = this.busy || this.select.options.length < 2;
  }
}
