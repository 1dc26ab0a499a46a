"""`tempera import`: a model trained by the course notebook's own code (Keras 3) becomes a bundle
that predicts what the notebook's model predicts; a model or text of another shape is refused."""

import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from conftest import ROOT
from helpers import Distributions, check_records, compared_length, head, reference
from tempera import cli
from tempera.bundle import load_bundle

pytestmark = [pytest.mark.slow,  # trains and converts real models
              pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`")]  # the notebook does

TEXT_FILE = os.path.join(ROOT, "tests", "data", "nietzsche-held-out-excerpt.txt")


def notebook_text() -> str:
    with open(TEXT_FILE, encoding="utf-8") as handle:
        return handle.read()[:3000]


def train_as_the_notebook_does(text: str, units: int = 8):
    """The notebook's cells, as they run under Keras 3: 60-character windows every 3 characters,
    one-hot, LSTM + softmax Dense, categorical cross-entropy, RMSprop (a few steps here)."""
    import keras
    from keras import layers

    assert keras.__version__.startswith("3.")
    text = text.lower()
    maxlen, step = 60, 3
    sentences, next_chars = [], []
    for i in range(0, len(text) - maxlen, step):
        sentences.append(text[i: i + maxlen])
        next_chars.append(text[i + maxlen])
    chars = sorted(list(set(text)))
    char_indices = {char: chars.index(char) for char in chars}
    x = np.zeros((len(sentences), maxlen, len(chars)), dtype=bool)
    y = np.zeros((len(sentences), len(chars)), dtype=bool)
    for i, sentence in enumerate(sentences):
        for t, char in enumerate(sentence):
            x[i, t, char_indices[char]] = 1
        y[i, char_indices[next_chars[i]]] = 1
    model = keras.models.Sequential()
    model.add(layers.LSTM(units, input_shape=(maxlen, len(chars))))
    model.add(layers.Dense(len(chars), activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.RMSprop(learning_rate=0.01))
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    return model, chars


@pytest.fixture(scope="module")
def notebook(tmp_path_factory):
    folder = tmp_path_factory.mktemp("notebook")
    corpus = folder / "text.txt"
    corpus.write_text(notebook_text(), encoding="utf-8")
    model, chars = train_as_the_notebook_does(notebook_text())
    model.save(folder / "model.keras")
    model.save(folder / "model.h5")
    return {"folder": folder, "corpus": str(corpus), "model": model, "chars": chars}


def import_cli(*args) -> int:
    return cli.main(["import", *map(str, args)])


@pytest.mark.parametrize("file_name", ["model.keras", "model.h5"])
def test_a_notebook_model_becomes_a_bundle_that_predicts_what_keras_3_predicts(notebook, file_name,
                                                                              tmp_path, capsys):
    out = tmp_path / "bundle"
    assert import_cli(notebook["folder"] / file_name, "--corpus", notebook["corpus"], "--out", out) == 0
    assert "agrees with the notebook's Keras model" in capsys.readouterr().out

    bundle = load_bundle(str(out))
    assert bundle.vocab.chars == notebook["chars"] and bundle.meta["lowercase"] is True
    assert bundle.maxlen == 60 and bundle.meta["layers"]["lstm_units"] == [8]
    ids = np.random.default_rng(5).integers(len(notebook["chars"]), size=(3, 60))
    expected = notebook["model"].predict(np.eye(len(notebook["chars"]), dtype=np.float32)[ids], verbose=0)
    read_back, _ = bundle.model.run(ids)
    assert np.abs(read_back - expected).max() < 1e-5

    assert cli.main(["sample", str(out), "--seed-text", "The Will", "--length", "30",
                     "--rng-seed", "3", "--mode", "window"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("------ temperature:") == 4 and "the will" in printed


def keras3_model(*layer_list):
    import keras

    return keras.models.Sequential(list(layer_list))


def refused_models(vocab_size: int) -> dict:
    from keras import layers

    one_hot = layers.Input(shape=(60, vocab_size))
    return {
        "GRU + Dense": keras3_model(one_hot, layers.GRU(8), layers.Dense(vocab_size, activation="softmax")),
        "LSTM + LSTM + Dense": keras3_model(one_hot, layers.LSTM(8, return_sequences=True), layers.LSTM(8),
                                            layers.Dense(vocab_size, activation="softmax")),
        "Embedding + LSTM + Dense": keras3_model(layers.Input(shape=(60,)), layers.Embedding(vocab_size, 8),
                                                 layers.LSTM(8), layers.Dense(vocab_size, activation="softmax")),
        f"reads {vocab_size} characters but its Dense layer predicts {vocab_size + 1}": keras3_model(
            one_hot, layers.LSTM(8), layers.Dense(vocab_size + 1, activation="softmax")),
        "activation 'linear'": keras3_model(one_hot, layers.LSTM(8), layers.Dense(vocab_size)),
    }


def test_a_model_of_another_shape_is_refused_in_one_line(notebook, tmp_path, capsys):
    for words, model in refused_models(len(notebook["chars"])).items():
        path = tmp_path / "other.keras"
        model.save(path)
        assert import_cli(path, "--corpus", notebook["corpus"], "--out", tmp_path / "out") == 2
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and error.startswith("tempera import: error:"), error
        assert words in error and "Traceback" not in error
        assert not (tmp_path / "out").exists()


def test_a_text_whose_characters_do_not_match_is_refused(notebook, tmp_path, capsys):
    other = tmp_path / "other.txt"
    other.write_text(notebook_text() + " ZQX§", encoding="utf-8")
    assert import_cli(notebook["folder"] / "model.keras", "--corpus", other, "--out", tmp_path / "out") == 2
    error = capsys.readouterr().err
    assert f"but {notebook['folder'] / 'model.keras'} reads {len(notebook['chars'])}" in error
    assert error.count("\n") == 1 and not (tmp_path / "out").exists()


@pytest.mark.parametrize("name, content, words", [
    ("missing.keras", None, "model file not found"),
    ("notes.txt", "hello", "not a Keras model file"),
    ("broken.keras", "not a zip", "Keras cannot read"),
    ("broken.h5", "not HDF5", "Keras cannot read"),
])
def test_a_file_that_is_not_a_model_is_refused(notebook, tmp_path, capsys, name, content, words):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    assert import_cli(path, "--corpus", notebook["corpus"], "--out", tmp_path / "out") == 2
    error = capsys.readouterr().err
    assert words in error and error.count("\n") == 1, error


def test_import_help_describes_the_notebook_model(capsys):
    with pytest.raises(SystemExit):
        cli.main(["import", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "course notebook" in text and ".keras or .h5" in text and "lowercased" in text


def test_the_page_generator_samples_an_imported_bundle_as_the_reference_does(notebook, tmp_path):
    """The page's own generator (under Node, cpu and wasm, both modes) on an imported bundle:
    the same text and per-step records as the NumPy reference for the same RNG seed."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    out = tmp_path / "bundle"
    assert import_cli(notebook["folder"] / "model.keras", "--corpus", notebook["corpus"], "--out", out) == 0
    seed, temperatures, length, rng_seed = "the will to power is", [0.2, 1.0, 1.2], 40, 11
    cases = [(backend, mode) for backend in ("cpu", "wasm") for mode in ("stateful", "window")]
    request = {"bundle": str(out), "runs": [
        {"backend": backend, "mode": mode, "seedText": seed, "temperatures": temperatures,
         "length": length, "rngSeed": rng_seed, "scoreText": seed, "topK": [0] * 3, "topP": [1] * 3,
         "minP": [0] * 3} for backend, mode in cases]}
    result = subprocess.run([node, "tests/generator_runs.mjs"], input=json.dumps(request), cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    runs = json.loads(result.stdout.strip().splitlines()[-1])
    bundle, generator = reference(str(out))
    encoding = bundle.vocab.encode_seed(seed)
    for (backend, mode), got in zip(cases, runs, strict=True):
        lanes = generator.generate(encoding.ids, temperatures, length, rng_seed, mode, records=True)
        for index, (js_lane, lane) in enumerate(zip(got["lanes"], lanes, strict=True)):
            where = f"imported {backend} {mode} lane {index + 1}"
            distributions = Distributions(generator, encoding.ids, bundle.vocab.encode(lane.text), mode)
            upto = compared_length(js_lane["text"], lane, distributions, where, [])
            assert upto > length // 2, where
            check_records(js_lane["steps"][:upto], lane.text[:upto], head(lane.records, upto),
                          distributions, bundle.vocab, where)
        assert got["leaked"] == 0
