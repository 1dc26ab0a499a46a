"""Per-epoch samples at the notebook's temperatures, with the NumPy reference sampler."""

import numpy as np

from tempera.generate import Generator
from tempera.lstm import CharLstm, LstmLayer
from tempera.sampling import NOTEBOOK_TEMPERATURES

SAMPLE_LENGTH = 200


def char_lstm_from_keras(model) -> CharLstm:
    """The NumPy LSTM holding a tf_keras model's current weights."""
    layers, dense = [], None
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "LSTM":
            config = layer.get_config()
            layers.append(LstmLayer(*layer.get_weights(), config["activation"],
                                    config["recurrent_activation"]))
        elif kind == "Dense":
            dense = layer.get_weights()
    return CharLstm(layers, *dense)


def expected_seconds(units: int, layers: int, vocab_size: int) -> float:
    """A first guess at what epoch_samples costs, before it has been timed: the NumPy LSTM's
    multiply-adds at about 0.5 GFLOP/s, plus Python's overhead per step and layer."""
    flops = 8 * units * (units + vocab_size + (layers - 1) * 2 * units) + 2 * units * vocab_size
    return SAMPLE_LENGTH * (len(NOTEBOOK_TEMPERATURES) * flops / 5e8 + layers * 1e-4)


def epoch_samples(model, vocab, ids: np.ndarray, maxlen: int, rng: np.random.Generator) -> str:
    """The notebook's printout: a random corpus seed, then SAMPLE_LENGTH chars per temperature."""
    start = int(rng.integers(0, len(ids) - maxlen))
    seed = vocab.decode(ids[start:start + maxlen])
    generator = Generator(char_lstm_from_keras(model), vocab, maxlen)
    lanes = generator.generate(vocab.encode(seed), NOTEBOOK_TEMPERATURES, SAMPLE_LENGTH,
                               rng_seed=int(rng.integers(2**32)), mode="stateful", records=False)
    lines = [f'--- Generating with seed: "{seed}"']
    for lane in lanes:
        lines += [f"------ temperature: {lane.temperature}", seed + lane.text]
    return "\n".join(lines) + "\n"
