// Choosing the TensorFlow.js backend: the fastest one this machine really has.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export const BACKENDS = ['webgl', 'wasm', 'cpu'];

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

// Returns {name, reason}. `requested` (from ?backend=) forces one backend.
export async function chooseBackend(requested) {
  setWasmPaths(new URL('wasm/', window.location.href).href);
  if (requested) {
    if (!BACKENDS.includes(requested)) {
      throw new Error(`unknown backend "${requested}": use one of ${BACKENDS.join(', ')}`);
    }
    if (!(await tf.setBackend(requested))) throw new Error(`the ${requested} backend is not available here`);
    return { name: requested, reason: 'chosen in the URL (?backend=)' };
  }
  const renderer = webglRenderer();
  let order;
  let reason;
  if (renderer === null) {
    order = ['wasm', 'cpu'];
    reason = 'WebGL is not available';
  } else if (isSoftwareRenderer(renderer)) {
    order = ['wasm', 'webgl', 'cpu'];
    reason = `WebGL is software-rendered (${renderer})`;
  } else {
    order = ['webgl', 'wasm', 'cpu'];
    reason = `GPU: ${renderer}`;
  }
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) return { name, reason };
    } catch {
      // try the next one
    }
    reason += `; ${name} failed to start`;
  }
  throw new Error('no TensorFlow.js backend could start');
}
