"""The page's look inside the model under Node (frontend/src/inside-model.js through
tests/inside_model_runs.mjs, on the bundle read by the page's own loader), against the NumPy
reference in process (tempera/activations.py, tempera/saliency.py), on the CPU and WASM
backends: every layer's h and c after each character, stateful and window, and the influence of
each character on one prediction (the context longer than a stretch of the backward pass, a
short context after a held state, and a window), within 1e-4; refusals in the commands' words;
no tensor left behind, an aborted call included. The same in Chromium, WebGL included, is
test_page_inside_model.py."""

import functools
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from helpers import ROOT, SHIPPED_BUNDLE
from tempera.activations import activations as reference_activations
from tempera.errors import TemperaError

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

RUNNER = os.path.join(ROOT, "tests", "inside_model_runs.mjs")
MODULE = os.path.join(ROOT, "frontend", "dist", "tempera-node.mjs")
BACKENDS = ("cpu", "wasm")
TOLERANCE = 1e-4
# Longer than maxlen (60 for both models): window mode runs windows side by side after its first
# maxlen rows. Capitals: the models are lowercase.
TEXTS = {
    "shipped": 'The will to power, said he; and "quoted" words (here). Supposing that truth',
    "small": "The free spirit is deep. Is the good will not noble? (12) Perhaps; the soul",
}
POSITION = 70  # predicted from 70 characters: more than one stretch (64) of the backward pass
SALIENCY = [dict(position=POSITION, context=100), dict(position=POSITION, context=7),
            dict(position=POSITION, mode="window"), dict(position=1, context=5)]
# Calls the page must refuse, as the commands refuse them (the last one: its caller aborts it).
REFUSALS = [
    ("activations", ["the will to power §"]),
    ("saliency", ["the will to power", 0]),
    ("saliency", ["the will to power", 17]),
    ("saliency", ["the will to power", 5, {"context": 0}]),
    ("saliency", ["the will to power", 2.5]),
    ("saliency", ["t", 1]),
]


def saliency_reference():
    from tempera.saliency import saliency

    return saliency


def node_runs(bundle, text, modes):
    """Each backend's run of the page's module on `bundle`, in one Node process; modes:
    {backend: the modes its activations are read in}."""
    runs = [{"bundle": bundle, "backend": backend, "text": text, "modes": modes[backend],
             "saliency": SALIENCY,
             "refusals": [{"call": call, "args": args} for call, args in REFUSALS]
             + [{"call": "activations", "args": [text, "stateful", {}], "abort": True}]}
            for backend in BACKENDS]
    result = subprocess.run([NODE, RUNNER], input=json.dumps({"runs": runs}), cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(zip(BACKENDS, json.loads(result.stdout.strip().splitlines()[-1])))


@functools.cache
def shipped_runs():
    # The cpu backend's matrix products are plain JavaScript: the shipped model's windows, side
    # by side as lanes, take it seconds each, so its window mode runs on wasm (and on the small
    # model on both); the code that runs windows is the same on every backend.
    return node_runs(SHIPPED_BUNDLE, TEXTS["shipped"], {"cpu": ["stateful"], "wasm": ["stateful", "window"]})


@pytest.fixture(scope="module")
def small_runs(small_bundle):
    return node_runs(small_bundle, TEXTS["small"], dict.fromkeys(BACKENDS, ["stateful", "window"]))


@functools.cache
def expected_activations(bundle, text, mode):
    return reference_activations(bundle, text, mode)


@functools.cache
def expected_saliency(bundle, text, options):
    rest = dict(options)
    return saliency_reference()(bundle, text, rest.pop("position"), **rest)


def activations_difference(got, expected, where):
    """The largest |page - reference| over every layer's h and c; the rest must be equal."""
    assert {k: v for k, v in got.items() if k != "layers"} == {k: v for k, v in expected.items() if k != "layers"}, where
    assert [layer["units"] for layer in got["layers"]] == [layer["units"] for layer in expected["layers"]], where
    worst = 0.0
    for got_layer, expected_layer in zip(got["layers"], expected["layers"], strict=True):
        for part in ("h", "c"):
            page, reference = np.array(got_layer[part]), np.array(expected_layer[part])
            assert page.shape == reference.shape == (len(expected["chars"]), expected_layer["units"]), where
            worst = max(worst, float(np.abs(page - reference).max()))
    return worst


def saliency_difference(got, expected, where):
    """The largest |page - reference| over the influences and the log-probability."""
    same = ("mode", "position", "target", "context", "context_start", "method")
    assert set(got) == set(expected) and {k: got[k] for k in same} == {k: expected[k] for k in same}, where
    assert [(e["index"], e["char"]) for e in got["influence"]] == \
        [(e["index"], e["char"]) for e in expected["influence"]], where
    influences = np.array([[g["influence"], e["influence"]] for g, e in zip(got["influence"], expected["influence"])])
    assert influences[:, 1].max() > 0.01, where  # a prediction that looks back at something
    return max(abs(got["log_probability"] - expected["log_probability"]),
               float(np.abs(influences[:, 0] - influences[:, 1]).max()))


def check_against_the_reference(runs, bundle, text, name, saliency_cases=SALIENCY):
    for backend, got in runs.items():
        worst = {}
        for mode, page in got["activations"].items():
            where = f"{name} {backend} {mode} activations"
            worst[where] = activations_difference(page, expected_activations(bundle, text, mode), where)
        for options, page in zip(saliency_cases, got["saliency"], strict=True):
            where = f"{name} {backend} saliency {options}"
            worst[where] = saliency_difference(page, expected_saliency(bundle, text, tuple(options.items())), where)
        print(worst)
        assert not {where: d for where, d in worst.items() if d > TOLERANCE}, worst
        assert got["leaked"] == 0, f"{name} {backend}: {got['leaked']} tensors left behind"


def refusal_words(call, args):
    functions = {"activations": reference_activations, "saliency": saliency_reference()}
    positional = [a for a in args if not isinstance(a, dict)]
    options = next((a for a in args if isinstance(a, dict)), {})
    with pytest.raises(TemperaError) as refused:
        functions[call](SHIPPED_BUNDLE, *positional, **options)
    return str(refused.value)


def test_the_page_reads_the_shipped_model_as_the_reference_does():
    assert {mode for got in shipped_runs().values() for mode in got["activations"]} == {"stateful", "window"}
    check_against_the_reference(shipped_runs(), SHIPPED_BUNDLE, TEXTS["shipped"], "shipped")


def test_the_embeddable_module_reads_the_model_as_the_page_does():
    """model.activations / model.saliency of the built frontend/dist/tempera-node.mjs."""
    run = {"bundle": SHIPPED_BUNDLE, "backend": "wasm", "text": TEXTS["shipped"], "modes": ["stateful"],
           "saliency": SALIENCY[:1], "refusals": [{"call": call, "args": args} for call, args in REFUSALS[:2]],
           "module": MODULE}
    result = subprocess.run([NODE, RUNNER], input=json.dumps({"runs": [run]}), cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    got = json.loads(result.stdout.strip().splitlines()[-1])[0]
    check_against_the_reference({"module wasm": got}, SHIPPED_BUNDLE, TEXTS["shipped"], "shipped", SALIENCY[:1])
    assert got["refusals"] == [refusal_words(call, args) for call, args in REFUSALS[:2]]


@pytest.mark.slow
def test_the_page_reads_the_trained_model_as_the_reference_does(small_runs, small_bundle):
    check_against_the_reference(small_runs, small_bundle, TEXTS["small"], "small")


def test_the_page_refuses_what_the_commands_refuse_in_their_words():
    for backend, got in shipped_runs().items():
        *refused, aborted = got["refusals"]
        assert refused == [refusal_words(call, args) for call, args in REFUSALS], backend
        assert aborted == "stopped by the caller", backend
