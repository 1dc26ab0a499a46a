// Loading a bundle (tempera.json + the tfjs layers-model) with errors that name the file.
import * as tf from '@tensorflow/tfjs';

import {
  BundleError, DIGESTS_KEY, checkDigestNames, checkFinite, checkLayers, checkMeta, checkModelJson, checkShardDigest,
  storedBytes,
} from './bundle-checks.js';
import { sha256Hex } from './sha256.js';
import { Vocabulary } from './vocab.js';

export { BundleError, FORMAT_VERSION } from './bundle-checks.js';

async function fetchJson(fetchFile, url, name) {
  let response;
  try {
    response = await fetchFile(url);
  } catch (error) {
    throw new BundleError(`${name} could not be fetched (${error.message})`);
  }
  if (!response.ok) throw new BundleError(`${name} is missing (HTTP ${response.status} for ${url})`);
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch (error) {
    // Python's json writes NaN and Infinity, which JSON has not: say so rather than "Unexpected token".
    const number = /(?:^|[\s:,[])(-?Infinity|NaN)(?=[\s,\]}]|$)/.exec(text);
    if (number) throw new BundleError(`${name} holds ${number[1]}, which is not JSON: every number in a bundle must be finite`);
    throw new BundleError(`${name} is not valid JSON (${error.message})`);
  }
}

async function fetchShard(fetchFile, baseUrl, path) {
  let response;
  try {
    response = await fetchFile(baseUrl + encodeURIComponent(path));
  } catch (error) {
    throw new BundleError(`weight shard ${path} could not be fetched (${error.message})`);
  }
  if (!response.ok) throw new BundleError(`weight shard ${path} is missing (HTTP ${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

function concatenate(parts) {
  const joined = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

// Every shard must be exactly as long as the manifest says, every weight finite, and every
// shard the one tempera.json's digests name (where it has them); tfjs alone would read
// garbage. The manifest's types are checked (checkModelJson) before this.
async function checkedWeights(fetchFile, baseUrl, manifest, digests) {
  checkDigestNames(digests, manifest);
  const specs = [];
  const buffers = [];
  for (const group of manifest) {
    const parts = [];
    for (const path of group.paths) parts.push(await fetchShard(fetchFile, baseUrl, path));
    const expected = group.weights.reduce((sum, w) => sum + storedBytes(w), 0);
    const joined = concatenate(parts);
    if (joined.length !== expected) {
      throw new BundleError(
        `weight shard ${group.paths.join(', ')} is ${joined.length < expected ? 'truncated' : 'too long'}: ` +
          `${joined.length} bytes, model.json describes ${expected}`,
      );
    }
    checkFinite(group.weights, joined, group.paths);
    if (digests !== undefined) {
      for (const [i, path] of group.paths.entries()) checkShardDigest(path, await sha256Hex(parts[i]), digests[path]);
    }
    specs.push(...group.weights);
    buffers.push(joined);
  }
  return { specs, data: concatenate(buffers).buffer };
}

// baseUrl ends with '/'; returns {meta, vocab, model (tf.LayersModel)}. fetchFile is fetch, or
// what answers like it elsewhere (harness/node-tfjs.mjs reads the files from disk under Node).
export async function loadBundle(baseUrl, fetchFile = (url) => fetch(url)) {
  const meta = await fetchJson(fetchFile, baseUrl + 'tempera.json', 'tempera.json');
  checkMeta(meta);
  const modelJson = await fetchJson(fetchFile, baseUrl + 'model.json', 'model.json');
  checkModelJson(modelJson);
  const { specs, data } = await checkedWeights(fetchFile, baseUrl, modelJson.weightsManifest, meta[DIGESTS_KEY]);
  let model;
  try {
    model = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData: data }),
    );
  } catch (error) {
    throw new BundleError(`model.json could not be loaded by TensorFlow.js: ${error.message}`);
  }
  try {
    checkLayers(model);
    const vocab = new Vocabulary(meta.vocabulary, meta.lowercase);
    const outputs = model.outputs[0].shape[model.outputs[0].shape.length - 1];
    if (outputs !== vocab.size) {
      throw new BundleError(`tempera.json lists ${vocab.size} characters, model.json's output has ${outputs}`);
    }
    return { meta, vocab, model };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
