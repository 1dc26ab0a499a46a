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

async function started(name) {
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

// Returns {name, reason, note}. `requested` (from ?backend=) forces one backend where it
// starts; where it does not, the choice is automatic and `note` says so.
export async function chooseBackend(requested) {
  setWasmPaths(new URL('wasm/', window.location.href).href);
  if (requested && (await started(requested))) {
    return { name: requested, reason: 'chosen in the URL (?backend=)', note: '' };
  }
  const note = requested ? `backend "${requested}" in the URL could not start here; choosing one automatically` : '';
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
    if (name !== requested && (await started(name))) return { name, reason, note };
    reason += `; ${name} failed to start`;
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
