// The LSTM step on the WASM and CPU backends, where reading a tensor is a memory copy. All
// four gates come from one product: the previous h and this step's input side by side
// ([h | one-hot id] for the first layer) times the stacked kernels, plus bias, through a
// sigmoid; the cell-gate columns are doubled beforehand so that 2·sigmoid(2x) − 1 = tanh(x)
// comes out of the same pass. What is left, c and h, is one short JavaScript loop.
// On WASM the product is one fused matMul (XNNPACK): three tensor ops a layer instead of about
// fifteen, each with a fixed cost of microseconds. The one-hot rows add the vocabulary's worth
// of multiply-adds (22 % for the shipped model), less than the lookup, upload and add they
// replace. On the CPU backend, whose matMul is general JavaScript, plain loops that skip the
// zeros do it about three times faster.
import * as tf from '@tensorflow/tfjs';

// tanh from one exp, which V8 computes faster than Math.tanh; exp never overflows here.
function tanh(x) {
  const e = Math.exp(-2 * Math.abs(x));
  const magnitude = (1 - e) / (1 + e);
  return x < 0 ? -magnitude : magnitude;
}

// A tensor's values, without a copy on WASM: a view into the module's memory, which the next
// tensor op may move, so it must be used at once. Elsewhere dataSync.
export function peekValues(tensor) {
  const backend = tf.backend();
  return typeof backend.typedArrayFromHeap === 'function' ? backend.typedArrayFromHeap(tensor) : tensor.dataSync();
}

// Doubles the cell-gate quarter (Keras order i, f, c, o) of the last axis.
function doubleCellGate(weights, units) {
  const scale = tf.concat([tf.ones([2 * units]), tf.fill([units], 2), tf.ones([units])]);
  return tf.mul(weights, scale);
}

// The layer's weights stacked for lstmStep: [recurrent; input] kernels and the bias, as
// tensors for the fused matMul, or with `inJavaScript` as values for gatesInJavaScript.
// `depth` is the stacked kernel's row count: units + the input's width.
export function stackWeights({ kernel, recurrentKernel, bias, units }, { inJavaScript = false } = {}) {
  const stacked = tf.tidy(() => ({
    kernel: doubleCellGate(tf.concat([recurrentKernel, kernel], 0), units),
    bias: doubleCellGate(bias, units),
  }));
  const depth = stacked.kernel.shape[0];
  if (!inJavaScript) return { ...stacked, depth };
  const values = { kernel: stacked.kernel.dataSync(), bias: stacked.bias.dataSync() };
  tf.dispose(stacked);
  return { values, depth };
}

// Frees what stackWeights made.
export function disposeStacked(stacked) {
  tf.dispose([stacked.kernel, stacked.bias].filter(Boolean));
}

function sigmoid(x) {
  return 1 / (1 + Math.exp(-x));
}

// The gates as plain loops, for the CPU backend: its matMul is JavaScript too, but general,
// and it multiplies by every zero of the one-hot rows.
function gatesInJavaScript(rows, batch, { kernel, bias }) {
  const width = bias.length;
  const depth = rows.length / batch;
  const gates = new Float64Array(batch * width);
  for (let b = 0; b < batch; b++) {
    const sums = gates.subarray(b * width, (b + 1) * width);
    sums.set(bias);
    const row = rows.subarray(b * depth, (b + 1) * depth);
    let k = 0;
    // Four kernel rows per pass over the sums: a quarter of the loads and stores.
    for (; k + 4 <= depth; k += 4) {
      const a0 = row[k];
      const a1 = row[k + 1];
      const a2 = row[k + 2];
      const a3 = row[k + 3];
      if (a0 === 0 && a1 === 0 && a2 === 0 && a3 === 0) continue;
      for (let j = 0, at = k * width; j < width; j++, at++) {
        sums[j] += a0 * kernel[at] + a1 * kernel[at + width] + a2 * kernel[at + 2 * width] + a3 * kernel[at + 3 * width];
      }
    }
    for (; k < depth; k++) {
      const a = row[k];
      if (a === 0) continue;
      for (let j = 0, at = k * width; j < width; j++, at++) sums[j] += a * kernel[at];
    }
    for (let j = 0; j < width; j++) sums[j] = sigmoid(sums[j]);
  }
  return gates;
}

// The gates from the stacked weights: in JavaScript where stackWeights kept their values,
// else one fused matMul with the sigmoid.
export function gatesOf(rows, batch, stacked, use) {
  if (stacked.values) return use(gatesInJavaScript(rows, batch, stacked.values));
  const gates = tf.tidy(() => tf.fused.matMul({
    a: tf.tensor2d(rows, [batch, rows.length / batch]), b: stacked.kernel, bias: stacked.bias, activation: 'sigmoid',
  }));
  try {
    return use(peekValues(gates));
  } finally {
    gates.dispose();
  }
}

// h ([batch, units] values) and the input (one-hot `ids`, or `x` values [batch, width]) side
// by side, one row per lane.
function sideBySide(h, units, batch, width, { ids, x }) {
  const rows = new Float32Array(batch * (units + width));
  for (let b = 0; b < batch; b++) {
    const at = b * (units + width);
    rows.set(h.subarray(b * units, (b + 1) * units), at);
    if (ids) rows[at + units + ids[b]] = 1;
    else rows.set(x.subarray(b * width, (b + 1) * width), at + units);
  }
  return rows;
}

// One LSTM step: state {h, c} tensors (with `values`, their float32 arrays, when this made
// them), input {ids} or {x} as arrays. Returns the new state, values included.
export function lstmStep(stacked, units, state, input) {
  const [batch] = state.h.shape;
  const width = stacked.depth - units;
  const rows = sideBySide(state.values?.h ?? state.h.dataSync(), units, batch, width, input);
  const c = state.values?.c ?? state.c.dataSync();
  const nextC = new Float32Array(c.length);
  const h = new Float32Array(c.length);
  gatesOf(rows, batch, stacked, (s) => {
    for (let b = 0; b < batch; b++) {
      const at = 4 * units * b;
      for (let j = 0; j < units; j++) {
        const k = b * units + j;
        const cell = s[at + units + j] * c[k] + s[at + j] * (2 * s[at + 2 * units + j] - 1);
        nextC[k] = cell;
        h[k] = s[at + 3 * units + j] * tanh(cell);
      }
    }
  });
  return { h: tf.tensor2d(h, [batch, units]), c: tf.tensor2d(nextC, [batch, units]), values: { h, c: nextC } };
}
