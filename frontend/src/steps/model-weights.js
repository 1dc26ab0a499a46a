// The weights of a tempera layers-model as every step reads them: LSTM layers, then one Dense
// output layer (bundle-checks.js has made sure of that shape). The tensors stay the model's.

// Keras's names and TensorFlow.js's for the same recurrent activation.
const SAME_ACTIVATION = { hardSigmoid: 'hard_sigmoid' };

export function readWeights(model) {
  const lstm = [];
  let dense = null;
  for (const layer of model.layers) {
    const kind = layer.getClassName();
    const config = layer.getConfig();
    if (kind === 'LSTM') {
      const [kernel, recurrentKernel, bias] = layer.getWeights();
      const gate = config.recurrentActivation ?? config.recurrent_activation;
      lstm.push({
        kernel, // [input width, 4 × units], gates in Keras order (input, forget, cell, output)
        recurrentKernel, // [units, 4 × units]
        bias, // [4 × units]
        units: config.units,
        activation: config.activation,
        recurrentActivation: SAME_ACTIVATION[gate] ?? gate,
      });
    } else if (kind === 'Dense') {
      const [kernel, bias] = layer.getWeights();
      dense = { kernel, bias };
    }
  }
  return { lstm, dense, vocabSize: dense.bias.shape[0] };
}

// tanh with sigmoid gates, which every backend's own step computes; others take the generic step.
export function usualActivations(weights) {
  return weights.lstm.every((layer) => layer.activation === 'tanh' && layer.recurrentActivation === 'sigmoid');
}
