// The embeddable module under Node: bundles from a folder path, a file: URL or http(s), on the
// WASM backend (TensorFlow.js's binaries from the installed @tensorflow/tfjs-backend-wasm), or
// the CPU backend where WASM cannot start or is not wanted.
//   import { load } from 'tempera';
//   const model = await load('nietzsche', { backend: 'wasm' }); // or a bundle folder's path
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { folderUrl, loadAt, TemperaModel } from './embed.js';

export { TemperaModel };

const wasmFolder = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm')) + sep;

// What fetch answers for a file: URL, as far as the bundle loader asks; fetch for the rest.
async function fetchFile(url) {
  if (!url.startsWith('file:')) return fetch(url);
  try {
    return new Response(await readFile(fileURLToPath(url)));
  } catch (error) {
    if (error.code === 'ENOENT') return new Response(null, { status: 404 });
    throw error;
  }
}

// The shipped models, in the package beside this file's folder (frontend/dist/).
const shippedModels = new URL('../../models/', import.meta.url);

// A URL with a scheme is taken as it is; a name that is no folder here but a shipped model's
// (`nietzsche`) is that model; anything else is a folder path.
function bundleAddress(address) {
  if (typeof address !== 'string' || address === '') return folderUrl(address);
  if (/^[a-z][a-z0-9+.-]+:/i.test(address)) return folderUrl(address);
  const shipped = new URL(`${encodeURIComponent(address)}/`, shippedModels);
  if (/^[\w.-]+$/.test(address) && !existsSync(resolve(address)) && existsSync(fileURLToPath(shipped))) return shipped.href;
  return folderUrl(pathToFileURL(resolve(address)).href);
}

// The model of the bundle at `address` (a folder, a URL, or a shipped model's name); options:
// {backend: 'wasm' | 'cpu'} to force one.
export function load(address, { backend } = {}) {
  return Promise.resolve().then(() => loadAt(bundleAddress(address), { backend, wasmPaths: wasmFolder, fetchFile }));
}
