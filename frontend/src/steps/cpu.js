// The LSTM step on TensorFlow.js's CPU backend, all in JavaScript. That backend's matMul is
// general JavaScript too, with a fixed cost per op, and it multiplies by every zero of the
// one-hot rows: plain loops that skip them take about a third of its time for the gates, and
// a fifth (one lane) to two fifths (four) for the output layer (bench/step_cost.mjs).
import * as tf from '@tensorflow/tfjs';

import { ArrayStateStep, stackedWeights } from './array-state.js';

function sigmoid(x) {
  return 1 / (1 + Math.exp(-x));
}

// sums (width) += row (depth) × kernel ([depth, width] values). Four kernel rows per pass
// over the sums, a quarter of the loads and stores; four zeros in a row (a one-hot input's
// usual case) are skipped.
function addProduct(sums, row, kernel, width) {
  const depth = row.length;
  let k = 0;
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
}

export class CpuStep extends ArrayStateStep {
  constructor(weights) {
    super(weights);
    this.name = 'cpu';
    this.stacked = weights.lstm.map((layer) => {
      const stacked = stackedWeights(layer);
      const values = { kernel: stacked.kernel.dataSync(), bias: stacked.bias.dataSync() };
      tf.dispose(stacked);
      return values;
    });
    this.dense = { kernel: weights.dense.kernel.dataSync(), bias: weights.dense.bias.dataSync() };
  }

  // Calls use() with the gates of every lane, [lanes × 4 units], through the sigmoid.
  gates(index, inputs, lanes, use) {
    const { kernel, bias } = this.stacked[index];
    const width = bias.length;
    const depth = inputs.length / lanes;
    const gates = new Float64Array(lanes * width);
    for (let lane = 0; lane < lanes; lane++) {
      const sums = gates.subarray(lane * width, (lane + 1) * width);
      sums.set(bias);
      addProduct(sums, inputs.subarray(lane * depth, (lane + 1) * depth), kernel, width);
      for (let j = 0; j < width; j++) sums[j] = sigmoid(sums[j]);
    }
    use(gates);
  }

  // [lanes × vocabulary] logits from the last layer's h.
  readLogits(state) {
    const last = state.layers.length - 1;
    const { h } = state.layers[last];
    const units = this.units[last];
    const size = this.vocabSize;
    const logits = new Float32Array(state.lanes * size);
    const sums = new Float64Array(size);
    for (let lane = 0; lane < state.lanes; lane++) {
      sums.set(this.dense.bias);
      addProduct(sums, h.subarray(lane * units, (lane + 1) * units), this.dense.kernel, size);
      logits.set(sums, lane * size);
    }
    return logits;
  }

  dispose() {} // nothing here is a tensor
}
