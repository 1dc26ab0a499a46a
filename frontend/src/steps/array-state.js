// What the WASM and CPU steps share. Their state is plain Float32Arrays ({h, c}, [lanes × units],
// per layer), so a step neither wraps nor reads back a tensor of state. All four gates of a
// layer come from one product: the previous h and this step's input side by side ([h | one-hot
// id] for the first layer, [h | the layer below's new h] above it) times the stacked kernels,
// plus bias, through a sigmoid; the cell-gate columns are doubled beforehand so that
// 2·sigmoid(2x) − 1 = tanh(x) comes out of the same pass. A subclass computes that product
// (gates) and the output layer's (readLogits) its own way; c and h are one short loop here.
import * as tf from '@tensorflow/tfjs';

import { LstmStep } from './step.js';

// tanh from one exp, which V8 computes faster than Math.tanh; exp never overflows here.
function tanh(x) {
  const e = Math.exp(-2 * Math.abs(x));
  const magnitude = (1 - e) / (1 + e);
  return x < 0 ? -magnitude : magnitude;
}

// Doubles the cell-gate quarter (Keras order i, f, c, o) of the last axis.
function doubleCellGate(weights, units) {
  const scale = tf.concat([tf.ones([2 * units]), tf.fill([units], 2), tf.ones([units])]);
  return tf.mul(weights, scale);
}

// A layer's kernels stacked [recurrent; input] and its bias, cell gate doubled: new tensors.
export function stackedWeights({ kernel, recurrentKernel, bias, units }) {
  return tf.tidy(() => ({
    kernel: doubleCellGate(tf.concat([recurrentKernel, kernel], 0), units),
    bias: doubleCellGate(bias, units),
  }));
}

// `values` ([1 × width]) repeated for `lanes` lanes.
function repeated(values, lanes) {
  const out = new Float32Array(lanes * values.length);
  for (let lane = 0; lane < lanes; lane++) out.set(values, lane * values.length);
  return out;
}

// The gates product's left side, [lanes × (units + width)]: h ([lanes × units]) and the input
// (one-hot `ids`, or `x` [lanes × width]) side by side.
function gateInputs(h, units, lanes, width, { ids, x }) {
  const inputs = new Float32Array(lanes * (units + width));
  for (let lane = 0; lane < lanes; lane++) {
    const at = lane * (units + width);
    inputs.set(h.subarray(lane * units, (lane + 1) * units), at);
    if (ids) inputs[at + units + ids[lane]] = 1;
    else inputs.set(x.subarray(lane * width, (lane + 1) * width), at + units);
  }
  return inputs;
}

export class ArrayStateStep extends LstmStep {
  constructor(weights) {
    super();
    this.vocabSize = weights.vocabSize;
    this.units = weights.lstm.map((layer) => layer.units);
    this.inputWidths = weights.lstm.map((layer) => layer.kernel.shape[0]);
  }

  zeroState(lanes) {
    return {
      lanes,
      layers: this.units.map((units) => ({ h: new Float32Array(lanes * units), c: new Float32Array(lanes * units) })),
    };
  }

  tile(state, lanes) {
    return { lanes, layers: state.layers.map(({ h, c }) => ({ h: repeated(h, lanes), c: repeated(c, lanes) })) };
  }

  disposeState() {} // plain arrays, for the garbage collector

  // Feeds one id per lane (an array); returns the new state.
  advance(state, ids) {
    let input = { ids };
    const layers = state.layers.map((layerState, index) => {
      const next = this.layerStep(index, layerState, state.lanes, input);
      input = { x: next.h };
      return next;
    });
    return { lanes: state.lanes, layers };
  }

  layerStep(index, { h, c }, lanes, input) {
    const units = this.units[index];
    const inputs = gateInputs(h, units, lanes, this.inputWidths[index], input);
    const nextC = new Float32Array(c.length);
    const nextH = new Float32Array(c.length);
    this.gates(index, inputs, lanes, (s) => {
      for (let lane = 0; lane < lanes; lane++) {
        const at = 4 * units * lane;
        for (let j = 0; j < units; j++) {
          const k = lane * units + j;
          const cell = s[at + units + j] * c[k] + s[at + j] * (2 * s[at + 2 * units + j] - 1);
          nextC[k] = cell;
          nextH[k] = s[at + 3 * units + j] * tanh(cell);
        }
      }
    });
    return { h: nextH, c: nextC };
  }
}
