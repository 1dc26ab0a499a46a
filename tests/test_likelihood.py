"""Ranks, probabilities, entropy and lane statistics of the reference, and `tempera score`."""

import json
import math

import numpy as np
import pytest

from conftest import SHIPPED_BUNDLE, run_cli
from tempera.bundle import load_bundle
from tempera.generate import Generator
from tempera.likelihood import distinct4, entropy_bits, lane_distribution, rank_of
from tempera.rng import Mulberry32, lane_seed


@pytest.fixture(scope="module")
def shipped():
    bundle = load_bundle(SHIPPED_BUNDLE)
    return bundle, Generator(bundle.model, bundle.vocab, bundle.maxlen)


def plain_rank(p, index):
    """Sort by probability, highest first, lower index first among equals; position + 1."""
    order = sorted(range(len(p)), key=lambda i: (-p[i], i))
    return order.index(index) + 1


@pytest.mark.parametrize("p", [
    [0.1, 0.4, 0.4, 0.1], [0.25] * 4, [0, 1.0, 0, 0], [1e-300, 0.5, 0.5 - 1e-300, 0.0],
    list(np.random.default_rng(3).dirichlet(np.ones(30))),
])
def test_rank_breaks_ties_by_vocabulary_order(p):
    p = np.array(p)
    for index in range(len(p)):
        assert rank_of(p, index) == plain_rank(list(p), index)


def test_entropy_and_the_lane_distribution():
    assert entropy_bits(np.full(8, 1 / 8)) == pytest.approx(3.0)
    assert entropy_bits(np.array([0.0, 1.0, 0.0])) == 0.0
    p = np.array([0.5, 0.25, 0.25])
    assert entropy_bits(p) == pytest.approx(1.5)
    assert lane_distribution(p, 1.0) == pytest.approx(p)
    assert lane_distribution(p, 0).tolist() == [1.0, 0.0, 0.0]
    cooled = lane_distribution(p, 0.5)  # q ∝ p²
    assert cooled == pytest.approx(np.array([0.25, 0.0625, 0.0625]) / 0.375)
    assert entropy_bits(lane_distribution(p, 1e6)) == pytest.approx(math.log2(3), abs=1e-5)


@pytest.mark.parametrize("text,expected", [("aaaaaa", 1 / 3), ("abcd", 1.0), ("abcabcab", 3 / 5),
                                           ("abc", None), ("", None)])
def test_distinct4(text, expected):
    assert distinct4(text) == expected


@pytest.mark.parametrize("mode", ["stateful", "window"])
def test_each_generated_character_records_its_step(shipped, mode):
    """p, rank and u of every step, recomputed from the seed and the text before it."""
    bundle, generator = shipped
    seed = bundle.vocab.encode_seed("the free spirit").ids
    temperatures = [0, 0.5, 1.2]
    lanes = generator.generate(seed, temperatures, 70, 77, mode)
    for lane_index, lane in enumerate(lanes):
        rng = Mulberry32(lane_seed(77, lane_index))
        ids = bundle.vocab.encode(lane.text)
        for step in range(0, 70, 7):
            context = np.concatenate([seed, ids[:step]])
            p = generator.probabilities(context, mode)
            assert lane.records.p[step] == pytest.approx(p[ids[step]], abs=1e-9)
            assert lane.records.rank[step] == plain_rank(list(p), ids[step])
            q = lane_distribution(p, temperatures[lane_index])
            assert lane.records.entropy_bits[step] == pytest.approx(entropy_bits(q), abs=1e-9)
        assert lane.records.u.tolist() == [rng.uniform() for _ in range(70)]
        stats = lane.statistics()
        assert stats["chars"] == 70
        assert stats["bits_per_char"] == pytest.approx(-np.mean(np.log2(lane.records.p)))
        assert stats["top1_share"] == np.mean(lane.records.rank == 1)
    assert lanes[0].statistics()["entropy_bits"] == 0.0 and lanes[0].statistics()["top1_share"] == 1.0


@pytest.mark.parametrize("mode", ["stateful", "window"])
def test_score_is_each_character_under_the_text_before_it(shipped, mode):
    bundle, generator = shipped
    text = "Supposing that truth is a woman--what then? " * 2
    ids = bundle.vocab.encode_seed(text).ids
    score = generator.score(ids, mode)
    assert len(score.records.p) == len(ids) - 1
    for position in (0, 1, 30, 59, 60, 61, len(ids) - 2):
        p = generator.probabilities(ids[:position + 1], mode)
        assert score.records.p[position] == pytest.approx(p[ids[position + 1]], abs=1e-9)
        assert score.records.rank[position] == plain_rank(list(p), ids[position + 1])
        assert score.records.entropy_bits[position] == pytest.approx(entropy_bits(p), abs=1e-9)
    assert score.nats_per_char == pytest.approx(-np.mean(np.log(score.records.p)))


def test_the_score_command(tmp_path):
    text = "The will to power, 永 and the eternal return."
    result = run_cli("score", "nietzsche", "--text", text, "--json")
    assert result.returncode == 0, result.stderr
    scored = json.loads(result.stdout)
    assert scored["dropped"] == 1 and scored["dropped_chars"] == ["永"]
    assert scored["scored"] == len(text) - 2 == len(scored["chars"])
    assert scored["text"] == text.lower().replace("永", "")
    assert [c["char"] for c in scored["chars"]] == list(scored["text"][1:])
    assert scored["bits_per_char"] == pytest.approx(scored["nats_per_char"] / math.log(2))
    assert set(scored["chars"][0]) == {"char", "p", "rank", "entropy_bits"}
    assert "lowercased" in result.stderr and "'永'" in result.stderr

    (tmp_path / "text.txt").write_text(text, encoding="utf-8")
    human = run_cli("score", "nietzsche", "--text-file", str(tmp_path / "text.txt"))
    assert human.returncode == 0, human.stderr
    assert f"{scored['bits_per_char']:.4f} bits/char" in human.stdout
    assert f"{scored['scored']} characters scored" in human.stdout and "1 dropped" in human.stdout
    for bad, message in [("x", "at least two characters"), ("永劫", "no character the model knows"),
                         ("", "text is empty")]:
        failed = run_cli("score", "nietzsche", "--text", bad)
        assert failed.returncode == 2 and message in failed.stderr, failed.stderr


def test_sample_json_carries_steps_and_statistics():
    result = run_cli("sample", "nietzsche", "--seed-text", "the", "--length", "12",
                     "--rng-seed", "5", "--temperature", "0", "1", "--json")
    assert result.returncode == 0, result.stderr
    for lane in json.loads(result.stdout)["lanes"]:
        assert [step["char"] for step in lane["steps"]] == list(lane["text"])
        assert set(lane["steps"][0]) == {"char", "p", "rank", "entropy_bits", "u"}
        assert set(lane["stats"]) == {"chars", "bits_per_char", "entropy_bits", "top1_share",
                                      "distinct4"}
        assert lane["stats"]["chars"] == 12
