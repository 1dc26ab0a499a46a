"""The exported bundle: what the tensorflowjs converter wrote, and what tempera.json says."""

import json
import os
import shutil
import subprocess

import jsonschema
import numpy as np
import pytest

from helpers import ROOT, run_cli
from tempera.bundle import load_bundle
from tempera.cli import main
from tempera.errors import TemperaError

pytestmark = pytest.mark.slow
SCHEMA = json.load(open(os.path.join(ROOT, "tests", "schemas", "tfjs_layers_model.schema.json")))


def in_process(capfd, *args) -> subprocess.CompletedProcess:
    """A command through tempera's entry point in this process (TensorFlow loads once, not per
    export); the real processes: the small_bundle fixture's export and the refusal below."""
    capfd.readouterr()
    code = main(list(args))
    captured = capfd.readouterr()
    return subprocess.CompletedProcess(args, code, captured.out, captured.err)


def test_model_json_is_a_keras2_layers_model_tfjs_can_read(small_bundle):
    model_json = json.load(open(os.path.join(small_bundle, "model.json")))
    jsonschema.validate(model_json, SCHEMA)
    assert model_json["convertedBy"].startswith("TensorFlow.js Converter")
    layers = model_json["modelTopology"]["model_config"]["config"]["layers"]
    assert [l["class_name"] for l in layers] == ["InputLayer", "LSTM", "LSTM", "Dense"]
    assert layers[0]["config"]["batch_input_shape"] == [None, None, len(
        json.load(open(os.path.join(small_bundle, "tempera.json")))["vocabulary"])]
    assert all(l["config"]["return_sequences"] for l in layers[1:3])  # serves both modes


def test_weight_shards_hold_exactly_the_manifest(small_bundle):
    manifest = json.load(open(os.path.join(small_bundle, "model.json")))["weightsManifest"]
    described = sum(4 * int(np.prod(w["shape"])) for g in manifest for w in g["weights"])
    stored = sum(os.path.getsize(os.path.join(small_bundle, p)) for g in manifest for p in g["paths"])
    assert described == stored


def test_tempera_json_describes_the_model(small_bundle, trained_run):
    meta = json.load(open(os.path.join(small_bundle, "tempera.json"), encoding="utf-8"))
    vocab = json.load(open(os.path.join(trained_run[0], "vocab.json"), encoding="utf-8"))
    history = json.load(open(os.path.join(trained_run[0], "history.json")))
    best = min(history, key=lambda row: row["val_loss"])
    assert meta["format_version"] == 1
    assert meta["vocabulary"] == vocab == sorted(vocab)
    assert meta["lowercase"] is True and meta["maxlen"] == 60
    assert meta["layers"] == {"lstm_units": [24, 24], "vocab_size": len(vocab)}
    assert meta["modes"] == ["stateful", "window"]
    assert meta["corpus"]["name"] == "small" and meta["corpus"]["chars"] > 0
    assert meta["held_out"]["loss_nats_per_char"] == best["val_loss"]
    assert meta["epochs"] == best["epoch"]
    assert meta["training_seconds"] > 0 and meta["exported"]


def test_export_refuses_to_overwrite_without_force(trained_run, small_bundle, tmp_path, capfd):
    out = tmp_path / "bundle"
    shutil.copytree(small_bundle, out)
    refused = in_process(capfd, "export", trained_run[0], "--out", str(out))
    assert refused.returncode == 2 and "--force" in refused.stderr
    forced = in_process(capfd, "export", trained_run[0], "--out", str(out), "--force", "--epoch", "1")
    assert forced.returncode == 0, forced.stderr
    assert json.load(open(out / "tempera.json"))["epochs"] == 1
    assert not [name for name in os.listdir(tmp_path) if name != "bundle"]  # no staging left


def test_export_of_a_run_without_a_checkpoint_is_an_error(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    result = run_cli("export", str(run), "--out", str(tmp_path / "b"))  # the real process
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith("tempera export: error:") and "not a tempera run folder" in lines[0]


def _broken_copy(bundle, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(bundle, copy)
    return copy


def test_corrupt_bundles_name_the_file_and_the_problem(small_bundle, tmp_path, capfd):
    cases = []
    copy = _broken_copy(small_bundle, tmp_path / "a")
    shard = next(copy.glob("*.bin"))
    shard.write_bytes(shard.read_bytes()[:-10])
    cases.append((copy, "truncated"))
    copy = _broken_copy(small_bundle, tmp_path / "b")
    next(copy.glob("*.bin")).unlink()
    cases.append((copy, "weight shard group1-shard1of1.bin is missing"))
    copy = _broken_copy(small_bundle, tmp_path / "c")
    (copy / "model.json").write_text('{"format": "layers-model", ')
    cases.append((copy, "model.json in"))
    copy = _broken_copy(small_bundle, tmp_path / "d")
    meta = json.load(open(copy / "tempera.json"))
    (copy / "tempera.json").write_text(json.dumps({**meta, "format_version": 99}))
    cases.append((copy, "format_version 99"))
    copy = _broken_copy(small_bundle, tmp_path / "e")
    (copy / "tempera.json").unlink()
    cases.append((copy, "tempera.json is missing"))
    for number, (folder, message) in enumerate(cases):
        with pytest.raises(TemperaError, match=message):
            load_bundle(str(folder))
        args = ("sample", str(folder), "--seed-text", "the")
        result = run_cli(*args) if number == 0 else in_process(capfd, *args)  # one real process
        assert result.returncode == 2 and message.split(" in")[0] in result.stderr
