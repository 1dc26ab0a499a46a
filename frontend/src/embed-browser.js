// The embeddable module in a browser: `load` and the <tempera-lanes> element. Everything it
// needs beside itself is in the folder it is served from (wasm/ holds TensorFlow.js's
// binaries), so a page on any origin can import it (README: "Use it in your own page").
//   import { load } from 'https://example.org/tempera/tempera.mjs';
//   const model = await load('https://example.org/tempera/models/nietzsche/');
import { folderUrl, loadAt, TemperaModel } from './embed.js';
import { defineTemperaLanes } from './tempera-lanes.js';

export { TemperaModel };

const wasmPaths = new URL('wasm/', import.meta.url).href;

// The model of the bundle at `address` (resolved against the page's address). options:
// {backend: 'webgl' | 'wasm' | 'cpu'} to force one, else the page's choice; onStatus(line).
export function load(address, { backend, onStatus } = {}) {
  return Promise.resolve().then(() => loadAt(folderUrl(address, document.baseURI), { backend, onStatus, wasmPaths }));
}

// Without a model attribute, the element shows the shipped model beside the module (build-site).
export const TemperaLanes = defineTemperaLanes(load, new URL('models/nietzsche/', import.meta.url).href);
