// The page's bundle loader under Node on each folder given on stdin: what it says of a broken
// bundle. Prints [{loaded, error}] as JSON, one per folder: loaded is true when the bundle
// loads; error is the message, after 'BundleError: ' for the loader's own errors.
import * as tf from '@tensorflow/tfjs';

import { BundleError } from '../frontend/src/bundle.js';
import { loadBundleFolder, readInput, useBackend } from '../harness/node-tfjs.mjs';

await useBackend('cpu');
const results = [];
for (const folder of await readInput()) {
  try {
    const { model } = await loadBundleFolder(folder);
    model.dispose();
    results.push({ loaded: true, error: null });
  } catch (error) {
    results.push({ loaded: false, error: `${error instanceof BundleError ? 'BundleError' : error.name}: ${error.message}` });
  }
}
console.log(JSON.stringify(results));
console.error(`tensors left: ${tf.memory().numTensors}`);
