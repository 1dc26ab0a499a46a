"""The page's LSTM step under Node: each backend's fused step against the generic one."""

import json
import os
import shutil
import subprocess

import pytest

from conftest import ROOT

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


@pytest.fixture(scope="module")
def cases():
    result = subprocess.run([NODE, os.path.join(ROOT, "tests", "lstm_steps.mjs")], cwd=ROOT,
                            capture_output=True, text=True, check=True, timeout=300)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_backend_and_depth_is_covered(cases):
    covered = {(c["backend"], c["layers"], c["recurrentActivation"]) for c in cases}
    assert covered == {(b, layers, act) for b in ("cpu", "wasm")
                       for layers, act in ((1, "sigmoid"), (2, "sigmoid"), (2, "hardSigmoid"), (2, "mixed"))}


def test_fused_steps_match_the_generic_step(cases):
    for case in cases:
        assert case["scale"] > 0.5, case  # logits big enough for the comparison to mean something
        assert case["difference"] < 1e-5 * case["scale"], case


def test_usual_activations_take_the_fused_step_and_others_the_generic_one(cases):
    expected = {"sigmoid": ["javascript"], "hardSigmoid": [None], "mixed": ["javascript", None]}
    for case in cases:
        cells = expected[case["recurrentActivation"]]
        assert case["fusedCells"] == (cells * case["layers"])[:case["layers"]], case


def test_no_tensor_is_left_behind(cases):
    assert all(case["leaked"] == 0 for case in cases), cases
    assert all(case["keptAfterDispose"] == 0 for case in cases), cases
