// TensorFlow.js's own decoding of quantised weights under Node, for tests/test_quantize.py,
// which sends on stdin:
//   {bundles: [folder, ...], synthetic: [{spec, bytes (base64)}, ...], backends: ['cpu', ...]}
// and reads back, as JSON on the last line of stdout:
//   {bundles: [{folder,
//               decoded: {name: base64 float32},      tf.io.decodeWeights on the shards and
//                                                     model.json's weight specs
//               loaded: {backend: {name: base64}},    the page's loader (frontend/src/bundle.js)
//                                                     then model.weights, per backend
//               leaked: {backend: tensors left after dispose}}],
//    synthetic: [base64 float32, ...]}                tf.io.decodeWeights of each spec
// Every array goes back as its float32 bytes, so the comparison can be bit for bit.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { loadBundleFolder, readInput, useBackend } from '../harness/node-tfjs.mjs';

function base64(values) {
  if (!(values instanceof Float32Array)) throw new Error(`expected float32 values, got ${values.constructor.name}`);
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

async function decodedByTfjs(folder) {
  const modelJson = JSON.parse(await readFile(path.join(folder, 'model.json'), 'utf8'));
  const decoded = {};
  for (const group of modelJson.weightsManifest) {
    const shards = [];
    for (const shard of group.paths) shards.push(await readFile(path.join(folder, shard)));
    const joined = Buffer.concat(shards);
    const buffer = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
    const tensors = tf.io.decodeWeights(buffer, group.weights);
    for (const [name, tensor] of Object.entries(tensors)) {
      decoded[name] = base64(tensor.dataSync());
      tensor.dispose();
    }
  }
  return decoded;
}

async function loadedByThePage(folder, backend) {
  await useBackend(backend);
  const before = tf.memory().numTensors;
  const { model } = await loadBundleFolder(folder);
  const weights = {};
  for (const variable of model.weights) weights[variable.originalName] = base64(variable.read().dataSync());
  model.dispose();
  return { weights, leaked: tf.memory().numTensors - before };
}

const input = await readInput();
const out = { bundles: [], synthetic: [] };
await useBackend('cpu');
for (const { spec, bytes } of input.synthetic) {
  const data = Buffer.from(bytes, 'base64');
  const tensors = tf.io.decodeWeights(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength), [spec]);
  out.synthetic.push(base64(tensors[spec.name].dataSync()));
  tensors[spec.name].dispose();
}
for (const folder of input.bundles) {
  await useBackend('cpu');
  const result = { folder, decoded: await decodedByTfjs(folder), loaded: {}, leaked: {} };
  for (const backend of input.backends) {
    const { weights, leaked } = await loadedByThePage(folder, backend);
    result.loaded[backend] = weights;
    result.leaked[backend] = leaked;
  }
  out.bundles.push(result);
}
console.log(JSON.stringify(out));
