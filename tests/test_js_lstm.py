"""The page's LSTM steps under Node: each backend's own step against the generic one.

Python decides the cases and sends them to tests/lstm_steps.mjs on stdin; every case must come
back, in order.
"""

import json
import os
import shutil
import subprocess

import pytest

from helpers import ROOT

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

# Node has no WebGL: its step runs in the browser tests.
BACKENDS = ("cpu", "wasm")
# recurrentActivation: for every layer, or "mixed" (sigmoid, then hardSigmoid).
RANDOM_MODELS = [{"layers": 1, "recurrentActivation": "sigmoid"},
                 {"layers": 2, "recurrentActivation": "sigmoid"},
                 {"layers": 2, "recurrentActivation": "hardSigmoid"},
                 {"layers": 2, "recurrentActivation": "mixed"}]
CASES = ([{"backend": b, **model} for b in BACKENDS for model in RANDOM_MODELS]
         + [{"backend": b, "model": "shipped"} for b in BACKENDS])


def expected_step(case):
    """The backend's own step where every layer has the usual activations, else the generic."""
    usual = case.get("model") == "shipped" or case["recurrentActivation"] == "sigmoid"
    return case["backend"] if usual else "generic"


@pytest.fixture(scope="module")
def results():
    result = subprocess.run([NODE, os.path.join(ROOT, "tests", "lstm_steps.mjs")], cwd=ROOT,
                            input=json.dumps(CASES), capture_output=True, text=True, check=True,
                            timeout=300)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_case_was_run(results):
    assert [r["case"] for r in results] == CASES


def test_each_model_takes_the_step_its_activations_allow(results):
    for r in results:
        assert r["step"] == expected_step(r["case"]), r


def test_own_steps_match_the_generic_step(results):
    for r in results:
        assert r["scale"] > 0.5, r  # logits big enough for the comparison to mean something
        assert r["difference"] < 1e-5 * r["scale"], r


def test_no_tensor_is_left_behind(results):
    assert all(r["leaked"] == 0 for r in results), results
    assert all(r["keptAfterDispose"] == 0 for r in results), results
