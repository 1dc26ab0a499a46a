"""The address, read as the page reads it: url-guard.js and url-state.js under Node.

Every value the address can hold, good and bad, is read here without a page: the run it gives
(seed, temperatures, each lane's filters as the reference's checks take them, length, RNG seed,
mode, backend) and the note that quotes a value the page cannot use. The page itself shows
these notes and starts on them in test_page_robustness.py and test_filters_page.py, for a few.
"""

import json
import shutil
import subprocess

import pytest

from helpers import ROOT
from tempera.generate import MODES
from tempera.sampling import MAX_RNG_SEED, NOTEBOOK_TEMPERATURES, lane_filters

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
DEFAULT_TEMPERATURES = list(NOTEBOOK_TEMPERATURES)
DEFAULT_SEED = "the meaning of life is"


def read_addresses(items):
    result = subprocess.run([NODE, "tests/url_state.mjs"], input=json.dumps(items), cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return dict(zip([json.dumps(i) for i in items], json.loads(result.stdout)))


# query -> (the note, or None for none; the fields of the run it gives)
VALUES = {
    "len=abc": ('len "abc" in the URL is not a whole number; using 400', {"length": 400}),
    "len=": ('len "" in the URL is not a whole number; using 400', {"length": 400}),
    "len=-3": ('len "-3" in the URL is negative; using 400', {"length": 400}),
    "len=2.5": ('len "2.5" in the URL is not a whole number; using 400', {"length": 400}),
    "len=60": (None, {"length": 60}),
    "rng=abc": (f'rng "abc" in the URL is not a whole number from 0 to {MAX_RNG_SEED}; using a random seed',
                {"rngSeed": None}),
    "rng=4294967296": (f'rng "4294967296" in the URL is not a whole number from 0 to {MAX_RNG_SEED}; '
                       "using a random seed", {"rngSeed": None}),
    "rng=77": (None, {"rngSeed": 77}),
    "t=0.2,,abc,-1,Infinity,1": (
        't "0.2,,abc,-1,Infinity,1" in the URL: item 2 is empty, item 3 "abc" is not a number, '
        'item 4 "-1" is negative, item 5 "Infinity" is not a finite number; using 0.2, 1', {"temperatures": [0.2, 1]}),
    "t=": ('t "" in the URL: item 1 is empty; using 0.2, 0.5, 1, 1.2 (the default)',
           {"temperatures": DEFAULT_TEMPERATURES}),
    "t=NaN": ('t "NaN" in the URL: item 1 "NaN" is not a number; using 0.2, 0.5, 1, 1.2 (the default)',
              {"temperatures": DEFAULT_TEMPERATURES}),
    "t=.5,1e-1": (None, {"temperatures": [0.5, 0.1]}),
    "t=0,0.7": (None, {"temperatures": [0, 0.7]}),
    "t=1,1,1,1,1,1,1,1,1,1": ("10 temperatures are more than the 8 lanes the page has", {"temperatures": [1] * 8}),
    "mode=fast": ('mode "fast" in the URL is not one of stateful, window; using stateful', {"mode": "stateful"}),
    "mode=window": (None, {"mode": "window"}),
    "backend=gpu": ('backend "gpu" in the URL is not one of webgl, wasm, cpu, measure; choosing one automatically',
                    {"backend": None}),
    "backend=cpu": (None, {"backend": "cpu"}),
    "seed=": ('seed "" in the URL is empty; using "the meaning of life is"', {"seed": DEFAULT_SEED}),
    "seed=the%20free%20spirit": (None, {"seed": "the free spirit"}),
    "model=small": (None, {"model": "small"}),
    # the filters: one value for every lane, or one per lane; an empty item is off
    "k=abc": ('k "abc" in the URL: lane 1: top-k must be a number', {}),
    "p=0,1,1,1": ('p "0,1,1,1" in the URL: lane 1: top-p must be above 0', {}),
    "minp=0.1,0.2": ('minp "0.1,0.2" in the URL has 2 items for 4 lanes', {}),
    "minp=NaN": ('minp "NaN" in the URL: lane 1: min-p must be a finite number', {}),
    "k=0x10": ('k "0x10" in the URL: lane 1: top-k must be a number', {}),
    "t=1.2,1.2,0.8&k=0,0,10&p=1,1,0.9&minp=0,0.1,0": (None, {"temperatures": [1.2, 1.2, 0.8],
                                                         "filters": ([0, 0, 10], [1, 1, 0.9], [0, 0.1, 0])}),
    "t=1,1&k=,5&minp=0.05": (None, {"temperatures": [1, 1], "filters": ([0, 5], [1, 1], [0.05, 0.05])}),
}


def expected_run(fields):
    """The whole run the address gives: the defaults where it says nothing."""
    run = {"seed": DEFAULT_SEED, "temperatures": DEFAULT_TEMPERATURES, "length": 400, "rngSeed": None,
           "mode": MODES[0], "model": None, "backend": None, **fields}
    top_k, top_p, min_p = fields.get("filters", (None, None, None))
    run["filters"] = [{"topK": f.top_k, "topP": f.top_p, "minP": f.min_p}
                      for f in lane_filters(len(run["temperatures"]), top_k, top_p, min_p)]
    return run


def test_every_value_in_the_address_gives_its_run_or_a_note_and_the_default():
    got = read_addresses([f"?{query}" for query in VALUES])
    for query, (note, fields) in VALUES.items():
        result = got[json.dumps(f"?{query}")]
        assert result["addressNotes"] == [], (query, result)
        if note is None:
            assert result["notes"] == [], (query, result["notes"])
        else:
            assert len(result["notes"]) == 1 and note in result["notes"][0], (query, result["notes"])
        assert result["state"] == expected_run(fields), query


def test_a_written_run_reads_back_as_itself():
    runs = [{"seed": "what is noble? 😀 & 100% = ?", "temperatures": [1.2, 1.2, 0.8],
             "filters": [{"topK": 0, "topP": 1, "minP": 0}, {"topK": 0, "topP": 1, "minP": 0.1},
                         {"topK": 10, "topP": 0.9, "minP": 0}],
             "length": 150, "rngSeed": 321, "mode": "window", "model": "nietzsche"},
            {"seed": "the", "temperatures": [0, 2], "filters": [{"topK": 0, "topP": 1, "minP": 0}] * 2,
             "length": 0, "rngSeed": 0, "mode": "stateful", "model": "small"}]
    got = read_addresses([{"write": run} for run in runs])
    for run in runs:
        result = got[json.dumps({"write": run})]
        assert result["notes"] == [] and result["addressNotes"] == []
        assert result["state"] == {**run, "backend": None}
    first = got[json.dumps({"write": runs[0]})]["search"]
    assert "k=0%2C0%2C10" in first and "p=1%2C1%2C0.9" in first and "minp=0%2C0.1%2C0" in first
    assert "k=" not in got[json.dumps({"write": runs[1]})]["search"]  # no filter, no parameter


# query -> (the field it gives and its value, the note)
MALFORMED = {
    "seed=100%": ({"seed": "100%"}, 'seed "100%" in the URL is not valid percent-encoding; read as "100%"'),
    "seed=caf%E9": ({"seed": "caf\ufffd"}, 'seed "caf%E9" in the URL is not valid percent-encoding'),
    "t=0.5,1%25%": ({}, 't "0.5,1%25%" in the URL is not valid percent-encoding'),
    "%zz=1&seed=ok": ({"seed": "ok"}, 'the URL parameter name "%zz" is not valid percent-encoding; ignored'),
    "len=12%&seed=a%%": ({"seed": "a%%"}, 'len "12%" in the URL is not valid percent-encoding'),
    "x?y=%&seed=fine": ({"seed": "fine"}, 'x?y "%" in the URL is not valid percent-encoding'),
    "tfjsflags=DEBUG:true": ({}, "tfjsflags \"DEBUG:true\" in the URL is ignored: the page sets TensorFlow.js's flags itself"),
    "tfjsflags=WEBGL_VERSION": ({}, 'tfjsflags "WEBGL_VERSION" in the URL is ignored'),
    "tfjsflags=%": ({}, "tfjsflags"),
    "tfjs%66lags=IS_TEST:true": ({}, 'tfjsflags "IS_TEST:true" in the URL is ignored'),
}


def tfjs_reads_safely(search):
    """What TensorFlow.js does with a query (tfjs-core getQueryParams): every name and value
    through decodeURIComponent, tfjsflags taken as its settings. True when neither bites."""
    import re
    import urllib.parse

    for name, value in re.findall(r"[?&]([^=?&]+)(?:=([^&]*))?", search):
        try:
            name = urllib.parse.unquote(name, errors="strict")
            urllib.parse.unquote(value, errors="strict")
        except UnicodeDecodeError:
            return False
        if name == "tfjsflags" or "%" in re.sub(r"%[0-9A-Fa-f]{2}", "", name + value):
            return False
    return True


def test_an_address_tensorflow_js_would_trip_over_is_rewritten_with_a_note():
    got = read_addresses([f"?backend=wasm&{query}" for query in MALFORMED])
    for query, (fields, note) in MALFORMED.items():
        result = got[json.dumps(f"?backend=wasm&{query}")]
        assert any(note in n for n in result["addressNotes"]), (query, result["addressNotes"])
        assert tfjs_reads_safely(result["search"]), (query, result["search"])
        assert "tfjsflags" not in result["search"]
        for key, value in fields.items():
            assert result["state"][key] == value, (query, key, result["state"][key])
        assert result["state"]["backend"] == "wasm"  # the rest of the address is kept


def test_thousands_of_bad_values_get_short_notes():
    query = "?t=" + ",".join(["x"] * 20000) + "&" + "&".join(f"p{i}=%" for i in range(50))
    result = read_addresses([query])[json.dumps(query)]
    assert len(result["addressNotes"]) == 6 and result["addressNotes"][5] == "and 45 more URL parameters like these"
    assert len(result["notes"]) == 1
    assert result["notes"][0].endswith('item 5 "x" is not a number and 19,995 more; using 0.2, 0.5, 1, 1.2 (the default)')
    assert len(result["notes"][0]) < 300
