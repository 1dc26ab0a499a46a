"""The page's generator under Node (frontend/src/generator.js with its steps, steppers, sampling
and likelihood records, on the bundle read by the page's loader), against the NumPy reference,
on the CPU and WASM backends, in both modes: eight lanes of plain and filtered temperatures,
every step's records, the lane statistics and a score, as window.tempera gives them. The same
runs in Chromium, WebGL included, are test_page_parity.py."""

import functools
import json
import shutil
import subprocess

import pytest

from helpers import (ROOT, SHIPPED_BUNDLE, Distributions, check_records, check_score, check_statistics,
                     compared_length, head, reference, reference_score)
from tempera.sampling import lane_filters

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

LANES = dict(
    temperatures=[0, 0.5, 1.0, 1.2, 2.0, 1.2, 1.2, 1.5],
    topK=[2, 0, 0, 0, 0, 0, 5, 20],
    topP=[0.5, 1, 1, 1, 1, 1, 0.9, 0.8],
    minP=[0.3, 0, 0, 0, 0, 0.1, 0, 0.02],
)
SEEDS = {"stateful": "The Will to Power 😀 § -- what is",
         "window": "Supposing that truth is a woman--what then? §" * 2}
LENGTHS = {"stateful": 150, "window": 12}
SCORE_TEXT = "Thus spoke Zarathustra — § the will 😀 to power!"
RNG_SEED = 7
CASES = [(backend, mode) for backend in ("cpu", "wasm") for mode in ("stateful", "window")]


@pytest.fixture(scope="module")
def runs():
    """{(backend, mode): what the page's generator gave under Node}, in one Node process."""
    request = {"bundle": SHIPPED_BUNDLE, "runs": [
        {"backend": backend, "mode": mode, "seedText": SEEDS[mode], "length": LENGTHS[mode],
         "rngSeed": RNG_SEED, "scoreText": SCORE_TEXT, **LANES,
         "direct": 6 if (backend, mode) == ("cpu", "window") else 0}
        for backend, mode in CASES]}
    result = subprocess.run([NODE, "tests/generator_runs.mjs"], input=json.dumps(request), cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(zip(CASES, json.loads(result.stdout.strip().splitlines()[-1])))


@functools.cache
def reference_lanes(mode):
    """The reference's lanes for a mode, computed once for both backends."""
    bundle, generator = reference(SHIPPED_BUNDLE)
    filters = lane_filters(len(LANES["temperatures"]), LANES["topK"], LANES["topP"], LANES["minP"])
    return generator.generate(bundle.vocab.encode_seed(SEEDS[mode]).ids, LANES["temperatures"], LENGTHS[mode],
                              RNG_SEED, mode, filters=filters, records=True)


@pytest.mark.parametrize("backend, mode", CASES)
def test_the_generator_equals_the_reference(runs, backend, mode):
    got = runs[(backend, mode)]
    bundle, generator = reference(SHIPPED_BUNDLE)
    vocab = bundle.vocab
    encoding = vocab.encode_seed(SEEDS[mode])
    assert got["seedText"] == encoding.text
    lanes = reference_lanes(mode)
    notes = []
    for index, (js_lane, lane) in enumerate(zip(got["lanes"], lanes, strict=True)):
        where = f"{backend} {mode} lane {index + 1} (T = {lane.temperature} {lane.filters.label()})"
        distributions = Distributions(generator, encoding.ids, vocab.encode(lane.text), mode)
        upto = compared_length(js_lane["text"], lane, distributions, where, notes)
        check_records(js_lane["steps"][:upto], lane.text[:upto], head(lane.records, upto), distributions,
                      vocab, where)
        if upto == LENGTHS[mode]:
            check_statistics(js_lane["stats"], lane.statistics(), f"{where} stats")
    assert got["lanes"][3]["text"] != got["lanes"][5]["text"]  # the filter changes the text
    check_score(got["score"], reference_score(generator, vocab, SCORE_TEXT, mode), generator, vocab, mode,
                f"{backend} {mode} score")
    assert got["leaked"] == 0
    print(f"{backend} {mode}: {len(notes)} step(s) near a boundary {notes}")


def test_a_run_draws_from_the_float64_softmax_of_its_logits(runs):
    """Each step's p is the one the generator computes on its own for the same context, to the
    last bit: the run keeps the logits' float64 softmax (docs/sampling.md), not a rounding of
    it. (CPU: its step computes one lane as it computes eight.)"""
    got = runs[("cpu", "window")]
    for index, lane in enumerate(got["lanes"]):
        recorded = [step["p"] for step in lane["steps"][:len(lane["direct"])]]
        assert len(recorded) == 6 and recorded == lane["direct"], (index, recorded, lane["direct"])
