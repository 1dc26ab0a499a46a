"""The page's sampling.js, vocab.js and run-options.js against the Python contract, under Node."""

import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from conftest import ROOT
from tempera.generate import MAX_LENGTH, MODES, PRIME_CHARS, length_note, prime_note
from tempera.rng import Mulberry32, lane_seed
from tempera.sampling import MAX_RNG_SEED, NOTEBOOK_TEMPERATURES, draw
from tempera.vocab import Vocabulary

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
