// The LSTM step on WebGL, where every op is a draw call with a fixed cost that for an LSTM(256)
// step dwarfs the arithmetic: per layer, the recurrent matMul and one program for the cell
// (webgl-programs.js), which also looks up the first layer's input row for each id.
import * as tf from '@tensorflow/tfjs';

import { idsTensor, TensorStateStep } from './tensor-state.js';
import { lstmCell } from './webgl-programs.js';

export class WebglStep extends TensorStateStep {
  constructor(weights) {
    super(weights);
    this.name = 'webgl';
  }

  // Feeds one id per lane (an array, or an int32 tensor already on the device, as the
  // look-ahead draws them); returns the new state, of new tensors.
  advance(state, ids) {
    return tf.tidy(() => {
      let x = null; // the layer below's new h
      return this.weights.lstm.map((layer, index) => {
        const recurrent = tf.matMul(state[index].h, layer.recurrentKernel);
        const first = index === 0;
        const z = first ? recurrent : tf.add(recurrent, tf.fused.matMul({ a: x, b: layer.kernel, bias: layer.bias }));
        const input = first ? { table: this.inputTable, ids: idsTensor(ids) } : null;
        const next = lstmCell(z, state[index].c, input);
        x = next.h;
        return next;
      });
    });
  }
}
