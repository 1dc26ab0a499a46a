"""The page against broken bundles, odd addresses and impatient people, in a real Chromium.

Every test serves a models folder built here from copies of the shipped bundle with the real
`tempera serve` (or, where the model list itself must be written by hand, a plain static file
server), and drives Debian's Chromium through Playwright.
"""

import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import numpy as np
import pytest

import harness
from helpers import ROOT, SHIPPED_BUNDLE, open_page
from harness import serving_static
from tempera.bundle import read_weights

pytestmark = [pytest.mark.browser]
PAGE_DIST = os.path.join(ROOT, "frontend", "dist")
SHARD = "group1-shard1of1.bin"


def float32_copy(source: str) -> str:
    """The bundle with its weights stored as plain float32 in one shard: these tests damage
    weights byte by byte, at float32 offsets, whatever form the shipped model takes."""
    folder = os.path.join(tempfile.mkdtemp(prefix="tempera-float32-"), "nietzsche")
    os.makedirs(folder)
    with open(os.path.join(source, "model.json"), encoding="utf-8") as handle:
        model_json = json.load(handle)
    weights = read_weights(source, model_json["weightsManifest"])
    entries = [entry for group in model_json["weightsManifest"] for entry in group["weights"]]
    for entry in entries:
        entry.pop("quantization", None)
    model_json["weightsManifest"] = [{"paths": [SHARD], "weights": entries}]
    with open(os.path.join(folder, SHARD), "wb") as handle:
        for entry in entries:
            handle.write(np.asarray(weights[entry["name"]], dtype="<f4").tobytes())
    with open(os.path.join(folder, "model.json"), "w", encoding="utf-8") as handle:
        json.dump(model_json, handle)
    with open(os.path.join(source, "tempera.json"), encoding="utf-8") as handle:
        meta = json.load(handle)
    meta.pop("quantization", None)
    meta.pop("weights_sha256", None)  # the shard is rewritten: a bundle without digests, unchecked
    with open(os.path.join(folder, "tempera.json"), "w", encoding="utf-8") as handle:
        json.dump(meta, handle)
    return folder


BASE_BUNDLE = float32_copy(SHIPPED_BUNDLE)
SHARD_BYTES = os.path.getsize(os.path.join(BASE_BUNDLE, SHARD))
MAX_LANES = 8


# ---- bundles, broken on purpose ------------------------------------------------------------
def _write_json(path, document):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle)


def _rewrite_json(path, change):
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    change(document)
    _write_json(path, document)


def _truncate(path):
    with open(path, "rb") as handle:
        data = handle.read()
    with open(path, "wb") as handle:
        handle.write(data[: len(data) // 2])


def _poison(bundle, weight, index, value):
    """Write `value` as the index-th float32 of the named weight in the shard."""
    with open(os.path.join(bundle, "model.json"), encoding="utf-8") as handle:
        entries = json.load(handle)["weightsManifest"][0]["weights"]
    offset = 0
    for entry in entries:
        if entry["name"] == weight:
            break
        offset += 4 * math.prod(entry["shape"])
    with open(os.path.join(bundle, SHARD), "r+b") as handle:
        handle.seek(offset + 4 * index)
        handle.write(struct.pack("<f", value))


def _meta(change):
    return lambda b: _rewrite_json(os.path.join(b, "tempera.json"), change)


def _manifest(change):
    return lambda b: _rewrite_json(os.path.join(b, "model.json"), change)


def _replaced(file, document):
    return lambda b: _write_json(os.path.join(b, file), document)


def _first_weight(change):
    def apply(model):
        change(model["weightsManifest"][0]["weights"][0])
    return _manifest(apply)


def _unknown_layer(model):
    model["modelTopology"]["model_config"]["config"]["layers"][1]["class_name"] = "NoSuchLayer"


def _put(key, value):
    return lambda d: d.update({key: value})


def _drop(key):
    return lambda d: d.__delitem__(key)


def _copy_bundle(models, name, damage=None):
    folder = os.path.join(models, name)
    shutil.copytree(BASE_BUNDLE, folder)
    if damage:
        damage(folder)
    return folder


def serving(models, static=None):
    """`tempera serve` for real, on a free loopback port, with the page built here."""
    return harness.serving(models, quiet=True, static=static or PAGE_DIST)


def write_index(models, entries=None):
    """models/index.json as a static site holds it: every bundle folder, none marked unavailable,
    so the page finds each problem itself."""
    if entries is None:
        entries = [{"id": name, "name": name} for name in sorted(os.listdir(models))
                   if os.path.isfile(os.path.join(models, name, "tempera.json"))]
    _write_json(os.path.join(models, "index.json"), {"models": entries})


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The page and a models folder holding the shipped bundle as "nietzsche"; tests add
    bundles to it and remove them."""
    folder = tmp_path_factory.mktemp("page-site")
    shutil.copytree(PAGE_DIST, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.map"))
    shutil.copytree(BASE_BUNDLE, folder / "models" / "nietzsche")
    write_index(folder / "models")
    return folder


@pytest.fixture(scope="module")
def models(site):
    return site / "models"


@pytest.fixture(scope="module")
def server(models):
    """The real `tempera serve`: it may mark bundles unavailable in models/index.json itself."""
    with serving(models) as url:
        yield url


@pytest.fixture(scope="module")
def static_server(site):
    """The same folder as a static site whose index marks nothing: the page loads every bundle."""
    with serving_static(site) as url:
        yield url


@pytest.fixture(params=["serve", "static"])
def host(request):
    return request.getfixturevalue("server" if request.param == "serve" else "static_server")


@pytest.fixture
def extra(models):
    """Adds bundles (a copy of the shipped one, then damaged) for one test."""
    added = []

    def add(name, damage=None):
        added.append(_copy_bundle(models, name, damage))
        write_index(models)
        return added[-1]

    yield add
    for folder in added:
        shutil.rmtree(folder)
    write_index(models)


def ready_page(browser, url):
    page = open_page(browser, url)
    page.wait_for_function("() => !document.querySelector('[data-testid=status]').textContent.startsWith('Loading')")
    return page


def text(page, testid):
    return page.text_content(f"[data-testid={testid}]")


def options(page):
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid=model] option')]
        .map((o) => ({value: o.value, text: o.textContent, disabled: o.disabled}))""")


def option(page, value):
    return next(o for o in options(page) if o["value"] == value)


def generates(page, length=30):
    got = page.evaluate("(o) => window.tempera.generate(o)", {
        "seedText": "the will to power", "temperatures": [0, 1.0], "length": length, "rngSeed": 5,
        "mode": "stateful"})
    return [lane["text"] for lane in got["lanes"]]


def run_in_page(page, length=30):
    page.fill("[data-testid=length]", str(length))
    page.click("[data-testid=generate]")
    page.wait_for_function("""() => /^(Done|Stopped|Generation failed)/.test(
        document.querySelector('[data-testid=status]').textContent)
        || !document.querySelector('[data-testid=error]').hidden""")
    assert text(page, "status").startswith("Done"), (text(page, "status"), text(page, "error"))
    return page.locator("[data-testid=lane-text]").all_text_contents()


# ---- 1 and 5: a broken bundle is listed as unavailable; the page starts on one that works ---
# name -> (damage, phrases any host's reason holds, the page's own words for it)
BROKEN = {
    "unknown format_version": (_meta(_put("format_version", 99)), ["format_version"],
                               ["tempera.json has format_version 99; this page reads version 1"]),
    "shard missing": (lambda b: os.remove(os.path.join(b, SHARD)), [SHARD, "missing"],
                      [f"weight shard {SHARD} is missing (HTTP 404)"]),
    "shard truncated": (lambda b: _truncate(os.path.join(b, SHARD)), ["truncated"],
                        [f"weight shard {SHARD} is truncated: {SHARD_BYTES // 2} bytes, model.json describes {SHARD_BYTES}"]),
    "model.json corrupt": (_manifest(_unknown_layer), ["NoSuchLayer"],
                           ["model.json could not be loaded by TensorFlow.js", "NoSuchLayer"]),
    "model.json not JSON": (lambda b: _truncate(os.path.join(b, "model.json")), ["model.json", "JSON"],
                            ["model.json is not valid JSON"]),
    "NaN in a weight": (lambda b: _poison(b, "lstm_1/lstm_cell/kernel", 7, math.nan), ["lstm_1/lstm_cell/kernel"],
                        [f'weight "lstm_1/lstm_cell/kernel" in {SHARD} holds NaN (value 8 of 58,368)']),
}


@pytest.mark.parametrize("breakage", BROKEN)
def test_a_broken_bundle_is_listed_unavailable_and_the_page_starts_on_a_working_one(
        browser, host, extra, breakage, request):
    damage, phrases, page_words = BROKEN[breakage]
    if request.node.callspec.params["host"] == "static":  # the page finds the problem itself
        phrases = phrases + page_words
    extra("a-broken", damage)  # first in the list: the page used to try it and stop there
    page = ready_page(browser, f"{host}?backend=wasm")
    assert page.evaluate("window.tempera.model") == "nietzsche"
    assert text(page, "status").startswith("Ready")
    broken = option(page, "a-broken")
    assert broken["disabled"] and broken["text"].startswith("a-broken (unavailable: "), broken
    assert all(p in broken["text"] for p in phrases), broken
    error = text(page, "error")
    assert 'model "a-broken"' in error and all(p in error for p in phrases), error
    assert "showing nietzsche" in error
    assert page.get_attribute("[data-testid=error]", "role") == "alert"
    assert all(len(lane) == 30 for lane in generates(page))
    assert not page.errors
    page.close()


def test_a_requested_broken_bundle_falls_back_and_says_why(browser, host, extra):
    extra("z-poisoned", lambda b: _poison(b, "next_char/bias", 3, math.inf))
    page = ready_page(browser, f"{host}?backend=wasm&model=z-poisoned")
    assert page.evaluate("window.tempera.model") == "nietzsche"
    assert page.input_value("[data-testid=model]") == "nietzsche"
    error = text(page, "error")
    assert 'model "z-poisoned" (models/z-poisoned/) is unavailable' in error, error
    assert "next_char/bias" in error, error
    assert "showing nietzsche" in error
    assert run_in_page(page)
    page.close()


@pytest.mark.parametrize("value, shown", [(math.nan, "NaN"), (math.inf, "Infinity"), (-math.inf, "-Infinity")])
def test_non_finite_weights_are_a_bundle_error_naming_the_weight(browser, static_server, extra, value, shown):
    extra("poisoned", lambda b: _poison(b, "lstm_1/lstm_cell/recurrent_kernel", 100, value))
    page = ready_page(browser, f"{static_server}?backend=wasm&model=poisoned")
    error = text(page, "error")
    assert f'weight "lstm_1/lstm_cell/recurrent_kernel" in {SHARD} holds {shown} (value 101 of 262,144)' in error, error
    assert 'model "poisoned"' in error
    assert page.evaluate("window.tempera.model") == "nietzsche"
    assert all(not set(lane) <= {"\n"} for lane in generates(page))
    page.close()


@pytest.mark.parametrize("kind", ["serve", "static"])
def test_when_no_bundle_works_each_is_named_with_its_reason(browser, tmp_path, kind):
    shutil.copytree(PAGE_DIST, tmp_path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.map"))
    models = tmp_path / "models"
    _copy_bundle(models, "first", _meta(_put("maxlen", 0)))  # found by the server, or by the page
    _copy_bundle(models, "second", lambda b: os.remove(os.path.join(b, SHARD)))
    write_index(models)
    with serving(models) if kind == "serve" else serving_static(tmp_path) as url:
        page = open_page(browser, f"{url}?backend=wasm")
        assert page.evaluate("window.tempera.ready.then(() => 'ok', (e) => e.message)") != "ok"
        assert text(page, "status") == "Not ready."
        error = text(page, "error")
        assert 'model "first"' in error and "maxlen" in error, error
        assert 'model "second"' in error and SHARD in error, error
        assert "no model bundle could be loaded" in error
        assert [o["disabled"] and "(unavailable: " in o["text"] for o in options(page)] == [True, True]
        assert page.is_disabled("[data-testid=generate]")
        assert not page.errors
        page.close()


def test_an_index_entry_marked_unavailable_is_listed_and_never_fetched(browser, tmp_path):
    """The server may mark an entry "unavailable" in models/index.json (a problem found without
    loading weights): the page lists it with the reason and never asks for its files."""
    site = tmp_path / "site"
    shutil.copytree(PAGE_DIST, site, ignore=shutil.ignore_patterns("*.map"))
    _copy_bundle(site / "models", "flagged")
    _copy_bundle(site / "models", "nietzsche")
    write_index(site / "models", [
        {"id": "flagged", "name": "<b>flagged</b>", "unavailable": 'tempera.json: "maxlen" is 0'},
        {"id": "nietzsche", "name": "nietzsche"},
    ])
    with serving_static(site) as url:
        page = browser.new_page()
        page.errors = []
        requested = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{url}?backend=wasm&model=flagged")
        page.wait_for_function("() => window.tempera !== undefined")
        page.evaluate("window.tempera.ready")
        assert page.evaluate("window.tempera.model") == "nietzsche"
        flagged = option(page, "flagged")
        assert flagged["disabled"] and flagged["text"] == \
            'flagged (trained on <b>flagged</b>) (unavailable: tempera.json: "maxlen" is 0)'
        error = text(page, "error")
        assert 'model "<b>flagged</b>" (models/flagged/) is unavailable: tempera.json: "maxlen" is 0' in error
        assert not [u for u in requested if "/models/flagged/" in u], requested
        assert page.locator("b").count() == 0  # the name is text, never markup
        page.close()


INDEXES = {
    "entries without id, twice the same": (
        [{"name": "nameless"}, {"id": "nietzsche", "name": "nietzsche"}, {"id": "nietzsche", "name": "again"}],
        ['model "nameless" is unavailable: models/index.json gives entry 1 no "id"',
         'model "again" (models/nietzsche/) is unavailable: models/index.json lists "nietzsche" twice']),
    "marked unavailable without a reason": (
        [{"id": "gone", "unavailable": True}, {"id": "nietzsche"}],
        ['model "gone" (models/gone/) is unavailable: the server marks it unavailable']),
}


@pytest.mark.parametrize("case", INDEXES)
def test_odd_model_list_entries_are_listed_unavailable(browser, tmp_path, case):
    entries, lines = INDEXES[case]
    shutil.copytree(PAGE_DIST, tmp_path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.map"))
    _copy_bundle(tmp_path / "models", "nietzsche")
    write_index(tmp_path / "models", entries)
    with serving_static(tmp_path) as url:
        page = ready_page(browser, f"{url}?backend=wasm")
        assert page.evaluate("window.tempera.model") == "nietzsche"
        error = text(page, "error")
        assert all(line in error for line in lines), error
        assert sum(not o["disabled"] for o in options(page)) == 1
        assert run_in_page(page, 10)
        page.close()


@pytest.mark.parametrize("index, message", [
    ("{not json", "the model list models/index.json is not valid JSON"),
    ('{"models": {}}', 'the model list models/index.json has no "models" list'),
    ('{"models": []}', "no model bundle is available"),
    (None, "the model list models/index.json is missing (HTTP 404)"),
])
def test_a_broken_model_list_is_named(browser, tmp_path, index, message):
    shutil.copytree(PAGE_DIST, tmp_path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.map"))
    if index is not None:
        (tmp_path / "models").mkdir()
        (tmp_path / "models" / "index.json").write_text(index, encoding="utf-8")
    with serving_static(tmp_path) as url:
        page = open_page(browser, url)
        assert text(page, "status") == "Not ready."
        assert text(page, "error").startswith(message), text(page, "error")
        assert not page.errors
        page.close()


def test_switching_to_a_broken_bundle_keeps_the_previous_model(browser, static_server, extra):
    extra("z-truncated", lambda b: _truncate(os.path.join(b, SHARD)))
    page = ready_page(browser, f"{static_server}?backend=wasm&model=nietzsche&len=30&rng=9&t=0,1")
    before = run_in_page(page)
    page.select_option("[data-testid=model]", "z-truncated")
    page.wait_for_function("() => !document.querySelector('[data-testid=model]').disabled")
    assert page.input_value("[data-testid=model]") == "nietzsche"
    truncated = option(page, "z-truncated")
    assert truncated["disabled"] and f"weight shard {SHARD} is truncated" in truncated["text"], truncated
    error = text(page, "error")
    assert 'model "z-truncated"' in error and "truncated" in error and "still using nietzsche" in error, error
    assert page.evaluate("window.tempera.model") == "nietzsche"
    assert run_in_page(page) == before  # the same model, working as before
    assert not page.errors
    page.close()


# ---- 6: loose types in a bundle's files are named errors, never TypeErrors -----------------
def _layer(index, change):
    def apply(model):
        change(model["modelTopology"]["model_config"]["config"]["layers"][index]["config"])
    return _manifest(apply)


def _vocab(change):
    def apply(meta):
        meta["vocabulary"] = change(meta["vocabulary"])
    return _meta(apply)


# name -> (damage, [file, field], what the page says is wrong when it finds the problem itself)
LOOSE = {
    "meta-not-object": (_replaced("tempera.json", []), ["tempera.json"], "is not a JSON object"),
    "meta-version-string": (_meta(_put("format_version", "1")), ["tempera.json", "format_version"], 'format_version "1"'),
    "lowercase-no": (_meta(_put("lowercase", "no")), ["tempera.json", "lowercase"], 'must be true or false, got "no"'),
    "lowercase-1": (_meta(_put("lowercase", 1)), ["tempera.json", "lowercase"], "must be true or false, got 1"),
    "lowercase-missing": (_meta(_drop("lowercase")), ["tempera.json", "lowercase"], 'has no "lowercase"'),
    "maxlen-0": (_meta(_put("maxlen", 0)), ["tempera.json", "maxlen"], "whole number from 1 to 10,000, got 0"),
    "maxlen-huge": (_meta(_put("maxlen", 10**9)), ["tempera.json", "maxlen"], "got 1000000000"),
    "maxlen-fraction": (_meta(_put("maxlen", 2.5)), ["tempera.json", "maxlen"], "got 2.5"),
    "maxlen-string": (_meta(_put("maxlen", "60")), ["tempera.json", "maxlen"], 'got "60"'),
    "maxlen-null": (_meta(_put("maxlen", None)), ["tempera.json", "maxlen"], "got null"),
    "vocab-string": (_vocab(lambda v: "".join(v)), ["tempera.json", "vocabulary"], "must be a list of single characters"),
    "vocab-empty": (_vocab(lambda v: []), ["tempera.json", "vocabulary"], "is empty"),
    "vocab-two-chars": (_vocab(lambda v: v[:5] + ["ab"] + v[6:]), ["tempera.json", "vocabulary"], 'item 5 is "ab"'),
    "vocab-number": (_vocab(lambda v: v[:5] + [5] + v[6:]), ["tempera.json", "vocabulary"], "item 5 is 5"),
    "vocab-null": (_vocab(lambda v: v[:5] + [None] + v[6:]), ["tempera.json", "vocabulary"], "item 5 is null"),
    "vocab-repeated": (_vocab(lambda v: v[:5] + ["a"] + v[6:]), ["tempera.json", "vocabulary"], 'lists "a" twice'),
    "name-number": (_meta(_put("name", 7)), ["tempera.json", "name"], "must be a string, got 7"),
    "held-out-string": (_meta(_put("held_out", "good")), ["tempera.json", "held_out"], 'got "good"'),
    "held-out-loss-string": (_meta(_put("held_out", {"loss_nats_per_char": "1.3"})),
                             ["tempera.json", "loss_nats_per_char"], "must be an object whose"),
    "vocab-one-short": (_vocab(lambda v: v[:-1]), ["tempera.json", "56 characters"], "output has 57"),
    "model-not-object": (_replaced("model.json", None), ["model.json"], "is not a JSON object"),
    "manifest-object": (_manifest(_put("weightsManifest", {})), ["model.json", "weightsManifest"], "must be a list"),
    "group-number": (_manifest(_put("weightsManifest", [5])), ["model.json", "weightsManifest[0]"], "must be an object"),
    "paths-string": (_manifest(lambda m: m["weightsManifest"][0].update(paths=SHARD)),
                     ["model.json", "paths"], "must be a list of shard file names"),
    "path-number": (_manifest(lambda m: m["weightsManifest"][0].update(paths=[7])),
                    ["model.json", "paths[0]"], "is 7, not a file name"),
    "path-climbs-out": (_manifest(lambda m: m["weightsManifest"][0].update(paths=["../nietzsche/" + SHARD])),
                        ["model.json", "paths[0]"], "not a file name"),
    "weights-object": (_manifest(lambda m: m["weightsManifest"][0].update(weights={})),
                       ["model.json", "weights"], "must be a list"),
    "weight-no-name": (_first_weight(lambda w: w.pop("name")), ["model.json", "name"], "must be a weight's name"),
    "shape-string": (_first_weight(_put("shape", "57,1024")), ["model.json", "shape"], 'has shape "57,1024"'),
    "shape-negative": (_first_weight(_put("shape", [57, -1])), ["model.json", "shape"], "has shape [57,-1]"),
    "shape-fraction": (_first_weight(_put("shape", [57.5, 1024])), ["model.json", "shape"], "has shape [57.5,1024]"),
    "shape-null": (_first_weight(_put("shape", None)), ["model.json", "shape"], "has shape null"),
    "dtype-float16": (_first_weight(_put("dtype", "float16")), ["model.json", "float16"], "float32 weights only"),
    "dtype-int32": (_first_weight(_put("dtype", "int32")), ["model.json", "int32"], "float32 weights only"),
    "dtype-uint8": (_first_weight(_put("dtype", "uint8")), ["model.json", "uint8"], "float32 weights only"),
    "dtype-missing": (_first_weight(_drop("dtype")), ["model.json", "dtype"], "has dtype nothing"),
    "quantized-int4": (_first_weight(_put("quantization", {"dtype": "int4", "scale": 0.1, "min": -1})),
                       ["model.json", "quantized"], 'quantized as "int4"'),
    "lstm-relu": (_layer(1, _put("activation", "relu")), ["model.json", "relu"], "unsupported LSTM activation"),
    "output-linear": (_layer(-1, _put("activation", "linear")), ["model.json", "Dense", '"linear"'], "must be softmax"),
    "quantized-no-scale": (_first_weight(_put("quantization", {"dtype": "uint8", "min": -1})),
                           ["model.json", "quantized"], 'without a finite "scale"'),
}


def test_loose_types_in_bundle_files_are_named_bundle_errors(browser, host, models):
    """One page, switched to each broken variant in turn: every one is refused with an error
    naming the file and the field, and the page keeps its working model throughout."""
    folders = []
    try:
        for name, (damage, _, _) in LOOSE.items():
            folder = os.path.join(models, f"loose-{name}")
            # the shard is never changed here: share it; the JSON files are rewritten, so copied
            shutil.copytree(os.path.join(models, "nietzsche"), folder, copy_function=os.link,
                            ignore=shutil.ignore_patterns("*.json"))
            for file in ("tempera.json", "model.json"):
                shutil.copy(os.path.join(BASE_BUNDLE, file), folder)
            damage(folder)
            folders.append(folder)
        write_index(models)
        page = ready_page(browser, f"{host}?backend=wasm&model=nietzsche")
        flagged_by_server = {o["value"] for o in options(page) if o["disabled"]}
        failures = []
        for name, (_, names, detail) in LOOSE.items():
            value = f"loose-{name}"
            if value not in flagged_by_server:
                page.select_option("[data-testid=model]", value)
                page.wait_for_function("() => !document.querySelector('[data-testid=model]').disabled")
            listed = option(page, value)
            reason = listed["text"]
            # reasons the server gives are its own words (tested with the server); the page's
            # must name the file and the field
            expected = [] if value in flagged_by_server else [*names, detail]
            if not (listed["disabled"] and "(unavailable: " in reason and all(p in reason for p in expected)):
                failures.append((name, reason))
            if re.search(r"TypeError|Cannot read prop|is not a function|undefined", reason):
                failures.append((name, reason))
        assert not failures, failures
        assert page.evaluate("window.tempera.model") == "nietzsche"
        assert all(len(lane) == 30 for lane in generates(page))
        assert not page.errors
        page.close()
    finally:
        for folder in folders:
            shutil.rmtree(folder)
        write_index(models)


# ---- 2: any address gives a working page ---------------------------------------------------
def test_malformed_percent_encoding_in_the_url_gives_a_working_page(browser, server):
    """Every malformed address is read under Node (test_js_url_state.py); the page starts on
    one that TensorFlow.js's own reading of the query used to kill."""
    page = ready_page(browser, f"{server}?backend=wasm&seed=100%")
    assert text(page, "status").startswith("Ready"), text(page, "status")
    assert 'seed "100%" in the URL is not valid percent-encoding; read as "100%"' in text(page, "url-notes")
    assert page.input_value("[data-testid=seed-input]") == "100%"
    # the address is well-formed now: anything that reads it later cannot trip over it
    assert page.evaluate("() => decodeURIComponent(location.search) !== null")
    assert run_in_page(page, 20)
    assert not page.errors
    page.close()


def tfjs_names(search):
    """The parameter names TensorFlow.js reads from a query (tfjs-core getQueryParams)."""
    return [urllib.parse.unquote(name) for name in re.findall(r"[?&]([^=?&]+)", search)]


@pytest.mark.parametrize("query", ["tfjsflags=DEBUG:true", "tfjs%66lags=IS_TEST:true"])
def test_tensorflow_js_flags_in_the_url_are_ignored(browser, server, query):
    page = browser.new_page()
    page.errors = []
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(f"{server}?backend=wasm&seed=the&{query}")
    page.wait_for_function("() => window.tempera !== undefined")
    page.evaluate("window.tempera.ready")
    assert not [m for m in console if "feature override" in m], console
    assert "tfjsflags" not in tfjs_names(page.evaluate("location.search"))
    if not query.startswith("a?"):
        assert "in the URL is ignored: the page sets TensorFlow.js's flags itself" in text(page, "url-notes")
    assert run_in_page(page, 20)
    assert not page.errors
    page.close()


# ---- 4: values in the URL the page cannot use: a note quoting them, and the default --------
# Every value is read under Node (test_js_url_state.py); the page shows the notes and uses the
# defaults in its fields.
def test_bad_url_values_are_quoted_in_notes_and_the_defaults_used(browser, server):
    query = "len=abc&rng=4294967296&t=0.2,,abc,-1,Infinity,1&mode=fast&seed="
    page = ready_page(browser, f"{server}?backend=wasm&model=nietzsche&{query}")
    assert text(page, "status").startswith("Ready"), (text(page, "status"), text(page, "error"))
    notes = page.locator("[data-testid=url-notes] li").all_text_contents()
    assert notes == [
        't "0.2,,abc,-1,Infinity,1" in the URL: item 2 is empty, item 3 "abc" is not a number, '
        'item 4 "-1" is negative, item 5 "Infinity" is not a finite number; using 0.2, 1',
        'seed "" in the URL is empty; using "the meaning of life is"',
        'len "abc" in the URL is not a whole number; using 400',
        'rng "4294967296" in the URL is not a whole number from 0 to 4294967295; using a random seed',
        'mode "fast" in the URL is not one of stateful, window; using stateful'], notes
    lanes = page.locator("[data-testid=lane]")
    assert [lanes.nth(i).get_attribute("data-temperature") for i in range(lanes.count())] == ["0.2", "1"]
    assert page.input_value("[data-testid=length]") == "400"
    assert page.input_value("[data-testid=mode]") == "stateful"
    assert page.input_value("[data-testid=seed-input]") == "the meaning of life is"
    assert re.fullmatch(r"\d+", page.input_value("[data-testid=rng-seed]"))
    assert run_in_page(page, 20)
    assert text(page, "error") == ""
    assert page.locator("[data-testid=url-notes]").is_hidden()  # the address now holds this run
    assert not page.errors
    page.close()


def test_an_unknown_model_in_the_url_is_still_reported(browser, server):
    page = ready_page(browser, f"{server}?backend=wasm&model=nope")
    assert text(page, "error") == 'model "nope" is not available; showing nietzsche'
    assert run_in_page(page, 20)
    page.close()


@pytest.mark.parametrize("field, value, message", [
    ("length", "", "the length is empty or not a number"),
    ("rng-seed", "", "the random draw number is empty or not a number"),
    ("lane-temperature", "", "lane 2: the temperature is empty or not a number"),
    ("lane-temperature", "-1", "lane 2: temperature must be 0 (greedy) or positive, got -1"),
])
def test_a_bad_form_value_is_named_in_words(browser, server, field, value, message):
    page = ready_page(browser, f"{server}?backend=wasm&model=nietzsche")
    page.locator(f"[data-testid={field}]").nth(1 if field == "lane-temperature" else 0).fill(value)
    page.click("[data-testid=generate]")
    assert text(page, "error") == message
    assert text(page, "status").startswith("Ready")  # nothing started
    page.close()


API_LOOSE = {
    "no options": ("undefined", "seedText must be a string"),
    "seed a number": ("{ seedText: 5, temperatures: [1], length: 5, rngSeed: 1 }", "seedText must be a string"),
    "temperatures a string": ("{ seedText: 'the', temperatures: '1', length: 5, rngSeed: 1 }",
                              "temperatures must be a list of numbers, one per lane"),
    "temperature null": ("{ seedText: 'the', temperatures: [null], length: 5, rngSeed: 1 }",
                         "temperature must be a number, got null"),
    "length a word": ("{ seedText: 'the', temperatures: [1], length: 'abc', rngSeed: 1 }",
                      "length must be a whole number, got abc"),
    "no rng seed": ("{ seedText: 'the', temperatures: [1], length: 5 }",
                    "rng seed must be an integer between 0 and 4294967295, got undefined"),
    "mode unknown": ("{ seedText: 'the', temperatures: [1], length: 5, rngSeed: 1, mode: 7 }",
                     "mode must be stateful or window, got 7"),
}


def test_the_api_refuses_loose_types_in_words(browser, server):
    page = ready_page(browser, f"{server}?backend=wasm&model=nietzsche")
    for name, (options_js, message) in API_LOOSE.items():
        got = page.evaluate(f"""() => window.tempera.generate({options_js})
            .then(() => 'accepted', (e) => e.constructor.name + ': ' + e.message)""")
        assert not got.startswith("TypeError") and got.endswith(message), (name, got)
    got = page.evaluate("() => window.tempera.probabilities(5).then(() => 'accepted', (e) => e.message)")
    assert got == "the text must be a string"
    assert all(len(lane) == 30 for lane in generates(page))
    page.close()


HIDE_WEBGL = """
for (const type of [HTMLCanvasElement, self.OffscreenCanvas].filter(Boolean)) {
  const original = type.prototype.getContext;
  type.prototype.getContext = function (kind, ...rest) {
    return String(kind).includes('webgl') ? null : original.call(this, kind, ...rest);
  };
}
"""


def test_a_backend_that_cannot_start_falls_back_with_a_note(browser, server):
    page = browser.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.add_init_script(HIDE_WEBGL)
    page.goto(f"{server}?backend=webgl&model=nietzsche")
    page.wait_for_function("() => window.tempera !== undefined")
    page.evaluate("window.tempera.ready")
    assert page.evaluate("window.tempera.backend") == "wasm"
    assert 'backend "webgl" in the URL could not start here; choosing one automatically' in text(page, "url-notes")
    assert run_in_page(page, 20)
    page.close()


# ---- 3: every control while generating -----------------------------------------------------
DISABLED_WHILE_RUNNING = ["model", "add-lane", "remove-lane", "lane-temperature", "generate"]
ENABLED_WHILE_RUNNING = ["stop", "seed-input", "length", "rng-seed", "new-rng", "mode"]


def states(page, testids):
    return {t: page.evaluate(f"""() => [...document.querySelectorAll('[data-testid={t}]')]
        .map((e) => e.disabled)""") for t in testids}


def test_controls_while_generating(browser, server, extra):
    extra("other", _meta(_put("name", "other")))
    page = ready_page(browser, f"{server}?backend=wasm&model=nietzsche&len=100000")
    page.click("[data-testid=generate]")
    page.wait_for_function("() => document.querySelector('[data-testid=lane-text]').textContent.length > 10")
    assert all(all(s) for s in states(page, DISABLED_WHILE_RUNNING).values()), states(page, DISABLED_WHILE_RUNNING)
    assert not any(any(s) for s in states(page, ENABLED_WHILE_RUNNING).values()), states(page, ENABLED_WHILE_RUNNING)
    # the controls that stay enabled work, and do not disturb the run
    page.click("[data-testid=new-rng]")
    page.fill("[data-testid=length]", "77")
    page.select_option("[data-testid=mode]", "window")
    page.locator("[data-testid=seed-input]").press_sequentially(" more", timeout=2000)
    # a remove button reached anyway (a script, an old screen reader) removes nothing
    page.locator("[data-testid=remove-lane]").first.dispatch_event("click")
    assert page.locator("[data-testid=lane]").count() == 4
    grown = len(text(page, "lane-text"))
    page.wait_for_function("(n) => document.querySelector('[data-testid=lane-text]').textContent.length > n",
                           arg=grown)
    page.click("[data-testid=stop]")
    page.wait_for_function("() => !document.querySelector('[data-testid=generate]').disabled")
    assert text(page, "status").startswith("Stopped"), text(page, "status")
    assert text(page, "error") == ""
    after = states(page, DISABLED_WHILE_RUNNING + ENABLED_WHILE_RUNNING)
    assert after.pop("stop") == [True]
    assert not any(any(s) for s in after.values()), after
    assert not page.errors
    page.close()


def test_switching_the_model_while_a_run_goes_on_leaves_the_run_whole(browser, server, extra):
    """A run started through window.tempera keeps the model it started with; the old model
    is freed when the run ends."""
    extra("other", _meta(_put("name", "other")))
    page = ready_page(browser, f"{server}?backend=wasm&model=nietzsche")
    idle_tensors = page.evaluate("window.tempera.memory().numTensors")
    expected = generates(page, 3000)
    page.evaluate("""() => {
        window.__run = window.tempera.generate({ seedText: 'the will to power', temperatures: [0, 1.0],
                                                 length: 3000, rngSeed: 5, mode: 'stateful' });
        window.__run.finally(() => { window.__runEnded = true; });
    }""")
    page.select_option("[data-testid=model]", "other")
    page.wait_for_function("() => document.querySelector('[data-testid=status]').textContent === 'Model other ready.'")
    switched_during_the_run = page.evaluate("window.__runEnded") is None
    got = page.evaluate("window.__run.then((r) => r.lanes.map((l) => l.text), (e) => 'failed: ' + e.message)")
    assert got == expected
    assert switched_during_the_run
    assert page.evaluate("window.tempera.model") == "other"
    assert page.evaluate("window.tempera.memory().numTensors") == idle_tensors  # the old model is freed
    assert text(page, "error") == ""
    page.select_option("[data-testid=model]", "nietzsche")
    page.wait_for_function("() => document.querySelector('[data-testid=status]').textContent === 'Model nietzsche ready.'")
    assert generates(page, 3000) == expected
    assert not page.errors
    page.close()


# ---- 7: between 1 and 8 lanes --------------------------------------------------------------
def test_lanes_stay_between_one_and_eight(browser, server):
    page = ready_page(browser, f"{server}?backend=wasm&model=nietzsche")
    lanes = page.locator("[data-testid=lane]")
    for _ in range(MAX_LANES - 4):
        page.click("[data-testid=add-lane]")
    assert lanes.count() == MAX_LANES and page.is_disabled("[data-testid=add-lane]")
    page.locator("[data-testid=add-lane]").dispatch_event("click")
    assert lanes.count() == MAX_LANES
    while lanes.count() > 1:
        page.locator("[data-testid=remove-lane]").first.click()
    assert page.is_disabled("[data-testid=remove-lane]") and page.is_enabled("[data-testid=add-lane]")
    page.locator("[data-testid=remove-lane]").dispatch_event("click")
    assert lanes.count() == 1
    assert len(run_in_page(page, 20)) == 1

    def api_error(temperatures):
        return page.evaluate("""(t) => window.tempera.generate({ seedText: 'the', temperatures: t, length: 5,
            rngSeed: 1 }).then(() => 'accepted', (e) => e.message)""", temperatures)

    assert api_error([1.0] * (MAX_LANES + 1)) == f"give at most {MAX_LANES} temperatures (one lane each), got 9"
    assert api_error([]) == "give at least one temperature"
    assert api_error("0.5") == "temperatures must be a list of numbers, one per lane"
    assert api_error([1.0] * MAX_LANES) == "accepted"
    page.close()


def test_a_url_with_more_temperatures_than_lanes_is_cut_with_a_note(browser, server):
    temperatures = ",".join(str(0.1 * i) for i in range(1, 13))
    page = ready_page(browser, f"{server}?backend=wasm&model=nietzsche&t={temperatures}")
    assert page.locator("[data-testid=lane]").count() == MAX_LANES
    assert page.is_disabled("[data-testid=add-lane]")
    assert "12 temperatures are more than the 8 lanes the page has; using 0.1, 0.2" in text(page, "url-notes")
    assert len(run_in_page(page, 10)) == MAX_LANES
    page.close()


# ---- 8: a seed with many distinct unknown characters ---------------------------------------
# Private-use and unassigned code points: none in the vocabulary, each shown as U+XXXXX.
MANY_UNKNOWN = "Array.from({ length: 100000 }, (_, i) => String.fromCodePoint(0xF0000 + i)).join('')"


def test_a_seed_of_100000_distinct_unknown_characters_is_quick_and_listed_briefly(browser, server):
    page = ready_page(browser, f"{server}?backend=wasm&model=nietzsche")
    started = time.monotonic()
    got = page.evaluate(f"""() => window.tempera.generate({{ seedText: 'the ' + {MANY_UNKNOWN},
        temperatures: [1], length: 5, rngSeed: 1 }})""")
    assert time.monotonic() - started < 5
    report = got["seedReport"]
    assert report.startswith("dropped 100000 unknown characters: U+F0000, ") and report.endswith(" and 99,980 more"), report
    assert report.count("U+") == 20
    error = page.evaluate(f"""() => window.tempera.generate({{ seedText: {MANY_UNKNOWN}, temperatures: [1],
        length: 5, rngSeed: 1 }}).then(() => 'accepted', (e) => e.message)""")
    assert error.startswith("the seed has no character the model knows: U+F0000") and error.endswith("and 99,980 more")
    page.evaluate(f"() => {{ document.querySelector('[data-testid=seed-input]').value = 'the ' + {MANY_UNKNOWN}; }}")
    run_in_page(page, 5)
    assert len(text(page, "seed-note")) < 400 and "and 99,980 more" in text(page, "seed-note")
    page.close()


# ---- 9: no page points at a missing source map ---------------------------------------------
def _source_maps(app_js):
    with open(app_js, encoding="utf-8") as handle:
        return re.findall(r"[#@] sourceMappingURL=(\S+)", handle.read())


def test_no_page_points_at_a_missing_source_map(tmp_path, server):
    site = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "tempera", "build-site", "--out", str(site),
                             "--model", SHIPPED_BUNDLE, "--static", PAGE_DIST],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for folder in (PAGE_DIST, str(site)):
        for target in _source_maps(os.path.join(folder, "app.js")):
            assert os.path.isfile(os.path.join(folder, target)), f"{folder}/app.js points at a missing {target}"
    with urllib.request.urlopen(server + "app.js") as response:
        assert "SourceMap" not in response.headers and "X-SourceMap" not in response.headers
        mapped = re.findall(rb"[#@] sourceMappingURL=(\S+)", response.read())
    for target in mapped:
        with urllib.request.urlopen(server + target.decode()) as response:
            assert response.status == 200
