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

// WASM computes on one thread unless the address asks for more (?threads=N, on a cross-origin
// isolated page). TensorFlow.js's threaded build waits for its worker threads by spinning, so
// as soon as another process keeps a core busy each step waits on a worker the system has not
// scheduled, and the page runs many times slower than on one thread (BENCHMARKS.md, "WASM
// threads on a busy machine").
export const MAX_THREADS = 4; // the most the page asks TensorFlow.js for

const shown = (value) => JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value);

// {threads, note} from ?threads= (its value, or null when absent): a whole number from 1 to
// MAX_THREADS, more than 1 only where `isolated`; anything else is one thread, with a note.
export function threadsFromAddress(value, isolated) {
  if (value === null) return { threads: 1, note: '' };
  const threads = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!(threads >= 1 && threads <= MAX_THREADS)) {
    return { threads: 1, note: `threads ${shown(value)} in the URL is not a whole number from 1 to ${MAX_THREADS}; using one thread` };
  }
  if (threads > 1 && !isolated) {
    return { threads: 1, note: `threads=${threads} in the URL needs a cross-origin isolated page ` +
      '(tempera serve, or a host that sends the isolation headers); using one thread' };
  }
  return { threads, note: '' };
}

// One thread: TensorFlow.js's single-threaded SIMD build, the very one a page without the
// isolation headers runs. More: its threaded build, whose pool TensorFlow.js sizes at start-up
// from navigator.hardwareConcurrency / 2 (it assumes two logical cores per physical one) and
// never exceeds, so the page reports twice the count asked for to that sizing.
function configureWasm(threads) {
  if (threads === 1) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return;
  }
  try {
    Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  } catch {
    // a browser that will not redefine it keeps TensorFlow.js's own count
  }
  setThreadsCount(threads);
}

// The threads WASM was set up with (1 until chooseBackend has run).
let wasmThreadsWanted = 1;
export function wasmThreadsSetting() {
  return wasmThreadsWanted;
}

// How many threads the WASM backend computes with, as TensorFlow.js reports it: 1 unless
// ?threads= asked for more on a cross-origin isolated page.
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
// there is a choice, comes once a model is loaded (page.js). WASM gets the threads `search`'s
// ?threads= asks for (one by default), and its binaries from `wasmPaths` (a folder's URL).
export async function chooseBackend(requested, search = window.location.search,
  wasmPaths = new URL('wasm/', window.location.href).href) {
  setWasmPaths(wasmPaths);
  const wanted = threadsFromAddress(new URLSearchParams(search).get('threads'), Boolean(globalThis.crossOriginIsolated));
  wasmThreadsWanted = wanted.threads;
  configureWasm(wanted.threads);
  if (requested && requested !== MEASURE_ALL && (await started(requested))) {
    return { name: requested, reason: 'chosen in the URL (?backend=)', note: wanted.note, forced: true };
  }
  const note = [wanted.note, requested && requested !== MEASURE_ALL
    ? `backend "${requested}" in the URL could not start here; choosing one automatically` : ''].filter(Boolean).join('; ');
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
