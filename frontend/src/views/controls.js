// The run's controls: seed, length, random draw number (the RNG seed), mode, Generate and Stop,
// and their keys (Ctrl or ⌘ + Enter generates, Escape stops). They hand back what is typed, as
// typed, or checked.
import { checkLength, MODES } from '../run-options.js';
import { checkRngSeed, MAX_RNG_SEED } from '../sampling.js';
import { SHORTCUT_KEYS, shortcutHint, shortcutOf } from '../shortcuts.js';
import { filled } from './number-field.js';

const MODE_LABELS = {
  stateful: 'remember all it has read (stateful)',
  window: 're-read only the last few dozen characters (window)',
};

// Whether Escape pressed on `target` belongs to something else than stopping the run: a text
// whose character the inspector holds, or something open over the page (a dialog, a popover,
// a term's definition: a control with aria-expanded="true" and the aria-controls it opened).
function escapeTaken(target) {
  const doc = target?.ownerDocument ?? document;
  if (target?.closest?.('.lane-scroll, #score-scroll')?.querySelector('.active')) return true;
  if (doc.querySelector('[aria-expanded="true"][aria-controls]')) return true;
  try {
    return Boolean(doc.querySelector('dialog[open], :popover-open'));
  } catch {
    return Boolean(doc.querySelector('dialog[open]')); // a browser without popovers
  }
}

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
    this.generate.setAttribute('aria-keyshortcuts', SHORTCUT_KEYS.generate);
    this.stop.setAttribute('aria-keyshortcuts', SHORTCUT_KEYS.stop);
    const hint = $('shortcut-hint');
    const platform = globalThis.navigator?.userAgentData?.platform || globalThis.navigator?.platform || '';
    if (hint) hint.textContent = shortcutHint(platform);
    doc.addEventListener('keydown', (event) => this.onKey(event));
  }

  // Ctrl/⌘ + Enter anywhere (the seed's box included) presses Generate; Escape presses Stop
  // during a run, unless something else takes it (escapeTaken). The listener is on the document
  // and set up before the other views', so it hears Escape before they close what it opened.
  onKey(event) {
    const shortcut = shortcutOf(event);
    if (shortcut === 'generate') {
      event.preventDefault();
      if (!this.generate.disabled) this.form.requestSubmit(this.generate);
    } else if (shortcut === 'stop' && !this.stop.disabled && !escapeTaken(event.target)) {
      event.preventDefault();
      this.stop.click();
    }
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
      rngSeed: checkRngSeed(filled(typed.rngSeed, 'the random draw number')),
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
