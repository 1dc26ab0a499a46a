"""`tempera sample --top-k/--top-p/--min-p` on the shipped model: lanes, JSON, labels, errors."""

import json

import numpy as np
import pytest

from conftest import SHIPPED_BUNDLE, run_cli
from tempera.bundle import load_bundle
from tempera.errors import TemperaError
from tempera.generate import Generator
from tempera.sampling import Filters, lane_filters

SEED = "the free spirit"


def sample(*args):
    return run_cli("sample", "nietzsche", "--seed-text", SEED, "--rng-seed", "5", *args)


def sample_json(*args) -> dict:
    result = sample("--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def filters_of(lane) -> tuple:
    return lane["top_k"], lane["top_p"], lane["min_p"]


def test_one_value_filters_every_lane_and_json_records_it():
    lanes = sample_json("--length", "5", "--temperature", "0.5", "1.2", "--top-k", "5")["lanes"]
    assert [filters_of(lane) for lane in lanes] == [(5, 1.0, 0.0), (5, 1.0, 0.0)]
    lanes = sample_json("--length", "5")["lanes"]  # no flag: off in every lane, still recorded
    assert [filters_of(lane) for lane in lanes] == [(0, 1.0, 0.0)] * 4
    assert [type(lane["top_k"]) for lane in lanes] == [int] * 4


def test_one_value_per_temperature():
    lanes = sample_json("--length", "5", "--temperature", "0", "0.5", "1.2", "--top-k", "0", "3", "40",
                        "--top-p", "1", "0.9", "0.5", "--min-p", "0.1")["lanes"]
    assert [filters_of(lane) for lane in lanes] == [(0, 1.0, 0.1), (3, 0.9, 0.1), (40, 0.5, 0.1)]
    assert [lane["temperature"] for lane in lanes] == [0.0, 0.5, 1.2]


def test_the_filtered_lanes_are_the_generators():
    """The printed JSON is what Generator.generate gives with those filters, and they matter."""
    args = ("--length", "60", "--temperature", "0.5", "1.2", "1.2", "--top-k", "3", "0", "2",
            "--top-p", "0.8", "0.6", "1", "--min-p", "0", "0", "0.2")
    printed = sample_json(*args)["lanes"]
    bundle = load_bundle(SHIPPED_BUNDLE)
    seed = bundle.vocab.encode_seed(SEED).ids
    filters = lane_filters(3, ["3", "0", "2"], ["0.8", "0.6", "1"], ["0", "0", "0.2"])
    generator = Generator(bundle.model, bundle.vocab, bundle.maxlen)
    lanes = generator.generate(seed, [0.5, 1.2, 1.2], 60, 5, filters=filters)
    assert printed == [json.loads(json.dumps(lane.as_json())) for lane in lanes]
    plain = generator.generate(seed, [0.5, 1.2, 1.2], 60, 5)
    assert [lane["text"] for lane in printed] != [lane.text for lane in plain]


@pytest.mark.parametrize("strong", [("--top-k", "1"), ("--min-p", "0.9999"), ("--top-p", "1e-9")])
def test_a_strong_filter_at_a_high_temperature_is_greedy(strong):
    """Only the most likely character survives: the text is T = 0's and every entropy is 0."""
    greedy, hot = sample_json("--length", "400", "--temperature", "0", "1.2", *strong)["lanes"]
    assert hot["text"] == greedy["text"] and len(hot["text"]) == 400
    assert hot["stats"]["entropy_bits"] == 0.0 and hot["stats"]["top1_share"] == 1.0
    assert {step["entropy_bits"] for step in hot["steps"]} == {0.0}
    assert [step["rank"] for step in hot["steps"]] == [1] * 400


def test_filters_lower_the_lanes_entropy():
    plain, nucleus, top3 = sample_json("--length", "300", "--temperature", "1.2", "1.2", "1.2",
                                       "--top-p", "1", "0.5", "1",
                                       "--top-k", "0", "0", "3")["lanes"]
    assert nucleus["stats"]["entropy_bits"] < plain["stats"]["entropy_bits"]
    assert max(step["entropy_bits"] for step in top3["steps"]) <= np.log2(3) + 1e-12
    assert max(step["entropy_bits"] for step in plain["steps"]) > np.log2(3)


def test_text_headers_name_the_filters_that_are_on():
    result = sample("--length", "5", "--temperature", "0", "0.5", "1.2", "1.0",
                    "--top-k", "40", "40", "0", "0", "--top-p", "1", "0.9", "1", "1",
                    "--min-p", "0.1", "0.05", "0.1", "0")
    assert result.returncode == 0, result.stderr
    headers = [line for line in result.stdout.splitlines() if line.startswith("------")]
    assert headers == ["------ temperature: greedy",  # the filters do nothing at T = 0
                       "------ temperature: 0.5 · top-k 40 · top-p 0.9 · min-p 0.05",
                       "------ temperature: 1.2 · min-p 0.1",
                       "------ temperature: 1.0"]


def test_a_header_label_keeps_the_value_as_given():
    result = sample("--length", "5", "--temperature", "1.2", "--top-p", "0.9999999",
                    "--min-p", "0.0000001")
    assert result.returncode == 0, result.stderr
    assert "------ temperature: 1.2 · top-p 0.9999999 · min-p 1e-7" in result.stdout


def one_line_error(result, *fragments):
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and len(lines) == 1, result.stderr
    assert lines[0].startswith("tempera sample: error:"), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert result.stdout == ""


@pytest.mark.parametrize("flag, value, message", [
    ("--top-k", "-1", "top-k must be a whole number, 0 (off) or more"),
    ("--top-k", "2.5", "top-k must be a whole number"),
    ("--top-k", "abc", "top-k must be a number"),
    ("--top-k", "", "top-k must be a number"),
    ("--top-k", "nan", "top-k must be a finite number"),
    ("--top-k", "inf", "top-k must be a finite number"),
    ("--top-p", "0", "top-p must be above 0 and at most 1"),
    ("--top-p", "1.5", "top-p must be above 0 and at most 1"),
    ("--top-p", "-0.1", "top-p must be above 0"),
    ("--top-p", "NaN", "top-p must be a finite number"),
    ("--min-p", "1", "min-p must be 0 (off) or more and below 1"),
    ("--min-p", "-0.1", "min-p must be 0 (off) or more"),
    ("--min-p", "Infinity", "min-p must be a finite number"),
    ("--min-p", "x", "min-p must be a number"),
])
def test_bad_filter_values_exit_2_with_one_line(flag, value, message):
    one_line_error(sample("--length", "5", flag, value), message)


@pytest.mark.parametrize("args, message", [
    (["--temperature", "0.5", "1", "--top-k", "1", "2", "3"],
     "give one top-k for all lanes or one per temperature (2), got 3"),
    (["--top-p", "0.9", "0.8"], "give one top-p for all lanes or one per temperature (4), got 2"),
    (["--temperature", "1", "--min-p", "0.1", "0.2"],
     "give one min-p for all lanes or one per temperature (1), got 2"),
])
def test_a_wrong_count_of_filter_values_is_an_error(args, message):
    one_line_error(sample("--length", "5", *args), message)


def test_filters_per_lane_must_match_the_temperatures_in_the_generator():
    bundle = load_bundle(SHIPPED_BUNDLE)
    generator = Generator(bundle.model, bundle.vocab, bundle.maxlen)
    with pytest.raises(TemperaError, match="filters for each of the 2 lanes"):
        generator.generate(bundle.vocab.encode_seed(SEED).ids, [0.5, 1.0], 5, 1, filters=[Filters()])
