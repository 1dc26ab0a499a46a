"""One run per backend × mode × model: the page's window.tempera against the NumPy reference.

Each run checks everything a generation produces at once, in a real Chromium on webgl, wasm and
cpu, stateful and window, on the shipped model and the small model trained in the tests:
  - the next character's probabilities after two seeds (one longer than maxlen), within 1e-4;
  - eight lanes side by side, plain temperatures (greedy to 2) and lanes that combine top-k,
    top-p and min-p: each lane's text, its settings, every step's p, entropy, u and rank,
    and the lane statistics (docs/sampling.md), the seed as the model reads it;
  - a text scored as `tempera score --json` scores it;
  - no tensor left behind.
The comparisons and their float32-against-float64 allowance are in helpers.py.
"""

import os

import numpy as np
import pytest

from helpers import (RARE_CHARS, Distributions, check_records, check_score, check_statistics, compared_length,
                     head, reference, reference_score)
from tempera.sampling import lane_filters

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BACKENDS = ["webgl", "wasm", "cpu"]
MODES = ["stateful", "window"]
SHIPPED, SMALL = "nietzsche", "small"  # model ids served by the live_server fixture

# Greedy with every filter on (greedy ignores them), the plain temperatures, a filtered twin of
# T = 1.2 (lane 4), and lanes that combine the filters.
LANES = dict(
    temperatures=[0, 0.5, 1.0, 1.2, 2.0, 1.2, 1.2, 1.5],
    topK=[2, 0, 0, 0, 0, 0, 5, 20],
    topP=[0.5, 1, 1, 1, 1, 1, 0.9, 0.8],
    minP=[0.3, 0, 0, 0, 0, 0.1, 0, 0.02],
)
TWINS = (3, 5)  # the same temperature without and with a filter
# Window mode re-reads maxlen characters per step (slow on SwiftShader's WebGL and on the cpu
# backend): shorter runs, the shortest for the shipped model's LSTM(256) x 2. Every window step
# reads a whole window: the window seeds are longer than maxlen.
LENGTHS = {(SHIPPED, "stateful"): 200, (SHIPPED, "window"): 16,
           (SMALL, "stateful"): 200, (SMALL, "window"): 40}
# Seeds with characters the models do not know (dropped) and, for the lowercase shipped model,
# capitals (folded); the small model's hold its rare characters. The window seeds are longer
# than maxlen.
SEEDS = {
    (SHIPPED, "stateful"): "The Will to Power 😀 § -- what is",
    (SHIPPED, "window"): "Supposing that truth is a woman--what then? §" * 3,
    (SMALL, "stateful"): "cafe\u0301 😀 永劫回帰 \u200fsays the ☃",
    (SMALL, "window"): "Is the free spirit ☃ not deep? Cafe\u0301 😀 永劫回帰 \u200fsays the old will. ",
}
PROBABILITY_SEEDS = {SHIPPED: ["the will to power is", "Supposing that truth is a woman--what then? " * 3],
                     SMALL: ["the good will", "the free spirit is deep. is the old will not noble? " * 2]}
SCORE_TEXTS = {
    SHIPPED: "Thus spoke Zarathustra — § the will 😀 to power!",
    SMALL: "Cafe\u0301 😀 永劫 says ☃ the Free spirit§",
}
RNG_SEED = 20261129
_EXPECTED = {}


def expected(models_dir, model, mode):
    """What the reference gives for a model and mode, computed once for the three backends:
    {bundle, generator, encoding, lanes (with records), greedy, score, probabilities}."""
    if (model, mode) not in _EXPECTED:
        bundle, generator = reference(os.path.join(models_dir, model))
        vocab = bundle.vocab
        encoding = vocab.encode_seed(SEEDS[(model, mode)])
        filters = lane_filters(len(LANES["temperatures"]), LANES["topK"], LANES["topP"], LANES["minP"])
        lanes = generator.generate(encoding.ids, LANES["temperatures"], LENGTHS[(model, mode)], RNG_SEED, mode,
                                   filters=filters, records=True)
        _EXPECTED[(model, mode)] = dict(
            bundle=bundle, generator=generator, encoding=encoding, lanes=lanes,
            distributions=[Distributions(generator, encoding.ids, vocab.encode(lane.text), mode) for lane in lanes],
            greedy=generator.generate(encoding.ids, [0], LENGTHS[(model, mode)], RNG_SEED, mode)[0].text,
            score=reference_score(generator, vocab, SCORE_TEXTS[model], mode),
            probabilities=[generator.probabilities(vocab.encode_seed(seed).ids, mode)
                           for seed in PROBABILITY_SEEDS[model]])
    return _EXPECTED[(model, mode)]


@pytest.mark.parametrize("model", [SHIPPED, SMALL])
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("mode", MODES)
def test_the_page_equals_the_reference(model_pages, models_dir, model, backend, mode):
    page = model_pages(model, backend)
    reference_run = expected(models_dir, model, mode)
    bundle, generator, encoding = reference_run["bundle"], reference_run["generator"], reference_run["encoding"]
    vocab = bundle.vocab
    if model == SMALL:
        assert set(RARE_CHARS) <= set(vocab.chars)  # they survived training and export
    before = page.evaluate("window.tempera.memory().numTensors")

    for seed, expected_p in zip(PROBABILITY_SEEDS[model], reference_run["probabilities"]):
        got = np.array(page.evaluate("([t, m]) => window.tempera.probabilities(t, m)", [seed, mode]))
        assert got.shape == expected_p.shape
        assert np.abs(got - expected_p).max() <= 1e-4, (seed, np.abs(got - expected_p).max())

    length = LENGTHS[(model, mode)]
    got = page.evaluate("(o) => window.tempera.generate(o)", {
        "seedText": SEEDS[(model, mode)], "length": length, "rngSeed": RNG_SEED, "mode": mode, **LANES})
    assert encoding.dropped  # the seed exercises the policy
    assert got["seedText"] == encoding.text and got["seedReport"] == encoding.report()
    lanes = reference_run["lanes"]
    assert len(got["lanes"]) == len(lanes)
    notes = []
    for index, (page_lane, lane) in enumerate(zip(got["lanes"], lanes)):
        where = f"{model} {backend} {mode} lane {index + 1} (T = {lane.temperature} {lane.filters.label()})"
        reference_json = lane.as_json()
        assert set(page_lane) == set(reference_json), where
        assert {k: page_lane[k] for k in ("temperature", "top_k", "top_p", "min_p")} == \
            {"temperature": lane.temperature, **lane.filters.as_json()}, where
        assert all(set(step) == set(reference_json["steps"][0]) for step in page_lane["steps"]), where
        distributions = reference_run["distributions"][index]
        upto = compared_length(page_lane["text"], lane, distributions, where, notes)
        check_records(page_lane["steps"][:upto], lane.text[:upto], head(lane.records, upto),
                      distributions, vocab, where)
        if upto == length:
            assert set(page_lane["stats"]) == set(reference_json["stats"]), where
            check_statistics(page_lane["stats"], lane.statistics(), f"{where} stats")
    # The filters change the text, and greedy ignores them.
    assert got["lanes"][TWINS[0]]["text"] != got["lanes"][TWINS[1]]["text"]
    assert got["lanes"][0]["text"] == reference_run["greedy"]

    scored = page.evaluate("([t, m]) => window.tempera.score(t, m)", [SCORE_TEXTS[model], mode])
    assert reference_run["score"]["dropped"] >= 2 and reference_run["score"]["scored"] > 20
    check_score(scored, reference_run["score"], generator, vocab, mode, f"{model} {backend} {mode} score")

    assert page.evaluate("window.tempera.memory().numTensors") == before  # nothing leaked
    assert page.evaluate("window.tempera.backend") == backend
    assert page.text_content("[data-testid=backend]") == backend
    assert not page.errors, page.errors
    print(f"{model} {backend} {mode}: {len(notes)} step(s) near a boundary {notes}")
