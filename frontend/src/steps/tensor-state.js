// What the steps whose state stays on the device (WebGL's, and the generic one) share: the state
// is one {h, c} pair of [lanes, units] tensors per layer, and the output layer is one fused matMul.
import * as tf from '@tensorflow/tfjs';

import { LstmStep } from './step.js';

export class TensorStateStep extends LstmStep {
  constructor(weights) {
    super();
    this.weights = weights;
    this.vocabSize = weights.vocabSize;
    this.units = weights.lstm.map((layer) => layer.units);
    // The first layer's input for each id: its kernel row plus the bias, [vocabulary, 4 × units].
    this.inputTable = tf.tidy(() => tf.add(weights.lstm[0].kernel, weights.lstm[0].bias));
  }

  zeroState(lanes) {
    return this.units.map((units) => ({ h: tf.zeros([lanes, units]), c: tf.zeros([lanes, units]) }));
  }

  // A one-lane state repeated for `lanes` lanes, as new tensors.
  tile(state, lanes) {
    return state.map(({ h, c }) => ({ h: tf.tile(h, [lanes, 1]), c: tf.tile(c, [lanes, 1]) }));
  }

  disposeState(state) {
    for (const { h, c } of state) {
      h.dispose();
      c.dispose();
    }
  }

  // [lanes, vocabulary] logits, a new tensor on the device.
  logitsTensor(state) {
    const { kernel, bias } = this.weights.dense;
    return tf.fused.matMul({ a: state[state.length - 1].h, b: kernel, bias });
  }

  // The logits' values, read back without blocking the page (a WebGL read-back waits for the GPU).
  async readLogits(state) {
    const logits = this.logitsTensor(state);
    try {
      return await logits.data();
    } finally {
      logits.dispose();
    }
  }

  // Frees the tensors made here; the model's own weights belong to the model.
  dispose() {
    this.inputTable.dispose();
  }
}

// `ids` as an int32 tensor on the device, whether given as one or as an array.
export function idsTensor(ids) {
  return ids instanceof tf.Tensor ? ids : tf.tensor1d(ids, 'int32');
}
