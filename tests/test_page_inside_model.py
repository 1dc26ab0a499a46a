"""The page's look inside the model in Chromium, on webgl, wasm and cpu, on the shipped model and
the model the tests train: window.tempera.activations and window.tempera.saliency (stateful) give
what `tempera activations --json` and `tempera saliency --json` print, within 1e-4, and leave no
tensor behind. It runs on the pages test_page_parity.py opens (one per model and backend, shared
for the session): a short text adds seconds, not pages. Window mode, the backward pass in
stretches and the refusals are test_js_inside_model.py's, under Node.
"""

import functools
import os
import time

import numpy as np
import pytest

from tempera.activations import activations
from tempera.saliency import saliency
from test_page_parity import BACKENDS, SHIPPED, SMALL

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TOLERANCE = 1e-4
# 40 characters each model knows (both are lowercase: the capitals are read folded).
TEXT = "The will is deep. Is the soul not noble?"
POSITION = len(TEXT) - 1
# The last 12 characters after a held state: a pass that holds the state, then the gradient.
SALIENCY_OPTIONS = [{"context": 12}]


@functools.cache
def expected(models_dir, model):
    folder = os.path.join(models_dir, model)
    return (activations(folder, TEXT, "stateful"),
            [saliency(folder, TEXT, POSITION, **options) for options in SALIENCY_OPTIONS])


def largest_difference(page, reference, where):
    """|page - reference| at its largest over the numbers; everything else equal."""
    if isinstance(reference, dict):
        assert set(page) == set(reference), where
        return max((largest_difference(page[k], reference[k], f"{where}.{k}") for k in reference), default=0.0)
    if isinstance(reference, list):
        assert len(page) == len(reference), where
        if reference and not isinstance(reference[0], (dict, list, str)):
            return float(np.abs(np.array(page, dtype=float) - np.array(reference, dtype=float)).max())
        return max((largest_difference(p, r, f"{where}[{i}]") for i, (p, r) in enumerate(zip(page, reference))),
                   default=0.0)
    if isinstance(reference, float):
        return abs(page - reference)
    assert page == reference, where
    return 0.0


@pytest.mark.parametrize("model", [SHIPPED, SMALL])
@pytest.mark.parametrize("backend", BACKENDS)
def test_the_page_looks_inside_the_model_as_the_reference_does(model_pages, models_dir, model, backend):
    page = model_pages(model, backend)
    expected_activations, expected_saliency = expected(models_dir, model)
    before = page.evaluate("window.tempera.memory().numTensors")
    started = time.perf_counter()
    got_activations = page.evaluate("([t]) => window.tempera.activations(t, 'stateful')", [TEXT])
    got_saliency = [page.evaluate("([t, n, o]) => window.tempera.saliency(t, n, o)", [TEXT, POSITION, options])
                    for options in SALIENCY_OPTIONS]
    seconds = time.perf_counter() - started
    worst = {"activations": largest_difference(got_activations, expected_activations, "activations")}
    for options, got, reference in zip(SALIENCY_OPTIONS, got_saliency, expected_saliency, strict=True):
        assert max(entry["influence"] for entry in reference["influence"]) > 0.01  # it looked back at something
        worst[f"saliency {options}"] = largest_difference(got, reference, f"saliency {options}")
    print(f"{model} {backend}: {seconds:.1f} s, largest differences {worst}")
    assert not {where: d for where, d in worst.items() if d > TOLERANCE}, worst
    assert page.evaluate("window.tempera.memory().numTensors") == before  # nothing leaked
    assert page.evaluate("window.tempera.backend") == backend
    assert not page.errors, page.errors
