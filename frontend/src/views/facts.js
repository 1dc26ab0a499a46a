// The header's facts: which TensorFlow.js backend runs and why, and the loaded model's size,
// its terms explained on demand (views/terms.js).
import { modelQuality } from '../model-quality.js';
import { termButton } from './terms.js';

export class FactsView {
  constructor(doc = document) {
    this.backend = doc.getElementById('backend');
    this.model = doc.getElementById('model-facts');
    this.quality = doc.getElementById('model-quality') ?? qualityElement(doc, this.model);
  }

  showBackend({ name, reason }) {
    this.backend.textContent = name;
    this.backend.title = reason;
  }

  // tempera.json's optional fields are shown only when sound.
  showModel({ vocab, units, meta }) {
    const loss = meta.held_out?.loss_nats_per_char;
    const doc = this.model.ownerDocument;
    this.model.replaceChildren(`${vocab.size} characters, `, termButton(doc, 'lstm', `LSTM ${units.join(' + ')}`),
      ...(Number.isFinite(loss)
        ? [', ', termButton(doc, 'heldOut', 'held-out score'), ` ${(loss / Math.LN2).toFixed(2)} bits/char`] : []),
      vocab.lowercase ? ', lowercase' : '');
    const quality = modelQuality(meta); // null for bundles that record no baselines
    this.quality.textContent = quality ? `Quality: ${quality.words}` : '';
    this.quality.title = quality ? quality.details : '';
    this.quality.hidden = !quality;
  }
}

// Where the model stands against its baselines, in words, beside its facts.
function qualityElement(doc, facts) {
  const element = doc.createElement('span');
  element.id = 'model-quality';
  element.dataset.testid = 'model-quality';
  element.hidden = true;
  facts.after(element);
  return element;
}
