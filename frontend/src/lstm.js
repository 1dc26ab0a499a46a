// The char-LSTM step built from the layers-model's own weights: a row gather instead of a
// one-hot matmul, one fused gate matmul per layer, all lanes in one batch.
// Gates in Keras order (input, forget, cell, output).
import * as tf from '@tensorflow/tfjs';

const ACTIVATIONS = {
  sigmoid: (x) => tf.sigmoid(x),
  hard_sigmoid: (x) => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1),
  tanh: (x) => tf.tanh(x),
  linear: (x) => x,
};

function activation(name) {
  const fn = ACTIVATIONS[name];
  if (!fn) throw new Error(`unsupported LSTM activation ${name}`);
  return fn;
}

export class CharLstm {
  constructor(model) {
    this.layers = [];
    for (const layer of model.layers) {
      const kind = layer.getClassName();
      const config = layer.getConfig();
      if (kind === 'LSTM') {
        const [kernel, recurrentKernel, bias] = layer.getWeights();
        this.layers.push({
          kernel,
          recurrentKernel,
          bias,
          units: config.units,
          act: activation(config.activation),
          gate: activation(config.recurrentActivation ?? config.recurrent_activation),
        });
      } else if (kind === 'Dense') {
        [this.denseKernel, this.denseBias] = layer.getWeights();
      }
    }
    this.vocabSize = this.denseBias.shape[0];
  }

  zeroState(batch) {
    return this.layers.map((l) => ({ h: tf.zeros([batch, l.units]), c: tf.zeros([batch, l.units]) }));
  }

  // Feed one id per row (an int32 tensor [batch]); returns {state, h} of new tensors.
  advance(ids, state) {
    return tf.tidy(() => {
      let x = tf.gather(this.layers[0].kernel, ids);
      const next = [];
      this.layers.forEach((layer, index) => {
        if (index > 0) x = tf.matMul(x, layer.kernel);
        const z = tf.add(tf.add(x, tf.matMul(state[index].h, layer.recurrentKernel)), layer.bias);
        const [zi, zf, zc, zo] = tf.split(z, 4, 1);
        const c = tf.add(tf.mul(layer.gate(zf), state[index].c), tf.mul(layer.gate(zi), layer.act(zc)));
        const h = tf.mul(layer.gate(zo), layer.act(c));
        next.push({ h, c });
        x = h;
      });
      return next;
    });
  }

  probabilities(state) {
    return tf.tidy(() =>
      tf.softmax(tf.add(tf.matMul(state[state.length - 1].h, this.denseKernel), this.denseBias)),
    );
  }

  // Run rows of ids ([batch][time], equal lengths) from `state` (zero when null).
  // Returns the new state; the caller owns it.
  run(rows, state = null) {
    let current = state ?? this.zeroState(rows.length);
    for (let t = 0; t < rows[0].length; t++) {
      const ids = tf.tensor1d(rows.map((row) => row[t]), 'int32');
      const next = this.advance(ids, current);
      ids.dispose();
      disposeState(current);
      current = next;
    }
    return current;
  }
}

export function disposeState(state) {
  for (const { h, c } of state) {
    h.dispose();
    c.dispose();
  }
}

export function tileState(state, lanes) {
  return state.map(({ h, c }) => ({ h: tf.tile(h, [lanes, 1]), c: tf.tile(c, [lanes, 1]) }));
}
