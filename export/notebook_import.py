"""`tempera import`: a model trained by the course notebook -> a tempera bundle.

The notebook (Keras 3) trains `LSTM(128)` and a softmax `Dense` on one-hot windows of 60
characters of its lowercased text, the vocabulary being the sorted distinct characters. Its
weights are read with Keras 3, set into tempera's tf_keras model of the same shape (which
TensorFlow.js reads, and which predicts after every character, so the bundle serves both window
and stateful generation), and saved by the tensorflowjs converter. As `tempera export` does, the
bundle read back by the NumPy sampler must predict what the notebook's Keras 3 model predicts.
"""

import datetime
import os

import numpy as np

from tempera import __version__
from tempera.atomic import staged_folder, write_json
from tempera.bundle import DIGESTS_KEY, FORMAT_VERSION, load_bundle
from tempera.errors import TemperaError
from tempera.generate import MODES
from tempera.outputs import bundle_folder_problem, check_output_folder
from tempera.shard_digests import shard_digests

from .bundle_export import SELF_CHECK_TOLERANCE

NOTEBOOK_MAXLEN = 60  # the notebook's window, where the model's input leaves it open
SUFFIXES = (".keras", ".h5", ".hdf5")
NOTEBOOK_SHAPE = "the notebook's LSTM(units) + softmax Dense over one-hot characters"


def load_keras3_model(path: str):
    """The model as the notebook saved it, read by Keras 3 without its optimizer."""
    if not os.path.isfile(path):
        raise TemperaError(f"model file not found (or not a regular file): {path}")
    if not path.lower().endswith(SUFFIXES):
        raise TemperaError(f"{path} is not a Keras model file: expected a .keras or .h5 file "
                           "saved with model.save()")
    import keras

    try:
        return keras.models.load_model(path, compile=False)
    except Exception as error:  # zip, HDF5 and deserialisation errors of every kind
        reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
        raise TemperaError(f"Keras cannot read {path} as a model: {reason}") from None


def notebook_layers(model, path: str) -> tuple:
    """The LSTM and Dense layers of a notebook-shaped model, or an error that says how it
    differs."""
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    kinds = [type(layer).__name__ for layer in layers]
    if kinds != ["LSTM", "Dense"]:
        raise TemperaError(f"{path} is not {NOTEBOOK_SHAPE}: its layers are "
                           f"{' + '.join(kinds) or 'none'}")
    lstm, dense = layers
    inputs = model.inputs[0].shape if model.inputs else None
    if inputs is None or len(inputs) != 3:
        raise TemperaError(f"{path} is not {NOTEBOOK_SHAPE}: its input has shape "
                           f"{tuple(inputs) if inputs is not None else None}, not "
                           "(windows, characters, vocabulary)")
    config = lstm.get_config()
    expected = {"activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": True,
                "return_sequences": False, "go_backwards": False, "stateful": False}
    for key, value in expected.items():
        if config.get(key, value) != value:
            raise TemperaError(f"{path} is not {NOTEBOOK_SHAPE}: its LSTM has {key}="
                               f"{config.get(key)!r} (tempera's LSTM has {value!r})")
    dense_config = dense.get_config()
    if dense_config.get("activation") != "softmax" or not dense_config.get("use_bias", True):
        raise TemperaError(f"{path} is not {NOTEBOOK_SHAPE}: its Dense layer has activation "
                           f"{dense_config.get('activation')!r}, not softmax with a bias")
    vocab_size, units = int(inputs[-1]), int(lstm.units)
    if int(dense.units) != vocab_size:
        raise TemperaError(f"{path} is not {NOTEBOOK_SHAPE}: it reads {vocab_size} characters "
                           f"but its Dense layer predicts {dense.units}")
    return lstm, dense, vocab_size, units, inputs[1]


def corpus_vocabulary(corpus_path: str, vocab_size: int, model_path: str):
    """The notebook's vocabulary: the sorted distinct characters of the lowercased text, which
    must be as many as the model reads."""
    from tempera.training.corpus import load_corpus

    corpus = load_corpus(corpus_path, True, 0)
    if len(corpus.chars) != vocab_size:
        raise TemperaError(f"{corpus_path} has {len(corpus.chars)} distinct characters once "
                           f"lowercased, but {model_path} reads {vocab_size}: it was trained on "
                           "another text (give the text the notebook read)")
    return corpus


def predictions_agree(keras3_model, folder: str, vocab_size: int, window: int) -> float:
    """The largest difference between the notebook's model and the bundle read back by the
    NumPy sampler, over random windows."""
    ids = np.random.default_rng(0).integers(vocab_size, size=(4, window))
    expected = np.asarray(keras3_model.predict(np.eye(vocab_size, dtype=np.float32)[ids], verbose=0))
    read_back, _ = load_bundle(folder).model.run(ids)
    difference = float(np.abs(expected - read_back).max())
    if not difference <= SELF_CHECK_TOLERANCE:
        raise TemperaError(f"the bundle disagrees with the notebook's model (max |dp| = "
                           f"{difference:.2e})")
    return difference


def import_notebook_model(model_path: str, corpus_path: str, out: str, force: bool = False) -> dict:
    import tensorflowjs

    from tempera.training.model import build_model

    check_output_folder(out, force, inputs=[model_path, corpus_path], problem=bundle_folder_problem,
                        inside_inputs=True)
    keras3_model = load_keras3_model(model_path)
    lstm, dense, vocab_size, units, window = notebook_layers(keras3_model, model_path)
    corpus = corpus_vocabulary(corpus_path, vocab_size, model_path)
    maxlen = int(window) if window else NOTEBOOK_MAXLEN

    weights = [np.asarray(w) for w in (*lstm.get_weights(), *dense.get_weights())]
    if not all(np.isfinite(w).all() for w in weights):
        raise TemperaError(f"{model_path} holds NaN or infinite weights (its training diverged)")
    model = build_model(vocab_size, units, 1, window=None, every_step=True)
    try:
        model.set_weights(weights)
    except ValueError as error:
        raise TemperaError(f"{model_path}'s weights do not fit {NOTEBOOK_SHAPE}: {error}") from None

    meta = {
        "format_version": FORMAT_VERSION,
        "name": os.path.splitext(os.path.basename(model_path))[0],
        "vocabulary": corpus.chars,
        "lowercase": True,
        "maxlen": maxlen,
        "layers": {"lstm_units": [units], "vocab_size": vocab_size},
        "modes": list(MODES),
        "corpus": {"name": corpus.name, "chars": len(corpus.ids), "sha256": corpus.sha256},
        "recipe": "notebook (imported)",
        "imported_from": os.path.basename(model_path),
        "exported": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "tempera_version": __version__,
    }
    try:
        with staged_folder(out) as staging:
            tensorflowjs.converters.save_keras_model(model, staging)
            meta["weights_bytes"] = sum(os.path.getsize(os.path.join(staging, f))
                                        for f in os.listdir(staging) if f.endswith(".bin"))
            meta[DIGESTS_KEY] = shard_digests(staging)
            write_json(os.path.join(staging, "tempera.json"), meta)
            meta["self_check_max_dp"] = predictions_agree(keras3_model, staging, vocab_size, maxlen)
    except OSError as error:
        raise TemperaError(f"cannot write the bundle to {out}: {error.strerror or error}") from None
    return meta

