// Choosing the TensorFlow.js backend: the fastest one this machine really has, by measuring it
// where there is a choice (backend-measure.js), by a rule where there is none.
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export const BACKENDS = ['webgl', 'wasm', 'cpu'];
// ?backend=measure: measure every backend that starts, software-rendered WebGL and the CPU
// backend too, and keep the fastest (a fresh measurement; the remembered one is replaced).
export const MEASURE_ALL = 'measure';

// The WebGL renderer's name, or null where WebGL is missing.
export function webglRenderer() {
  try {
    const gl = document.createElement('canvas').getContext('webgl2') ??
      document.createElement('canvas').getContext('webgl');
    if (!gl) return null;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  } catch {
    return null;
  }
}

function isSoftwareRenderer(renderer) {
  return /swiftshader|llvmpipe|softpipe|software|microsoft basic render/i.test(renderer);
}

const START_MS = 20000; // a backend that has not started by then counts as failed

export async function started(name) {
  let timer;
  try {
    const late = new Promise((resolve) => {
      timer = setTimeout(() => resolve(false), START_MS);
    });
    return await Promise.race([tf.setBackend(name), late]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

// Isolated, TensorFlow.js loads its threaded WASM build, whose pool of worker threads is sized
// at start-up from navigator.hardwareConcurrency / 2 (it assumes two logical cores per physical
// one) and which then uses at most that many: a 2-core machine would get one thread, no more
// than without threads. The page asks for one thread per logical core, up to 4 as TensorFlow.js
// allows, by reporting twice the count to that sizing.
function useEveryCore() {
  const cores = navigator.hardwareConcurrency || 1;
  const threads = Math.min(4, cores);
  try {
    Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  } catch {
    // a browser that will not redefine it keeps TensorFlow.js's own count
  }
  setThreadsCount(threads);
}

// How many threads the WASM backend computes with: more than 1 only where the page is
// cross-origin isolated (tempera serve's headers), which TensorFlow.js's threaded build needs.
export function wasmThreads() {
  try {
    return tf.getBackend() === 'wasm' ? getThreadsCount() : null;
  } catch {
    return null;
  }
}

// The backends worth measuring here, fastest-looking first, and why the others are not:
// software-rendered WebGL is the CPU emulating a GPU (on this kind of machine its shaders alone
// take over a second to compile), and the CPU backend is plain JavaScript, slower than WASM
// wherever WASM starts. With `all`, every backend is measured.
export function candidates(all = false) {
  const renderer = webglRenderer();
  if (all) return { names: BACKENDS, left: [] };
  if (renderer === null) return { names: ['wasm'], left: ['webgl: not available'], fallback: ['cpu'] };
  if (isSoftwareRenderer(renderer)) {
    return { names: ['wasm'], left: [`webgl: software-rendered (${renderer})`], fallback: ['webgl', 'cpu'] };
  }
  return { names: ['webgl', 'wasm'], left: [], fallback: ['cpu'], renderer };
}

// Returns {name, reason, note} for the page to start on: the backend forced by `requested`
// (?backend=) where it starts; else the first candidate that starts. The measurement, when
// there is a choice, comes once a model is loaded (page.js).
export async function chooseBackend(requested) {
  setWasmPaths(new URL('wasm/', window.location.href).href);
  if (globalThis.crossOriginIsolated) useEveryCore();
  if (requested && requested !== MEASURE_ALL && (await started(requested))) {
    return { name: requested, reason: 'chosen in the URL (?backend=)', note: '', forced: true };
  }
  const note = requested && requested !== MEASURE_ALL
    ? `backend "${requested}" in the URL could not start here; choosing one automatically` : '';
  const { names, fallback = [] } = candidates(requested === MEASURE_ALL);
  const failed = [];
  for (const name of [...names, ...fallback]) {
    if (await started(name)) {
      return { name, reason: failed.length ? `${failed.join(', ')} failed to start` : '', note, forced: false };
    }
    failed.push(name);
  }
  throw new Error('no TensorFlow.js backend could start');
}

// Calls lost(error) if the WebGL backend's context is lost (the GPU was reset or is busy);
// the other backends cannot be lost.
export function onBackendLost(lost) {
  const canvas = tf.backend()?.gpgpu?.gl?.canvas;
  if (!canvas) return;
  canvas.addEventListener('webglcontextlost', () => {
    lost(new Error('The WebGL context was lost (the GPU was reset or is busy). ' +
      'Reload the page, or add ?backend=wasm to the address.'));
  });
}
