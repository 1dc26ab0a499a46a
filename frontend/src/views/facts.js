// The header's facts: which TensorFlow.js backend runs and why, and the loaded model's size.
export class FactsView {
  constructor(doc = document) {
    this.backend = doc.getElementById('backend');
    this.model = doc.getElementById('model-facts');
  }

  showBackend({ name, reason }) {
    this.backend.textContent = name;
    this.backend.title = reason;
  }

  // tempera.json's optional fields are shown only when sound.
  showModel({ vocab, units, meta }) {
    const loss = meta.held_out?.loss_nats_per_char;
    this.model.textContent = `${vocab.size} characters, LSTM ${units.join(' + ')}` +
      (Number.isFinite(loss) ? `, held-out ${loss.toFixed(3)} nats/char` : '') +
      (vocab.lowercase ? ', lowercase' : '');
  }
}
