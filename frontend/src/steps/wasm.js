// The LSTM step on the WASM backend. Each layer's gates are one fused matMul with the sigmoid
// (XNNPACK's SIMD kernels): every tensor op has a fixed cost of microseconds, and this makes
// two a layer instead of about fifteen. The one-hot rows add the vocabulary's worth of
// multiply-adds (22 % for the shipped model), less than the lookup, upload and add they
// replace. The output layer is one fused matMul too: for several lanes XNNPACK, which reuses
// each loaded weight across them, is four times faster than a JavaScript loop
// (bench/step_cost.mjs).
import * as tf from '@tensorflow/tfjs';

import { ArrayStateStep, stackedWeights } from './array-state.js';

// The values of `tensor`, a view into the WASM module's memory that the next tensor op may
// move: use() must be done with it before that.
function peek(tensor, use) {
  try {
    return use(tf.backend().typedArrayFromHeap(tensor));
  } finally {
    tensor.dispose();
  }
}

export class WasmStep extends ArrayStateStep {
  constructor(weights) {
    super(weights);
    this.name = 'wasm';
    this.stacked = weights.lstm.map(stackedWeights);
    this.dense = weights.dense;
  }

  // Calls use() with the gates of every lane, [lanes × 4 units], through the sigmoid.
  gates(index, inputs, lanes, use) {
    const { kernel, bias } = this.stacked[index];
    const gates = tf.tidy(() => tf.fused.matMul({
      a: tf.tensor2d(inputs, [lanes, inputs.length / lanes]), b: kernel, bias, activation: 'sigmoid',
    }));
    peek(gates, use);
  }

  // [lanes × vocabulary] logits from the last layer's h.
  readLogits(state) {
    const last = state.layers.length - 1;
    const logits = tf.tidy(() => tf.fused.matMul({
      a: tf.tensor2d(state.layers[last].h, [state.lanes, this.units[last]]), b: this.dense.kernel, bias: this.dense.bias,
    }));
    return peek(logits, (values) => values.slice());
  }

  dispose() {
    this.stacked.forEach((stacked) => tf.dispose(stacked));
  }
}
