"""A bundle's numbers and bytes: every JSON written or served is valid JSON, a non-finite number
makes a bundle unavailable with its reason, every weight shard is checked against the SHA-256
recorded at export, and the names of bundles are shown so that no two look alike and none
turns text around. The NumPy reader in this process, the page's checks under Node, and one
page in Chromium for what only a page shows."""

import hashlib
import json
import math
import os
import shutil
import subprocess
import warnings

import pytest

from conftest import ROOT, SHIPPED_BUNDLE, open_page
from harness import serving_static
from tempera.atomic import write_json
from tempera.bundle import DIGESTS_KEY, BundleError, load_bundle
from tempera.catalog import index_document, index_json
from tempera.cli import main
from tempera.errors import TemperaError
from tempera.shard_digests import record_shard_digests
from tempera.training.run_folder import RunFolder

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
SHARD = "group1-shard1of1.bin"
PAGE_DIST = os.path.join(ROOT, "frontend", "dist")
SRC = os.path.join(ROOT, "frontend", "src")


def strict_json(text: str):
    """json.loads as a browser's JSON.parse reads: NaN and Infinity are not JSON."""
    def refuse(token):
        raise ValueError(f"{token} is not JSON")
    return json.loads(text, parse_constant=refuse)


def copy_of_shipped(folder) -> str:
    shutil.copytree(SHIPPED_BUNDLE, folder)
    return str(folder)


def edit_json_text(path, old: str, new: str) -> None:
    """Edit a bundle file as text, so NaN, Infinity and 1e999 are written as a person writes them."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    assert old in text
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text.replace(old, new, 1))


def flip_byte(path, offset: int) -> None:
    with open(path, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)[0]
        handle.seek(offset)
        handle.write(bytes([byte ^ 0xFF]))


def cli(capfd, *args):
    capfd.readouterr()
    code = main(list(args))
    captured = capfd.readouterr()
    return code, captured.out, captured.err


def sample_error(capfd, folder) -> str:
    """`tempera sample` on the bundle, in this process: exit 2 and one line, which is returned."""
    code, out, err = cli(capfd, "sample", str(folder), "--seed-text", "the", "--length", "5",
                         "--rng-seed", "1")
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and not out, (code, err)
    assert lines[0].startswith("tempera sample: error:") and "Traceback" not in err
    return lines[0]


# ---- 1. non-finite numbers in a bundle's metadata ------------------------------------------
NON_FINITE = {
    # name -> (file, text replaced, its replacement, the reader's words)
    "held-out loss NaN": ("tempera.json", '"loss_nats_per_char": 1.30524', '"loss_nats_per_char": NaN',
                          "held_out.loss_nats_per_char is NaN"),
    "epochs Infinity": ("tempera.json", '"epochs": 31', '"epochs": Infinity', "epochs is Infinity"),
    "training time 1e999": ("tempera.json", '"training_seconds": 1120.1', '"training_seconds": 1e999',
                            "training_seconds is Infinity"),
    "model.json -Infinity": ("model.json", '"weights": [{"name": ', '"weights": [{"x": -Infinity, "name": ',
                             "weightsManifest[0].weights[0].x is -Infinity"),
}


@pytest.mark.parametrize("case", NON_FINITE)
def test_a_non_finite_number_makes_the_bundle_unavailable_and_the_index_valid_json(tmp_path, capfd, case):
    file, old, new, words = NON_FINITE[case]
    models = tmp_path / "models"
    copy_of_shipped(models / "good")
    bad = copy_of_shipped(models / "bad")
    edit_json_text(os.path.join(bad, file), old, new)
    with pytest.raises(BundleError, match="every number in a bundle must be finite") as raised:
        load_bundle(bad)
    assert words in str(raised.value) and file in str(raised.value)
    assert words in sample_error(capfd, bad)
    # Listed as unavailable, with the reason and none of its numbers; the good one is listed whole.
    listed = {entry["id"]: entry for entry in strict_json(index_json(str(models)))["models"]}
    assert words in listed["bad"]["unavailable"] and listed["bad"]["meta"] == {}
    assert "unavailable" not in listed["good"] and listed["good"]["meta"]["epochs"] == 31


def test_the_server_replies_with_valid_json_for_a_nan_bundle(tmp_path):
    from tempera.paths import FRONTEND_DIST
    from tempera.server.app import create_app

    models = tmp_path / "models"
    copy_of_shipped(models / "good")
    bad = copy_of_shipped(models / "bad")
    edit_json_text(os.path.join(bad, "tempera.json"), '"loss_nats_per_char": 1.30524',
                   '"loss_nats_per_char": NaN')
    client = create_app(str(models), FRONTEND_DIST).test_client()
    for url in ("/models/index.json", "/api/models"):
        reply = client.get(url)
        assert reply.status_code == 200 and reply.mimetype == "application/json"
        listed = strict_json(reply.get_data(as_text=True))["models"]
        assert [e["id"] for e in listed if "unavailable" not in e] == ["good"]
        assert "held_out.loss_nats_per_char is NaN" in listed[0]["unavailable"]


def test_build_site_refuses_a_nan_bundle(tmp_path, capfd):
    bad = copy_of_shipped(tmp_path / "bad")
    edit_json_text(os.path.join(bad, "tempera.json"), '"epochs": 31', '"epochs": Infinity')
    static = tmp_path / "page"  # the page's files do not matter here, only the bundle
    static.mkdir()
    (static / "index.html").write_text("<!doctype html>", encoding="utf-8")
    code, _, err = cli(capfd, "build-site", "--out", str(tmp_path / "site"), "--model", bad,
                       "--static", str(static))
    assert code == 2 and "epochs is Infinity" in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "site").exists()


def test_json_writes_refuse_non_finite_numbers_and_keep_the_old_file(tmp_path):
    path = tmp_path / "tempera.json"
    write_json(str(path), {"epochs": 3})
    with pytest.raises(TemperaError, match=r"tempera.json cannot be written: held_out\.loss is NaN"):
        write_json(str(path), {"epochs": 3, "held_out": {"loss": math.nan}})
    with pytest.raises(TemperaError, match=r"list\[1\] is -Infinity"):
        write_json(str(path), {"list": [1.0, -math.inf]})
    assert strict_json(path.read_text(encoding="utf-8")) == {"epochs": 3}
    assert os.listdir(tmp_path) == ["tempera.json"]


def test_a_diverged_epoch_is_written_as_null_and_read_back_as_nan(tmp_path):
    run = RunFolder(str(tmp_path / "run"))
    os.makedirs(run.path)
    write_json(run.file("config.json"), {"recipe": {"maxlen": 60}})  # the loss plot's caption
    row = {"epoch": 1, "train_loss": 2.5, "val_loss": 2.4, "train_seconds": 1.0, "checkpoint": "e1.h5"}
    run.append_history(row)
    history = run.append_history({**row, "epoch": 2, "train_loss": math.nan, "val_loss": math.inf})
    written = strict_json((tmp_path / "run" / "history.json").read_text(encoding="utf-8"))
    assert written[1]["train_loss"] is None and written[1]["val_loss"] is None
    read = run.history()
    assert len(history) == len(read) == 2 and math.isnan(read[1]["val_loss"])
    assert run.best_epoch()["epoch"] == 1


# ---- 2. the SHA-256 of every weight shard --------------------------------------------------
def test_the_shipped_bundle_records_the_digest_of_its_shard():
    with open(os.path.join(SHIPPED_BUNDLE, "tempera.json"), encoding="utf-8") as handle:
        recorded = json.load(handle)[DIGESTS_KEY]
    with open(os.path.join(SHIPPED_BUNDLE, SHARD), "rb") as handle:
        assert recorded == {SHARD: hashlib.sha256(handle.read()).hexdigest()}


def swap_shard(tmp_path) -> str:
    """The shipped bundle's model.json and tempera.json with another export's shard of the same
    size: here its bytes reversed (every uint8 code decodes to a finite weight)."""
    folder = copy_of_shipped(tmp_path / "swapped")
    path = os.path.join(folder, SHARD)
    with open(path, "rb") as handle:
        data = handle.read()
    with open(path, "wb") as handle:
        handle.write(data[::-1])
    return folder


def damage_shard(tmp_path) -> str:
    folder = copy_of_shipped(tmp_path / "damaged")
    flip_byte(os.path.join(folder, SHARD), 123_456)
    return folder


@pytest.mark.parametrize("make", [swap_shard, damage_shard])
def test_a_shard_that_is_not_the_exported_one_is_refused_by_name(tmp_path, capfd, make):
    folder = make(tmp_path)
    message = f"weight shard {SHARD} in {folder} is not the one this bundle was exported with"
    with pytest.raises(BundleError, match="its SHA-256 is") as raised:
        load_bundle(folder)
    assert str(raised.value).startswith(message)
    assert message in sample_error(capfd, folder)
    entry = index_document(str(tmp_path))["models"][0]
    assert f"weight shard {SHARD} in models/{os.path.basename(folder)} is not the one" in entry["unavailable"]


@pytest.mark.parametrize("digests, words", [
    ({}, f"records no SHA-256 for weight shard {SHARD}"),
    ({SHARD: "0" * 64, "group1-shard2of2.bin": "0" * 64}, "records a SHA-256 for group1-shard2of2.bin"),
    ({SHARD: "not hex"}, "'weights_sha256' must map each weight shard's file name to its SHA-256"),
    ([SHARD], "'weights_sha256' must map"),
])
def test_digests_that_do_not_fit_model_json_are_refused(tmp_path, digests, words):
    folder = copy_of_shipped(tmp_path / "bundle")
    path = os.path.join(folder, "tempera.json")
    meta = json.load(open(path, encoding="utf-8"))
    write_json(path, {**meta, DIGESTS_KEY: digests})
    with pytest.raises(BundleError, match="tempera.json") as raised:
        load_bundle(folder)
    assert words in str(raised.value)


def test_a_bundle_without_digests_is_read_unchecked_and_can_be_given_them(tmp_path):
    folder = copy_of_shipped(tmp_path / "old")
    path = os.path.join(folder, "tempera.json")
    meta = json.load(open(path, encoding="utf-8"))
    del meta[DIGESTS_KEY]
    write_json(path, meta)
    flip_byte(os.path.join(folder, SHARD), 99)
    assert DIGESTS_KEY not in load_bundle(folder).meta  # exported before digests: loads as it is
    record_shard_digests(folder)
    assert load_bundle(folder).meta[DIGESTS_KEY][SHARD] != meta_digest(SHIPPED_BUNDLE)
    flip_byte(os.path.join(folder, SHARD), 99)
    with pytest.raises(BundleError, match="is not the one this bundle was exported with"):
        load_bundle(folder)


def meta_digest(folder):
    with open(os.path.join(folder, "tempera.json"), encoding="utf-8") as handle:
        return json.load(handle)[DIGESTS_KEY][SHARD]


@pytest.mark.slow
def test_export_and_quantize_record_their_own_shards_digests(small_bundle, tmp_path, capfd):
    def recorded_and_actual(folder):
        with open(os.path.join(folder, "tempera.json"), encoding="utf-8") as handle:
            recorded = json.load(handle)[DIGESTS_KEY]
        shards = sorted(f for f in os.listdir(folder) if f.endswith(".bin"))
        actual = {f: hashlib.sha256(open(os.path.join(folder, f), "rb").read()).hexdigest() for f in shards}
        return recorded, actual

    recorded, actual = recorded_and_actual(small_bundle)
    assert recorded == actual and len(actual) == 1
    out = str(tmp_path / "uint8")
    code, _, err = cli(capfd, "quantize", small_bundle, "--out", out, "--to", "uint8")
    assert code == 0, err
    quantized, quantized_actual = recorded_and_actual(out)
    assert quantized == quantized_actual and quantized != recorded
    load_bundle(out)


# ---- 3. a uint8 scale beyond float32 -------------------------------------------------------
def test_a_huge_uint8_scale_is_one_line_without_runtime_warnings(tmp_path, capfd):
    folder = copy_of_shipped(tmp_path / "scale")
    path = os.path.join(folder, "model.json")
    model_json = json.load(open(path, encoding="utf-8"))
    model_json["weightsManifest"][0]["weights"][0]["quantization"]["scale"] = 1e38
    write_json(path, model_json)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = sample_error(capfd, folder)
    assert [str(w.message) for w in caught] == []
    assert "holds NaN or infinite values" in line and "beyond float32's range" in line, line


# ---- 4. the page's checks, under Node --------------------------------------------------------
def run_node(script: str, payload) -> object:
    code = (f"import * as checks from {json.dumps('file://' + SRC + '/bundle-checks.js')};\n"
            f"import * as catalog from {json.dumps('file://' + SRC + '/catalog.js')};\n"
            f"import * as sha from {json.dumps('file://' + SRC + '/sha256.js')};\n"
            f"import * as nodeTfjs from {json.dumps('file://' + ROOT + '/harness/node-tfjs.mjs')};\n"
            "import { readFileSync } from 'node:fs';\n"
            "const input = JSON.parse(readFileSync(0, 'utf8'));\n" + script)
    result = subprocess.run([NODE, "--input-type=module", "-e", code], input=json.dumps(payload),
                            capture_output=True, text=True, check=True, cwd=ROOT, timeout=120)
    return json.loads(result.stdout)


@needs_node
def test_the_page_refuses_each_broken_bundle_with_its_reason(tmp_path):
    """The page's own loader (frontend/src/bundle.js) on bundles read from disk."""
    folders = {"good": copy_of_shipped(tmp_path / "good"), "swapped": swap_shard(tmp_path),
               "damaged": damage_shard(tmp_path)}
    for case, (file, old, new, _) in NON_FINITE.items():
        folders[case] = copy_of_shipped(tmp_path / case.replace(" ", "-"))
        edit_json_text(os.path.join(folders[case], file), old, new)
    folders["scale"] = copy_of_shipped(tmp_path / "scale")
    edit_json_text(os.path.join(folders["scale"], "model.json"), '"scale": ', '"scale": 1e38, "was": ')
    got = run_node("""
        await nodeTfjs.useBackend('cpu');
        const out = {};
        for (const [name, folder] of Object.entries(input)) {
          try {
            const bundle = await nodeTfjs.loadBundleFolder(folder);
            bundle.model.dispose();
            out[name] = 'loaded';
          } catch (error) {
            out[name] = `${error.constructor.name}: ${error.message}`;
          }
        }
        console.log(JSON.stringify(out));""", folders)
    shard_words = f"BundleError: weight shard {SHARD} is not the one this bundle was exported with: its SHA-256 is "
    assert got.pop("good") == "loaded"
    assert got.pop("swapped").startswith(shard_words) and got.pop("damaged").startswith(shard_words)
    assert got.pop("scale").startswith('BundleError: weight "lstm_1/lstm_cell/kernel" in group1-shard1of1.bin holds Infinity')
    assert got == {
        "held-out loss NaN": "BundleError: tempera.json holds NaN, which is not JSON: every number in a bundle must be finite",
        "epochs Infinity": "BundleError: tempera.json holds Infinity, which is not JSON: every number in a bundle must be finite",
        "training time 1e999": "BundleError: tempera.json: training_seconds is Infinity; every number in a bundle must be finite",
        "model.json -Infinity": "BundleError: model.json holds -Infinity, which is not JSON: every number in a bundle must be finite",
    }


@needs_node
def test_the_page_checks_digests_and_numbers_as_the_reader_does():
    meta = json.load(open(os.path.join(SHIPPED_BUNDLE, "tempera.json"), encoding="utf-8"))
    manifest = json.load(open(os.path.join(SHIPPED_BUNDLE, "model.json"), encoding="utf-8"))["weightsManifest"]
    got = run_node("""
        const attempt = (work) => { try { work(); return 'ok'; } catch (error) { return error.message; } };
        const big = JSON.parse('{"a": [1, {"b": 1e999}]}');
        console.log(JSON.stringify({
          nested: checks.firstNonFinite(big),
          fine: checks.firstNonFinite(input.meta),
          meta: attempt(() => checks.checkMeta(input.meta)),
          notHex: attempt(() => checks.checkMeta({ ...input.meta, weights_sha256: { x: 'ABC' } })),
          names: attempt(() => checks.checkDigestNames({ other: 'a'.repeat(64) }, input.manifest)),
          extra: attempt(() => checks.checkDigestNames({ ...input.meta.weights_sha256, other: 'a'.repeat(64) }, input.manifest)),
          none: attempt(() => checks.checkDigestNames(undefined, input.manifest)),
        }));""", {"meta": meta, "manifest": manifest})
    assert got["nested"] == ["a[1].b", None]  # JSON.stringify writes Infinity as null
    assert got["fine"] is None and got["meta"] == "ok" and got["none"] == "ok"
    assert got["notHex"].startswith('tempera.json: "weights_sha256" must map each weight shard')
    assert got["names"].startswith(f"tempera.json records no SHA-256 for weight shard {SHARD}")
    assert got["extra"].startswith('tempera.json records a SHA-256 for "other", a shard model.json does not name')


@needs_node
def test_the_pages_own_sha256_is_hashlibs():
    """The digest the page computes where the browser gives it no crypto.subtle (plain http
    from another machine), on every padding boundary and on the shipped shard."""
    lengths = [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_003]
    got = run_node("""
        const out = input.lengths.map((n) => sha.sha256HexInScript(Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 255)));
        out.push(sha.sha256HexInScript(new Uint8Array(readFileSync(input.shard))));
        out.push(await sha.sha256Hex(new Uint8Array(readFileSync(input.shard))));
        console.log(JSON.stringify(out));""", {"lengths": lengths, "shard": os.path.join(SHIPPED_BUNDLE, SHARD)})
    expected = [hashlib.sha256(bytes((i * 7 + 3) & 255 for i in range(n))).hexdigest() for n in lengths]
    shard = hashlib.sha256(open(os.path.join(SHIPPED_BUNDLE, SHARD), "rb").read()).hexdigest()
    assert got == expected + [shard, shard]


@needs_node
def test_the_menu_tells_bundles_apart_and_shows_bidi_controls_as_code_points():
    index = {"models": [
        {"id": "nietzsche", "name": "nietzsche"},
        {"id": "nietzsche-2", "name": "nietzsche "},
        {"id": "evil\u202e", "name": "abc\u202edef\u2066", "unavailable": "tempera.json names \u202e"},
        {"id": "kjv", "name": "kjv"},
        {"id": "blank", "name": "  "},
    ]}
    got = run_node("""
        const entries = catalog.catalogEntries(input);
        console.log(JSON.stringify({
          labels: entries.map(catalog.menuText),
          names: entries.map((e) => e.name),
          line: catalog.unavailableLine(entries[2]),
        }));""", index)
    assert got["labels"] == [
        "nietzsche", "nietzsche-2 (trained on nietzsche)",
        "evil[U+202E] (trained on abc[U+202E]def[U+2066]) (unavailable: tempera.json names [U+202E])",
        "kjv", "blank"]
    assert got["line"] == ('model "abc[U+202E]def[U+2066]" (models/evil[U+202E]/) is unavailable: '
                           "tempera.json names [U+202E]")
    assert not any(c in "".join(got["labels"]) + got["line"] for c in "\u202e\u2066")


# ---- 5. one page: the good model is served, the bad ones named --------------------------------
@pytest.mark.browser
def test_the_page_serves_the_good_model_and_names_the_broken_ones(browser, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(PAGE_DIST, site, ignore=shutil.ignore_patterns("*.map"))
    models = site / "models"
    copy_of_shipped(models / "a-nan")
    edit_json_text(models / "a-nan" / "tempera.json", '"loss_nats_per_char": 1.30524', '"loss_nats_per_char": NaN')
    shutil.move(swap_shard(tmp_path), models / "b-swapped")
    copy_of_shipped(models / "c-good")
    # As a static host serves a hand-made list: the page finds every problem itself.
    index = {"models": [{"id": "a-nan", "name": "nietzsche\u202e"}, {"id": "b-swapped", "name": "nietzsche"},
                        {"id": "c-good", "name": "nietzsche"}]}
    (models / "index.json").write_text(json.dumps(index), encoding="utf-8")
    with serving_static(site) as url:
        page = open_page(browser, f"{url}?backend=cpu")
        try:
            assert page.evaluate("window.tempera.model") == "c-good"
            error = page.text_content("[data-testid=error]")
            assert ('model "nietzsche[U+202E]" (models/a-nan/) is unavailable: tempera.json holds NaN, '
                    "which is not JSON") in error, error
            assert ('model "nietzsche" (models/b-swapped/) is unavailable: weight shard '
                    f"{SHARD} is not the one this bundle was exported with") in error, error
            options = page.eval_on_selector_all("#model option", "(os) => os.map((o) => [o.textContent, o.disabled])")
            # Each bundle by its folder, the text it was trained on as detail, controls as code points.
            assert [text.split(" (unavailable")[0] for text, _ in options] == [
                "a-nan (trained on nietzsche[U+202E])", "b-swapped (trained on nietzsche)",
                "c-good (trained on nietzsche)"]
            assert [disabled for _, disabled in options] == [True, True, False]
            got = page.evaluate("(o) => window.tempera.generate(o)", {
                "seedText": "the", "temperatures": [0], "length": 10, "rngSeed": 1, "mode": "stateful"})
            assert len(got["lanes"][0]["text"]) == 10
            assert not page.errors
        finally:
            page.close()
