"""Scoring runs a layer over many characters at once and computes records in blocks: it must give
what feeding one character at a time and recording each step gives. And `tempera score` shows
its progress on a terminal, never on stdout."""

import io
import json

import numpy as np
import pytest

import tempera.generate as generate
import tempera.progress as progress
from tempera.cli import main
from tempera.generate import Generator
from tempera.likelihood import entropy_bits, rank_of
from tempera.lstm import CharLstm, LstmLayer
from tempera.vocab import Vocabulary

VOCAB = Vocabulary("abcde", lowercase=False)


def small_model(activation, gate, seed=5, units=(7, 6)):
    rng = np.random.default_rng(seed)
    layers, width = [], len(VOCAB)
    for u in units:
        layers.append(LstmLayer(rng.normal(0, 0.8, (width, 4 * u)), rng.normal(0, 0.8, (u, 4 * u)),
                                rng.normal(0, 0.3, 4 * u), activation, gate))
        width = u
    return CharLstm(layers, rng.normal(0, 1.5, (width, len(VOCAB))), rng.normal(0, 0.5, len(VOCAB)))


def step_by_step(model, ids, mode, maxlen):
    """The plain reference: one character at a time, each step recorded on its own."""
    p_chosen, ranks, entropies = [], [], []
    state = model.zero_state(1)
    for position in range(len(ids) - 1):
        if mode == "stateful":
            probabilities, state = model.step([ids[position]], state)
        else:
            window = ids[max(0, position + 1 - maxlen):position + 1]
            probabilities, _ = model.run(np.asarray(window)[None, :])
        p = probabilities[0]
        chosen = ids[position + 1]
        p_chosen.append(p[chosen])
        ranks.append(rank_of(p, chosen))
        entropies.append(entropy_bits(p))
    return np.array(p_chosen), np.array(ranks), np.array(entropies)


@pytest.mark.parametrize("mode", ["stateful", "window"])
@pytest.mark.parametrize("activation, gate", [("tanh", "sigmoid"), ("tanh", "hard_sigmoid")])
def test_the_block_scorer_equals_the_step_by_step_reference(monkeypatch, mode, activation, gate):
    # Blocks and batches smaller than the text, so that state carries across their edges.
    monkeypatch.setattr(generate, "SCORE_BLOCK", 17)
    monkeypatch.setattr(generate, "WINDOW_BATCH", 13)
    model = small_model(activation, gate)
    ids = np.random.default_rng(1).integers(0, len(VOCAB), 120)
    ids[40:60] = 2  # a long repeat: near-certain predictions, ranks near 1
    score = Generator(model, VOCAB, maxlen=9).score(ids, mode)
    p, rank, entropy = step_by_step(model, ids, mode, maxlen=9)
    np.testing.assert_allclose(score.records.p, p, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(score.records.rank, rank)
    np.testing.assert_allclose(score.records.entropy_bits, entropy, rtol=1e-12, atol=1e-15)


def test_ties_and_zero_probabilities_are_ranked_and_summed_as_one_step_would():
    # Zero weights in the output layer: every distribution is uniform, every character tied.
    model = small_model("tanh", "sigmoid")
    model.dense_kernel[:] = 0.0
    model.dense_bias[:] = [0.0, 0.0, -800.0, 0.0, -800.0]  # 2 and 4 underflow to 0
    ids = np.array([0, 3, 1, 0, 4, 2, 3])
    score = Generator(model, VOCAB, maxlen=9).score(ids, "stateful")
    p, rank, entropy = step_by_step(model, ids, "stateful", maxlen=9)
    np.testing.assert_array_equal(score.records.rank, rank)
    np.testing.assert_array_equal(score.records.rank, [3, 2, 1, 5, 4, 3])
    np.testing.assert_allclose(score.records.entropy_bits, entropy, rtol=1e-12)
    assert (score.records.p[[3, 4]] == 0).all() and not np.signbit(score.records.entropy_bits).any()


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_score_shows_its_progress_on_a_terminal_and_keeps_stdout_clean(monkeypatch, capsys):
    monkeypatch.setattr(progress, "SHOW_AFTER_S", 0.0)
    monkeypatch.setattr(progress, "REDRAW_EVERY_S", 0.0)
    monkeypatch.setattr(generate, "SCORE_BLOCK", 16)
    text = "the free spirit is not the slave of its own will. " * 2
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["score", "nietzsche", "--text", text, "--json"]) == 0
    scored = json.loads(capsys.readouterr().out)  # nothing but the JSON on stdout
    assert scored["scored"] == len(text) - 1
    shown = terminal.getvalue()
    assert "scoring: 16 % (16 of 99 characters)" in shown
    assert "scoring: 100 % (99 of 99 characters)" in shown
    assert shown.endswith("\r") and shown.split("\r")[-2].strip() == ""  # the line is blanked


def test_score_shows_no_progress_line_off_a_terminal(monkeypatch, capsys):
    monkeypatch.setattr(progress, "SHOW_AFTER_S", 0.0)
    monkeypatch.setattr(generate, "SCORE_BLOCK", 16)
    assert main(["score", "nietzsche", "--text", "the free spirit " * 8]) == 0
    captured = capsys.readouterr()
    assert "scoring:" not in captured.err and "\r" not in captured.err
    assert "bits/char" in captured.out
