"""The page's sampling.js, vocab.js and run-options.js against the Python contract, under Node."""

import json
import math
import os
import shutil
import subprocess

import numpy as np
import pytest

from helpers import ROOT
from tempera.generate import MAX_LENGTH, MODES, PRIME_CHARS, length_note, prime_note
from tempera.rng import Mulberry32, lane_seed
from tempera.errors import TemperaError
from tempera.sampling import (MAX_RNG_SEED, NO_FILTERS, NOTEBOOK_TEMPERATURES, Filters, check_min_p,
                              check_top_k, check_top_p, draw, filter_weights, lane_filters, reweight)
from tempera.vocab import Vocabulary
from test_sampling import filter_cases, hard_distributions

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
SRC = os.path.join(ROOT, "frontend", "src")


def run_node(script: str, payload) -> object:
    code = (f"import * as sampling from {json.dumps('file://' + SRC + '/sampling.js')};\n"
            f"import * as vocab from {json.dumps('file://' + SRC + '/vocab.js')};\n"
            f"import * as runOptions from {json.dumps('file://' + SRC + '/run-options.js')};\n"
            "import { readFileSync } from 'node:fs';\n"
            "const input = JSON.parse(readFileSync(0, 'utf8'));\n" + script)
    result = subprocess.run([NODE, "--input-type=module", "-e", code], input=json.dumps(payload),
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_mulberry32_and_lane_seeds_agree():
    seeds = [0, 1, 42, 2**31, 2**32 - 1, 123456789]
    got = run_node("""
        const out = input.map((seed) => [0, 1, 2, 3].map((lane) => {
          const rng = sampling.mulberry32(sampling.laneSeed(seed, lane));
          return [sampling.laneSeed(seed, lane), rng.nextUint32(), rng.uniform()];
        }));
        console.log(JSON.stringify(out));""", seeds)
    for seed, lanes in zip(seeds, got):
        for lane, (js_seed, first, second) in enumerate(lanes):
            rng = Mulberry32(lane_seed(seed, lane))
            assert js_seed == lane_seed(seed, lane)
            assert first == rng.next_uint32() and second == rng.uniform()


def test_draws_agree_on_random_distributions():
    rng = np.random.default_rng(11)
    cases = []
    for _ in range(400):
        p = rng.dirichlet(np.full(9, 0.3))
        p[rng.integers(9)] = 0.0 if rng.random() < 0.2 else p[0]
        cases.append({"p": (p / p.sum()).tolist(), "t": float(rng.choice([0, 0.2, 0.5, 1, 1.2, 1e6])),
                      "u": float(rng.random())})
    got = run_node("console.log(JSON.stringify(input.map((c) => sampling.draw(c.p, c.t, c.u))));",
                   cases)
    assert got == [draw(np.array(c["p"]), c["t"], c["u"]) for c in cases]


def test_seed_policy_agrees():
    chars = list(" .abcdefghijklmnopqrstuvwxyzé")
    seeds = ["Hello World", "naïve café 😀 <script>", "ÉCOLE", "\u202eabc", "a\tb\u00a0c\n"]
    got = run_node("""
        const v = new vocab.Vocabulary(input.chars, true);
        console.log(JSON.stringify(input.seeds.map((s) => {
          const e = v.encodeSeed(s);
          return [e.text, e.ids, e.folded, e.dropped, e.droppedCount, e.report];
        })));""", {"chars": chars, "seeds": seeds})
    vocab = Vocabulary(chars, True)
    for seed, (text, ids, folded, dropped, count, report) in zip(seeds, got):
        expected = vocab.encode_seed(seed)
        assert (text, ids, folded, dropped, count, report) == (
            expected.text, expected.ids.tolist(), expected.folded, expected.dropped,
            expected.dropped_count, expected.report())


@pytest.mark.parametrize("bad", [-1, "NaN", "Infinity"])
def test_bad_temperatures_are_errors_in_js_too(bad):
    got = run_node("""
        try { sampling.checkTemperature(input === 'NaN' ? NaN : input === 'Infinity' ? Infinity : input);
              console.log(JSON.stringify('accepted')); }
        catch (e) { console.log(JSON.stringify(e.message)); }""", bad)
    assert got != "accepted" and "temperature must be" in got


def test_the_run_constants_are_the_python_ones():
    got = run_node("""console.log(JSON.stringify({
        modes: runOptions.MODES, temperatures: runOptions.NOTEBOOK_TEMPERATURES,
        maxLength: runOptions.MAX_LENGTH, primeChars: runOptions.PRIME_CHARS,
        maxRngSeed: sampling.MAX_RNG_SEED }));""", None)
    assert got == {"modes": list(MODES), "temperatures": list(NOTEBOOK_TEMPERATURES),
                   "maxLength": MAX_LENGTH, "primeChars": PRIME_CHARS, "maxRngSeed": MAX_RNG_SEED}


def test_length_and_prime_notes_are_worded_as_in_python():
    lengths = [0, 400, MAX_LENGTH, MAX_LENGTH + 1, 1_000_000_000, 123_456_789_012]
    seeds = [(n, mode) for n in (1, PRIME_CHARS, PRIME_CHARS + 1, 100_000, 12_345_678) for mode in MODES]
    got = run_node("""console.log(JSON.stringify({
        lengths: input.lengths.map(runOptions.lengthNote),
        seeds: input.seeds.map(([n, mode]) => runOptions.primeNote(n, mode)) }));""",
                   {"lengths": lengths, "seeds": seeds})
    assert got["lengths"] == [length_note(n) for n in lengths]
    assert got["seeds"] == [prime_note(n, mode) for n, mode in seeds]
    assert sum(map(bool, got["lengths"] + got["seeds"])) == 6  # the notes are said, not only ''


# ---- the filters: top-k, top-p and min-p ---------------------------------------------------
def js_filters(filters: Filters) -> dict:
    return {"topK": filters.top_k, "topP": filters.top_p, "minP": filters.min_p}


def test_filtered_draws_agree_on_hard_cases():
    """JS draw with filters, on the hard distributions of test_sampling, at offsets too."""
    rng = np.random.default_rng(31)
    cases = []
    for p, t, filters in filter_cases(4, 32) + [(p, 0.0, Filters.checked(1, 0.5, 0.5))
                                                 for p in hard_distributions()[:20]]:
        pad = int(rng.integers(3)) if rng.random() < 0.3 else 0
        padded = np.r_[np.full(pad, 0.9), p, np.full(pad, 0.9)]  # another lane's numbers around
        for u in (0.0, math.nextafter(1.0, 0), float(rng.random()), float(rng.random())):
            cases.append({"p": padded.tolist(), "offset": pad, "size": len(p), "t": t, "u": u,
                          "filters": js_filters(filters), "expected": draw(p, t, u, filters)})
    assert len(cases) >= 1000
    got = run_node("""console.log(JSON.stringify(input.map((c) =>
        sampling.draw(c.p, c.t, c.u, c.offset, c.size, c.filters))));""", cases)
    mismatches = [(c["p"], c["t"], c["u"], c["filters"], g) for c, g in zip(cases, got) if g != c["expected"]]
    assert not mismatches, mismatches[:3]


def test_filter_weights_keep_and_mark_removed_as_python():
    """filterWeights' weights left, and removed = above 0 before and set to 0 by the filters."""
    ties = [(p, 1.0, Filters.checked(0, 1, m)) for p in hard_distributions()[:30]  # min-p ties
            for m in {v for v in reweight(p, 1.0).tolist() if 0 <= v < 1}]
    cases = []
    for p, t, filters in filter_cases(3, 33) + ties:
        q = reweight(p, t)
        after = filter_weights(q, filters)
        cases.append({"w": q.tolist(), "filters": js_filters(filters), "after": after.tolist(),
                      "removed": ((q > 0) & (after == 0)).astype(int).tolist()})
    got = run_node("""console.log(JSON.stringify(input.map((c) => {
        const w = Float64Array.from(c.w);
        const removed = new Uint8Array(w.length + 2).fill(1);  // left from an earlier step
        sampling.filterWeights(w, c.w.length, c.filters, removed);
        return [Array.from(w), Array.from(removed)];
      })));""", cases)
    assert sum(sum(c["removed"]) for c in cases) > 100  # the cases do remove characters
    for case, (weights, removed) in zip(cases, got):
        assert weights == case["after"], case
        assert removed[:len(case["w"])] == case["removed"], case
        assert removed[len(case["w"]):] == [1, 1]  # past the vocabulary: not touched


# Values as tagged JSON, since NaN, ±Infinity, true and null do not all survive JSON as such.
FILTER_INPUTS = [3, 0, 40, 3.0, 2.5, -1, -0.5, 0.5, 0.05, 1, 1.5, 0.9999, 1e-300, -0.0, 1e300,
                 math.nextafter(1.0, 0), math.nextafter(1.0, 2), float("nan"), float("inf"),
                 float("-inf"), True, False, None,
                 "3", "3.0", " 0.5 ", "0.5", "", "  ", "abc", "NaN", "Infinity", "-Infinity",
                 "-1", "2.5", "1e2", "1e-3", ".5", "+3", "1.", "0", "1", "-0", "1e400", "\t7\n"]


def tagged(value):
    if isinstance(value, float) and not math.isfinite(value):
        return {"special": repr(value)}  # 'nan', 'inf', '-inf'
    return {"value": value}


def python_check(check, value):
    try:
        return ["accepted", check(value)]
    except TemperaError as error:
        return ["refused", str(error)]


JS_CHECK = """
    const special = { nan: NaN, inf: Infinity, '-inf': -Infinity };
    const decode = (v) => ('special' in v ? special[v.special] : v.value);
    console.log(JSON.stringify(input.values.map((v) => input.checks.map((name) => {
      try { return ['accepted', sampling[name](decode(v))]; }
      catch (e) { return ['refused', e.message]; }
    }))));"""
CHECKS = [("checkTopK", check_top_k, "top-k"), ("checkTopP", check_top_p, "top-p"),
          ("checkMinP", check_min_p, "min-p")]


def test_filter_checks_accept_and_refuse_what_python_does():
    got = run_node(JS_CHECK, {"values": [tagged(v) for v in FILTER_INPUTS],
                              "checks": [name for name, _, _ in CHECKS]})
    accepted = 0
    for value, results in zip(FILTER_INPUTS, got):
        for (name, check, what), (js_verdict, js_value) in zip(CHECKS, results):
            verdict, expected = python_check(check, value)
            assert js_verdict == verdict, (name, value, js_value, expected)
            if verdict == "accepted":
                accepted += 1
                assert js_value == expected, (name, value)
            else:
                assert what in js_value and what in expected, (js_value, expected)
    assert accepted >= 30


def test_filter_checks_agree_on_other_spellings_of_numbers():
    values = ["0x10", "0b11", "0o7", "1_000", "\u0663"]
    got = run_node(JS_CHECK, {"values": [tagged(v) for v in values], "checks": ["checkTopK"]})
    assert [r[0][0] for r in got] == [python_check(check_top_k, v)[0] for v in values]


def test_lane_filters_broadcast_as_in_python():
    cases = [({}, 3), ({"topK": 5}, 3), ({"topK": [5]}, 2), ({"topK": ["4"], "minP": [0.1, "0.2"]}, 2),
             ({"topP": [0.9, 1]}, 2), ({"topK": 2, "topP": 0.5, "minP": 0.3}, 1),
             ({"topK": None, "topP": [0.5, 0.6, 0.7]}, 3),
             ({"topK": [1, 2]}, 3), ({"topP": [0.5] * 4}, 3), ({"minP": []}, 3),
             ({"topK": [1, 2.5, 3]}, 3), ({"minP": 1}, 2), ({"topP": "abc"}, 1)]
    got = run_node("""console.log(JSON.stringify(input.map(([options, lanes]) => {
        try { return ['ok', runOptions.laneFilters(options, lanes)]; }
        catch (e) { return ['error', e.message]; }
      })));""", cases)
    errors = 0
    for (options, lanes), (kind, value) in zip(cases, got):
        try:
            expected = lane_filters(lanes, options.get("topK"), options.get("topP"), options.get("minP"))
        except TemperaError as error:
            errors += 1
            assert kind == "error", (options, value)
            if "one per temperature" in str(error):
                assert value == str(error)
            else:
                assert str(error).split(" must ")[0] == value.split(" must ")[0]  # names the filter
            continue
        assert kind == "ok" and value == [js_filters(f) for f in expected], (options, value)
    assert errors == 6


def test_filter_labels_and_off_values_are_python_s():
    settings = [Filters(), Filters(40), Filters(0, 0.9), Filters(0, 1.0, 0.1), Filters(3, 0.95, 0.05),
                Filters(1, 0.5, 0.25), Filters(100, 1.0, 0.0)]
    got = run_node("""console.log(JSON.stringify({ off: sampling.NO_FILTERS,
        labels: input.map((f) => [sampling.filtersLabel(f), sampling.filtersActive(f)]) }));""",
                   [js_filters(f) for f in settings])
    assert got["off"] == js_filters(NO_FILTERS)
    assert got["labels"] == [[f.label(), f.active] for f in settings]
