// The URL holds a run: seed text, temperatures, length, rng seed, mode, model (and backend).

export const DEFAULTS = {
  seed: 'the meaning of life is',
  temperatures: [0.2, 0.5, 1.0, 1.2],
  length: 400,
  mode: 'stateful',
};

export function readUrl(location = window.location) {
  const params = new URLSearchParams(location.search);
  const temperatures = params.get('t');
  return {
    seed: params.get('seed') ?? DEFAULTS.seed,
    temperatures: temperatures ? temperatures.split(',') : DEFAULTS.temperatures.map(String),
    length: params.get('len') ?? String(DEFAULTS.length),
    rngSeed: params.get('rng'),
    mode: params.get('mode') ?? DEFAULTS.mode,
    model: params.get('model'),
    backend: params.get('backend'),
  };
}

export function writeUrl(run) {
  const params = new URLSearchParams(window.location.search);
  params.set('seed', run.seed);
  params.set('t', run.temperatures.join(','));
  params.set('len', String(run.length));
  params.set('rng', String(run.rngSeed));
  params.set('mode', run.mode);
  if (run.model) params.set('model', run.model);
  window.history.replaceState(null, '', `?${params}`);
}
