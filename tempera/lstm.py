"""The char-LSTM forward pass in NumPy: a stack of LSTM layers and a softmax.

The input is one-hot, so x @ kernel is just a row of the first kernel: a gather.
Gates are in Keras order (input, forget, cell, output), computed in float64.
"""

from dataclasses import dataclass

import numpy as np

from .errors import TemperaError


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # exact sigmoid, no overflow warnings


def _hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)  # tf_keras 2.x definition


ACTIVATIONS = {"sigmoid": _sigmoid, "hard_sigmoid": _hard_sigmoid, "tanh": np.tanh,
               "linear": lambda x: x}


@dataclass
class LstmLayer:
    kernel: np.ndarray  # (inputs, 4 * units)
    recurrent_kernel: np.ndarray  # (units, 4 * units)
    bias: np.ndarray  # (4 * units,)
    activation: str = "tanh"
    recurrent_activation: str = "sigmoid"

    def __post_init__(self):
        for name in (self.activation, self.recurrent_activation):
            if name not in ACTIVATIONS:
                raise TemperaError(f"unsupported LSTM activation {name!r}")
        self.kernel = np.asarray(self.kernel, dtype=np.float64)
        self.recurrent_kernel = np.asarray(self.recurrent_kernel, dtype=np.float64)
        self.bias = np.asarray(self.bias, dtype=np.float64)
        units = self.recurrent_kernel.shape[0]
        if (self.recurrent_kernel.shape != (units, 4 * units)
                or self.kernel.shape[1] != 4 * units or self.bias.shape != (4 * units,)):
            raise TemperaError("LSTM weight shapes do not fit together")

    @property
    def units(self) -> int:
        return self.recurrent_kernel.shape[0]

    def step(self, x_projected, h, c):
        """One time step, given x @ kernel already computed; returns (h, c)."""
        z = x_projected + h @ self.recurrent_kernel + self.bias
        u = self.units
        gate = ACTIVATIONS[self.recurrent_activation]
        act = ACTIVATIONS[self.activation]
        i, f, o = gate(z[:, :u]), gate(z[:, u:2 * u]), gate(z[:, 3 * u:])
        c = f * c + i * act(z[:, 2 * u:3 * u])
        return o * act(c), c


@dataclass
class CharLstm:
    layers: list  # of LstmLayer
    dense_kernel: np.ndarray  # (units, vocab)
    dense_bias: np.ndarray  # (vocab,)

    def __post_init__(self):
        self.dense_kernel = np.asarray(self.dense_kernel, dtype=np.float64)
        self.dense_bias = np.asarray(self.dense_bias, dtype=np.float64)
        if not self.layers:
            raise TemperaError("the model has no LSTM layer")
        if self.dense_kernel.shape != (self.layers[-1].units, self.vocab_size):
            raise TemperaError("the output layer does not fit the last LSTM layer")
        if self.layers[0].kernel.shape[0] != self.vocab_size:
            raise TemperaError("the first LSTM layer's input size is not the vocabulary size")
        for below, above in zip(self.layers, self.layers[1:]):
            if above.kernel.shape[0] != below.units:
                raise TemperaError("stacked LSTM layer sizes do not fit together")

    @property
    def vocab_size(self) -> int:
        return self.dense_bias.shape[0]

    def zero_state(self, batch: int):
        return [(np.zeros((batch, l.units)), np.zeros((batch, l.units))) for l in self.layers]

    def step(self, ids, state):
        """Feed one character id per row; returns (probabilities, new state)."""
        x = self.layers[0].kernel[np.asarray(ids)]
        new_state = []
        for index, (layer, (h, c)) in enumerate(zip(self.layers, state)):
            if index:
                x = x @ layer.kernel
            h, c = layer.step(x, h, c)
            new_state.append((h, c))
            x = h
        return self.softmax(x), new_state

    def softmax(self, h):
        logits = h @ self.dense_kernel + self.dense_bias
        logits -= logits.max(axis=-1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=-1, keepdims=True)

    def run(self, ids_batch, state=None):
        """Feed rows of ids (batch, time) from `state` (zero if None).

        Returns the probabilities after the last id and the final state.
        """
        ids_batch = np.asarray(ids_batch)
        if state is None:
            state = self.zero_state(ids_batch.shape[0])
        probabilities = None
        for t in range(ids_batch.shape[1]):
            probabilities, state = self.step(ids_batch[:, t], state)
        return probabilities, state
