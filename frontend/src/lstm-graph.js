// The model's LSTM stack as plain TensorFlow.js ops on the current backend, differentiable
// end to end: what the views that look inside the model compute with (inside-model.js). The
// generator keeps its own fast steps (steps/); nothing here runs while it generates.
import * as tf from '@tensorflow/tfjs';

import { activation } from './steps/generic.js';
import { readWeights } from './steps/model-weights.js';

export class LstmGraph {
  // model: the bundle's layers-model; its weight tensors stay the model's.
  constructor(model) {
    const weights = readWeights(model);
    this.layers = weights.lstm.map((layer) => ({
      ...layer, act: activation(layer.activation), gate: activation(layer.recurrentActivation),
    }));
    this.dense = weights.dense;
    this.vocabSize = weights.vocabSize;
    this.units = this.layers.map((layer) => layer.units);
  }

  zeroState(lanes) {
    return this.units.map((units) => ({ h: tf.zeros([lanes, units]), c: tf.zeros([lanes, units]) }));
  }

  // The first layer's input for each id of an int32 tensor: its kernel row plus the bias,
  // [ids, 4 × units] (a one-hot input times the kernel, without the product).
  inputsOfIds(ids) {
    const [first] = this.layers;
    return tf.tidy(() => tf.add(tf.gather(first.kernel, ids), first.bias));
  }

  // The same for one-hot rows [time, vocabulary]: the product itself, so that a gradient
  // reaches every entry of each row.
  inputsOfOneHot(oneHot) {
    const [first] = this.layers;
    return tf.add(tf.matMul(oneHot, first.kernel), first.bias);
  }

  // One step of every layer from `state`, given the first layer's input [lanes, 4 × units];
  // returns the new state (new tensors; call it inside tf.tidy).
  advance(input, state) {
    let below = null; // the layer below's new h
    return this.layers.map((layer, index) => {
      const fromInput = index === 0 ? input : tf.add(tf.matMul(below, layer.kernel), layer.bias);
      const z = tf.add(fromInput, tf.matMul(state[index].h, layer.recurrentKernel));
      const [zi, zf, zc, zo] = tf.split(z, 4, 1);
      const c = tf.add(tf.mul(layer.gate(zf), state[index].c), tf.mul(layer.gate(zi), layer.act(zc)));
      const h = tf.mul(layer.gate(zo), layer.act(c));
      below = h;
      return { h, c };
    });
  }

  // Every step of `inputs` ([time, 4 × units], one lane) from `state`; the state after the last.
  run(inputs, state) {
    let current = state;
    for (let t = 0; t < inputs.shape[0]; t++) current = this.advance(tf.slice(inputs, [t, 0], [1, -1]), current);
    return current;
  }

  // The natural log of each next character's probability after `state`, [lanes, vocabulary].
  logProbabilities(state) {
    const { kernel, bias } = this.dense;
    return tf.logSoftmax(tf.add(tf.matMul(state[state.length - 1].h, kernel), bias));
  }

  // A state as one [lanes, 2 × Σ units] tensor (h, c of each layer in turn), and back: what a
  // gradient passes from one stretch of the context to the one before it.
  flatten(state) {
    return tf.concat(state.flatMap(({ h, c }) => [h, c]), 1);
  }

  unflatten(flat) {
    const parts = tf.split(flat, this.units.flatMap((units) => [units, units]), 1);
    return this.units.map((_, index) => ({ h: parts[2 * index], c: parts[2 * index + 1] }));
  }
}

export function disposeState(state) {
  for (const { h, c } of state) {
    h.dispose();
    c.dispose();
  }
}
