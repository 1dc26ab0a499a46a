// The LSTM step of small TensorFlow.js ops, on any backend and for any activation Keras offers
// here: the fallback where a backend has no step of its own or the activations are unusual, and
// the reference the tests hold the other steps to.
import * as tf from '@tensorflow/tfjs';

import { TensorStateStep } from './tensor-state.js';

// Keras's activations as TensorFlow.js ops (tempera/lstm.py's ACTIVATIONS).
const ACTIVATIONS = {
  sigmoid: (x) => tf.sigmoid(x),
  hard_sigmoid: (x) => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1),
  tanh: (x) => tf.tanh(x),
  linear: (x) => x,
};

export function activation(name) {
  const fn = ACTIVATIONS[name];
  if (!fn) throw new Error(`unsupported LSTM activation ${name}`);
  return fn;
}

export class GenericStep extends TensorStateStep {
  constructor(weights) {
    // Before super() makes any tensor: an unknown activation leaves nothing to free.
    const activations = weights.lstm.map((layer) => ({
      act: activation(layer.activation),
      gate: activation(layer.recurrentActivation),
    }));
    super(weights);
    this.name = 'generic';
    this.activations = activations;
    this.inputTableValues = this.inputTable.dataSync();
  }

  // The first layer's input for one id per lane, [lanes, 4 × units]: looked up in JavaScript
  // for an array of ids, gathered on the device for a tensor of them.
  firstLayerInput(ids) {
    if (ids instanceof tf.Tensor) return tf.gather(this.inputTable, ids);
    const width = this.inputTable.shape[1];
    const values = new Float32Array(ids.length * width);
    ids.forEach((id, lane) => values.set(this.inputTableValues.subarray(id * width, (id + 1) * width), lane * width));
    return tf.tensor2d(values, [ids.length, width]);
  }

  // Feeds one id per lane (an array, or an int32 tensor); returns the new state, of new tensors.
  advance(state, ids) {
    return tf.tidy(() => {
      let x = null; // the layer below's new h
      return this.weights.lstm.map((layer, index) => {
        const recurrent = tf.matMul(state[index].h, layer.recurrentKernel);
        const z = index === 0
          ? tf.add(recurrent, this.firstLayerInput(ids))
          : tf.add(recurrent, tf.fused.matMul({ a: x, b: layer.kernel, bias: layer.bias }));
        const next = this.cell(this.activations[index], z, state[index].c);
        x = next.h;
        return next;
      });
    });
  }

  cell({ act, gate }, z, previousC) {
    const [zi, zf, zc, zo] = tf.split(z, 4, 1);
    const c = tf.add(tf.mul(gate(zf), previousC), tf.mul(gate(zi), act(zc)));
    return { h: tf.mul(gate(zo), act(c)), c };
  }
}
