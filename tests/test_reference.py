"""The NumPy reference sampler against the Keras model it was exported from."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from helpers import ROOT, run_cli
from tempera.bundle import load_bundle
from tempera.generate import MAX_LENGTH, PRIME_CHARS, Generator
from tempera.rng import Mulberry32, lane_seed
from tempera.sampling import draw

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def keras_model(trained_run):
    from tempera.quiet import import_quietly

    keras = import_quietly("tf_keras")
    history = json.load(open(os.path.join(trained_run[0], "history.json")))
    best = min(history, key=lambda row: row["val_loss"])
    return keras.models.load_model(os.path.join(trained_run[0], best["checkpoint"]), compile=False)


def one_hot(ids, size):
    return np.eye(size, dtype=np.float32)[np.asarray(ids)]


def test_stateful_probabilities_match_keras_at_every_step(keras_model, small_bundle):
    bundle = load_bundle(small_bundle)
    ids = np.random.default_rng(1).integers(len(bundle.vocab), size=150)
    expected = keras_model.predict(one_hot(ids, len(bundle.vocab))[None], verbose=0)[0]
    state = bundle.model.zero_state(1)
    for t, char in enumerate(ids):
        probabilities, state = bundle.model.step([char], state)
        assert np.abs(probabilities[0] - expected[t]).max() <= 1e-5


def test_window_probabilities_match_keras(keras_model, small_bundle):
    bundle = load_bundle(small_bundle)
    generator = Generator(bundle.model, bundle.vocab, bundle.maxlen)
    ids = np.random.default_rng(2).integers(len(bundle.vocab), size=200)
    for end in (5, 60, 61, 200):
        window = ids[max(0, end - bundle.maxlen):end]
        expected = keras_model.predict(one_hot(window, len(bundle.vocab))[None], verbose=0)[0, -1]
        got = generator.probabilities(ids[:end], mode="window")
        assert np.abs(got - expected).max() <= 1e-5


def test_window_generation_matches_a_keras_driven_loop(keras_model, small_bundle):
    """The notebook's loop with Keras probabilities and the shared draw gives the same text."""
    bundle = load_bundle(small_bundle)
    seed = bundle.vocab.encode_seed("the free spirit is").ids
    temperatures, length, rng_seed = [0.5, 1.2], 25, 99
    lanes = Generator(bundle.model, bundle.vocab, bundle.maxlen).generate(
        seed, temperatures, length, rng_seed, mode="window")
    for lane_index, temperature in enumerate(temperatures):
        rng, context, text = Mulberry32(lane_seed(rng_seed, lane_index)), list(seed), ""
        for _ in range(length):
            window = context[-bundle.maxlen:]
            p = keras_model.predict(one_hot(window, len(bundle.vocab))[None], verbose=0)[0, -1]
            chosen = draw(p.astype(np.float64), temperature, rng.uniform())
            context.append(chosen)
            text += bundle.vocab.chars[chosen]
        assert lanes[lane_index].text == text


def test_window_and_stateful_agree_while_the_text_fits_the_window(small_bundle):
    bundle = load_bundle(small_bundle)
    generator = Generator(bundle.model, bundle.vocab, bundle.maxlen)
    seed = bundle.vocab.encode_seed("is the good will").ids
    length = bundle.maxlen - len(seed)
    args = (seed, [0, 0.2, 0.5, 1.0, 1.2], length, 12345)
    stateful = generator.generate(*args, mode="stateful")
    window = generator.generate(*args, mode="window")
    assert [l.text for l in stateful] == [l.text for l in window]
    assert all(len(l.text) == length for l in stateful)


def _sample(bundle, *extra):
    return run_cli("sample", bundle, "--seed-text", "The truth", "--length", "120", *extra)


def test_the_same_rng_seed_gives_the_same_text(small_bundle):
    first = _sample(small_bundle, "--rng-seed", "7")
    second = _sample(small_bundle, "--rng-seed", "7")
    other = _sample(small_bundle, "--rng-seed", "8")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert first.stdout != other.stdout
    assert first.stdout.count("------ temperature:") == 4


def test_sample_prints_one_block_per_temperature_and_reports_the_seed(small_bundle):
    result = run_cli("sample", small_bundle, "--seed-text", "The ☃ truth", "--temperature", "0",
                     "1", "--length", "30", "--rng-seed", "1", "--mode", "window")
    assert result.returncode == 0, result.stderr
    assert "------ temperature: greedy\nthe  truth" in result.stdout
    assert "------ temperature: 1.0\nthe  truth" in result.stdout
    assert "lowercased" in result.stderr and "dropped 1 unknown character: '☃'" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--temperature", "-1"], "temperature must be 0 (greedy) or positive"),
    (["--temperature", "nan"], "finite"),
    (["--temperature", "inf"], "finite"),
    (["--length", "-3"], "length must be 0 or more"),
    (["--rng-seed", "-1"], "rng seed"),
])
def test_sample_rejects_bad_arguments(small_bundle, args, message):
    result = run_cli("sample", small_bundle, "--seed-text", "the", *args)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_empty_seed_is_an_error(small_bundle):
    result = run_cli("sample", small_bundle, "--seed-text", "")
    assert result.returncode == 2 and "seed text is empty" in result.stderr


def test_the_reference_sampler_does_not_import_tensorflow(small_bundle):
    code = ("import sys; from tempera.cli import main; "
            f"main(['sample', {small_bundle!r}, '--seed-text', 'the', '--length', '5', "
            "'--rng-seed', '1']); "
            "assert not [m for m in sys.modules if m.split('.')[0] in "
            "('tensorflow', 'tf_keras', 'keras', 'tensorflowjs')], 'TensorFlow was imported'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_a_huge_length_is_capped_with_a_note(small_bundle):
    result = run_cli("sample", small_bundle, "--seed-text", "the", "--length", "1000000000",
                     "--temperature", "1", "--rng-seed", "3", "--json")
    assert result.returncode == 0, result.stderr
    assert "length 1,000,000,000 is over the limit: capped at 100,000 characters" in result.stderr
    assert len(json.loads(result.stdout)["lanes"][0]["text"]) == MAX_LENGTH


def test_a_long_seed_primes_on_its_end_only(small_bundle):
    """Stateful mode reads the seed's last PRIME_CHARS characters, and says so."""
    bundle = load_bundle(small_bundle)
    generator = Generator(bundle.model, bundle.vocab, bundle.maxlen)
    seed = ("the free spirit is noble. " * 4000)[:100_000]
    ids = bundle.vocab.encode_seed(seed).ids
    primed = []
    run = bundle.model.run
    bundle.model.run = lambda batch, state=None: primed.append(batch) or run(batch, state)
    long_run = generator.generate(ids, [0.5, 1.0], 40, 9)
    assert [list(batch[0]) for batch in primed] == [list(ids[-PRIME_CHARS:])]
    end_only = generator.generate(ids[-PRIME_CHARS:], [0.5, 1.0], 40, 9)
    assert [l.text for l in long_run] == [l.text for l in end_only]
    result = run_cli("sample", small_bundle, "--seed-text", seed, "--length", "5")
    assert result.returncode == 0, result.stderr
    assert "the seed has 100,000 characters; the model reads its last 2,000" in result.stderr
