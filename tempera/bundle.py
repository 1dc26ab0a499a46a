"""Reading an exported bundle without TensorFlow: model.json, its weight shards, tempera.json.

A bundle is a folder holding the tfjs layers-model (`model.json` + `*.bin` shards) and
`tempera.json` (vocabulary, training facts, and the SHA-256 of every shard). Every way it can be
broken, down to a field of the wrong type, a number that is not finite or a shard that is not
the one exported with it, is reported as a TemperaError that names the file and what is wrong.
"""

import hashlib
import json
import math
import os
from dataclasses import dataclass

import numpy as np
from jsonschema import Draft202012Validator

from .errors import TemperaError
from .finite_json import first_non_finite
from .lstm import CharLstm, LstmLayer
from .vocab import Vocabulary

# What tempera.json may hold, as one JSON Schema the page validates against too.
SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tempera.schema.json")
with open(SCHEMA_PATH, encoding="utf-8") as _schema_file:
    META_SCHEMA = json.load(_schema_file)
META_VALIDATOR = Draft202012Validator(META_SCHEMA)
FORMAT_VERSION = META_SCHEMA["properties"]["format_version"]["const"]
MAX_MAXLEN = META_SCHEMA["properties"]["maxlen"]["maximum"]  # window mode re-reads maxlen chars a step
MAX_JSON_BYTES = 16 * 2**20  # a model.json or tempera.json; real ones are a few kB
# tempera.json's map of each weight shard's file name to the SHA-256 of its bytes. Bundles
# exported before it existed have none and are read unchecked; one that has it must name
# every shard model.json names, and each shard must match.
DIGESTS_KEY = "weights_sha256"


class BundleError(TemperaError):
    """A bundle file that is missing or malformed; the message names the file."""


@dataclass
class Bundle:
    path: str
    meta: dict
    vocab: Vocabulary
    model: CharLstm

    @property
    def maxlen(self) -> int:
        return int(self.meta["maxlen"])


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _read_json(path: str) -> dict:
    name, folder = os.path.basename(path), os.path.dirname(path)
    if not os.path.isfile(path):
        raise BundleError(f"{name} is missing from the bundle {folder}")
    if os.path.getsize(path) > MAX_JSON_BYTES:
        raise BundleError(f"{name} in {folder} is over {MAX_JSON_BYTES // 2**20} MB: not a bundle file")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise BundleError(f"{name} in {folder} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise BundleError(f"{name} in {folder} is not a JSON object")
    found = first_non_finite(data)
    if found:
        raise BundleError(f"{name} in {folder}: {found[0]} is {found[1]}; "
                          "every number in a bundle must be finite")
    return data


# ---- tempera.json ---------------------------------------------------------------------------
def _field_problem(field: str, value, keywords: set) -> str:
    """What is wrong with a field the schema refuses, in words; `keywords` are the schema
    keywords it fails."""
    if field == "vocabulary":
        return ("'vocabulary' lists a character twice" if keywords == {"uniqueItems"}
                else "'vocabulary' must be a non-empty list of single characters")
    if field == "held_out":
        return "'held_out' must be an object whose 'loss_nats_per_char' is a number"
    if field == "baselines":
        return ("'baselines' must be an object of unigram_nats_per_char and ngram_nats_per_char "
                "(numbers above 0) and ngram_order (a whole number from 2 to 16)")
    if field == DIGESTS_KEY:
        return (f"'{DIGESTS_KEY}' must map each weight shard's file name to its SHA-256 "
                "(64 lowercase hex digits)")
    expected = {"lowercase": "true or false", "maxlen": f"a whole number from 1 to {MAX_MAXLEN:,}",
                "name": "a string"}
    return f"{field!r} must be {expected.get(field, 'as tempera.schema.json describes')}, got {value!r}"


def check_meta(meta: dict, folder: str) -> None:
    """tempera.json against tempera.schema.json; the first field it fails, in the schema's
    order, is named."""
    def fail(problem):
        raise BundleError(f"tempera.json in {folder}: {problem}")

    version = meta.get("format_version")
    if not _is_whole(version) or version != FORMAT_VERSION:
        raise BundleError(f"tempera.json in {folder} has format_version {version!r}; "
                          f"this tempera reads version {FORMAT_VERSION}")
    errors = list(META_VALIDATOR.iter_errors(meta))
    if not errors:
        return
    missing = [key for key in META_SCHEMA["required"] if key not in meta]
    if missing:
        fail(f"has no {missing[0]!r}")
    failing = {error.absolute_path[0] for error in errors if error.absolute_path}
    field = next((f for f in META_SCHEMA["properties"] if f in failing), None)
    if field is None:
        fail(errors[0].message)
    keywords = {error.validator for error in errors if list(error.absolute_path)[:1] == [field]}
    fail(_field_problem(field, meta[field], keywords))


# ---- model.json: the weights manifest and its shards ------------------------------------------
# The converter's weight quantisations TensorFlow.js reads, and the bytes each value takes.
QUANTIZED_SIZES = {"uint8": 1, "uint16": 2, "float16": 2}


def check_manifest(manifest, folder: str) -> None:
    """The weightsManifest's structure: float32 weights, stored as they are or quantised."""
    def fail(problem):
        raise BundleError(f"model.json in {folder}: {problem}")

    if not isinstance(manifest, list):
        fail("'weightsManifest' must be a list of weight groups")
    for group in manifest:
        if not isinstance(group, dict):
            fail("each weight group must be an object with 'paths' and 'weights'")
        paths, entries = group.get("paths"), group.get("weights")
        if not isinstance(paths, list) or not all(isinstance(p, str) and p for p in paths):
            fail("a weight group's 'paths' must be a list of file names")
        if not isinstance(entries, list):
            fail("a weight group's 'weights' must be a list")
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                fail("each weight must be an object with a 'name'")
            name, shape = entry["name"], entry.get("shape")
            if not isinstance(shape, list) or not all(_is_whole(d) and d >= 0 for d in shape):
                fail(f"weight {name} has shape {shape!r}, not a list of whole numbers")
            if "quantization" in entry:
                check_quantization(entry["quantization"], name, fail)
            if entry.get("dtype") != "float32":
                fail(f"weight {name} has dtype {entry.get('dtype')!r}; "
                     "this tempera reads float32 weights only")


def check_quantization(quantization, name: str, fail) -> None:
    # a dtype that is not a string (a list, an object) is refused here, not a TypeError later
    dtype = quantization.get("dtype") if isinstance(quantization, dict) else None
    if not isinstance(dtype, str) or dtype not in QUANTIZED_SIZES:
        shown = dtype if isinstance(quantization, dict) else quantization
        fail(f"weight {name} is quantized as {shown!r}; tempera reads "
             f"{', '.join(QUANTIZED_SIZES)} quantization")
    if quantization["dtype"] != "float16":
        for key in ("min", "scale"):
            if not _is_number(quantization.get(key)) or not math.isfinite(quantization[key]):
                fail(f"weight {name} is quantized as {quantization['dtype']} without a finite '{key}'")


def dequantized(buffer: bytes, offset: int, count: int, quantization: dict | None) -> np.ndarray:
    """`count` float32 values at `offset`, decoded as TensorFlow.js decodes them: uint8 and
    uint16 as q * scale + min in float64, then rounded to float32; float16 widened exactly.
    A scale or min too large for float32 decodes to infinities, which the caller refuses in
    words, so NumPy's overflow warnings are not printed."""
    if quantization is None:
        return np.frombuffer(buffer, "<f4", count, offset)
    kind = quantization["dtype"]
    if kind == "float16":
        return np.frombuffer(buffer, "<f2", count, offset).astype(np.float32)
    stored = np.frombuffer(buffer, "<u1" if kind == "uint8" else "<u2", count, offset)
    with np.errstate(over="ignore", invalid="ignore"):
        return (stored.astype(np.float64) * quantization["scale"] + quantization["min"]).astype(np.float32)


def _read_shards(folder: str, paths: list) -> tuple[bytes, dict]:
    """The shards' bytes one after another, and the SHA-256 of each, by file name."""
    buffer, digests = bytearray(), {}
    for shard in paths:
        shard_path = os.path.join(folder, shard)
        if os.path.basename(shard) != shard or not os.path.isfile(shard_path):
            raise BundleError(f"weight shard {shard} is missing from the bundle {folder}")
        with open(shard_path, "rb") as handle:
            data = handle.read()
        buffer += data
        digests[shard] = hashlib.sha256(data).hexdigest()
    return bytes(buffer), digests


def check_digest_names(folder: str, manifest: list, recorded: dict) -> None:
    """tempera.json's digests must name exactly model.json's shards: other names mean the two
    files come from different exports."""
    named = [shard for group in manifest for shard in group["paths"]]
    unrecorded = [shard for shard in named if shard not in recorded]
    if unrecorded:
        raise BundleError(f"tempera.json in {folder} records no SHA-256 for weight shard "
                          f"{unrecorded[0]}: model.json and tempera.json are not of one export")
    unnamed = [shard for shard in recorded if shard not in named]
    if unnamed:
        raise BundleError(f"tempera.json in {folder} records a SHA-256 for {unnamed[0]}, a shard "
                          "model.json does not name: model.json and tempera.json are not of one export")


def check_shard_digests(folder: str, actual: dict, recorded: dict) -> None:
    for shard, digest in actual.items():
        if digest != recorded[shard]:
            raise BundleError(f"weight shard {shard} in {folder} is not the one this bundle was "
                              f"exported with: its SHA-256 is {digest[:12]}…, tempera.json records "
                              f"{recorded[shard][:12]}… (a shard of another export, or a damaged one)")


def read_weights(folder: str, manifest: list, digests: dict | None = None) -> dict:
    """All weights of a tfjs weights manifest, by name, as float32 arrays (all finite); with
    `digests` (tempera.json's), every shard must be the one the bundle was exported with."""
    check_manifest(manifest, folder)
    if digests is not None:
        check_digest_names(folder, manifest, digests)
    weights = {}
    for group in manifest:
        buffer, actual = _read_shards(folder, group["paths"])
        offset = 0
        for entry in group["weights"]:
            count = int(np.prod(entry["shape"], dtype=np.int64))
            quantization = entry.get("quantization")
            size = count * (QUANTIZED_SIZES[quantization["dtype"]] if quantization else 4)
            if offset + size > len(buffer):
                raise BundleError(f"weight shard {', '.join(group['paths'])} in {folder} is "
                                  f"truncated: {entry['name']} needs bytes {offset}..{offset + size}, "
                                  f"the shards hold {len(buffer)}")
            values = dequantized(buffer, offset, count, quantization).reshape(entry["shape"])
            if not np.isfinite(values).all():
                cause = ("its scale and min decode to numbers beyond float32's range"
                         if quantization and quantization["dtype"] != "float16"
                         else "did its training diverge?")
                raise BundleError(f"weight {entry['name']} in {folder} holds NaN or infinite "
                                  f"values: the model is broken ({cause})")
            weights[entry["name"]] = values
            offset += size
        if offset != len(buffer):
            raise BundleError(f"weight shard {', '.join(group['paths'])} in {folder} is too long: "
                              f"{len(buffer)} bytes, the manifest describes {offset}")
        if digests is not None:
            check_shard_digests(folder, actual, digests)
    return weights


# ---- model.json: the topology -------------------------------------------------------------------
def _layer_weights(weights: dict, layer: str, kind: str) -> np.ndarray:
    for name, value in weights.items():
        if name.startswith(layer + "/") and name.rsplit("/", 1)[-1] == kind:
            return value
    raise TemperaError(f"it has no weight {layer}/…/{kind}")


def _topology_layers(model_json: dict) -> list:
    try:
        layers = model_json["modelTopology"]["model_config"]["config"]["layers"]
    except (KeyError, TypeError):
        raise TemperaError("it has no modelTopology.model_config.config.layers") from None
    if not isinstance(layers, list) or not all(
            isinstance(l, dict) and isinstance(l.get("config", {}), dict) for l in layers):
        raise TemperaError("modelTopology's layers must be a list of objects with a 'config'")
    return layers


def char_lstm_from_model_json(model_json: dict, weights: dict) -> CharLstm:
    """Rebuild the LSTM stack from a layers-model topology and its weights."""
    lstm_layers, dense = [], None
    for layer in _topology_layers(model_json):
        kind, config = layer.get("class_name"), layer.get("config", {})
        if kind in ("LSTM", "Dense") and not isinstance(config.get("name"), str):
            raise TemperaError(f"its {kind} layer has no name")
        if kind == "LSTM":
            activations = [config.get("activation", "tanh"), config.get("recurrent_activation", "sigmoid")]
            if not all(isinstance(a, str) for a in activations):
                raise TemperaError(f"layer {config['name']}'s activations must be names")
            lstm_layers.append(LstmLayer(*(_layer_weights(weights, config["name"], k) for k in
                                           ("kernel", "recurrent_kernel", "bias")), *activations))
        elif kind == "Dense":
            if config.get("activation") != "softmax":
                raise TemperaError("the output layer must be a softmax Dense layer")
            dense = config["name"]
        elif kind != "InputLayer":
            raise TemperaError(f"it has a {kind!r} layer; tempera models are LSTM + Dense")
    if dense is None:
        raise TemperaError("it has no Dense output layer")
    return CharLstm(lstm_layers, _layer_weights(weights, dense, "kernel"),
                    _layer_weights(weights, dense, "bias"))


def load_model_json(folder: str, digests: dict | None = None) -> CharLstm:
    model_json = _read_json(os.path.join(folder, "model.json"))
    if model_json.get("format") != "layers-model":
        raise BundleError(f"model.json in {folder} is not a tfjs layers-model")
    weights = read_weights(folder, model_json.get("weightsManifest"), digests)
    try:
        return char_lstm_from_model_json(model_json, weights)
    except BundleError:
        raise
    except TemperaError as error:
        raise BundleError(f"model.json in {folder}: {error}") from None
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
        # The checks above name the usual mistakes; anything still odd is reported, not raised.
        raise BundleError(f"model.json in {folder} is malformed ({type(error).__name__}: "
                          f"{error})") from None


def load_bundle(folder: str) -> Bundle:
    if not os.path.isdir(folder):
        raise BundleError(f"bundle folder not found: {folder}")
    meta = _read_json(os.path.join(folder, "tempera.json"))
    check_meta(meta, folder)
    model = load_model_json(folder, meta.get(DIGESTS_KEY))
    vocab = Vocabulary(meta["vocabulary"], meta["lowercase"])
    if len(vocab) != model.vocab_size:
        raise BundleError(f"tempera.json in {folder} lists {len(vocab)} characters, "
                          f"model.json's output has {model.vocab_size}")
    return Bundle(folder, meta, vocab, model)
