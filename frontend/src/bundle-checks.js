// What a bundle's files must hold, checked before any of it is used: a wrong type becomes a
// BundleError that names the file and the field, never a TypeError deep in the page.
import { Validator } from '@cfworker/json-schema';

// What tempera.json may hold: the schema the NumPy reader (tempera/bundle.py) validates against.
import META_SCHEMA from '../../tempera/tempera.schema.json' with { type: 'json' };

export const FORMAT_VERSION = META_SCHEMA.properties.format_version.const;
// Window mode re-reads maxlen characters for every character it writes.
export const MAX_MAXLEN = META_SCHEMA.properties.maxlen.maximum;
const metaValidator = new Validator(META_SCHEMA, '2020-12', false);

export class BundleError extends Error {}

// tempera.json's map of each weight shard's file name to the SHA-256 of its bytes (as
// tempera/bundle.py's DIGESTS_KEY). A bundle exported before digests existed has none and is
// loaded unchecked; one that has it must name every shard, and every shard must match.
export const DIGESTS_KEY = 'weights_sha256';

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// A JSON value for a message, cut short.
function shown(value) {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

// [where, value] of the first number in a parsed JSON document that is not finite, else null.
// JSON.parse refuses NaN but reads 1e999 as Infinity; no such number may reach a model.
export function firstNonFinite(document) {
  const pending = [['', document]];
  while (pending.length > 0) {
    const [where, value] = pending.pop();
    if (typeof value === 'number' && !Number.isFinite(value)) return [where || 'the document', value];
    let items = [];
    if (Array.isArray(value)) items = value.map((item, i) => [`${where}[${i}]`, item]);
    else if (isObject(value)) items = Object.entries(value).map(([key, item]) => [where ? `${where}.${key}` : key, item]);
    pending.push(...items.reverse());
  }
  return null;
}

function checkNumbersFinite(document, file) {
  const found = firstNonFinite(document);
  if (found) {
    throw new BundleError(`${file}: ${found[0]} is ${found[1]}; every number in a bundle must be finite`);
  }
}

// What is wrong with the vocabulary, in words, from the schema's failures: `failures` are
// [location, keyword] pairs under "vocabulary" (location [] for the list, [i] for item i).
function vocabularyProblem(vocab, failures) {
  const keywords = new Set(failures.filter(([at]) => at.length === 0).map(([, keyword]) => keyword));
  if (keywords.has('type')) return `"vocabulary" must be a list of single characters, got ${shown(vocab)}`;
  if (keywords.has('minItems')) return '"vocabulary" is empty';
  const items = failures.filter(([at]) => at.length > 0).map(([at]) => Number(at[0]));
  if (items.length > 0) {
    const index = Math.min(...items);
    return `"vocabulary" must be a list of single characters; item ${index} is ${shown(vocab[index])}`;
  }
  const first = new Map();
  for (const [index, c] of vocab.entries()) {
    if (first.has(c)) return `"vocabulary" lists ${shown(c)} twice (items ${first.get(c)} and ${index})`;
    first.set(c, index);
  }
  return '"vocabulary" is not as tempera.schema.json describes';
}

// What is wrong with a field the schema refuses, in words.
const FIELD_PROBLEMS = {
  vocabulary: vocabularyProblem,
  lowercase: (value) => `"lowercase" must be true or false, got ${shown(value)}`,
  maxlen: (value) => `"maxlen" must be a whole number from 1 to ${MAX_MAXLEN.toLocaleString('en')}, got ${shown(value)}`,
  name: (value) => `"name" must be a string, got ${shown(value)}`,
  held_out: (value) => `"held_out" must be an object whose "loss_nats_per_char" is a number, got ${shown(value)}`,
  baselines: () => '"baselines" must be an object of unigram_nats_per_char and ngram_nats_per_char ' +
    '(numbers above 0) and ngram_order (a whole number from 2 to 16)',
  [DIGESTS_KEY]: (value) => `"${DIGESTS_KEY}" must map each weight shard's file name to its SHA-256 ` +
    `(64 lowercase hex digits), got ${shown(value)}`,
};

// A JSON pointer's fragment ("#/vocabulary/5") as its keys (["vocabulary", "5"]).
function pointerKeys(location) {
  return location.split('/').slice(1).map((key) => decodeURIComponent(key).replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function checkMeta(meta) {
  if (!isObject(meta)) throw new BundleError(`tempera.json is not a JSON object (it holds ${shown(meta)})`);
  checkNumbersFinite(meta, 'tempera.json');
  if (meta.format_version !== FORMAT_VERSION) {
    throw new BundleError(
      `tempera.json has format_version ${JSON.stringify(meta.format_version)}; ` +
        `this page reads version ${FORMAT_VERSION}`,
    );
  }
  const { valid, errors } = metaValidator.validate(meta);
  if (valid) return;
  const missing = META_SCHEMA.required.find((key) => !(key in meta));
  if (missing !== undefined) throw new BundleError(`tempera.json has no "${missing}"`);
  // The first field that fails, in the schema's order, with where and how each failure is.
  const failures = errors.map((error) => [pointerKeys(error.instanceLocation), error.keyword])
    .filter(([at]) => at.length > 0);
  const field = Object.keys(META_SCHEMA.properties).find((key) => failures.some(([at]) => at[0] === key));
  if (field === undefined) throw new BundleError(`tempera.json: ${errors[0].error}`);
  const own = failures.filter(([at]) => at[0] === field).map(([at, keyword]) => [at.slice(1), keyword]);
  throw new BundleError(`tempera.json: ${FIELD_PROBLEMS[field](meta[field], own)}`);
}

// tempera.json's digests must name exactly model.json's shards: other names mean the two files
// come from different exports. `digests` undefined: a bundle from before digests, unchecked.
export function checkDigestNames(digests, manifest) {
  if (digests === undefined) return;
  const named = manifest.flatMap((group) => group.paths);
  const own = (shard) => Object.prototype.hasOwnProperty.call(digests, shard);
  const unrecorded = named.find((shard) => !own(shard));
  if (unrecorded !== undefined) {
    throw new BundleError(`tempera.json records no SHA-256 for weight shard ${unrecorded}: ` +
      'model.json and tempera.json are not of one export');
  }
  const unnamed = Object.keys(digests).find((shard) => !named.includes(shard));
  if (unnamed !== undefined) {
    throw new BundleError(`tempera.json records a SHA-256 for ${shown(unnamed)}, a shard model.json does not name: ` +
      'model.json and tempera.json are not of one export');
  }
}

// A shard whose bytes are not the ones exported with the bundle: another export's (same size,
// and the text would be fluent nonsense) or damaged ones.
export function checkShardDigest(shard, actual, recorded) {
  if (actual !== recorded) {
    throw new BundleError(`weight shard ${shard} is not the one this bundle was exported with: its SHA-256 is ` +
      `${actual.slice(0, 12)}…, tempera.json records ${recorded.slice(0, 12)}… (a shard of another export, or a damaged one)`);
  }
}

// A shard is fetched from the bundle's own folder: a plain file name, nothing that climbs out.
function isFileName(path) {
  return typeof path === 'string' && path !== '' && path !== '.' && path !== '..' && !/[/\\]/.test(path);
}

function checkWeightEntry(entry, where) {
  if (!isObject(entry)) throw new BundleError(`model.json: ${where} must be an object, got ${shown(entry)}`);
  if (typeof entry.name !== 'string' || entry.name === '') {
    throw new BundleError(`model.json: ${where}.name must be a weight's name, got ${shown(entry.name)}`);
  }
  const weight = `weight ${shown(entry.name)}`;
  const { shape, dtype, quantization } = entry;
  if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new BundleError(`model.json: ${weight} has shape ${shown(shape)}; ` +
      'a shape must be a list of whole numbers of 0 or more');
  }
  // The page reads the shards itself to check their length and values: float32 as it is, or
  // the converter's uint8, uint16 or float16 quantization, which TensorFlow.js decodes.
  if (dtype !== 'float32') {
    throw new BundleError(`model.json: ${weight} has dtype ${shown(dtype)}; this page reads float32 weights only`);
  }
  if (quantization !== undefined) checkQuantization(quantization, weight);
}

// Bytes a stored value takes: 4 for float32, or its quantization's.
export const QUANTIZED_SIZES = Object.freeze({ uint8: 1, uint16: 2, float16: 2 });

function checkQuantization(quantization, weight) {
  // Own keys only, of a string: `in` would take "constructor" or ["uint8"] too.
  const known = isObject(quantization) && typeof quantization.dtype === 'string' &&
    Object.prototype.hasOwnProperty.call(QUANTIZED_SIZES, quantization.dtype);
  if (!known) {
    throw new BundleError(`model.json: ${weight} is quantized as ${shown(quantization?.dtype ?? quantization)}; ` +
      `this page reads ${Object.keys(QUANTIZED_SIZES).join(', ')} quantization`);
  }
  if (quantization.dtype === 'float16') return;
  for (const key of ['min', 'scale']) {
    if (!Number.isFinite(quantization[key])) {
      throw new BundleError(`model.json: ${weight} is quantized as ${quantization.dtype} without a finite "${key}"`);
    }
  }
}

export function storedBytes({ shape, quantization }) {
  return elementCount(shape) * (quantization ? QUANTIZED_SIZES[quantization.dtype] : 4);
}

export function checkModelJson(modelJson) {
  if (!isObject(modelJson)) throw new BundleError(`model.json is not a JSON object (it holds ${shown(modelJson)})`);
  checkNumbersFinite(modelJson, 'model.json');
  if (modelJson.format !== 'layers-model' || !isObject(modelJson.modelTopology) || !('weightsManifest' in modelJson)) {
    throw new BundleError('model.json is not a TensorFlow.js layers-model');
  }
  const manifest = modelJson.weightsManifest;
  if (!Array.isArray(manifest)) {
    throw new BundleError(`model.json: "weightsManifest" must be a list of weight groups, got ${shown(manifest)}`);
  }
  manifest.forEach((group, g) => {
    const where = `weightsManifest[${g}]`;
    if (!isObject(group)) throw new BundleError(`model.json: ${where} must be an object, got ${shown(group)}`);
    if (!Array.isArray(group.paths) || group.paths.length === 0) {
      throw new BundleError(`model.json: ${where}.paths must be a list of shard file names, got ${shown(group.paths)}`);
    }
    group.paths.forEach((path, i) => {
      if (!isFileName(path)) {
        throw new BundleError(`model.json: ${where}.paths[${i}] is ${shown(path)}, not a file name in the bundle's folder`);
      }
    });
    if (!Array.isArray(group.weights)) {
      throw new BundleError(`model.json: ${where}.weights must be a list, got ${shown(group.weights)}`);
    }
    group.weights.forEach((entry, i) => checkWeightEntry(entry, `${where}.weights[${i}]`));
  });
}

export function elementCount(shape) {
  return shape.reduce((a, b) => a * b, 1);
}

// NaN or ±Infinity in a weight makes every probability NaN, and the draw then writes the last
// character of the vocabulary forever ("\n\n\n…"): name the weight instead. `bytes` holds the
// group's weights one after another, as stored. A uint8 or uint16 weight decodes as
// q * scale + min rounded to float32 (as TensorFlow.js decodes it), which overflows to
// ±Infinity when scale or min is beyond float32's range, finite as both are; a float16 one is
// not finite when its exponent bits are all ones.
// `count` values of a typed array at `offset` in `bytes`; copied where the offset is not a
// multiple of their size (a typed array cannot start there): after a uint8 weight of an odd
// length, as a converter's mixed quantisation stores it, the next one can start anywhere.
function valuesAt(Type, bytes, offset, count) {
  const start = bytes.byteOffset + offset;
  if (start % Type.BYTES_PER_ELEMENT === 0) return new Type(bytes.buffer, start, count);
  return new Type(bytes.slice(offset, offset + count * Type.BYTES_PER_ELEMENT).buffer);
}

export function checkFinite(weights, bytes, shards) {
  let offset = 0;
  for (const entry of weights) {
    const count = elementCount(entry.shape);
    const kind = entry.quantization?.dtype ?? 'float32';
    let bad = -1;
    let value;
    if (kind === 'float32') {
      const values = valuesAt(Float32Array, bytes, offset, count);
      bad = values.findIndex((v) => !Number.isFinite(v));
      value = values[bad];
    } else if (kind === 'float16') {
      const halves = valuesAt(Uint16Array, bytes, offset, count);
      bad = halves.findIndex((half) => (half & 0x7c00) === 0x7c00);
      const half = halves[bad];
      value = half & 0x3ff ? NaN : (half & 0x8000 ? -Infinity : Infinity);
    } else {
      const { scale, min } = entry.quantization;
      const codes = valuesAt(kind === 'uint8' ? Uint8Array : Uint16Array, bytes, offset, count);
      bad = codes.findIndex((q) => !Number.isFinite(Math.fround(q * scale + min)));
      value = Math.fround(codes[bad] * scale + min);
    }
    if (bad >= 0) {
      throw new BundleError(`weight ${shown(entry.name)} in ${shards.join(', ')} holds ${value} ` +
        `(value ${(bad + 1).toLocaleString('en')} of ${count.toLocaleString('en')}): weights must be finite numbers`);
    }
    offset += storedBytes(entry);
  }
}

// The layers the page's LSTM step knows: LSTM layers, then one softmax Dense layer. Anything
// else (a GRU, a second Dense) would be skipped and the text would be nonsense.
export function checkLayers(model) {
  const kinds = model.layers.map((layer) => layer.getClassName());
  const other = kinds.find((kind) => !['InputLayer', 'LSTM', 'Dense'].includes(kind));
  if (other) throw new BundleError(`model.json has a ${other} layer; tempera models are LSTM layers and a Dense layer`);
  if (!kinds.includes('LSTM')) throw new BundleError('model.json has no LSTM layer');
  const dense = model.layers.filter((layer) => layer.getClassName() === 'Dense');
  if (dense.length !== 1 || kinds[kinds.length - 1] !== 'Dense') {
    throw new BundleError('model.json must have exactly one Dense layer, the last one');
  }
  const activation = dense[0].getConfig().activation;
  if (activation !== 'softmax') {
    throw new BundleError(`model.json: the Dense output layer has activation ${shown(activation)}; it must be softmax`);
  }
}
