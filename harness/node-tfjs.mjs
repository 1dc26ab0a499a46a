// The page's TensorFlow.js under Node, for the tests and the benchmarks alike: the WASM and CPU
// backends (the WASM binaries from node_modules), and bundles read from disk through the page's
// own checked loader, frontend/src/bundle.js.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

import { loadBundle } from '../frontend/src/bundle.js';

export const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const SHIPPED_BUNDLE = path.join(ROOT, 'models', 'nietzsche');

setWasmPaths(path.join(ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + path.sep);

export async function useBackend(name) {
  if (!(await tf.setBackend(name))) throw new Error(`the ${name} backend did not start`);
}

// What fetch would answer for a file:// URL, as far as loadBundle asks.
async function fetchFromDisk(url) {
  try {
    return new Response(await readFile(fileURLToPath(url)));
  } catch (error) {
    if (error.code === 'ENOENT') return new Response(null, { status: 404 });
    throw error;
  }
}

// {meta, vocab, model} of the bundle in `folder`, checked as the page checks it.
export function loadBundleFolder(folder = SHIPPED_BUNDLE) {
  return loadBundle(pathToFileURL(folder).href + '/', fetchFromDisk);
}

// All of stdin, as JSON: what the Python side asks a script to run.
export async function readInput() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}
