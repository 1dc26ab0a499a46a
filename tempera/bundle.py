"""Reading an exported bundle without TensorFlow: model.json, its weight shards, tempera.json.

A bundle is a folder holding the tfjs layers-model (`model.json` + `*.bin` shards) and
`tempera.json` (vocabulary and training facts). Every way it can be broken is reported
with the file's name and what is wrong.
"""

import json
import os
from dataclasses import dataclass

import numpy as np

from .errors import TemperaError
from .lstm import CharLstm, LstmLayer
from .vocab import Vocabulary

FORMAT_VERSION = 1
DTYPES = {"float32": np.float32, "int32": np.int32}


@dataclass
class Bundle:
    path: str
    meta: dict
    vocab: Vocabulary
    model: CharLstm

    @property
    def maxlen(self) -> int:
        return int(self.meta["maxlen"])


def _read_json(path: str) -> dict:
    name = os.path.basename(path)
    if not os.path.isfile(path):
        raise TemperaError(f"{name} is missing from the bundle {os.path.dirname(path)}")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise TemperaError(f"{name} in {os.path.dirname(path)} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise TemperaError(f"{name} in {os.path.dirname(path)} is not a JSON object")
    return data


def read_weights(folder: str, manifest: list) -> dict:
    """All weights of a tfjs weights manifest, by name, as float arrays."""
    weights = {}
    for group in manifest:
        buffer = b""
        for shard in group.get("paths", []):
            shard_path = os.path.join(folder, shard)
            if os.path.basename(shard) != shard or not os.path.isfile(shard_path):
                raise TemperaError(f"weight shard {shard} is missing from the bundle {folder}")
            with open(shard_path, "rb") as handle:
                buffer += handle.read()
        offset = 0
        for entry in group.get("weights", []):
            if "quantization" in entry:
                raise TemperaError(f"weight {entry['name']} is quantized; tempera reads float32 bundles")
            dtype = np.dtype(DTYPES.get(entry.get("dtype"), np.float32)).newbyteorder("<")
            count = int(np.prod(entry["shape"], dtype=np.int64))
            size = count * dtype.itemsize
            if offset + size > len(buffer):
                raise TemperaError(f"weight shards of {folder} are truncated: {entry['name']} "
                                   f"needs bytes {offset}..{offset + size}, the shards hold {len(buffer)}")
            weights[entry["name"]] = np.frombuffer(buffer, dtype, count, offset).reshape(entry["shape"])
            offset += size
        if offset != len(buffer):
            raise TemperaError(f"weight shards of {folder} hold {len(buffer)} bytes, "
                               f"the manifest describes {offset}")
    return weights


def _layer_weights(weights: dict, layer: str, kind: str) -> np.ndarray:
    for name, value in weights.items():
        if name.startswith(layer + "/") and name.rsplit("/", 1)[-1] == kind:
            return value
    raise TemperaError(f"model.json has no weight {layer}/…/{kind}")


def char_lstm_from_model_json(model_json: dict, weights: dict) -> CharLstm:
    """Rebuild the LSTM stack from a layers-model topology and its weights."""
    try:
        layers = model_json["modelTopology"]["model_config"]["config"]["layers"]
    except (KeyError, TypeError):
        raise TemperaError("model.json has no modelTopology.model_config.config.layers") from None
    lstm_layers, dense = [], None
    for layer in layers:
        kind, config = layer.get("class_name"), layer.get("config", {})
        if kind == "LSTM":
            name = config["name"]
            lstm_layers.append(LstmLayer(
                _layer_weights(weights, name, "kernel"),
                _layer_weights(weights, name, "recurrent_kernel"),
                _layer_weights(weights, name, "bias"),
                config.get("activation", "tanh"), config.get("recurrent_activation", "sigmoid")))
        elif kind == "Dense":
            if config.get("activation") != "softmax":
                raise TemperaError("model.json: the output layer must be a softmax Dense layer")
            dense = config["name"]
        elif kind != "InputLayer":
            raise TemperaError(f"model.json has a {kind} layer; tempera models are LSTM + Dense")
    if dense is None:
        raise TemperaError("model.json has no Dense output layer")
    return CharLstm(lstm_layers, _layer_weights(weights, dense, "kernel"),
                    _layer_weights(weights, dense, "bias"))


def check_meta(meta: dict, folder: str) -> None:
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        raise TemperaError(f"tempera.json in {folder} has format_version {version!r}; "
                           f"this tempera reads version {FORMAT_VERSION}")
    for key in ("vocabulary", "lowercase", "maxlen"):
        if key not in meta:
            raise TemperaError(f"tempera.json in {folder} has no {key!r}")
    vocab = meta["vocabulary"]
    if not isinstance(vocab, list) or not all(isinstance(c, str) and len(c) == 1 for c in vocab):
        raise TemperaError(f"tempera.json in {folder}: 'vocabulary' must be a list of single characters")


def load_bundle(folder: str) -> Bundle:
    if not os.path.isdir(folder):
        raise TemperaError(f"bundle folder not found: {folder}")
    meta = _read_json(os.path.join(folder, "tempera.json"))
    check_meta(meta, folder)
    model_json = _read_json(os.path.join(folder, "model.json"))
    if model_json.get("format") != "layers-model":
        raise TemperaError(f"model.json in {folder} is not a tfjs layers-model")
    weights = read_weights(folder, model_json.get("weightsManifest", []))
    model = char_lstm_from_model_json(model_json, weights)
    vocab = Vocabulary(meta["vocabulary"], meta["lowercase"])
    if len(vocab) != model.vocab_size:
        raise TemperaError(f"tempera.json lists {len(vocab)} characters, "
                           f"model.json's output has {model.vocab_size}")
    return Bundle(folder, meta, vocab, model)
