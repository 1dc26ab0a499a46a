// The run's controls: seed, length, RNG seed, mode, Generate and Stop. They hand back what is
// typed, as typed, or checked.
import { checkLength, MODES } from '../run-options.js';
import { checkRngSeed, MAX_RNG_SEED } from '../sampling.js';
import { filled } from './number-field.js';

const MODE_LABELS = {
  stateful: 'stateful (carry the LSTM state)',
  window: 'window (re-read the last characters, as the notebook)',
};

export function randomRngSeed() {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

export class ControlsView {
  constructor(doc = document) {
    const $ = (id) => doc.getElementById(id);
    this.form = $('controls');
    this.seed = $('seed');
    this.length = $('length');
    this.rng = $('rng');
    this.newRng = $('new-rng');
    this.mode = $('mode');
    this.generate = $('generate');
    this.stop = $('stop');
    this.rng.max = String(MAX_RNG_SEED);
    this.mode.replaceChildren(...MODES.map((mode) => new Option(MODE_LABELS[mode] ?? mode, mode)));
    this.newRng.addEventListener('click', () => {
      this.rng.value = String(randomRngSeed());
    });
  }

  // {seed, length, rngSeed (null: a random one), mode}
  fill({ seed, length, rngSeed, mode }) {
    this.seed.value = seed;
    this.length.value = String(length);
    this.rng.value = String(rngSeed ?? randomRngSeed());
    this.mode.value = mode;
  }

  // The fields as typed: a number input holds '' when it is empty or what was typed is no number.
  values() {
    return { seed: this.seed.value, length: this.length.value, rngSeed: this.rng.value, mode: this.mode.value };
  }

  // The fields checked: {seed, length, rngSeed, mode}; a value that is not one throws SamplingError.
  read() {
    const typed = this.values();
    return {
      seed: typed.seed,
      length: checkLength(filled(typed.length, 'the length')),
      rngSeed: checkRngSeed(filled(typed.rngSeed, 'the RNG seed')),
      mode: typed.mode,
    };
  }

  onGenerate(handler) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      handler();
    });
  }

  onStop(handler) {
    this.stop.addEventListener('click', handler);
  }

  // The seed, length, RNG seed and mode stay editable during a run: it read them when it
  // started, and they set up the next.
  enable({ ready, loading, running }) {
    this.generate.disabled = !ready || loading || running;
    this.stop.disabled = !running;
  }
}
