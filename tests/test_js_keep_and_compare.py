"""Keeping and comparing lanes, without a page: the run the page downloads (run-document.js)
is what `tempera sample --json` prints for the same run, and its text what `tempera sample`
prints; each lane's histogram counts its own ranks (rank-counts.js); lanes that scroll together
find the same character in each other (scroll-mapping.js); the keys that generate and stop
(shortcuts.js). One Node process runs the page's generator once; the command runs in process.
The page's buttons, clipboard and scrolling are test_keep_and_compare_page.py."""

import contextlib
import io
import json
import shutil
import subprocess

import pytest

from helpers import ROOT, SHIPPED_BUNDLE, TOLERANCE
from tempera.cli import main as tempera_main

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

RUN = dict(seedText="the free spirit", temperatures=[0, 0.5, 1.2, 1], topK=[0, 0, 20, 0], topP=1,
           minP=[0, 0.1, 0, 0], length=40, rngSeed=7, mode="stateful")
CLI_ARGS = ["sample", SHIPPED_BUNDLE, "--seed-text", RUN["seedText"], "--temperature", "0", "0.5", "1.2", "1",
            "--top-k", "0", "0", "20", "0", "--top-p", "1", "--min-p", "0", "0.1", "0", "0", "--length", "40",
            "--rng-seed", "7", "--mode", "stateful"]

# Lane layouts as {start, end, top, bottom} segments (the seed's characters are negative).
SEGMENTS = [{"start": -10, "end": 0, "top": 0, "bottom": 40},
            {"start": 0, "end": 100, "top": 20, "bottom": 120},
            {"start": 100, "end": 200, "top": 120, "bottom": 320}]
NARROW = [{"start": 0, "end": 200, "top": 0, "bottom": 100}]
SCROLL = [  # (leader, follower, where the follower goes)
    ({"segments": SEGMENTS, "scrollTop": 220, "maxScrollTop": 300},  # character 150
     {"segments": NARROW, "scrollTop": 0, "maxScrollTop": 500}, 75),
    ({"segments": SEGMENTS, "scrollTop": 220, "maxScrollTop": 300},
     {"segments": NARROW, "scrollTop": 0, "maxScrollTop": 50}, 50),  # as far as it goes
    ({"segments": SEGMENTS, "scrollTop": 300, "maxScrollTop": 300},  # at its end: the follower too
     {"segments": NARROW, "scrollTop": 0, "maxScrollTop": 500}, 500),
    ({"segments": SEGMENTS, "scrollTop": 0, "maxScrollTop": 300},
     {"segments": NARROW, "scrollTop": 40, "maxScrollTop": 80}, 0),
    ({"segments": [], "scrollTop": 0, "maxScrollTop": 0}, {"segments": NARROW, "scrollTop": 9, "maxScrollTop": 80}, 0),
]
OFFSETS = [  # (segments, offset, the character there, the offset it maps back to)
    (SEGMENTS, 220, 150, 220), (SEGMENTS, 10, -7.5, 10), (SEGMENTS, 70, 50, 70),
    (SEGMENTS, 1000, 200, 320), (NARROW, -5, 0, 0), ([], 50, 0, 0),
]
KEYS = [
    ({"key": "Enter", "ctrlKey": True}, "generate"), ({"key": "Enter", "metaKey": True}, "generate"),
    ({"key": "Enter"}, None), ({"key": "Enter", "ctrlKey": True, "shiftKey": True}, None),
    ({"key": "Enter", "ctrlKey": True, "isComposing": True}, None),
    ({"key": "Escape"}, "stop"), ({"key": "Escape", "shiftKey": True}, None),
    ({"key": "Escape", "defaultPrevented": True}, None), ({"key": "a", "ctrlKey": True}, None),
]
SHARES = [((0, 0), "–"), ((0, 400), "0 %"), ((1, 400), "< 1 %"), ((241, 400), "60 %"),
          ((399, 400), "> 99 %"), ((400, 400), "100 %")]
SENTENCES = [([0, 0, 0, 0], "no characters yet"),
             ([357, 34, 8, 1], "first choice 357 (89 %), 2nd–3rd 34 (9 %), 4th–10th 8 (2 %), further 1 (< 1 %)"),
             ([1200, 0, 0, 0], "first choice 1,200 (100 %), 2nd–3rd 0 (0 %), 4th–10th 0 (0 %), further 0 (0 %)")]


@pytest.fixture(scope="module")
def node():
    request = {"bundle": SHIPPED_BUNDLE, "run": RUN, "scroll": [[a, b] for a, b, _ in SCROLL],
               "offsets": [[segments, offset] for segments, offset, _, _ in OFFSETS],
               "keys": [event for event, _ in KEYS], "shares": [pair for pair, _ in SHARES],
               "sentences": [counts for counts, _ in SENTENCES]}
    result = subprocess.run([NODE, "tests/keep_and_compare.mjs"], input=json.dumps(request), cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def cli(*extra):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert tempera_main([*CLI_ARGS, *extra]) == 0
    return out.getvalue()


def shape(value):
    """The document's structure: every key at every level, and what kind of value it holds."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        shapes = [shape(item) for item in value]
        assert all(s == shapes[0] for s in shapes), "a list whose items differ in shape"
        return [shapes[0]] if shapes else []
    if isinstance(value, bool) or value is None:
        return type(value).__name__
    return "number" if isinstance(value, (int, float)) else type(value).__name__


def test_the_download_is_what_tempera_sample_json_prints(node):
    page = json.loads(node["json"])  # valid JSON, one line
    assert "\n" not in node["json"]
    expected = json.loads(cli("--json"))
    assert shape(page) == shape(expected)
    assert [page[key] for key in ("seed_text", "rng_seed", "mode")] == [expected[key] for key in ("seed_text", "rng_seed", "mode")]
    for number, (got, want) in enumerate(zip(page["lanes"], expected["lanes"], strict=True), 1):
        settings = ("temperature", "top_k", "top_p", "min_p", "text")
        assert [got[k] for k in settings] == [want[k] for k in settings], f"lane {number}"
        for step, (a, b) in enumerate(zip(got["steps"], want["steps"], strict=True)):
            assert (a["char"], a["rank"], a["u"]) == (b["char"], b["rank"], b["u"]), (number, step)
            assert abs(a["p"] - b["p"]) < TOLERANCE and abs(a["entropy_bits"] - b["entropy_bits"]) < TOLERANCE
        for key, value in want["stats"].items():
            assert abs(got["stats"][key] - value) < TOLERANCE, (number, key)
    # window.tempera.generate's lanes come from the same builder
    assert node["api"] == page["lanes"]


def test_the_text_download_is_what_tempera_sample_prints(node):
    printed = [line for line in cli().splitlines(keepends=True) if not line.startswith("model ")]
    assert node["text"] == "".join(printed)
    assert node["text"].startswith("------ temperature: greedy\nthe free spirit")
    assert "------ temperature: 0.5 · min-p 0.1\n" in node["text"]
    assert "------ temperature: 1.0\n" in node["text"]  # as Python prints a float
    assert node["fileNames"] == ["tempera-nietzsche-rng7.json", "tempera-my-run-rng0.txt"]


def test_json_refuses_a_number_json_has_not(node):
    assert node["nonFinite"] == "the run cannot be written as JSON: p is NaN"


def test_each_lane_histogram_counts_its_own_ranks(node):
    page = json.loads(node["json"])
    bounds = [1, 3, 10, float("inf")]
    for counts, lane in zip(node["counts"], page["lanes"], strict=True):
        expected = [0, 0, 0, 0]
        for step in lane["steps"]:
            expected[next(i for i, up_to in enumerate(bounds) if step["rank"] <= up_to)] += 1
        assert counts == expected and sum(counts) == RUN["length"]
    assert node["counts"][0] == [RUN["length"], 0, 0, 0]  # greedy: always the first choice
    assert node["words"] == ["first choice", "2nd–3rd", "4th–10th", "further"]
    assert node["shares"] == [want for _, want in SHARES]
    assert node["sentences"] == [want for _, want in SENTENCES]


def test_a_lane_scrolls_to_the_character_another_shows(node):
    assert node["scroll"] == [want for _, _, want in SCROLL]
    for (position, back), (_, _, char, offset) in zip(node["offsets"], OFFSETS, strict=True):
        assert position == pytest.approx(char) and back == pytest.approx(offset)


def test_ctrl_enter_generates_and_escape_stops(node):
    assert node["keys"] == [want for _, want in KEYS]
