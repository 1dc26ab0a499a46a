"""`tempera activations` and `tempera saliency` (the NumPy reference of what the model computes
inside) against tf_keras: each layer's h and c after every character, stepped through a stateful
Keras LSTM stack, and the influence of each character, from tf.GradientTape on one-hot inputs."""

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from helpers import ROOT, SHIPPED_BUNDLE, SMALL_TEXT
from tempera import cli, load
from tempera.activations import activations
from tempera.bundle import load_bundle
from tempera.saliency import saliency

TEXT = "the meaning of life is (not) what one thinks; it is what one does."
# Some lines of the small corpus: longer than its window, so window mode batches windows.
SMALL_SAMPLE = SMALL_TEXT.splitlines()[1] + "\n" + SMALL_TEXT.splitlines()[2]


def run_main(capsys, *args) -> tuple:
    status = cli.main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# ---- in process, no TensorFlow ------------------------------------------------------------
def test_json_output_is_the_python_documents(capsys):
    status, out, _ = run_main(capsys, "activations", "nietzsche", "--text", TEXT, "--json")
    assert status == 0
    document = json.loads(out)
    assert document == activations("nietzsche", TEXT)
    assert document["chars"] == list(TEXT) and len(document["layers"]) == 2
    assert all(len(layer["h"]) == len(TEXT) == len(layer["c"]) and len(layer["h"][0]) == 256
               for layer in document["layers"])
    status, out, _ = run_main(capsys, "saliency", "nietzsche", "--text", TEXT, "--position",
                              "40", "--context", "12", "--json")
    assert status == 0
    document = json.loads(out)
    assert document == load("nietzsche").saliency(TEXT, 40, context=12)
    assert (document["target"], document["context"], document["context_start"]) == (TEXT[40], 12, 28)
    assert [e["index"] for e in document["influence"]] == list(range(28, 40))
    assert "".join(e["char"] for e in document["influence"]) == TEXT[28:40]


def test_readable_output_names_the_most_active_units_and_the_top_influences(capsys):
    status, out, _ = run_main(capsys, "activations", "nietzsche", "--text", "The Text")
    assert status == 0 and "'the text'" in out and "layer 2 (256 units)" in out
    status, out, _ = run_main(capsys, "saliency", "nietzsche", "--text", TEXT, "--position", "10")
    assert status == 0 and "position 10: 'g'" in out and "most influential" in out


def test_window_rows_are_each_window_read_from_a_zero_state():
    bundle = load_bundle(SHIPPED_BUNDLE)
    text = TEXT + " so?"  # a few characters longer than the 60-character window
    rows = activations(bundle, text, "window")["layers"]
    ids = bundle.vocab.encode(text)
    for t in (0, 59, 60, len(text) - 1):
        _, state = bundle.model.run(ids[None, max(0, t - 59):t + 1])
        for layer, (h, c) in zip(rows, state):
            assert np.abs(np.array(layer["h"][t]) - h[0]).max() <= 1e-6
            assert np.abs(np.array(layer["c"][t]) - c[0]).max() <= 1e-6


@pytest.mark.parametrize("args, words", [
    (["saliency", "nietzsche", "--text", "the end", "--position", "0"], "from 1 to 6"),
    (["saliency", "nietzsche", "--text", "the end", "--position", "7"], "got 7"),
    (["saliency", "nietzsche", "--text", "t", "--position", "1"], "at least two characters"),
    (["saliency", "nietzsche", "--text", "the end", "--position", "3", "--context", "0"],
     "context must be a whole number"),
    (["saliency", "nietzsche", "--text", "the 😀 end", "--position", "3"],
     "1 character the model does not know: '😀'"),
    (["activations", "nietzsche", "--text", "a😀b😀"], "2 characters the model does not know"),
    (["activations", "nietzsche", "--text", ""], "the text is empty"),
    (["activations", "nietzsche", "--text", "the", "--mode", "sideways"], "invalid choice"),
    (["activations", "no-such-model", "--text", "the"], "nor is it a shipped model"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, args, words):
    try:
        status = cli.main(args)
    except SystemExit as usage_error:  # argparse's own refusals
        status = usage_error.code
    err = capsys.readouterr().err
    assert status == 2 and words in err and err.count("\n") == 1


def test_a_corrupt_bundle_is_refused_in_words(capsys, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(SHIPPED_BUNDLE, broken)
    shard = broken / "group1-shard1of1.bin"
    shard.write_bytes(shard.read_bytes()[:-10])
    for command in (["activations", str(broken), "--text", "the"],
                    ["saliency", str(broken), "--text", "the", "--position", "1"]):
        status, _, err = run_main(capsys, *command)
        assert status == 2 and "group1-shard1of1.bin" in err and err.count("\n") == 1


def test_the_commands_import_no_tensorflow():
    code = ("import sys; from tempera.cli import main; "
            "assert main(['activations', 'nietzsche', '--text', 'the end', '--json']) == 0; "
            "assert main(['saliency', 'nietzsche', '--text', 'the end', '--position', '4']) == 0; "
            "assert not {'tensorflow', 'tf_keras', 'keras'} & set(sys.modules), 'TF imported'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr


# ---- against tf_keras ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tf():
    from tempera.quiet import import_quietly

    return import_quietly("tensorflow")


def keras_stack(bundle, stateful: bool):
    """The bundle's LSTM layers and output layer rebuilt in tf_keras, in float64."""
    from tempera.quiet import import_quietly

    keras = import_quietly("tf_keras")
    model = bundle.model
    layers, inputs = [], len(bundle.vocab)
    for layer in model.layers:
        lstm = keras.layers.LSTM(layer.units, return_sequences=True, return_state=True,
                                 stateful=stateful, dtype="float64",
                                 activation=layer.activation,
                                 recurrent_activation=layer.recurrent_activation)
        lstm.build((1, None, inputs))
        lstm.set_weights([layer.kernel, layer.recurrent_kernel, layer.bias])
        layers.append(lstm)
        inputs = layer.units
    dense = keras.layers.Dense(len(bundle.vocab), dtype="float64")
    dense.build((None, inputs))
    dense.set_weights([model.dense_kernel, model.dense_bias])
    return layers, dense


def keras_states_step_by_step(tf, bundle, ids) -> list:
    """Per layer, (h, c) after each character, fed one at a time to a stateful stack."""
    layers, _ = keras_stack(bundle, stateful=True)
    one_hot = np.eye(len(bundle.vocab))[ids]
    rows = [([], []) for _ in layers]
    for x in one_hot:
        x = tf.constant(x[None, None, :])
        for layer, (hs, cs) in zip(layers, rows):
            x, h, c = layer(x)
            hs.append(h.numpy()[0])
            cs.append(c.numpy()[0])
    return [(np.array(hs), np.array(cs)) for hs, cs in rows]


def keras_window_states(tf, bundle, ids, ends) -> list:
    """Per layer, (h, c) after each window of the last maxlen characters ending at `ends`."""
    layers, _ = keras_stack(bundle, stateful=False)
    x = tf.constant(np.eye(len(bundle.vocab))[ids[np.array(ends)[:, None] - bundle.maxlen + 1
                                                   + np.arange(bundle.maxlen)[None, :]]])
    states = []
    for layer in layers:
        x, h, c = layer(x)
        states.append((h.numpy(), c.numpy()))
    return states


def keras_influence(tf, bundle, ids, position, start, mode) -> tuple:
    """log p(ids[position]) and each context character's gradient norm, by tf.GradientTape."""
    layers, dense = keras_stack(bundle, stateful=False)
    eye = np.eye(len(bundle.vocab))
    held = [None] * len(layers)
    if mode == "stateful" and start:
        x = tf.constant(eye[ids[:start]][None])
        for index, layer in enumerate(layers):
            x, h, c = layer(x)
            held[index] = [tf.stop_gradient(h), tf.stop_gradient(c)]
    x0 = tf.constant(eye[ids[start:position]][None])
    with tf.GradientTape() as tape:
        tape.watch(x0)
        x = x0
        for layer, initial in zip(layers, held):
            x, _, _ = layer(x, initial_state=initial)
        log_p = tf.nn.log_softmax(dense(x[:, -1]))[0, int(ids[position])]
    grads = tape.gradient(log_p, x0).numpy()[0]
    return float(log_p), np.linalg.norm(grads, axis=1)


def check_rows_against_keras(document, expected_rows, rows=slice(None)):
    for layer, (h, c) in zip(document["layers"], expected_rows):
        assert np.abs(np.array(layer["h"])[rows] - h).max() <= 1e-6
        assert np.abs(np.array(layer["c"])[rows] - c).max() <= 1e-6


@pytest.mark.slow
def test_stateful_activations_are_a_stateful_keras_stack_stepped(tf, small_bundle):
    bundle = load_bundle(small_bundle)
    document = activations(bundle, SMALL_SAMPLE)
    ids = bundle.vocab.encode_seed(SMALL_SAMPLE).ids
    check_rows_against_keras(document, keras_states_step_by_step(tf, bundle, ids))


@pytest.mark.slow
def test_window_activations_are_keras_windows(tf, small_bundle):
    bundle = load_bundle(small_bundle)
    ids = bundle.vocab.encode_seed(SMALL_SAMPLE).ids
    assert len(ids) > bundle.maxlen + 5
    document = activations(bundle, SMALL_SAMPLE, "window")
    full = list(range(bundle.maxlen - 1, len(ids)))
    expected = keras_window_states(tf, bundle, ids, full)
    check_rows_against_keras(document, expected, slice(bundle.maxlen - 1, None))
    # before the window is full, a row is the state after the whole text so far
    prefix = keras_states_step_by_step(tf, bundle, ids[:bundle.maxlen])
    check_rows_against_keras(document, prefix, slice(0, bundle.maxlen))


@pytest.mark.slow
def test_shipped_model_activations_are_keras(tf):
    bundle = load_bundle(SHIPPED_BUNDLE)
    text = "\"why?\" said he."
    check_rows_against_keras(activations(bundle, text),
                             keras_states_step_by_step(tf, bundle, bundle.vocab.encode(text)))


@pytest.mark.slow
@pytest.mark.parametrize("mode, position, context", [("stateful", 70, 25), ("stateful", 12, 100),
                                                     ("window", 70, 100), ("window", 20, 100)])
def test_saliency_is_the_keras_gradient(tf, small_bundle, mode, position, context):
    bundle = load_bundle(small_bundle)
    ids = bundle.vocab.encode_seed(SMALL_SAMPLE).ids
    document = saliency(bundle, SMALL_SAMPLE, position, context, mode)
    start = max(0, position - (bundle.maxlen if mode == "window" else context))
    assert document["context_start"] == start
    log_p, norms = keras_influence(tf, bundle, ids, position, start, mode)
    assert abs(document["log_probability"] - log_p) <= 1e-9
    got = np.array([entry["influence"] for entry in document["influence"]])
    assert got.shape == norms.shape and np.abs(got - norms).max() <= 1e-7 * max(1.0, norms.max())
    assert norms.min() > 0  # every character of the context reaches the prediction


def test_the_python_functions_take_a_folder_path_and_refuse_in_the_commands_words():
    import pathlib

    from tempera import TemperaError

    assert activations(pathlib.Path(SHIPPED_BUNDLE), "ab")["chars"] == ["a", "b"]
    with pytest.raises(TemperaError, match="position must be a whole number from 1 to 6"):
        load("nietzsche").saliency("the end", 2.5)
    with pytest.raises(TemperaError, match="give a bundle folder"):
        saliency(None, "the end", 3)


@pytest.mark.slow
def test_saliency_follows_a_models_own_activations(tf):
    """A model whose gates are hard sigmoids (an LSTM option tf_keras and the bundle allow):
    the gradient takes each activation's own derivative."""
    from tempera.bundle import Bundle
    from tempera.lstm import CharLstm, LstmLayer
    from tempera.vocab import Vocabulary

    rng = np.random.default_rng(5)
    chars = sorted(set(SMALL_SAMPLE))
    layers = [LstmLayer(rng.normal(0, 1.0, (n_in, 4 * 8)), rng.normal(0, 0.7, (8, 4 * 8)),
                        rng.normal(0, 0.5, 4 * 8), "tanh", "hard_sigmoid")
              for n_in in (len(chars), 8)]
    model = CharLstm(layers, rng.normal(0, 1.0, (8, len(chars))), rng.normal(0, 0.1, len(chars)))
    bundle = Bundle("synthetic", {"maxlen": 20}, Vocabulary(chars, False), model)
    ids = bundle.vocab.encode(SMALL_SAMPLE)
    check_rows_against_keras(activations(bundle, SMALL_SAMPLE[:30]),
                             keras_states_step_by_step(tf, bundle, ids[:30]))
    for mode, start in (("stateful", 35), ("window", 30)):
        document = saliency(bundle, SMALL_SAMPLE, 50, 15, mode)
        log_p, norms = keras_influence(tf, bundle, ids, 50, start, mode)
        assert abs(document["log_probability"] - log_p) <= 1e-9
        got = np.array([entry["influence"] for entry in document["influence"]])
        assert np.abs(got - norms).max() <= 1e-7 * max(1.0, norms.max())
