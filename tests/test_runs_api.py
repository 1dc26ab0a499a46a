"""/api/runs: the runs of `tempera serve --runs`, their samples per epoch and any epoch as a bundle.

In-process with Flask's test client. The cheap tests read run folders written here by hand (a
run's config.json and history.json, as `tempera train` writes them); the slow ones read a copy
of the session's real two-epoch run, and export its epochs with the real converter.
"""

import json
import math
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

from tempera import cli
from tempera.bundle import load_bundle
from tempera.generate import Generator
from tempera.server.app import create_app
from tempera.server.runs_samples import SAMPLE_LENGTH, SAMPLE_TEMPERATURE
from tempera.training.clock import running_timing
from tempera.training.run_folder import LN2, RunFolder
from tempera.training.run_lock import RunLock

CONFIG = {"corpus": "/nowhere/small.txt", "lowercase": True, "val_fraction": 0.1, "seed": 7,
          "recipe": {"name": "default", "units": 8, "layers": 1, "maxlen": 60},
          "created": "2026-01-01T00:00:00+00:00", "corpus_name": "small", "corpus_chars": 1234,
          "baselines": {"unigram_nats_per_char": 2.5, "ngram_nats_per_char": 1.5, "ngram_order": 5}}
HISTORY = [{"epoch": 1, "train_loss": 3.0, "val_loss": 2.9, "train_seconds": 1.0, "wall_seconds": 9.0,
            "checkpoint": "checkpoints/epoch-001.h5"},
           {"epoch": 2, "train_loss": 2.0, "val_loss": None, "train_seconds": 2.0, "wall_seconds": 12.5,
            "checkpoint": "checkpoints/epoch-002.h5"}]


def no_constants(name):
    raise AssertionError(f"{name} in served JSON")


def parsed(response):
    """The reply's body as JSON, refusing NaN and Infinity as a browser would."""
    assert response.mimetype == "application/json"
    return json.loads(response.data, parse_constant=no_constants)


def write_run(folder, config=None, history=None):
    os.makedirs(os.path.join(folder, "checkpoints"), exist_ok=True)
    with open(os.path.join(folder, "config.json"), "w") as handle:
        json.dump(config or CONFIG, handle)
    if history is not None:
        with open(os.path.join(folder, "history.json"), "w") as handle:
            json.dump(history, handle)
    return folder


def client_for(runs, cache):
    app = create_app(os.path.join(str(runs), "no-models"), str(runs), str(runs))
    app.config["EPOCH_BUNDLES_DIR"] = str(cache)
    return app.test_client()


def listed(client, name):
    runs = parsed(client.get("/api/runs"))["runs"]
    return next(run for run in runs if run["name"] == name)


# ---- runs written here by hand --------------------------------------------------------------


def test_a_missing_runs_folder_lists_no_runs(tmp_path):
    response = client_for(tmp_path / "absent", tmp_path / "cache").get("/api/runs")
    assert response.status_code == 200 and parsed(response) == {"runs": []}


def test_the_listing_reads_config_and_history_in_bits(tmp_path):
    write_run(tmp_path / "runs" / "one", history=HISTORY)
    write_run(tmp_path / "runs" / "starting", config={**CONFIG, "created": "2026-02-01T00:00:00+00:00"})
    runs = parsed(client_for(tmp_path / "runs", tmp_path / "cache").get("/api/runs"))["runs"]
    assert [run["name"] for run in runs] == ["starting", "one"]  # newest first
    one = runs[1]
    assert one["history"] == [[1, 3.0 / LN2, 2.9 / LN2], [2, 2.0 / LN2, None]]  # a diverged epoch: null
    assert one["epochs"] == 2 and one["best_epoch"] == 1 and one["state"] == "finished"
    assert one["corpus"] == {"name": "small", "chars": 1234} and one["recipe"] == CONFIG["recipe"]
    assert one["baselines"] == {"unigram_bits_per_char": 2.5 / LN2, "ngram_bits_per_char": 1.5 / LN2,
                                "ngram_order": 5}
    assert one["elapsed_seconds"] == 12.5 and one["left_seconds"] is None and one["error"] is None
    assert runs[0]["epochs"] == 0 and runs[0]["history"] == [] and runs[0]["best_epoch"] is None


def test_a_run_whose_files_are_damaged_is_listed_with_the_reason(tmp_path):
    folder = write_run(tmp_path / "runs" / "broken")
    with open(os.path.join(folder, "history.json"), "w") as handle:
        handle.write('[{"epoch": 1, "train_loss": NaN')
    client = client_for(tmp_path / "runs", tmp_path / "cache")
    run = listed(client, "broken")
    assert "history.json in run folder runs/broken is corrupt" in run["error"], run["error"]
    assert str(tmp_path) not in run["error"] and run["history"] == []
    write_run(tmp_path / "runs" / "not-a-number", config={**CONFIG, "recipe": {**CONFIG["recipe"], "units": math.nan}})
    run = listed(client, "not-a-number")
    assert run["error"] == "config.json in run folder runs/not-a-number: recipe.units is NaN", run["error"]
    response = client.get("/api/runs/broken/samples")
    assert response.status_code == 422
    assert "run folder runs/broken" in parsed(response)["error"] and str(tmp_path) not in parsed(response)["error"]


def test_state_is_training_while_a_process_holds_the_run_lock(tmp_path):
    folder = write_run(tmp_path / "runs" / "live", history=HISTORY[:1])
    client = client_for(tmp_path / "runs", tmp_path / "cache")
    assert listed(client, "live")["state"] == "finished"
    lock = RunLock(str(folder))
    lock.acquire()
    try:
        config = {**CONFIG, "timing": running_timing(time.monotonic() - 100, 5)}
        write_run(folder, config=config)
        run = listed(client, "live")
        assert run["state"] == "training" and run["budget_seconds"] == 300
        assert 99 <= run["elapsed_seconds"] <= 130 and run["left_seconds"] == pytest.approx(
            300 - run["elapsed_seconds"], abs=0.11)
        assert run["started_at"] == pytest.approx(time.time() - 100, abs=30)
    finally:
        lock.release()
    assert listed(client, "live")["state"] == "finished"


def test_a_lock_file_left_by_a_killed_trainer_is_not_training(tmp_path):
    folder = write_run(tmp_path / "runs" / "killed", history=HISTORY[:1])
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    with open(os.path.join(folder, ".train-lock"), "w") as handle:
        handle.write(ended.stdout)  # as SIGKILL leaves it: the file, with a process now gone
    assert listed(client_for(tmp_path / "runs", tmp_path / "cache"), "killed")["state"] == "finished"


def test_the_listing_answers_304_until_a_run_changes(tmp_path):
    folder = write_run(tmp_path / "runs" / "one", history=HISTORY[:1])
    client = client_for(tmp_path / "runs", tmp_path / "cache")
    first = client.get("/api/runs")
    etag = first.headers["ETag"]
    again = client.get("/api/runs", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    write_run(folder, history=HISTORY)  # an epoch more
    changed = client.get("/api/runs", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert parsed(changed)["runs"][0]["epochs"] == 2


def test_while_a_run_trains_its_clock_alone_changes_no_etag(tmp_path):
    folder = write_run(tmp_path / "runs" / "live", history=HISTORY[:1])
    client = client_for(tmp_path / "runs", tmp_path / "cache")
    lock = RunLock(str(folder))
    lock.acquire()
    try:
        first = client.get("/api/runs")
        time.sleep(0.3)
        again = client.get("/api/runs")
        assert parsed(again)["runs"][0]["elapsed_seconds"] > parsed(first)["runs"][0]["elapsed_seconds"]
        assert client.get("/api/runs", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
        write_run(folder, history=HISTORY)
        assert client.get("/api/runs", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200
    finally:
        lock.release()
    assert client.get("/api/runs", headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_names_that_are_not_runs_are_404(tmp_path):
    runs = tmp_path / "runs"
    write_run(runs / "one", history=HISTORY[:1])
    write_run(runs / ".hidden", history=HISTORY[:1])
    write_run(tmp_path / "outside", history=HISTORY[:1])
    os.symlink(tmp_path / "outside", runs / "link-out")
    os.makedirs(runs / "not-a-run")
    client = client_for(runs, tmp_path / "cache")
    assert [run["name"] for run in parsed(client.get("/api/runs"))["runs"]] == ["one"]
    for name in ("..", ".", ".hidden", "link-out", "not-a-run", "nope", "%2e%2e", "one%2f..",
                 "one%00", "..%2foutside", "%2ftmp"):
        for route in ("samples", "epochs/1/model.json"):
            response = client.get(f"/api/runs/{name}/{route}")
            assert response.status_code == 404, (name, route, response.status_code)
    for route in ("epochs/x/model.json", "epochs/-1/model.json", "epochs/9/model.json"):
        assert client.get(f"/api/runs/one/{route}").status_code == 404, route


def test_serve_takes_a_runs_folder():
    assert cli.parser().parse_args(["serve", "--runs", "elsewhere"]).runs == "elsewhere"
    assert cli.parser().parse_args(["serve"]).runs == "runs"


# ---- the session's real run ------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_runs(trained_run, tmp_path_factory):
    """A runs folder holding a copy of the real two-epoch run, and one whose second
    checkpoint is cut in half."""
    runs = tmp_path_factory.mktemp("runs-api")
    shutil.copytree(trained_run[0], runs / "small")
    shutil.copytree(trained_run[0], runs / "damaged")
    checkpoint = runs / "damaged" / "checkpoints" / "epoch-002.h5"
    data = checkpoint.read_bytes()
    checkpoint.write_bytes(data[:len(data) // 2])
    return runs


@pytest.fixture(scope="module")
def real_client(real_runs, tmp_path_factory):
    return client_for(real_runs, tmp_path_factory.mktemp("epoch-bundles"))


@pytest.mark.slow
def test_the_listing_of_a_real_run_equals_its_history(real_runs, real_client):
    run = listed(real_client, "small")
    folder = RunFolder(str(real_runs / "small"))
    history, config = folder.history(), folder.config()
    assert run["epochs"] == len(history) == 2 and run["state"] == "finished"
    assert run["history"] == [[row["epoch"], row["train_loss"] / LN2, row["val_loss"] / LN2]
                              for row in history]
    for (_, train_bits, held_out_bits), row in zip(run["history"], history):
        assert math.isclose(train_bits, row["train_bits"], abs_tol=1e-5)
        assert math.isclose(held_out_bits, row["val_bits"], abs_tol=1e-5)
    assert run["best_epoch"] == folder.best_epoch()["epoch"]
    assert run["recipe"] == config["recipe"] and run["corpus"]["chars"] == config["corpus_chars"]
    assert run["baselines"]["ngram_bits_per_char"] == config["baselines"]["ngram_nats_per_char"] / LN2
    assert run["elapsed_seconds"] == config["timing"]["wall_seconds"]


@pytest.mark.slow
def test_samples_are_one_per_epoch_the_same_each_time_and_made_once(real_client):
    first = parsed(real_client.get("/api/runs/small/samples"))
    assert [epoch["epoch"] for epoch in first["epochs"]] == [1, 2]
    assert first["temperature"] == SAMPLE_TEMPERATURE and first["seed"]
    for epoch in first["epochs"]:
        assert len(epoch["text"]) == len(epoch["ranks"]) == SAMPLE_LENGTH
        assert all(isinstance(rank, int) and rank >= 1 for rank in epoch["ranks"])
    assert first["epochs"][0]["text"] != first["epochs"][1]["text"]
    samples = real_client.application.config["RUNS_STATE"]["samples"]
    made = len(samples.cache)
    again = real_client.get("/api/runs/small/samples")
    assert parsed(again) == first
    assert len(samples.cache) == made  # nothing made again
    etag = again.headers["ETag"]
    assert real_client.get("/api/runs/small/samples", headers={"If-None-Match": etag}).status_code == 304


@pytest.mark.slow
def test_a_checkpoint_written_again_gets_a_new_sample(real_runs, real_client, tmp_path):
    shutil.copytree(real_runs / "small", real_runs / "rewritten")
    before = parsed(real_client.get("/api/runs/rewritten/samples"))["epochs"]
    checkpoints = real_runs / "rewritten" / "checkpoints"
    shutil.copy(checkpoints / "epoch-002.h5", tmp_path / "second.h5")
    os.replace(tmp_path / "second.h5", checkpoints / "epoch-001.h5")  # as a resumed run writes it
    after = parsed(real_client.get("/api/runs/rewritten/samples"))["epochs"]
    assert after[0]["text"] == before[1]["text"] != before[0]["text"]
    shutil.rmtree(real_runs / "rewritten")


@pytest.mark.slow
def test_an_epoch_bundle_is_what_tempera_export_makes(real_runs, real_client, tmp_path, capsys):
    base = "/api/runs/small/epochs/1/"
    model_json = real_client.get(base + "model.json")
    assert model_json.status_code == 200, model_json.data
    assert cli.main(["export", str(real_runs / "small"), "--epoch", "1", "--out", str(tmp_path / "cli")]) == 0
    served = tmp_path / "served"
    served.mkdir()
    manifest = json.loads(model_json.data)["weightsManifest"]
    for name in ["model.json", "tempera.json", *[p for group in manifest for p in group["paths"]]]:
        response = real_client.get(base + name)
        assert response.status_code == 200, name
        (served / name).write_bytes(response.data)
    for name in [p for group in manifest for p in group["paths"]]:
        assert (served / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    ours, theirs = load_bundle(str(served)), load_bundle(str(tmp_path / "cli"))
    assert ours.meta["epochs"] == theirs.meta["epochs"] == 1
    assert ours.meta["held_out"] == theirs.meta["held_out"]
    ids = np.random.default_rng(1).integers(len(ours.vocab), size=(3, 30))
    assert np.array_equal(ours.model.run(ids)[0], theirs.model.run(ids)[0])
    # The epoch's sample is this bundle's, at the samples' seed, temperature and RNG seed.
    samples = parsed(real_client.get("/api/runs/small/samples"))
    lane = Generator(ours.model, ours.vocab, ours.maxlen).generate(
        ours.vocab.encode(samples["seed"]), [samples["temperature"]], SAMPLE_LENGTH,
        samples["rng_seed"], "stateful")[0]
    assert lane.text == samples["epochs"][0]["text"]
    assert lane.records.rank.tolist() == samples["epochs"][0]["ranks"]
    cache = real_client.application.config["EPOCH_BUNDLES_DIR"]
    assert not any(name.startswith(".") or name == "bundle" for name in os.listdir(real_runs / "small"))
    assert os.listdir(cache)  # kept outside the run folder
    for name in ("source.txt", "..", "%2e%2e%2fsource.txt", "missing.bin"):
        assert real_client.get(base + name).status_code == 404, name


@pytest.mark.slow
def test_a_damaged_checkpoint_is_refused_with_its_reason(real_runs, real_client):
    for _ in range(2):  # the second time from the remembered refusal
        response = real_client.get("/api/runs/damaged/epochs/2/model.json")
        assert response.status_code == 422
        error = parsed(response)["error"]
        assert "checkpoints/epoch-002.h5" in error and "cannot be read" in error, error
        assert str(real_runs) not in error and "runs/damaged" in error, error
    samples = parsed(real_client.get("/api/runs/damaged/samples"))["epochs"]
    assert samples[0]["text"] and samples[1]["text"] == "" and samples[1]["ranks"] == []
    assert "checkpoints/epoch-002.h5 cannot be read" in samples[1]["error"]


@pytest.mark.slow
def test_without_the_converter_an_epoch_bundle_says_what_to_install(real_runs, tmp_path, monkeypatch):
    client = client_for(real_runs, tmp_path / "fresh-cache")
    monkeypatch.setitem(sys.modules, "tensorflowjs", None)  # as where it is not installed
    response = client.get("/api/runs/small/epochs/2/model.json")
    assert response.status_code == 503
    body = parsed(response)
    assert "tensorflowjs is not installed" in body["error"] and body["install"] == "pip install 'tempera[train]'"
