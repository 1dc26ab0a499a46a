// Lanes across epochs: lane k is a one-lane run of the k-th model at its temperature, with the
// same seed and the same RNG seed, so that every lane draws the same uniforms and the
// differences between lanes are the models' (tempera sample --bundles does the same).
import { laneFilters } from './run-options.js';
import { Lockstep } from './lockstep.js';

// Runs lane k on models[k] (LoadedModels), all at once. request: as Generator.generate takes
// it, one temperature and filters per lane; callbacks: onStart(records per lane), onChars(chars
// per lane, step) once every lane has drawn the step, shouldStop, signal, records. Resolves to
// Generator.generate's lanes, one per model.
export async function generateAcross(models, request, { onStart, onChars, shouldStop, signal, records = true } = {}) {
  const { temperatures } = request;
  if (temperatures.length !== models.length) throw new Error(`${models.length} models for ${temperatures.length} lanes`);
  const filters = laneFilters(request.filters, models.length);
  const started = Array(models.length).fill(null);
  let waiting = models.length;
  const lockstep = new Lockstep(models.length, (chars, step) => onChars?.(chars, step));
  const lanes = await Promise.all(models.map((model, lane) => model.use(async ({ generator }) => {
    const [result] = await generator.generate(
      { ...request, temperatures: [temperatures[lane]], filters: filters[lane] },
      {
        records,
        signal,
        shouldStop,
        onStart: ([laneRecords]) => {
          started[lane] = laneRecords;
          waiting -= 1;
          if (waiting === 0) onStart?.(started);
        },
        onChars: ([char]) => lockstep.add(lane, char),
      },
    );
    return result;
  })));
  return lanes;
}

// A catalog-like entry for epoch `epoch` of training run `run`: its bundle is made by the
// server on demand, at api/runs/<run>/epochs/<epoch>/.
export function epochEntry(run, epoch) {
  return {
    id: `${run}@${epoch}`,
    name: `${run}, epoch ${epoch}`,
    label: `${run}, epoch ${epoch} (training run)`,
    unavailable: null,
    epoch: { run, epoch },
    baseUrl: `api/runs/${encodeURIComponent(run)}/epochs/${epoch}/`,
  };
}

// The models of the lanes across epochs, opened once and kept while they are lanes; a model
// no lane uses any more is retired (freed when its last run ends).
export class EpochModels {
  // open(entry): resolves to a LoadedModel.
  constructor(open) {
    this.open = open;
    this.models = new Map(); // id -> Promise<LoadedModel>
  }

  // LoadedModels of `epochs` of `run`, in order; models of other epochs are retired.
  async get(run, epochs) {
    const entries = epochs.map((epoch) => epochEntry(run, epoch));
    this.keepOnly(new Set(entries.map((entry) => entry.id)));
    for (const entry of entries) {
      if (!this.models.has(entry.id)) {
        const opening = this.open(entry);
        opening.catch(() => this.models.delete(entry.id)); // a failed one is tried again next time
        this.models.set(entry.id, opening);
      }
    }
    const models = await Promise.all(entries.map((entry) => this.models.get(entry.id)));
    const alphabet = models[0].vocab.chars.join('');
    const other = models.find((model) => model.vocab.chars.join('') !== alphabet);
    if (other) throw new Error(`${other.entry.name} has another alphabet than ${models[0].entry.name}: lanes across epochs need one`);
    return models;
  }

  keepOnly(ids) {
    for (const [id, opening] of this.models) {
      if (ids.has(id)) continue;
      this.models.delete(id);
      opening.then((model) => model.retire(), () => {});
    }
  }

  clear() {
    this.keepOnly(new Set());
  }
}
