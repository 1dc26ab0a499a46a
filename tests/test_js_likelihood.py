"""The page's likelihood.js against tempera/likelihood.py, run under Node."""

import json
import math
import os
import shutil
import subprocess

import numpy as np
import pytest

from helpers import ROOT
from tempera.likelihood import (StepRecords, distinct4, entropy_bits, lane_distribution,
                                lane_statistics, rank_of)
from tempera.sampling import NO_FILTERS, Filters, draw, lane_weights, reweight
from test_sampling import filter_cases, hard_distributions

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
MODULE = "file://" + os.path.join(ROOT, "frontend", "src", "likelihood.js")


def run_node(script: str, payload) -> object:
    code = (f"import * as likelihood from {json.dumps(MODULE)};\n"
            "import { readFileSync } from 'node:fs';\n"
            "const input = JSON.parse(readFileSync(0, 'utf8'));\n" + script)
    result = subprocess.run([NODE, "--input-type=module", "-e", code], input=json.dumps(payload),
                            capture_output=True, text=True, check=True, timeout=120)
    return json.loads(result.stdout)


def distributions(count=300, size=11):
    """Random distributions with ties, zeros, one-hot, uniform and tiny probabilities."""
    rng = np.random.default_rng(5)
    cases = [np.full(size, 1 / size), np.eye(size)[3], np.r_[1e-300, np.full(size - 1, (1 - 1e-300) / (size - 1))]]
    for _ in range(count):
        p = rng.dirichlet(np.full(size, 0.4))
        if rng.random() < 0.4:
            p[rng.integers(size)] = p[rng.integers(size)]  # a tie
        if rng.random() < 0.2:
            p[rng.integers(size)] = 0.0
        cases.append(p / p.sum())
    return cases


def test_ranks_entropies_and_lane_distributions_agree():
    cases = [{"p": p.tolist(), "t": t, "chosen": int(c)} for p, t, c in zip(
        distributions(), np.random.default_rng(6).choice([0, 0.2, 0.5, 1.0, 1.2, 1e6], 303),
        np.random.default_rng(7).integers(11, size=303))]
    got = run_node("""console.log(JSON.stringify(input.map((c) => {
        const q = likelihood.laneDistribution(c.p, c.t);
        return [likelihood.rankOf(c.p, c.chosen), likelihood.entropyBits(q), Array.from(q)];
      })));""", cases)
    for case, (rank, entropy, q) in zip(cases, got):
        p = np.array(case["p"])
        expected_q = lane_distribution(p, case["t"])
        assert rank == rank_of(p, case["chosen"]), case
        assert np.abs(np.array(q) - expected_q).max() <= 1e-12, case
        assert entropy == pytest.approx(entropy_bits(expected_q), abs=1e-12), case


@pytest.mark.parametrize("temperature", [0, 1e-3, 0.2, 0.7, 1.0, 1.2, 50.0])
def test_records_and_lane_statistics_agree(temperature):
    rng = np.random.default_rng(8)
    steps = [{"p": p.tolist(), "chosen": int(rng.integers(11)), "u": float(rng.random())}
             for p in distributions(4500)]  # past the first allocation: the records grow
    text = "".join(rng.choice(list("ab 😀永c"), size=len(steps)))
    ids = [int(i) for i in rng.integers(11, size=len(steps))]
    got = run_node("""
        const records = new likelihood.LaneRecords(input.steps.length, { temperature: input.t, vocabSize: 11 });
        const tally = new likelihood.LaneTally(11);
        input.steps.forEach((s, at) => {
          records.record(s.p, s.chosen, s.u);
          tally.add(records.p[at], records.rank[at], records.entropyBits[at], input.ids[at]);
        });
        const idText = input.ids.map((id) => String.fromCodePoint(0x4e00 + id)).join('');
        console.log(JSON.stringify({ rows: records.toJSON(input.text),
                                     stats: likelihood.laneStatistics(records, input.text),
                                     tally: tally.stats(), idStats: likelihood.laneStatistics(records, idText),
                                     candidates: input.steps.map((s, at) => records.candidates(at)) }));
    """, {"steps": steps, "text": text, "t": temperature, "ids": ids})
    records = StepRecords.empty(len(steps), with_u=True)
    for at, step in enumerate(steps):
        p = np.array(step["p"])
        records.record(at, p, step["chosen"], lane_distribution(p, temperature), step["u"])
    expected_rows = records.as_json(text)
    assert [r["char"] for r in got["rows"]] == [r["char"] for r in expected_rows]
    for row, expected in zip(got["rows"], expected_rows):
        assert row["rank"] == expected["rank"] and row["u"] == expected["u"]
        assert row["p"] == pytest.approx(expected["p"], abs=1e-15)
        assert row["entropy_bits"] == pytest.approx(expected["entropy_bits"], abs=1e-9)
    expected_stats = lane_statistics(records, text)
    assert got["stats"].keys() == expected_stats.keys()
    for key, value in expected_stats.items():
        assert got["stats"][key] == pytest.approx(value, abs=1e-9), key
    # The live tally counts 4-grams of ids: the same figures as the statistics of that text.
    for key, value in got["idStats"].items():
        assert got["tally"][key] == pytest.approx(value, abs=1e-9), key
    for step, candidates in zip(steps, got["candidates"]):
        p = np.array(step["p"])
        order = sorted(range(11), key=lambda i: (-p[i], i))[:10]
        assert [c["id"] for c in candidates] == order
        q = lane_distribution(p, temperature)
        for c in candidates:
            assert c["p"] == pytest.approx(p[c["id"]], rel=1e-6, abs=1e-30)
            assert c["q"] == pytest.approx(q[c["id"]], abs=1e-6)


@pytest.mark.parametrize("text", ["", "abc", "abcd", "aaaaaaa", "😀😀😀😀😀", "ab😀ab😀ab", "the the the "])
def test_distinct4_counts_code_points(text):
    assert run_node("console.log(JSON.stringify(likelihood.distinct4(input)));", text) == distinct4(text)


# ---- the lane's filters ---------------------------------------------------------------------
FILTER_SETTINGS = [Filters(1), Filters(3), Filters(0, 0.5), Filters(0, 0.9, 0.1), Filters(5, 0.8, 0.05),
                   Filters(0, 1.0, 0.3), Filters(0, math.nextafter(1.0, 0)), Filters(0, 1e-300),
                   Filters(10, 1.0, 0.9999), Filters(20), NO_FILTERS]


def js_filters(filters: Filters) -> dict:
    return {"topK": filters.top_k, "topP": filters.top_p, "minP": filters.min_p}


def removed_by(p, temperature, filters) -> np.ndarray:
    """The characters whose weight was above 0 before the filters and 0 after."""
    if temperature == 0:
        return np.zeros(len(p), dtype=bool)
    return (reweight(p, temperature) > 0) & (lane_weights(p, temperature, filters) == 0)


def on_a_knife_edge(p, temperature, filters) -> bool:
    """Whether the kept set turns on the last few bits of q: a top-p running sum or a min-p
    threshold within 1e-13 of the cut. Math.log is not always numpy's to the last bit (1 ulp
    apart for p = 0.39294227543704346), so there the two may keep different tail characters."""
    if temperature == 0:
        return False
    q = reweight(p, temperature)
    order = sorted(range(len(q)), key=lambda i: (-q[i], i))
    kept = order[:filters.top_k] if 0 < filters.top_k < len(q) else order
    if filters.top_p < 1:
        total = sum(q[i] for i in kept)
        running = np.cumsum([q[i] for i in kept])
        if np.any(np.abs(running - filters.top_p * total) <= 1e-13 * total):
            return True
    return filters.min_p > 0 and bool(np.any(np.abs(q - filters.min_p) <= 1e-13))


def test_filtered_lane_distributions_agree():
    rng = np.random.default_rng(41)
    cases = []
    for p, t, filters in filter_cases(2, 42) + [(p, t, f) for p in distributions(60) for t in (0, 0.5, 1.2)
                                                 for f in FILTER_SETTINGS[:4]]:
        pad = int(rng.integers(4))
        cases.append({"p": np.r_[np.full(pad, 0.3), p].tolist(), "offset": pad, "size": len(p), "t": t,
                      "filters": js_filters(filters), "expected": lane_distribution(p, t, filters).tolist()})
    got = run_node("""console.log(JSON.stringify(input.map((c) =>
        Array.from(likelihood.laneDistribution(c.p, c.t, c.offset, c.size, c.filters)))));""", cases)
    for case, q in zip(cases, got):
        assert np.abs(np.array(q) - case["expected"]).max() <= 1e-12, case


@pytest.mark.parametrize("temperature", [0, 0.2, 1.0, 1.2, 50.0])
def test_records_with_filters_agree(temperature):
    """entropyBits, the drawn q and the top 10's removed flags, per step, under each filter."""
    rng = np.random.default_rng(43)
    runs = []
    for filters in FILTER_SETTINGS:
        steps = []
        for p in distributions(200):
            u = float(rng.random())
            steps.append({"p": p.tolist(), "u": u, "chosen": draw(p, temperature, u, filters)})
        runs.append({"filters": js_filters(filters), "steps": steps, "size": 11})
    big = [p for p in hard_distributions() if len(p) == 97]  # removals inside the top 10
    for filters in (Filters(4), Filters(0, 0.6), Filters(0, 1.0, 0.2), Filters(12, 0.95, 0.01)):
        runs.append({"filters": js_filters(filters), "size": 97, "steps": [
            {"p": p.tolist(), "u": u, "chosen": draw(p, temperature, u, filters)}
            for p in big for u in rng.random(3).tolist()]})
    got = run_node("""console.log(JSON.stringify(input.runs.map((run) => {
        const records = new likelihood.LaneRecords(run.steps.length,
          { temperature: input.t, vocabSize: run.size, filters: run.filters });
        run.steps.forEach((s) => records.record(s.p, s.chosen, s.u));
        return run.steps.map((s, at) => [records.entropyBits[at], records.q[at], records.candidates(at)]);
      })));""", {"t": temperature, "runs": runs})
    removed_seen = edges = 0
    for run, rows in zip(runs, got):
        filters = Filters(run["filters"]["topK"], run["filters"]["topP"], run["filters"]["minP"])
        for step, (entropy, q_drawn, candidates) in zip(run["steps"], rows):
            p = np.array(step["p"])
            q = lane_distribution(p, temperature, filters)
            removed = removed_by(p, temperature, filters)
            assert entropy == pytest.approx(entropy_bits(q), abs=1e-9), (filters, step)
            assert q_drawn == pytest.approx(q[step["chosen"]], abs=1e-6)
            assert q_drawn > 0 and not removed[step["chosen"]]  # what was drawn was kept
            order = sorted(range(len(p)), key=lambda i: (-p[i], i))[:10]
            assert [c["id"] for c in candidates] == order
            if on_a_knife_edge(p, temperature, filters):
                edges += filters.top_p != math.nextafter(1.0, 0)  # there every step is one
            else:
                flags = [bool(removed[i]) for i in order]
                assert [c["removed"] for c in candidates] == flags, (filters, step)
            for c in candidates:
                assert c["q"] == pytest.approx(q[c["id"]], abs=1e-6)
            removed_seen += sum(c["removed"] for c in candidates)
    assert (removed_seen > 500) == (temperature != 0)
    assert edges <= sum(len(run["steps"]) for run in runs) // 100
