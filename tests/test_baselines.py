"""The held-out baselines (letter frequencies, a Kneser-Ney n-gram) and the plain-words verdict.

The NumPy counting is held to a slow, obvious implementation over strings written here.
"""

import json
import math
import os
import shutil
from collections import Counter, defaultdict

import numpy as np
import pytest

from tempera import baselines
from tempera.baselines import (measure_baselines, read_baselines, verdict, verdict_level)
from tempera.held_out import held_out_windows, split_held_out

TEXT = ("the will to power is the will to life; the will to truth is a will to power. "
        "what is good? all that heightens the feeling of power in man. ") * 6 + (
        "what is bad? all that proceeds from weakness. zebra quartz, jumpy vixen!")


def slow_kneser_ney(train: str, contexts_and_targets, vocab: list, order: int) -> float:
    """Interpolated Kneser-Ney with per-order discounts n1/(n1+2 n2), by dictionaries."""
    grams = [Counter(train[i:i + k] for i in range(len(train) - k + 1)) for k in range(1, order + 1)]
    levels = []  # per length k: counts of k-grams (raw at the top, continuation below)
    for k in range(1, order + 1):
        if k == order:
            counts = dict(grams[k - 1])
        else:
            counts = Counter(g[1:] for g in grams[k])  # distinct left neighbours
        values = list(counts.values())
        ones, twos = values.count(1), values.count(2)
        d = 0.5 if ones + twos == 0 else min(max(ones / (ones + 2 * twos), 0.05), 0.95)
        totals, kinds = defaultdict(float), defaultdict(int)
        for g, c in counts.items():
            totals[g[:-1]] += c
            kinds[g[:-1]] += 1
        levels.append((counts, d, totals, kinds))

    loss = 0.0
    for context, target in contexts_and_targets:
        p = 1.0 / len(vocab)
        for k in range(1, order + 1):
            counts, d, totals, kinds = levels[k - 1]
            history = context[len(context) - (k - 1):] if k > 1 else ""
            if totals[history] > 0:
                p = (max(counts.get(history + target, 0) - d, 0) / totals[history]
                     + d * kinds[history] / totals[history] * p)
        loss -= math.log(p)
    return loss / len(contexts_and_targets)


def numpy_baselines(text: str, val_fraction: float, maxlen: int, order: int) -> dict:
    vocab = sorted(set(text))
    ids = np.array([vocab.index(c) for c in text], dtype=np.uint8)
    return measure_baselines(ids, len(vocab), val_fraction, maxlen, order=order)


@pytest.mark.parametrize("order, maxlen, val_fraction", [(5, 60, 0.1), (3, 10, 0.2), (1, 5, 0.3),
                                                          (7, 20, 0.25)])
def test_the_baselines_equal_a_slow_implementation_on_the_same_held_out_characters(order, maxlen,
                                                                                   val_fraction):
    vocab = sorted(set(TEXT))
    ids = np.array([vocab.index(c) for c in TEXT])
    train_ids, val_ids = split_held_out(ids, val_fraction)
    train, windows = TEXT[:len(train_ids)], held_out_windows(val_ids, maxlen)
    pairs = [("".join(vocab[i] for i in w[:-1]), vocab[w[-1]]) for w in windows]

    counts = Counter(train)
    unigram = -np.mean([math.log((counts[t] + 1) / (len(train) + len(vocab))) for _, t in pairs])
    ngram = slow_kneser_ney(train, pairs, vocab, order)
    measured = numpy_baselines(TEXT, val_fraction, maxlen, order)
    assert measured["ngram_order"] == order
    assert measured["unigram_nats_per_char"] == pytest.approx(unigram, abs=1e-6)
    assert measured["ngram_nats_per_char"] == pytest.approx(ngram, abs=1e-6)


def test_characters_the_training_part_never_shows_cost_a_finite_amount():
    """The held-out part ends in letters the training part lacks (z, q, x, j, !)."""
    measured = numpy_baselines(TEXT, 0.1, 20, 5)
    assert set(TEXT[-60:]) - set(TEXT[:-60])
    json.dumps(measured, allow_nan=False)  # finite: valid JSON
    assert all(0 < measured[k] < 20 for k in ("ngram_nats_per_char", "unigram_nats_per_char"))


def test_an_ngram_learns_a_repetitive_text_and_frequencies_do_not():
    text = "abcdefgh" * 400
    measured = numpy_baselines(text, 0.1, 20, 5)
    assert measured["unigram_nats_per_char"] == pytest.approx(math.log(8), abs=0.01)
    assert measured["ngram_nats_per_char"] < 0.05


def test_the_order_is_at_most_the_window_plus_one_and_a_too_short_held_out_part_gives_none():
    assert numpy_baselines(TEXT, 0.2, 2, 5)["ngram_order"] == 3
    assert numpy_baselines("abcabcabcab", 0.1, 5, 5) is None


def test_the_dense_and_the_sorting_code_paths_agree(monkeypatch):
    dense = numpy_baselines(TEXT * 3, 0.1, 60, 5)
    monkeypatch.setattr(baselines, "DENSE_TABLE_LIMIT", 0)  # every order ranked by np.unique
    assert numpy_baselines(TEXT * 3, 0.1, 60, 5) == dense


def test_only_the_last_training_characters_are_counted_beyond_the_limit(monkeypatch):
    """Past MAX_NGRAM_TRAINING_CHARS the counts come from the training text just before the
    held-out part, as if the text began there."""
    text = "q" * 500 + TEXT
    monkeypatch.setattr(baselines, "MAX_NGRAM_TRAINING_CHARS", len(TEXT) - round(len(text) * 0.1))
    vocab = sorted(set(text))
    ids = np.array([vocab.index(c) for c in text])
    cut = len(split_held_out(ids, 0.1)[0])
    targets = baselines.held_out_targets(cut, len(ids) - cut, 30)
    limited = baselines.kneser_ney_loss(ids, cut, targets, len(vocab), 5)
    tail = ids[500:]
    assert limited == pytest.approx(baselines.kneser_ney_loss(tail, cut - 500, targets - 500,
                                                               len(vocab), 5), abs=1e-12)


FIGURES = {"unigram_nats_per_char": 3.0, "ngram_nats_per_char": 2.0, "ngram_order": 5}


@pytest.mark.parametrize("loss, level", [
    (3.2, "none"), (3.0, "none"), (2.6, "barely"), (2.51, "barely"), (2.49, "below"),
    (2.06, "below"), (2.04, "level"), (1.96, "level"), (1.95, "better"), (1.76, "better"),
    (1.75, "well"), (1.0, "well")])
def test_the_verdict_thresholds(loss, level):
    assert verdict_level(loss, FIGURES) == level


def test_the_verdict_in_words():
    assert verdict(2.9, FIGURES).startswith("barely beyond letter frequencies: train longer or on more text")
    assert verdict(1.5, FIGURES) == ("well beyond a 5-gram model (held-out 1.50 nats/char; "
                                     "5-gram 2.00, letter frequencies 3.00)")
    assert "train longer" not in verdict(1.9, FIGURES)


def test_an_ngram_no_better_than_frequencies_still_gives_a_verdict():
    figures = {**FIGURES, "ngram_nats_per_char": 3.1}
    assert verdict_level(2.5, figures) == "well"
    assert verdict_level(3.05, figures) == "none"


@pytest.mark.parametrize("meta", [{}, {"baselines": None}, {"baselines": {"ngram_order": 5}},
                                  {"baselines": {**FIGURES, "ngram_nats_per_char": float("nan")}},
                                  {"baselines": {**FIGURES, "ngram_order": "5"}}, []])
def test_missing_or_broken_baselines_are_read_as_none(meta):
    assert read_baselines(meta) is None


def test_recorded_baselines_are_read():
    assert read_baselines({"baselines": FIGURES}) == FIGURES


def test_the_shipped_bundle_records_its_baselines_and_is_better_than_the_ngram():
    from conftest import SHIPPED_BUNDLE
    from tempera.bundle import load_bundle

    meta = load_bundle(SHIPPED_BUNDLE).meta
    assert read_baselines(meta)["ngram_order"] == 5
    assert baselines.bundle_quality(meta).startswith("better than a 5-gram model")
    assert baselines.ngram_warning(meta) is None


def test_the_shipped_baselines_are_those_of_its_corpus_and_split():
    """Measured again from a copy of the corpus, where one is found."""
    from conftest import SHIPPED_BUNDLE, nietzsche_copy
    from tempera.bundle import load_bundle
    from tempera.training.corpus import load_corpus

    path = nietzsche_copy()
    if path is None:
        pytest.skip("no copy of the Nietzsche corpus here (set TEMPERA_NIETZSCHE=PATH)")
    meta = load_bundle(SHIPPED_BUNDLE).meta
    corpus = load_corpus(path, True, 0)
    again = measure_baselines(corpus.ids, len(corpus.chars), meta["held_out"]["fraction"], meta["maxlen"])
    assert again == meta["baselines"]


def test_a_model_no_better_than_the_ngram_is_warned_about():
    meta = {"held_out": {"loss_nats_per_char": 2.1}, "baselines": FIGURES}
    assert "no better than a 5-gram model" in baselines.ngram_warning(meta)
    assert baselines.ngram_warning({**meta, "held_out": {"loss_nats_per_char": 1.9}}) is None
    quantized = {"loss_nats_per_char": 1.99, "quantized_loss_nats_per_char": 2.01}
    assert baselines.ngram_warning({**meta, "held_out": quantized})  # as it ships: quantised
    assert baselines.bundle_quality({"held_out": {"loss_nats_per_char": 1.0}}) is None


# ---- in a run, its bundle and the command line (real training and export) -------------------
def run_config(run: str) -> dict:
    with open(os.path.join(run, "config.json"), encoding="utf-8") as handle:
        return json.load(handle)


@pytest.mark.slow
def test_a_run_records_its_baselines_and_says_where_each_epoch_stands(trained_run):
    from tempera.training.corpus import load_corpus

    run, result = trained_run
    config = run_config(run)
    corpus = load_corpus(config["corpus_path"], config["lowercase"], 0)
    expected = measure_baselines(corpus.ids, len(corpus.chars), config["val_fraction"],
                                 config["recipe"]["maxlen"])
    assert config["baselines"] == expected
    with open(os.path.join(run, "history.json"), encoding="utf-8") as handle:
        history = json.load(handle)
    # Each epoch prints the figure it was compared by; the best is then measured on every window.
    for row in history:
        assert f"  {verdict(row.get('val_subset_loss', row['val_loss']), expected)}\n" in result.stdout
    best = min(history, key=lambda row: row.get("val_subset_loss", row["val_loss"]))
    assert f"the best epoch is {verdict(best['val_loss'], expected)}" in result.stdout


@pytest.mark.slow
def test_export_records_the_baselines_and_says_where_the_model_stands(trained_run, small_bundle,
                                                                      tmp_path, capsys):
    from tempera import cli

    meta = json.load(open(os.path.join(small_bundle, "tempera.json"), encoding="utf-8"))
    assert meta["baselines"] == run_config(trained_run[0])["baselines"]

    assert cli.main(["export", trained_run[0], "--out", str(tmp_path / "again")]) == 0
    printed = capsys.readouterr()
    assert f"the model is {baselines.bundle_quality(meta)}\n" in printed.out
    warning = baselines.ngram_warning(meta)
    assert (f"warning: {warning}\n" in printed.err) if warning else ("warning" not in printed.err)


@pytest.mark.slow
def test_a_run_without_baselines_gets_them_at_export_where_its_corpus_is(trained_run, tmp_path, capsys):
    """Runs trained before baselines were recorded: measured from the corpus, or left out."""
    from tempera import cli

    older = tmp_path / "older"
    shutil.copytree(trained_run[0], older)
    config = run_config(str(older))
    recorded = config.pop("baselines")
    (older / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert cli.main(["export", str(older), "--out", str(tmp_path / "measured")]) == 0
    assert json.load(open(tmp_path / "measured" / "tempera.json"))["baselines"] == recorded

    corpus_copy = tmp_path / "moved.txt"
    shutil.copy(config["corpus_path"], corpus_copy)
    (older / "config.json").write_text(json.dumps({**config, "corpus_path": str(corpus_copy)}))
    corpus_copy.unlink()  # the corpus is gone
    capsys.readouterr()
    assert cli.main(["export", str(older), "--out", str(tmp_path / "unknown")]) == 0
    assert "baselines" not in json.load(open(tmp_path / "unknown" / "tempera.json"))
    assert "the model is" not in capsys.readouterr().out
    assert cli.main(["sample", str(tmp_path / "unknown"), "--seed-text", "the", "--length", "5",
                     "--rng-seed", "1"]) == 0
    assert "model " not in capsys.readouterr().out.splitlines()[0]


def test_sample_says_where_the_shipped_model_stands_above_its_lanes(capsys):
    from conftest import SHIPPED_BUNDLE
    from tempera import cli
    from tempera.bundle import load_bundle

    assert cli.main(["sample", SHIPPED_BUNDLE, "--seed-text", "the", "--length", "5",
                     "--rng-seed", "1", "--temperature", "0.5"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == f"model nietzsche: {baselines.bundle_quality(load_bundle(SHIPPED_BUNDLE).meta)}"
