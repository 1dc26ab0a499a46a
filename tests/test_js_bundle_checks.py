"""Broken bundles, read by both readers without a page: the page's loader (frontend/src/bundle.js
under Node) and the NumPy reader (tempera/bundle.py, which `tempera serve` lists bundles by) each
refuse every breakage in words that name the file. How the page shows these reasons, behind
`tempera serve` and behind a static server, is test_page_robustness.py."""

import json
import os
import pathlib
import shutil
import subprocess

import pytest

from helpers import ROOT, SHIPPED_BUNDLE
from tempera.bundle import load_bundle
from tempera.errors import TemperaError

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
SHARD = "group1-shard1of1.bin"


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _rewrite_json(path, change):
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document), encoding="utf-8")


def _unknown_layer(model):
    model["modelTopology"]["model_config"]["config"]["layers"][1]["class_name"] = "NoSuchLayer"


# name -> (damage, the page's words, the NumPy reader's words)
BREAKAGES = {
    "model.json missing": (lambda b: os.remove(b / "model.json"), ["model.json is missing"],
                           ["model.json is missing"]),
    "model.json truncated": (lambda b: _truncate(b / "model.json"), ["model.json is not valid JSON"],
                             ["model.json", "not valid JSON"]),
    "model.json corrupt": (lambda b: _rewrite_json(b / "model.json", _unknown_layer),
                           ["model.json could not be loaded by TensorFlow.js", "NoSuchLayer"],
                           ["model.json", "NoSuchLayer"]),
    "shard missing": (lambda b: os.remove(b / SHARD), [f"weight shard {SHARD} is missing (HTTP 404)"],
                      [f"weight shard {SHARD} is missing"]),
    "shard truncated": (lambda b: _truncate(b / SHARD), [f"weight shard {SHARD} is truncated"],
                        [f"weight shard {SHARD}", "is truncated"]),
    "unknown format version": (
        lambda b: _rewrite_json(b / "tempera.json", lambda m: m.update(format_version=99)),
        ["tempera.json has format_version 99; this page reads version 1"], ["tempera.json", "format_version 99"]),
    "tempera.json missing": (lambda b: os.remove(b / "tempera.json"), ["tempera.json is missing"],
                             ["tempera.json is missing"]),
}


@pytest.fixture(scope="module")
def broken_bundles(tmp_path_factory):
    """{name: folder}: a copy of the shipped bundle per breakage, and the bundle unbroken."""
    base = tmp_path_factory.mktemp("broken-bundles")
    folders = {}
    for name, (damage, _, _) in {"unbroken": (lambda b: None, [], []), **BREAKAGES}.items():
        folder = base / name.replace(" ", "-")
        shutil.copytree(SHIPPED_BUNDLE, folder)
        damage(pathlib.Path(folder))
        folders[name] = str(folder)
    return folders


@pytest.fixture(scope="module")
def page_says(broken_bundles):
    """{name: {loaded, error}}: what the page's loader says of each folder, under Node."""
    names = list(broken_bundles)
    result = subprocess.run([NODE, "tests/bundle_errors.mjs"], input=json.dumps([broken_bundles[n] for n in names]),
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return dict(zip(names, json.loads(result.stdout)))


def test_the_unbroken_copy_loads_in_both(broken_bundles, page_says):
    assert page_says["unbroken"] == {"loaded": True, "error": None}
    assert load_bundle(broken_bundles["unbroken"]).vocab


@pytest.mark.parametrize("name", BREAKAGES)
def test_the_pages_loader_names_the_breakage(page_says, name):
    _, words, _ = BREAKAGES[name]
    said = page_says[name]
    assert not said["loaded"] and said["error"].startswith("BundleError: "), said
    assert all(w in said["error"] for w in words), said["error"]
    assert "undefined" not in said["error"] and "TypeError" not in said["error"]


@pytest.mark.parametrize("name", BREAKAGES)
def test_the_numpy_reader_names_the_breakage(broken_bundles, name):
    _, _, words = BREAKAGES[name]
    with pytest.raises(TemperaError) as refused:
        load_bundle(broken_bundles[name])
    assert all(w in str(refused.value) for w in words), str(refused.value)
