// Loading a bundle (tempera.json + the tfjs layers-model) with errors that name the file.
import * as tf from '@tensorflow/tfjs';

import { Vocabulary } from './vocab.js';

export const FORMAT_VERSION = 1;

export class BundleError extends Error {}

async function fetchJson(url, name) {
  let response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new BundleError(`${name} could not be fetched (${error.message})`);
  }
  if (!response.ok) throw new BundleError(`${name} is missing (HTTP ${response.status} for ${url})`);
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BundleError(`${name} is not valid JSON (${error.message})`);
  }
}

function checkMeta(meta) {
  if (meta.format_version !== FORMAT_VERSION) {
    throw new BundleError(
      `tempera.json has format_version ${JSON.stringify(meta.format_version)}; ` +
        `this page reads version ${FORMAT_VERSION}`,
    );
  }
  for (const key of ['vocabulary', 'lowercase', 'maxlen']) {
    if (!(key in meta)) throw new BundleError(`tempera.json has no "${key}"`);
  }
  const vocab = meta.vocabulary;
  if (!Array.isArray(vocab) || !vocab.every((c) => typeof c === 'string' && Array.from(c).length === 1)) {
    throw new BundleError('tempera.json: "vocabulary" must be a list of single characters');
  }
}

// Every shard must be exactly as long as the manifest says; tfjs alone would read garbage.
async function checkedWeights(baseUrl, manifest) {
  const specs = [];
  const buffers = [];
  for (const group of manifest) {
    const parts = [];
    for (const path of group.paths) {
      let response;
      try {
        response = await fetch(baseUrl + path);
      } catch (error) {
        throw new BundleError(`weight shard ${path} could not be fetched (${error.message})`);
      }
      if (!response.ok) throw new BundleError(`weight shard ${path} is missing (HTTP ${response.status})`);
      parts.push(new Uint8Array(await response.arrayBuffer()));
    }
    const expected = group.weights.reduce((sum, w) => sum + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
    const actual = parts.reduce((sum, p) => sum + p.length, 0);
    if (actual !== expected) {
      throw new BundleError(
        `weight shard ${group.paths.join(', ')} is ${actual < expected ? 'truncated' : 'too long'}: ` +
          `${actual} bytes, model.json describes ${expected}`,
      );
    }
    const joined = new Uint8Array(actual);
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.length;
    }
    specs.push(...group.weights);
    buffers.push(joined);
  }
  const total = buffers.reduce((sum, b) => sum + b.length, 0);
  const data = new Uint8Array(total);
  let offset = 0;
  for (const buffer of buffers) {
    data.set(buffer, offset);
    offset += buffer.length;
  }
  return { specs, data: data.buffer };
}

// baseUrl ends with '/'; returns {meta, vocab, model (tf.LayersModel)}.
export async function loadBundle(baseUrl) {
  const meta = await fetchJson(baseUrl + 'tempera.json', 'tempera.json');
  checkMeta(meta);
  const modelJson = await fetchJson(baseUrl + 'model.json', 'model.json');
  if (modelJson.format !== 'layers-model' || !modelJson.modelTopology || !modelJson.weightsManifest) {
    throw new BundleError('model.json is not a TensorFlow.js layers-model');
  }
  const { specs, data } = await checkedWeights(baseUrl, modelJson.weightsManifest);
  let model;
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData: data }),
    );
  } catch (error) {
    throw new BundleError(`model.json could not be loaded by TensorFlow.js: ${error.message}`);
  }
  const vocab = new Vocabulary(meta.vocabulary, meta.lowercase);
  const outputs = model.outputs[0].shape[model.outputs[0].shape.length - 1];
  if (outputs !== vocab.size) {
    model.dispose();
    throw new BundleError(`tempera.json lists ${vocab.size} characters, model.json's output has ${outputs}`);
  }
  return { meta, vocab, model };
}
