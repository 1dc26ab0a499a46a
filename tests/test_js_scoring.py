"""The page's scorer under Node (tests/score_blocks.mjs): its blocks, which run the output layer
once for many steps, give what one step and one read-back at a time give; a stop asked for
between slices ends it early; no tensor is left behind."""

import json
import os
import shutil
import subprocess

import pytest

from conftest import ROOT

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

CASES = [{"backend": "wasm", "mode": "stateful"}, {"backend": "cpu", "mode": "stateful"},
         {"backend": "wasm", "mode": "window"}]


@pytest.fixture(scope="module")
def results():
    result = subprocess.run([NODE, os.path.join(ROOT, "tests", "score_blocks.mjs")], cwd=ROOT,
                            input=json.dumps(CASES), capture_output=True, text=True, check=True,
                            timeout=300)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_case_was_run(results):
    assert [r["case"] for r in results] == CASES


def test_blocks_score_as_single_steps_do(results):
    for r in results:
        assert r["count"] == r["total"], r
        assert r["maxDifference"] < 1e-6 and r["ranksDiffer"] == 0, r


def test_a_stop_between_slices_ends_scoring_early(results):
    for r in results:
        assert r["progressCalls"] >= 1 and 0 < r["stoppedAt"] < r["stoppedTotal"], r


def test_no_tensor_is_left_behind(results):
    assert all(r["leaked"] == 0 for r in results), results
