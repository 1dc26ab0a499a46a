"""The page's words and places for learners, as pure modules under Node: the temperature
slider's shares against the reference's temperature maths (tempera/sampling.py), its sentence,
what a score means between the model's own figure and the letter-frequency baseline, where the
inspector's panel goes beside a character, and the model menu's names."""

import json
import math
import os
import shutil
import subprocess

import numpy as np
import pytest

from helpers import ROOT, SHIPPED_BUNDLE
from tempera.sampling import reweight

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
SRC = os.path.join(ROOT, "frontend", "src")
MODULES = {"lesson": "temperature-lesson.js", "meaning": "score-meaning.js",
           "placement": "panel-placement.js", "catalog": "catalog.js"}


def run_node(script: str, payload) -> object:
    imports = "".join(f"import * as {name} from {json.dumps('file://' + os.path.join(SRC, file))};\n"
                      for name, file in MODULES.items())
    code = (imports + "import { readFileSync } from 'node:fs';\n"
            "const input = JSON.parse(readFileSync(0, 'utf8'));\n" + script)
    result = subprocess.run([NODE, "--input-type=module", "-e", code], input=json.dumps(payload),
                            capture_output=True, text=True, check=True, timeout=60)
    return json.loads(result.stdout)


def reference_shares(p: np.ndarray, t: float) -> np.ndarray:
    """The sampling contract's temperature step, normalised; T = 0: all on the first choice."""
    if t == 0:
        q = np.zeros_like(p)
        q[int(np.argmax(p))] = 1.0
        return q
    q = reweight(p, t)
    return q / q.sum()


# ---- the temperature slider --------------------------------------------------------------

TEMPERATURES = [0, 0.05, 0.2, 0.5, 0.7, 1, 1.25, 1.5, 2]


def test_the_sliders_shares_are_the_references_temperature_step():
    rng = np.random.default_rng(26)
    cases = []
    for size in (2, 9, 57, 200):
        for _ in range(6):
            p = rng.dirichlet(np.full(size, 0.4))
            p[rng.integers(size)] = 0.0  # a character the model rules out stays at 0
            cases.append((p / p.sum()).tolist())
    got = run_node("""console.log(JSON.stringify(input.cases.map((p) =>
        input.temperatures.map((t) => Array.from(lesson.sharesAt(Float64Array.from(p), t))))));""",
                   {"cases": cases, "temperatures": TEMPERATURES})
    for p, per_t in zip(cases, got):
        for t, shares in zip(TEMPERATURES, per_t):
            expected = reference_shares(np.array(p), t)
            assert np.allclose(shares, expected, rtol=1e-12, atol=1e-300), (t, len(p))
            assert math.isclose(sum(shares), 1.0, rel_tol=1e-12)


def share_words(share: float) -> str:
    """roundShare for shares of 10 % to 99 %: whole percents."""
    return f"{round(share * 100)} %"


def test_the_sentence_says_what_the_temperature_does_with_the_numbers_shown():
    # a peaked distribution, as after a seed: one clear first choice, a long tail
    p = np.array([0.6, 0.15, 0.08] + [0.17 / 40] * 40)
    got = run_node("""const p = Float64Array.from(input);
        console.log(JSON.stringify({
          sentences: [0, 0.2, 1, 1.5].map((t) => lesson.temperatureSentence(p, t, (i) => `#${i}`)),
          facts: lesson.temperatureFacts(p, 1.5),
          rounded: [0, 0.0004, 0.004, 0.0449, 0.5049, 0.996, 0.9999, 1].map(lesson.roundShare),
          texts: [0.7000000000000001, 1, 1.25, 0.05].map(lesson.temperatureText),
        }));""", p.tolist())
    greedy, cold, own, hot = got["sentences"]
    assert greedy.startswith("At 0 ") and "always takes the first choice (#0)" in greedy
    cold_share = reference_shares(p, 0.2)[0]
    assert cold_share > 0.99 and cold.startswith("At 0.2 ") and "99.8 % of the draws" in cold  # rounded down: never 100 % short of it
    assert "the model gives it 60 %" in cold and "likeliest characters" in cold
    assert own.startswith("At 1 ") and "model's own odds" in own and "#0) 60 %" in own
    hot_q = reference_shares(p, 1.5)
    rare = float(np.sort(hot_q)[::-1][10:].sum())
    assert got["facts"]["first"] == pytest.approx(hot_q[0], rel=1e-12)
    assert got["facts"]["rare"] == pytest.approx(rare, rel=1e-12)
    assert hot.startswith("At 1.5 ") and f"falls to {share_words(hot_q[0])}" in hot
    assert f"get {share_words(rare)} together" in hot and "rarer characters get a real chance" in hot
    assert got["rounded"] == ["0 %", "< 0.1 %", "0.4 %", "4.5 %", "50 %", "99.6 %", "99.9 %", "100 %"]
    assert got["texts"] == ["0.7", "1", "1.25", "0.05"]


# ---- what a score means ------------------------------------------------------------------

def shipped_meta() -> dict:
    with open(os.path.join(SHIPPED_BUNDLE, "tempera.json"), encoding="utf-8") as handle:
        return json.load(handle)


def test_a_score_is_placed_between_the_models_own_figure_and_letter_frequencies():
    meta = shipped_meta()
    held_out = meta["held_out"]["loss_nats_per_char"] / math.log(2)
    unigram = meta["baselines"]["unigram_nats_per_char"] / math.log(2)
    gap = unigram - held_out
    scores = {"more": held_out - 0.35 * gap, "about": held_out - 0.25 * gap, "less": held_out + 0.4 * gap,
              "far": held_out + 0.8 * gap, "beyond": unigram + 0.2}
    no_baselines = {k: v for k, v in meta.items() if k != "baselines"}
    no_figures = {k: v for k, v in no_baselines.items() if k != "held_out"}
    got = run_node("""console.log(JSON.stringify({
          placed: Object.fromEntries(Object.entries(input.scores).map(([k, bits]) => [k, meaning.scoreMeaning(bits, input.meta, 500)])),
          short: meaning.scoreMeaning(input.scores.about, input.meta, 12),
          noBaselines: [0.5, 1, 2].map((f) => meaning.scoreMeaning(f * input.heldOut, input.noBaselines, 500)),
          noFigures: meaning.scoreMeaning(2.1, input.noFigures, 500),
          nothing: meaning.scoreMeaning(null, input.meta, 0),
        }));""", {"scores": scores, "meta": meta, "noBaselines": no_baselines, "noFigures": no_figures,
                  "heldOut": held_out})
    placed = got["placed"]
    assert {kind: placed[kind]["kind"] for kind in scores} == {kind: kind for kind in scores}
    for kind, bits in scores.items():
        sentence = placed[kind]["sentence"]
        assert sentence.startswith(f"{bits:.2f} bits per character: ")
        assert f"scores {held_out:.2f} on held-out text" in sentence
        assert f"letter frequencies alone scores {unigram:.2f}" in sentence
        assert "rough" not in sentence
    assert "about as predictable as the training text" in placed["about"]["sentence"]
    assert "far less predictable than the training text: a different style or language" in placed["far"]["sentence"]
    assert "more predictable than the training text: repetitive or memorised" in placed["more"]["sentence"]
    assert "no better than guessing from letter frequencies" in placed["beyond"]["sentence"]
    assert "the figure is rough" in got["short"]["sentence"]
    assert [m["kind"] for m in got["noBaselines"]] == ["lower", "about", "higher"]
    assert all("no letter-frequency baseline" in m["sentence"] for m in got["noBaselines"])
    assert got["noFigures"]["kind"] == "unplaced" and "cannot be placed" in got["noFigures"]["sentence"]
    assert got["nothing"]["kind"] == "none" and "Nothing was scored" in got["nothing"]["sentence"]


# ---- where the inspector's panel goes ----------------------------------------------------

def test_the_panel_goes_beside_the_character_inside_the_screen_and_never_over_it():
    rng = np.random.default_rng(3)
    cases = []
    for _ in range(600):
        width, height = (1280, 900) if rng.random() < 0.5 else (float(rng.integers(320, 2000)), float(rng.integers(400, 1400)))
        left, top = rng.uniform(0, width - 10), rng.uniform(0, height - 20)
        char = {"left": left, "top": top, "right": left + 9, "bottom": top + 18}
        panel = {"width": float(rng.integers(200, 500)), "height": float(rng.integers(100, 900))}
        cases.append({"char": char, "panel": panel, "viewport": {"width": width, "height": height}})
    got = run_node("""console.log(JSON.stringify(input.map((c) => placement.placeBeside(c.char, c.panel, c.viewport))));""",
                   cases)
    sides = set()
    for case, spot in zip(cases, got):
        char, panel, viewport = case["char"], case["panel"], case["viewport"]
        height = min(panel["height"], spot["maxHeight"])
        box = {"left": spot["left"], "top": spot["top"], "right": spot["left"] + spot["width"],
               "bottom": spot["top"] + height}
        assert not (box["left"] < char["right"] and char["left"] < box["right"]
                    and box["top"] < char["bottom"] and char["top"] < box["bottom"]), (case, spot)
        assert box["left"] >= 8 - 1e-9 and box["right"] <= viewport["width"] - 8 + 1e-9, (case, spot)
        if height > 0:
            assert box["top"] >= 8 - 1e-9 and box["bottom"] <= viewport["height"] - 8 + 1e-9, (case, spot)
        if spot["side"] in ("below", "above") and spot["maxHeight"] >= panel["height"]:
            # it fits: right beside the character's line
            gap = box["top"] - char["bottom"] if spot["side"] == "below" else char["top"] - box["bottom"]
            assert gap == pytest.approx(6), (case, spot)
        sides.add(spot["side"])
    assert {"below", "above", "right"} <= sides


def test_a_phone_scrolls_the_character_above_the_sheet():
    got = run_node("""console.log(JSON.stringify(input.map((c) => placement.scrollAboveSheet(c.char, 380, 844))));""",
                   [{"char": {"top": 700, "bottom": 718}}, {"char": {"top": 100, "bottom": 118}},
                    {"char": {"top": -50, "bottom": -32}}])
    assert got == [718 - (844 - 380 - 8), 0, -58]


# ---- the model menu ----------------------------------------------------------------------

def test_the_menu_names_every_bundle_by_its_folder_with_what_it_was_trained_on():
    index = {"models": [
        {"id": "gpl3", "name": "gpl3", "meta": {"corpus": {"name": "gpl3"}}},
        {"id": "gpl3-big", "name": "gpl3", "meta": {"corpus": {"name": "gpl3"}}},
        {"id": "small", "name": "mine", "meta": {"corpus": {"name": "small-text"}}},
        {"id": "plain", "name": "plain text"},
        {"id": "gpl3", "name": "gpl3"},
    ]}
    got = run_node("""const entries = catalog.catalogEntries(input);
        console.log(JSON.stringify({ labels: entries.map(catalog.menuText), ids: entries.map((e) => e.id),
          names: entries.map((e) => e.name) }));""", index)
    assert got["labels"] == ["gpl3", "gpl3-big (trained on gpl3)", "small (trained on small-text)",
                             "plain (trained on plain text)", 'gpl3 (unavailable: models/index.json lists "gpl3" twice)']
    assert got["ids"] == ["gpl3", "gpl3-big", "small", "plain", "gpl3"]
    assert got["names"] == ["gpl3", "gpl3", "mine", "plain text", "gpl3"]
