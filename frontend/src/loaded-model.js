// A bundle made ready to generate, and when it is freed: every run holds the model it started
// with, so a switch to another model while a run goes on frees the old one when the run ends.
import { BundleError, loadBundle } from './bundle.js';
import { Generator } from './generator.js';
import { chooseStep } from './steps/index.js';

export class LoadedModel {
  constructor(entry, bundle, step, generator) {
    this.entry = entry;
    this.meta = bundle.meta;
    this.vocab = bundle.vocab;
    this.model = bundle.model;
    this.step = step;
    this.generator = generator;
    this.runs = 0;
    this.retired = false;
    this.freed = false;
  }

  // The LSTM layers' sizes, first to last.
  get units() {
    return this.step.units;
  }

  // Runs work(this), keeping the model's tensors alive until it settles.
  async use(work) {
    this.runs += 1;
    try {
      return await work(this);
    } finally {
      this.runs -= 1;
      this.freeWhenIdle();
    }
  }

  // No new run will use this model.
  retire() {
    this.retired = true;
    this.freeWhenIdle();
  }

  freeWhenIdle() {
    if (!this.retired || this.runs > 0 || this.freed) return;
    this.freed = true;
    this.step.dispose();
    this.model.dispose();
  }
}

// Loads the catalog entry's bundle (or, for an entry with a baseUrl, the bundle there: a
// training run's epoch; entry.fetchFile, where given, fetches its files) with the current
// backend's step and runs it once; any failure is the bundle's error.
export async function openModel(entry) {
  const bundle = await loadBundle(entry.baseUrl ?? `models/${encodeURIComponent(entry.id)}/`, entry.fetchFile);
  let chosen;
  try {
    chosen = chooseStep(bundle.model);
  } catch (error) {
    bundle.model.dispose();
    throw new BundleError(`model.json: ${error.message}`);
  }
  const generator = new Generator(chosen.step, bundle.vocab, bundle.meta.maxlen, { lookahead: chosen.lookahead });
  const loaded = new LoadedModel(entry, bundle, chosen.step, generator);
  try {
    // Warm up: the first run compiles kernels (shaders on WebGL) so the first character is quick.
    await loaded.generator.generate({ seedIds: [0], temperatures: [1], length: 2, rngSeed: 0, mode: 'stateful' });
  } catch (error) {
    loaded.retire();
    throw error;
  }
  return loaded;
}
