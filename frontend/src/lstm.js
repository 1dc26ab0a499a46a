// The char-LSTM step built from the layers-model's own weights, all lanes in one batch.
// Gates in Keras order (input, forget, cell, output).
//
// Where the activations are the usual ones (tanh, sigmoid gates), each backend has a fused
// step instead of a dozen small ops: on WebGL, the recurrent matMul and one program for the
// cell, with the first layer's input row (kernel row + bias per character) looked up inside
// it; on WASM and the CPU, one gate matMul and a JavaScript pass (js-cell.js). Other
// activations take the generic step, with the input row looked up in JavaScript.
import * as tf from '@tensorflow/tfjs';

import { disposeStacked, lstmStep, stackWeights } from './js-cell.js';
import { lstmCell } from './webgl-kernels.js';

// Where the fused cell runs, per backend: on the device, or in JavaScript over read-back values.
const FUSED_CELLS = { webgl: 'device', wasm: 'javascript', cpu: 'javascript' };

const ACTIVATIONS = {
  sigmoid: (x) => tf.sigmoid(x),
  hard_sigmoid: (x) => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1),
  hardSigmoid: (x) => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1), // as TensorFlow.js names it
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
        const gate = config.recurrentActivation ?? config.recurrent_activation;
        const usual = config.activation === 'tanh' && gate === 'sigmoid';
        this.layers.push({
          fusedCell: usual ? (FUSED_CELLS[tf.getBackend()] ?? null) : null,
          kernel,
          recurrentKernel,
          bias,
          units: config.units,
          act: activation(config.activation),
          gate: activation(gate),
        });
        const added = this.layers[this.layers.length - 1];
        if (added.fusedCell === 'javascript') added.stacked = stackWeights(added, { inJavaScript: tf.getBackend() === 'cpu' });
      } else if (kind === 'Dense') {
        [this.denseKernel, this.denseBias] = layer.getWeights();
      }
    }
    this.vocabSize = this.denseBias.shape[0];
    const first = this.layers[0];
    this.rowWidth = 4 * first.units;
    this.inputTable = tf.tidy(() => tf.add(first.kernel, first.bias));
    this.inputRows = this.inputTable.dataSync();
    this.inJavaScript = this.layers.every((layer) => layer.fusedCell === 'javascript');
  }

  // Frees the tensors made here; the model's own weights belong to the model.
  dispose() {
    this.inputTable.dispose();
    this.layers.forEach((layer) => layer.stacked && disposeStacked(layer.stacked));
  }

  zeroState(batch) {
    return this.layers.map((l) => ({ h: tf.zeros([batch, l.units]), c: tf.zeros([batch, l.units]) }));
  }

  // The first layer's input contribution for one id per row, as a [batch, 4 * units] tensor.
  // `ids` is an array, or an int32 tensor already on the device.
  inputContribution(ids) {
    if (ids instanceof tf.Tensor) return tf.gather(this.inputTable, ids);
    const width = this.rowWidth;
    const values = new Float32Array(ids.length * width);
    ids.forEach((id, row) => values.set(this.inputRows.subarray(id * width, (id + 1) * width), row * width));
    return tf.tensor2d(values, [ids.length, width]);
  }

  // Feed one id per row (an array or an int32 tensor); returns the new state, of new tensors.
  advance(ids, state) {
    if (this.inJavaScript) return this.advanceInJavaScript(ids, state);
    return tf.tidy(() => {
      let x = null;
      return this.layers.map((layer, index) => {
        const recurrent = tf.matMul(state[index].h, layer.recurrentKernel);
        const first = index === 0;
        // Deeper layers add their input as tensors; the first layer's input rows go to the cell.
        const z = first ? recurrent : tf.add(recurrent, tf.fused.matMul({ a: x, b: layer.kernel, bias: layer.bias }));
        let next;
        if (layer.fusedCell === 'device') {
          const input = first ? { rows: this.inputTable, ids: ids instanceof tf.Tensor ? ids : tf.tensor1d(ids, 'int32') } : null;
          next = lstmCell(z, state[index].c, input);
        } else {
          const input = first ? this.inputContribution(ids) : null;
          next = this.genericCell(layer, input ? tf.add(z, input) : z, state[index].c);
        }
        x = next.h;
        return next;
      });
    });
  }

  advanceInJavaScript(ids, state) {
    let input = { ids: ids instanceof tf.Tensor ? ids.dataSync() : ids };
    return this.layers.map((layer, index) => {
      const next = lstmStep(layer.stacked, layer.units, state[index], input);
      input = { x: next.values.h };
      return next;
    });
  }

  logits(state) {
    return tf.fused.matMul({ a: state[state.length - 1].h, b: this.denseKernel, bias: this.denseBias });
  }

  genericCell(layer, z, previousC) {
    const [zi, zf, zc, zo] = tf.split(z, 4, 1);
    const c = tf.add(tf.mul(layer.gate(zf), previousC), tf.mul(layer.gate(zi), layer.act(zc)));
    return { h: tf.mul(layer.gate(zo), layer.act(c)), c };
  }

  probabilities(state) {
    return tf.tidy(() => tf.softmax(this.logits(state)));
  }

  // Run rows of ids ([batch][time], equal lengths) from `state` (zero when null), steps
  // `from` to `to`. Returns the new state; the caller owns it, and `state` is disposed.
  run(rows, state = null, from = 0, to = rows[0].length) {
    let current = state ?? this.zeroState(rows.length);
    for (let t = from; t < to; t++) {
      const next = this.advance(rows.map((row) => row[t]), current);
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
