"""The cell finder's arithmetic under Node: frontend/src/cell-patterns.js.

Each pattern's value per character is written out by hand for texts that test its edges
(nested and unclosed quotes, stray parentheses, line breaks, accents, characters beyond the
Basic Multilingual Plane, an empty text); the correlation is held against NumPy's, and is 0,
never NaN, where a series has no spread; the ranking is checked on activations built so that
the answer is known; the tints follow the value's size and sign.
"""

import json
import math
import shutil
import subprocess

import numpy as np
import pytest

from helpers import ROOT

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


def run(calls):
    result = subprocess.run([NODE, "tests/cell_patterns.mjs"], input=json.dumps(calls), cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def bits(text):
    return [int(c) for c in text]


# (pattern, text, marks, value per code point)
PATTERNS = [
    ("quotes", 'a "b" c', [], bits("0011000")),
    # straight quotes open and close by turns; an unclosed one runs to the end
    ("quotes", '"x" "y', [], bits("110011")),
    # curly quotes nest: the inner closing mark leaves the outer quotation open
    ("quotes", "a “b “c” d” e", [], bits("0011111111000")),
    # a straight quote inside curly ones, and German „…“
    ("quotes", '“a "b" c” „d“', [], bits("1111111100110")),
    # single quotes are apostrophes as often as not, so they are not quotes
    ("quotes", "don't 'x'", [], bits("000000000")),
    # a closing mark with nothing open is ignored
    ("quotes", "a” b", [], bits("0000")),
    ("parentheses", "a (b (c) d) e", [], bits("0011111111000")),
    ("parentheses", ") (x", [], bits("0011")),
    ("line", "ab\ncd\n\ne", [], [1, 2, 0, 1, 2, 0, 0, 1]),
    ("word", "the é-x 42", [], [1, 2, 3, 0, 1, 0, 1, 0, 0, 0]),
    # a letter with a combining accent is two code points, both in the word
    ("word", "e\u0301t", [], [1, 2, 3]),
    ("space", "a b\nc\td", [], bits("0101010")),
    ("vowels", "Aéyb😀ü", [], bits("110001")),
    ("digits", "a1٣x", [], bits("0110")),
    ("upper", "aBÉ😀x", [], bits("01100")),
    ("marked", "abcdef", [[1, 3], [4, 99], [-5, 0]], bits("011011")),
    ("marked", "abc", [], bits("000")),
    # characters beyond the BMP are one character each, as the model reads them
    ("quotes", '😀"😀"', [], bits("0110")),
]


def test_each_pattern_gives_its_value_at_each_character():
    calls = [{"op": "pattern", "id": pattern, "text": text, "marks": marks} for pattern, text, marks, _ in PATTERNS]
    for (pattern, text, _, expected), got in zip(PATTERNS, run(calls)):
        assert got == expected, (pattern, text, got)


def test_every_pattern_of_an_empty_text_is_empty_and_an_unknown_one_is_refused():
    ids = ["quotes", "parentheses", "line", "word", "space", "vowels", "digits", "upper", "marked"]
    got = run([{"op": "pattern", "id": i, "text": "", "marks": [[0, 3]]} for i in ids]
              + [{"op": "pattern", "id": "commas", "text": "a,b"}])
    assert got[:-1] == [[]] * len(ids)
    assert "no pattern \"commas\"" in got[-1]["error"] and "quotes" in got[-1]["error"]


def test_the_correlation_is_numpys_and_zero_where_a_series_has_no_spread():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=50), rng.normal(size=50)
    pairs = [(x, y), (x, 2 * x + 1), (x, -x), (x[:7], (x[:7] > 0).astype(float))]
    flat = [([1, 1, 1, 1], [1, 2, 3, 4]), ([1, 2, 3], [5, 5, 5]), ([], []), ([2], [3]),
            ([0.1] * 5, [0.1] * 5), ([1e9 + 1e-9 * i for i in range(5)], [0, 1, 0, 1, 0])]
    got = run([{"op": "pearson", "x": list(a), "y": list(b)} for a, b in pairs + flat])
    for (a, b), r in zip(pairs, got):
        assert abs(r - np.corrcoef(a, b)[0, 1]) < 1e-12
    assert got[len(pairs):] == [0] * len(flat)  # no spread: 0, and JSON has no NaN to carry


def layers_with(columns_per_layer):
    """An activations dict's layers whose unit u of layer l has h = c = columns[l][u] per char."""
    layers = []
    for columns in columns_per_layer:
        rows = [list(row) for row in zip(*columns)]
        layers.append({"units": len(columns), "h": rows, "c": rows})
    return layers


def test_units_are_ranked_by_absolute_correlation_with_the_pattern():
    pattern = [0, 0, 1, 1, 1, 0, 0, 1]
    follows = [0.1 + 0.8 * v for v in pattern]            # r = +1
    against = [0.5 - 0.9 * v + 0.05 * (i % 2) for i, v in enumerate(pattern)]  # r near -1
    loosely = [0.2 * v + 0.1 * (i % 3) for i, v in enumerate(pattern)]
    dead = [0.3] * len(pattern)                           # no spread: r = 0, not NaN
    layers = layers_with([[dead, loosely, follows], [against, dead]])
    ranked = run([{"op": "rank", "layers": layers, "kind": "h", "values": pattern, "top": 4}])[0]
    assert [(e["layer"], e["unit"]) for e in ranked] == [(0, 2), (1, 0), (0, 1), (0, 0)]
    assert ranked[0]["correlation"] == pytest.approx(1)
    assert ranked[1]["correlation"] == pytest.approx(np.corrcoef(against, pattern)[0, 1])
    assert ranked[1]["correlation"] < -0.9
    assert [e["score"] for e in ranked] == [abs(e["correlation"]) for e in ranked]
    assert ranked[2]["correlation"] == pytest.approx(np.corrcoef(loosely, pattern)[0, 1])
    assert ranked[3] == {"layer": 0, "unit": 0, "correlation": 0, "score": 0}


def test_a_constant_pattern_ranks_every_unit_at_zero_and_tanh_is_applied_to_c():
    layer = {"units": 2, "h": [[0.1, 0.2], [0.3, -0.4]], "c": [[2.0, -3.0], [0.5, 0.0]]}
    got = run([{"op": "rank", "layers": [layer], "kind": "c", "values": [1, 1], "top": 10},
               {"op": "series", "layer": layer, "unit": 1, "kind": "c"},
               {"op": "series", "layer": layer, "unit": 1, "kind": "h"},
               {"op": "series", "layer": layer, "unit": 0, "kind": "tanh"},
               {"op": "rank", "layers": [], "kind": "h", "values": [], "top": 10}])
    assert [e["score"] for e in got[0]] == [0, 0]
    assert got[1] == pytest.approx([math.tanh(-3.0), 0.0]) and got[2] == [0.2, -0.4]
    assert "no activation \"tanh\"" in got[3]["error"]
    assert got[4] == []


def test_tints_grow_with_the_value_and_take_its_sign():
    values = [-1.5, -1, -0.25, 0, 0.4, 1, 2]
    got = run([{"op": "tint", "value": v} for v in values]
              + [{"op": "influence", "value": v, "largest": l} for v, l in [(0.5, 2), (2, 2), (0, 0), (3, 2)]])
    assert [(t["className"], t["alpha"]) for t in got[:7]] == [
        ("tint-below", "1.000"), ("tint-below", "1.000"), ("tint-below", "0.250"), ("tint-above", "0.000"),
        ("tint-above", "0.400"), ("tint-above", "1.000"), ("tint-above", "1.000")]
    assert [t["alpha"] for t in got[7:]] == ["0.250", "1.000", "0.000", "1.000"]
