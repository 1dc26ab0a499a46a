// The page's look inside the model (frontend/src/inside-model.js) under Node, on the CPU and
// WASM backends, with the page's bundle loader: what window.tempera.activations / saliency give,
// for the runs tests/test_js_inside_model.py sends as JSON on stdin:
//   {runs: [{bundle, backend, text, modes: [...], saliency: [{position, context, mode}],
//            refusals: [{call: 'activations' | 'saliency', args: [...], abort}], module}]}
// (abort: the call's AbortSignal aborts as soon as the call has begun; module: the path of the
// built embeddable module, whose model.activations / saliency then answer instead).
// Prints [{activations: {mode: dict}, saliency: [dict], refusals: [message], leaked}] as JSON:
// leaked counts the tensors left behind, refusals included.
import * as tf from '@tensorflow/tfjs';

import { activations, saliency } from '../frontend/src/inside-model.js';
import { LoadedModel } from '../frontend/src/loaded-model.js';
import { Generator } from '../frontend/src/generator.js';
import { chooseStep } from '../frontend/src/steps/index.js';
import { loadBundleFolder, readInput, useBackend } from '../harness/node-tfjs.mjs';

// {calls: {activations, saliency} taking a session first, as inside-model.js's, finish}.
async function opened(run) {
  if (run.module) {
    const { load } = await import(run.module);
    const model = await load(run.bundle, { backend: run.backend });
    const calls = {
      activations: (session, ...args) => model.activations(...args),
      saliency: (session, ...args) => model.saliency(...args),
    };
    return { calls, session: null, finish: () => model.dispose() };
  }
  await useBackend(run.backend);
  const bundle = await loadBundleFolder(run.bundle);
  const { step, lookahead } = chooseStep(bundle.model, { backend: run.backend });
  const generator = new Generator(step, bundle.vocab, bundle.meta.maxlen, { lookahead });
  const loaded = new LoadedModel({ id: run.bundle }, bundle, step, generator);
  return { calls: { activations, saliency }, session: { model: loaded, failure: new AbortController() },
    finish: () => loaded.retire() };
}

const input = await readInput();
const out = [];
for (const run of input.runs) {
  const { calls, session, finish } = await opened(run);
  const before = tf.memory().numTensors;
  const result = { activations: {}, saliency: [], refusals: [] };
  for (const mode of run.modes) result.activations[mode] = await calls.activations(session, run.text, mode);
  for (const { position, ...options } of run.saliency) {
    result.saliency.push(await calls.saliency(session, run.text, position, options));
  }
  for (const { call, args, abort } of run.refusals ?? []) {
    const controller = new AbortController();
    const last = args.length - 1;
    const withSignal = abort ? [...args.slice(0, last), { ...args[last], signal: controller.signal }] : args;
    try {
      const working = calls[call](session, ...withSignal);
      if (abort) controller.abort(new Error('stopped by the caller'));
      await working;
      result.refusals.push(null);
    } catch (error) {
      result.refusals.push(error.message);
    }
  }
  result.leaked = tf.memory().numTensors - before;
  finish();
  out.push(result);
}
// The turns for the page are MessageChannel messages: leave once written.
process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(0));
