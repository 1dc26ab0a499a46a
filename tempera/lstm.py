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

    def sequence(self, x_projected, h, c):
        """One lane through consecutive steps, given x @ kernel of each (time, 4 units):
        returns (h of every step (time, units), last h, last c), h and c of shape (units,).

        Only the recurrent product is left in the loop; the bias is added to all steps at
        once. With the usual activations every gate comes from one tanh: sigmoid(z) =
        (1 + tanh(z / 2)) / 2, and halving is exact, so the halves are folded into the weights.
        """
        u = self.units
        hs = np.empty((len(x_projected), u))
        if not (self.activation == "tanh" and self.recurrent_activation == "sigmoid"):
            for t, x in enumerate(x_projected):
                h, c = self.step(x[None, :], h[None, :], c[None, :])
                h, c = h[0], c[0]
                hs[t] = h
            return hs, h, c
        z_inputs = x_projected + self.bias
        halves = np.full(4 * u, 0.5)
        halves[2 * u:3 * u] = 1.0  # the cell gate's tanh takes z itself
        z_inputs *= halves
        recurrent = self.recurrent_kernel * halves
        t_gates = np.empty(4 * u)
        for t in range(len(z_inputs)):
            np.dot(h, recurrent, out=t_gates)
            t_gates += z_inputs[t]
            np.tanh(t_gates, out=t_gates)
            gates = 0.5 * (1.0 + t_gates)  # i, f and o; the cell quarter is read from t_gates
            c = gates[u:2 * u] * c + gates[:u] * t_gates[2 * u:3 * u]
            h = hs[t] = gates[3 * u:] * np.tanh(c)
        return hs, h, c


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
        new_state = self.advance(ids, state)
        return self.softmax(new_state[-1][0]), new_state

    def advance(self, ids, state):
        """Feed one character id per row; returns the new state (no output layer)."""
        x = self.layers[0].kernel[np.asarray(ids)]
        new_state = []
        for index, (layer, (h, c)) in enumerate(zip(self.layers, state)):
            if index:
                x = x @ layer.kernel
            h, c = layer.step(x, h, c)
            new_state.append((h, c))
            x = h
        return new_state

    def sequence(self, ids, state):
        """One lane fed consecutive ids from `state` (one lane's, as zero_state(1) gives).

        Returns the top layer's h after each id (time, units) and the new state. Each layer
        runs over all the ids before the next: its input product is one matrix product (a
        row gather for the one-hot first layer), and its recurrent weights stay in cache.
        """
        x = self.layers[0].kernel[np.asarray(ids)]
        new_state = []
        for index, (layer, (h, c)) in enumerate(zip(self.layers, state)):
            if index:
                x = x @ layer.kernel
            x, h, c = layer.sequence(x, h.reshape(-1), c.reshape(-1))
            new_state.append((h[None, :], c[None, :]))
        return x, new_state

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
        for t in range(ids_batch.shape[1]):
            state = self.advance(ids_batch[:, t], state)
        return (self.softmax(state[-1][0]) if ids_batch.shape[1] else None), state
