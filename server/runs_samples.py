"""One sample per saved epoch of a run, by the NumPy reference from the checkpoint's weights.

Every epoch continues the same seed text at the same temperature with the same RNG seed, so
the uniforms drawn are the same and the differences between epochs are the model's: the
timeline reads as what training taught. A checkpoint is read with h5py (no TensorFlow), and
a sample is kept for as long as its checkpoint file stays the same version.
"""

import io
import json
import os
import threading
from collections import OrderedDict

import numpy as np

from tempera.catalog import is_inside
from tempera.errors import TemperaError
from tempera.generate import Generator
from tempera.lstm import CharLstm, LstmLayer
from tempera.training.options import check_config
from tempera.training.recipes import Recipe
from tempera.training.run_folder import RunFolder
from tempera.vocab import Vocabulary

from .file_version import open_version

SAMPLE_LENGTH = 200  # as many characters as training's own samples per temperature
SAMPLE_TEMPERATURE = 1.0  # the model's own distribution: what it has learned, unsharpened
SEED_CHARS = 40  # the seed: this many characters from the start of the run's text
CORPUS_HEAD_BYTES = 64 * 1024  # enough of the text's start for the seed
CACHED_SAMPLES = 4096  # epochs kept in memory (a sample is a few kB)
MODE = "stateful"


def checkpoint_model(data: bytes, name: str) -> CharLstm:
    """The NumPy LSTM holding the weights of a tf_keras HDF5 checkpoint (its bytes), or a
    TemperaError naming the checkpoint."""
    try:
        import h5py
    except ImportError:
        raise MissingTraining("reading a checkpoint needs h5py, which comes with TensorFlow") from None
    try:
        with h5py.File(io.BytesIO(data), "r") as h5:
            layers = json.loads(h5.attrs["model_config"])["config"]["layers"]
            weights = h5["model_weights"]
            lstm_layers, dense = [], None
            for layer in layers:
                kind, config = layer["class_name"], layer["config"]
                if kind not in ("LSTM", "Dense"):
                    continue
                group = weights[config["name"]]
                arrays = [np.asarray(group[w]) for w in group.attrs["weight_names"]]
                if kind == "LSTM":
                    lstm_layers.append(LstmLayer(*arrays, config["activation"],
                                                 config["recurrent_activation"]))
                else:
                    dense = arrays
            if dense is None:
                raise TemperaError("it holds no output layer")
            return CharLstm(lstm_layers, *dense)
    except TemperaError as error:
        raise TemperaError(f"checkpoint {name} is not a model of this run ({error})") from None
    except Exception as error:  # h5py raises many types for a damaged file
        reason = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
        raise TemperaError(f"checkpoint {name} cannot be read (truncated or corrupt: {reason})") from None


class MissingTraining(TemperaError):
    """What the server needs to read checkpoints or export is not installed."""


def corpus_head(config: dict) -> str | None:
    """The start of the run's text as training read it (lowercased where the run is), or None
    when the text is no longer where the run found it."""
    path = config.get("corpus_path") or config.get("corpus")
    version = open_version(path) if isinstance(path, str) else None
    if version is None:
        return None
    try:
        data = os.pread(version.descriptor, CORPUS_HEAD_BYTES, 0)
    except OSError:
        return None
    finally:
        version.close()
    text = data.decode("utf-8", errors="ignore").removeprefix("\ufeff").replace("\r\n", "\n")
    return text.lower() if config.get("lowercase") else text


def seed_text(config: dict, vocab: Vocabulary) -> str:
    """The first SEED_CHARS characters of the run's text that the model knows, after leading
    white space; where the text is gone, a line break (or the first character the model knows)."""
    head = corpus_head(config) or ""
    known = "".join(c for c in head.lstrip() if c in vocab.index)[:SEED_CHARS]
    if known:
        return known
    return next((c for c in ("\n", " ") if c in vocab.index), vocab.chars[0])


def ranks_text(model: CharLstm, vocab: Vocabulary, seed: str, rng_seed: int, maxlen: int) -> dict:
    generator = Generator(model, vocab, maxlen)
    lane = generator.generate(vocab.encode(seed), [SAMPLE_TEMPERATURE], SAMPLE_LENGTH, rng_seed,
                              MODE, records=True)[0]
    return {"text": lane.text, "ranks": lane.records.rank.tolist()}


class EpochSamples:
    """The samples of runs' epochs, each made once per version of its checkpoint file."""

    def __init__(self):
        self.cache = OrderedDict()  # (checkpoint key, seed, rng seed) -> {"text", "ranks"}
        self.lock = threading.Lock()  # one sample made at a time: training has the CPU first

    def run_samples(self, folder: str, relative) -> dict:
        """{"seed", "temperature", "rng_seed", "epochs": [...]} for the run in `folder`;
        `relative(message)` rewrites the folder's path in messages."""
        run = RunFolder(folder)
        config = check_config(run.config(), folder)
        vocab = Vocabulary(run.vocabulary(), config["lowercase"])
        maxlen = Recipe.from_dict(config["recipe"]).maxlen
        seed = seed_text(config, vocab)
        rng_seed = config["seed"] & 0xFFFFFFFF
        epochs = []
        for row in run.history():
            entry = {"epoch": row["epoch"]}
            try:
                entry.update(self.sample(folder, run.file(row["checkpoint"]), vocab, seed, rng_seed, maxlen))
            except MissingTraining:
                raise
            except TemperaError as error:
                entry.update(text="", ranks=[], error=relative(str(error)))
            epochs.append(entry)
        return {"seed": seed, "temperature": SAMPLE_TEMPERATURE, "rng_seed": rng_seed,
                "length": SAMPLE_LENGTH, "mode": MODE, "epochs": epochs}

    def sample(self, folder: str, path: str, vocab: Vocabulary, seed: str, rng_seed: int, maxlen: int) -> dict:
        """The sample of the checkpoint at `path`: its key and its bytes from one version."""
        name = os.path.join(os.path.basename(os.path.dirname(path)), os.path.basename(path))
        version = open_version(path) if is_inside(path, folder) else None
        if version is None:
            raise TemperaError(f"checkpoint {name} is missing")
        key = (path, version.key, seed, rng_seed, tuple(vocab.chars))
        with self.lock:
            if key in self.cache:
                version.close()
                self.cache.move_to_end(key)
                return self.cache[key]
            try:
                data = version.read_all()
            finally:
                version.close()
            if data is None:
                raise TemperaError(f"checkpoint {name} changed while it was read: ask again")
            sample = ranks_text(checkpoint_model(data, name), vocab, seed, rng_seed, maxlen)
            self.cache[key] = sample
            while len(self.cache) > CACHED_SAMPLES:
                self.cache.popitem(last=False)
            return sample
