"""The page's figures and words for people, under Node: shares never in exponent notation
(views/format.js), the status sentence of a run (views/messages.js), and a glossary entry, plain
and exact, for every term the page marks (views/glossary.js)."""

import json
import os
import re
import shutil
import subprocess

import pytest

from helpers import ROOT

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
FRONTEND = os.path.join(ROOT, "frontend")

SCRIPT = """
import { bits, percent, shortNumber, wholePercent } from './frontend/src/views/format.js';
import { GLOSSARY } from './frontend/src/views/glossary.js';
import { backendWords, runSentence } from './frontend/src/views/messages.js';
const input = JSON.parse(process.argv[1]);
const sweep = [];
for (let e = -20; e <= 0; e += 0.25) sweep.push(10 ** e, 1 - 10 ** e);
console.log(JSON.stringify({
  percent: input.percent.map(percent),
  sweep: sweep.map((v) => [v, percent(v)]),
  whole: input.whole.map(wholePercent),
  short: input.short.map(([v, d]) => shortNumber(v, d)),
  bits: input.bits.map((v) => bits(v)),
  runs: input.runs.map(runSentence),
  backends: input.backends.map(backendWords),
  glossary: GLOSSARY,
}));
"""

PERCENT = {0: "0 %", 1: "100 %", 0.4123: "41.2 %", 0.905: "90.5 %", 0.06: "6.0 %", 0.001: "0.1 %",
           0.00066: "0.066 %", 0.0001: "0.01 %", 0.000099: "< 0.01 %", 8.4e-9: "< 0.01 %",
           3.1e-18: "< 0.01 %", 0.9997: "99.97 %", 0.9999: "99.99 %", 0.99999: "> 99.99 %",
           0.999: "99.9 %", -1e-9: "0 %"}
WHOLE = {0.934: "93 %", 0.004: "< 1 %", 0.996: "> 99 %", 1: "100 %", 0: "0 %"}
SHORT = {(-0.0001, 2): "0.00", (1e-9, 4): "0.0000", (1.8349, 3): "1.835", (None, 2): "–"}
BITS = {1: "1.00 bit", 2.661: "2.66 bits", 0: "0.00 bits"}
RUNS = [({"stopped": False, "lanes": 4, "chars": 400}, "Done: 4 lanes, 400 characters each."),
        ({"stopped": True, "lanes": 1, "chars": 1234}, "Stopped: 1 lane, 1,234 characters."),
        ({"stopped": False, "lanes": 1, "chars": 1}, "Done: 1 lane, 1 character.")]


@pytest.fixture(scope="module")
def shown():
    request = {"percent": list(PERCENT), "whole": list(WHOLE), "short": [list(k) for k in SHORT],
               "bits": list(BITS), "runs": [r for r, _ in RUNS], "backends": ["wasm", "webgl", "cpu", "other"]}
    result = subprocess.run([NODE, "--input-type=module", "-e", SCRIPT, json.dumps(request)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_shares_are_rounded_for_people_and_never_in_exponent_notation(shown):
    assert dict(zip(PERCENT, shown["percent"])) == PERCENT
    for value, text in shown["sweep"]:
        assert re.fullmatch(r"(< |> )?\d+(\.\d+)? %", text), (value, text)
        if 0 < value < 1:  # only the exact values read "0 %" and "100 %"
            assert text not in ("0 %", "100 %"), (value, text)
    assert dict(zip(WHOLE, shown["whole"])) == WHOLE
    assert dict(zip(SHORT, shown["short"])) == SHORT
    assert dict(zip(BITS, shown["bits"])) == BITS


def test_the_status_of_a_run_is_one_short_sentence(shown):
    assert shown["runs"] == [sentence for _, sentence in RUNS]
    assert shown["backends"][:3] == ["this computer's processor (WebAssembly)",
                                     "this computer's graphics card (WebGL)", "plain JavaScript (the slowest way)"]
    assert shown["backends"][3] == "the other backend"


def marked_terms():
    """Every glossary key the page's HTML and views name: data-term="…" and termButton(doc, '…')."""
    keys = set()
    for folder, _, files in os.walk(FRONTEND):
        if "dist" in folder:
            continue
        for name in files:
            if name.endswith((".js", ".html")):
                with open(os.path.join(folder, name), encoding="utf-8") as handle:
                    text = handle.read()
                keys |= set(re.findall(r'data-term="([^"]+)"', text))
                keys |= set(re.findall(r"termButton\([^,]+, '([^']+)'", text))
                if name == "lane-stats.js":  # its statistics name their entries
                    keys |= set(re.findall(r"term: '([^']+)'", text))
                if name == "inspector.js":  # its facts: [entry, label, value]
                    keys |= set(re.findall(r"\['(\w+)', '[^']+', ", text))
    return keys


def test_every_marked_term_has_a_plain_and_an_exact_definition(shown):
    glossary = shown["glossary"]
    used = marked_terms()
    assert {"temperature", "seedText", "randomDraw", "mode", "backend", "heldOut", "entropy", "rank",
            "uniform", "topK", "topP", "minP", "bitsPerChar"} <= used
    assert used <= set(glossary), used - set(glossary)
    for key, entry in glossary.items():
        assert set(entry) == {"name", "plain", "exact"}, key
        # The plain words: one sentence a newcomer reads at a glance.
        assert entry["plain"].endswith(".") and entry["plain"].count(". ") == 0, key
        assert len(entry["plain"]) <= 130, (key, len(entry["plain"]))
        assert len(entry["exact"]) > len(entry["plain"]) // 2, key
