"""A run may start from a trained model's weights (`--start-from`): mapped character by
character onto the new text's vocabulary, chosen by default for a small text the shipped model
knows, recorded, kept when the run resumes, and refused in words where it cannot be used."""

import json
import math
import os
import subprocess
from collections import Counter

import numpy as np
import pytest

from helpers import SHIPPED_BUNDLE, SMALL_TEXT
from tempera.cli import main, parser
from tempera.errors import TemperaError
from tempera.training.options import check_same_recipe, choose_for_text, new_config
from tempera.training.recipes import FINE_TUNE, FINE_TUNE_BIG, START_BELOW_CHARS, StartOffer, choose_recipe
from tempera.training.start_model import (NEW_CHAR_BIAS_BELOW, StartModel, char_sources,
                                          check_architecture, coverage, mapped_weights,
                                          read_start_model)
from train_in_process import one_line_error, train_in_process


def tiny_start(units=3, layers=1):
    """A start model over the vocabulary 'a', 'b', ' ' with recognisable weights."""
    rng = np.random.default_rng(0)
    vocabulary = [" ", "a", "b"]
    weights = []
    inputs = len(vocabulary)
    for _ in range(layers):
        weights += [rng.normal(size=(inputs, 4 * units)).astype(np.float32),
                    rng.normal(size=(units, 4 * units)).astype(np.float32),
                    rng.normal(size=4 * units).astype(np.float32)]
        inputs = units
    weights += [rng.normal(size=(units, 3)).astype(np.float32), np.array([0.5, 1.0, -2.0], np.float32)]
    return StartModel("tiny", "/nowhere", vocabulary, True, units, layers, weights, {})


def fresh_weights(start, vocab_size):
    rng = np.random.default_rng(1)
    shapes = [(vocab_size, 4 * start.units)] + [w.shape for w in start.weights[1:-2]] + [
        (start.units, vocab_size), (vocab_size,)]
    return [rng.normal(size=shape).astype(np.float32) for shape in shapes]


def test_each_character_takes_the_weights_of_the_same_character_its_lower_case_or_none():
    start = tiny_start(layers=2)
    chars = [" ", "A", "a", "z"]  # kept, from lower case, kept, new
    counts = Counter({" ": 10, "A": 1, "a": 5, "z": 2})
    fresh = fresh_weights(start, len(chars))
    weights = mapped_weights(start, chars, counts, fresh)
    kernel, out_kernel, out_bias = weights[0], weights[-2], weights[-1]
    source_kernel, source_out, source_bias = start.weights[0], start.weights[-2], start.weights[-1]
    # A character in both vocabularies keeps its input row, output column and bias exactly.
    assert np.array_equal(kernel[0], source_kernel[0]) and np.array_equal(out_kernel[:, 0], source_out[:, 0])
    assert out_bias[0] == source_bias[0]
    # 'A' reads as 'a' and shares its output with it by their counts (1 + 1 against 5 + 1).
    for index in (1, 2):
        assert np.array_equal(kernel[index], source_kernel[1])
        assert np.array_equal(out_kernel[:, index], source_out[:, 1])
    assert math.isclose(math.exp(out_bias[1]) + math.exp(out_bias[2]), math.exp(source_bias[1]), rel_tol=1e-5)
    assert math.isclose(out_bias[1] - out_bias[2], math.log(2 / 6), rel_tol=1e-5)
    # 'z' is new: a fresh model's row and column, and a bias below every known one.
    assert np.array_equal(kernel[3], fresh[0][3]) and np.array_equal(out_kernel[:, 3], fresh[-2][:, 3])
    assert out_bias[3] == pytest.approx(source_bias.min() - NEW_CHAR_BIAS_BELOW)
    # Every other layer is the start model's, unchanged.
    for mapped, source in zip(weights[1:-2], start.weights[1:-2]):
        assert np.array_equal(mapped, source)
    assert char_sources(start, chars) == {"kept": [" ", "a"], "from_lowercase": ["A"], "new": ["z"]}
    # Upper case counts as known, through its lower case: all but the two 'z's.
    assert coverage(counts, start.vocabulary) == pytest.approx(16 / 18)


def test_a_model_of_another_shape_cannot_take_the_weights():
    start = tiny_start(units=3, layers=2)
    with pytest.raises(TemperaError, match="its layers do not fit"):
        mapped_weights(start, ["a"], Counter(), fresh_weights(tiny_start(units=4, layers=2), 1))
    with pytest.raises(TemperaError, match=r"tiny is 2 × LSTM\(3\); a run started from it keeps "
                                           r"that shape, not 1 × LSTM\(3\).*--start-from none"):
        check_architecture(start, 3, 1)


def test_the_shipped_model_reads_as_a_start():
    start = read_start_model("nietzsche")
    assert (start.units, start.layers, len(start.vocabulary)) == (256, 2, 57)
    assert [w.shape for w in start.weights] == [(57, 1024), (256, 1024), (1024,), (256, 1024),
                                                (256, 1024), (1024,), (256, 57), (57,)]
    assert start.record()["weights_sha256"] == json.load(
        open(os.path.join(SHIPPED_BUNDLE, "tempera.json"), encoding="utf-8"))["weights_sha256"]


def offer(coverage_share=0.999, by_hand=False):
    return StartOffer("nietzsche", 256, 2, coverage_share, by_hand)


def test_the_rule_starts_a_small_text_it_knows_from_the_shipped_model():
    choice = choose_recipe(31_634, 3, 100_000, offer=offer())
    recipe = choice.recipe
    assert choice.start == "nietzsche"
    assert (recipe.layers, recipe.units, recipe.dropout, recipe.learning_rate) == (
        2, 256, FINE_TUNE["dropout"], FINE_TUNE["learning_rate"])
    assert choice.line.startswith("Recipe: 2 × LSTM(256), dropout 0.5, batch 64, 100-char "
                                  "sequences from nietzsche — chosen for 31,634 characters")
    assert ("starting from the shipped model nietzsche, which knows 99.9 % of the text's "
            "characters") in choice.reason
    assert "--start-from" in choice.line and choice.inputs["start_coverage"] == 0.999
    # Not when the text has characters the model does not know, nor a big text, nor when the
    # shape was set by hand; a learning rate set by hand is kept.
    assert choose_recipe(31_634, 3, 100_000, offer=offer(0.951)).start == "nietzsche"
    assert choose_recipe(31_634, 3, 100_000, offer=offer(0.949)).start is None
    assert choose_recipe(START_BELOW_CHARS, 3, 100_000, offer=offer()).start is None
    # A big text given the time for two layers starts from it too, at its own rate and dropout.
    big = choose_recipe(1_003_855, 30, 100_000, offer=offer())
    assert big.start == "nietzsche" and (big.recipe.layers, big.recipe.units) == (2, 256)
    assert (big.recipe.dropout, big.recipe.learning_rate) == (
        FINE_TUNE_BIG["dropout"], FINE_TUNE_BIG["learning_rate"])
    assert "adapting it holds out better than a new model" in big.reason
    assert choose_recipe(1_003_855, 10, 100_000, offer=offer()).start is None
    assert choose_recipe(31_634, 3, 100_000, {"units": 64}, offer=offer()).start is None
    assert choose_recipe(31_634, 3, 100_000, {"learning_rate": 0.01}, offer=offer()).recipe.learning_rate == 0.01
    # Named by hand, it is used whatever the text.
    named = choose_recipe(5_000_000, 3, 100_000, offer=offer(0.5, by_hand=True))
    assert named.start == "nietzsche" and "starting from nietzsche (--start-from)" in named.reason
    assert choose_recipe(31_634, 3, 100_000).start is None


ENGLISH = "the shipped model knows every one of these characters, so it starts from them.\n" * 60
FOREIGN = ENGLISH[:2000] + "永劫回帰 " * 40  # 7.2 % of it characters the shipped model does not know


def config_for(*options, text=ENGLISH):
    args = parser().parse_args(["train", "--corpus", "text.txt", "--time-budget", "3", *options])
    config = new_config(args)
    counts = Counter(text)
    return config, choose_for_text(config, args, len(text), counts), args



def test_a_new_run_records_where_it_started_and_a_resumed_one_keeps_it():
    config, line, _ = config_for()
    assert "from nietzsche" in line and config["recipe"]["units"] == 256
    start = config["start_from"]
    assert start["name"] == "nietzsche" and start["path"] == os.path.abspath(SHIPPED_BUNDLE)
    assert start["chars"]["new"] == [] and start["chars"]["from_lowercase"] == []
    assert config["recipe_reason"] in line
    json.dumps(config, allow_nan=False)
    # Resuming keeps it: --start-from none is refused, the same model is not.
    _, _, again = config_for("--start-from", "none")
    with pytest.raises(TemperaError, match="was made with --start-from nietzsche"):
        check_same_recipe(again, config, "runs/x")
    for same in ([], ["--start-from", "nietzsche"], ["--start-from", SHIPPED_BUNDLE]):
        _, _, again = config_for(*same)
        check_same_recipe(again, config, "runs/x")
    # A run from random weights refuses to resume from a model.
    scratch, _, _ = config_for("--start-from", "none", text=ENGLISH)
    assert "start_from" not in scratch and scratch["recipe"]["layers"] == 1
    _, _, again = config_for("--start-from", "nietzsche")
    with pytest.raises(TemperaError, match="was made with --start-from none"):
        check_same_recipe(again, scratch, "runs/x")


def test_a_text_with_characters_the_model_does_not_know_starts_from_random_weights():
    config, line, _ = config_for(text=FOREIGN)
    assert "start_from" not in config and " from nietzsche" not in line
    assert config["recipe_choice"]["start_coverage"] < 0.95
    # Named by hand, it starts from it all the same, the unknown characters new.
    named, line, _ = config_for("--start-from", "nietzsche", text=FOREIGN)
    assert "--start-from" in line and "永" in named["start_from"]["chars"]["new"]
    # Case kept: upper case takes its lower case's weights.
    kept, _, _ = config_for("--keep-case", "--start-from", "nietzsche", text=SMALL_TEXT)
    assert "T" in kept["start_from"]["chars"]["from_lowercase"]


@pytest.mark.parametrize("options, words", [
    (["--start-from", "gpt-2"], "--start-from must be 'nietzsche', 'none' or an exported bundle's folder"),
    (["--start-from", "tests"], "--start-from tests: not a usable bundle: tempera.json is missing"),
    (["--start-from", "nietzsche", "--units", "128"], "keeps that shape, not 2 × LSTM(128)"),
    (["--start-from", "nietzsche", "--recipe", "notebook"], "keeps that shape, not 1 × LSTM(128)"),
])
def test_a_start_that_cannot_be_used_is_refused_in_one_line(options, words, capfd, tmp_path):
    corpus = tmp_path / "text.txt"
    corpus.write_text(ENGLISH, encoding="utf-8")
    result = train_in_process(capfd, "--corpus", str(corpus), "--run", str(tmp_path / "run"), *options)
    one_line_error(result, "train", words)
    assert not (tmp_path / "run").exists()


def train_here(capfd, *args) -> subprocess.CompletedProcess:
    """`tempera train ARGS`, training in this process."""
    capfd.readouterr()
    code = main(["train", *args])
    captured = capfd.readouterr()
    return subprocess.CompletedProcess(["train", *args], code, captured.out, captured.err)


@pytest.mark.slow
def test_a_run_starts_from_a_bundle_and_resumes_with_it(small_bundle, tmp_path, capfd):
    from tempera.bundle import load_bundle
    from tempera.training.run_folder import RunFolder
    import tf_keras as keras

    corpus = tmp_path / "text.txt"
    corpus.write_text(SMALL_TEXT[:1500], encoding="utf-8")
    run = str(tmp_path / "run")
    # A learning rate too small to move the weights: the checkpoint holds the mapped start.
    first = train_here(capfd, "--corpus", str(corpus), "--run", run, "--start-from", small_bundle,
                             "--learning-rate", "1e-12", "--seq-len", "20", "--batch", "8", "--epochs", "1",
                             "--verbose", "0")
    assert first.returncode == 0, first.stderr
    assert "Recipe: 2 × LSTM(24)" in first.stdout and f"from {small_bundle}" in first.stdout
    assert "starting from" in first.stdout and "keep its weights" in first.stdout
    folder = RunFolder(run)
    config = folder.config()
    assert config["start_from"]["name"] == small_bundle and config["recipe"]["learning_rate"] == 1e-12
    source = load_bundle(small_bundle)
    model = keras.models.load_model(folder.file(folder.state()["checkpoint"]), compile=False)
    kept = config["start_from"]["chars"]["kept"]
    vocab = folder.vocabulary()
    lstm_1 = model.get_layer("lstm_1").get_weights()
    for char in kept:
        np.testing.assert_allclose(lstm_1[0][vocab.index(char)],
                                   source.model.layers[0].kernel[source.vocab.index[char]], atol=1e-5)
    np.testing.assert_allclose(model.get_layer("lstm_2").get_weights()[1],
                               source.model.layers[1].recurrent_kernel, atol=1e-5)
    # Resumed, it keeps its start and its recipe; another start is refused.
    again = train_here(capfd, "--run", run, "--epochs", "2")
    assert again.returncode == 0, again.stderr
    assert "resuming" in again.stdout and "starting from" not in again.stdout
    assert RunFolder(run).config()["start_from"] == config["start_from"]
    one_line_error(train_in_process(capfd, "--run", run, "--epochs", "3", "--start-from", "none"),
                   "train", f"was made with --start-from {small_bundle}")
