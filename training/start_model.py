"""Starting a run from a trained model's weights (the shipped one, or any exported bundle) rather
than from random ones: a small text cannot teach English from scratch, but it can adapt a model
that already writes it (BENCHMARKS.md, "Starting from the shipped model").

The new run keeps the start model's architecture. Its vocabulary is the new text's: a character
the start model knows keeps that model's input row and output column exactly; an upper-case one
it knows only in lower case takes the lower-case one's, the two sharing its output probability by
their counts in the training text; a character it does not know starts as a fresh model's would.
Everything here runs on NumPy, before TensorFlow loads.
"""

import math
import os
from collections import Counter
from dataclasses import dataclass

import numpy as np

from tempera.bundle import load_bundle
from tempera.errors import TemperaError
from tempera.paths import SHIPPED_MODELS

NONE = "none"
SHIPPED = "nietzsche"  # the shipped model a run may start from by name
# A character the start model does not know gets an output bias this far below the lowest
# bias of those it knows: rare until the text shows otherwise.
NEW_CHAR_BIAS_BELOW = 1.0


@dataclass
class StartModel:
    name: str  # "nietzsche", or the bundle's folder as given
    path: str
    vocabulary: list
    lowercase: bool
    units: int
    layers: int
    weights: list  # Keras order: each LSTM's kernel, recurrent kernel, bias; the Dense kernel, bias
    weights_sha256: dict

    def record(self) -> dict:
        """What the run's config.json keeps of it."""
        return {"name": self.name, "path": self.path, "units": self.units, "layers": self.layers,
                "vocabulary_size": len(self.vocabulary), "weights_sha256": self.weights_sha256}


def start_path(name: str) -> str:
    return os.path.join(SHIPPED_MODELS, SHIPPED) if name == SHIPPED else name


def read_start_model(name: str) -> StartModel:
    """The model `--start-from NAME` names (the shipped model, or a bundle folder), checked."""
    path = start_path(name)
    if name != SHIPPED and not os.path.isdir(path):
        raise TemperaError(f"--start-from must be '{SHIPPED}', '{NONE}' or an exported bundle's "
                           f"folder; {name!r} is none of these")
    try:
        bundle = load_bundle(path)
    except TemperaError as error:
        raise TemperaError(f"--start-from {name}: not a usable bundle: {error}") from None
    lstms, model = bundle.model.layers, bundle.model
    units = {layer.units for layer in lstms}
    if len(units) != 1 or any((layer.activation, layer.recurrent_activation) != ("tanh", "sigmoid")
                              for layer in lstms):
        raise TemperaError(f"--start-from {name}: its LSTM layers ({', '.join(str(l.units) for l in lstms)} "
                           "units) are not a tempera recipe's (layers of one size, tanh and sigmoid)")
    weights = [np.asarray(w, dtype=np.float32) for layer in lstms
               for w in (layer.kernel, layer.recurrent_kernel, layer.bias)]
    weights += [np.asarray(model.dense_kernel, dtype=np.float32),
                np.asarray(model.dense_bias, dtype=np.float32)]
    return StartModel(name, os.path.abspath(path), list(bundle.vocab.chars), bool(bundle.meta["lowercase"]),
                      units.pop(), len(lstms), weights, dict(bundle.meta.get("weights_sha256") or {}))


def source_char(char: str, known) -> str | None:
    """The start model's character a new one takes its weights from."""
    if char in known:
        return char
    return char.lower() if char.lower() in known else None


def coverage(counts: Counter, start_vocabulary: list) -> float:
    """The share of the text's characters that the start model has weights for: as they are,
    or (upper case) its lower case's."""
    known = set(start_vocabulary)
    return (sum(n for c, n in counts.items() if source_char(c, known) is not None)
            / max(1, sum(counts.values())))


def char_sources(start: StartModel, chars: list) -> dict:
    """Which of the new vocabulary's characters keep the start model's weights, take their
    lower case's, or start new: what the run's config records."""
    mapping = {"kept": [], "from_lowercase": [], "new": []}
    for char in chars:
        source = source_char(char, start.vocabulary)
        mapping["new" if source is None else "kept" if source == char else "from_lowercase"].append(char)
    return mapping


def check_architecture(start: StartModel, units: int, layers: int) -> None:
    if (units, layers) != (start.units, start.layers):
        raise TemperaError(f"--start-from {start.name} is {start.layers} × LSTM({start.units}); a run "
                           f"started from it keeps that shape, not {layers} × LSTM({units}): leave "
                           "--units and --layers out, or pass --start-from none")


def mapped_weights(start: StartModel, chars: list, counts: Counter, fresh: list) -> list:
    """The new run's first weights: the start model's, with the input kernel's rows and the
    output's columns for the new vocabulary `chars`; `fresh` (a new model's weights, in the same
    Keras order) give the rows and columns of characters the start model does not know."""
    if [w.shape for w in fresh[1:-2]] != [w.shape for w in start.weights[1:-2]]:
        raise TemperaError(f"--start-from {start.name}: its layers do not fit the run's recipe")
    known = {c: i for i, c in enumerate(start.vocabulary)}
    source_kernel, dense_kernel, dense_bias = start.weights[0], start.weights[-2], start.weights[-1]
    kernel, out_kernel, out_bias = fresh[0].copy(), fresh[-2].copy(), fresh[-1].copy()
    sources = [source_char(char, known) for char in chars]
    # Case variants of one known character share its probability by their counts in the text.
    sharing = Counter()
    for char, source in zip(chars, sources):
        if source is not None:
            sharing[source] += counts.get(char, 0) + 1
    for index, (char, source) in enumerate(zip(chars, sources)):
        if source is None:
            out_bias[index] = float(dense_bias.min()) - NEW_CHAR_BIAS_BELOW
            continue
        row = known[source]
        kernel[index] = source_kernel[row]
        out_kernel[:, index] = dense_kernel[:, row]
        share = (counts.get(char, 0) + 1) / sharing[source]
        out_bias[index] = dense_bias[row] + (math.log(share) if share < 1 else 0.0)
    return [kernel, *(w.copy() for w in start.weights[1:-2]), out_kernel, out_bias]
