"""Real TensorFlow training on a small corpus: the run folder, resuming, interruptions."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from conftest import ROOT, run_cli

pytestmark = pytest.mark.slow


def export_in_process(capfd, run, out) -> subprocess.CompletedProcess:
    """`tempera export RUN --out OUT` through the command's entry point in this process:
    TensorFlow loads once for the file, not once per export (a real process: test_export.py)."""
    from tempera.cli import main

    capfd.readouterr()
    code = main(["export", run, "--out", out])
    captured = capfd.readouterr()
    return subprocess.CompletedProcess(["export", run], code, captured.out, captured.err)


def test_run_folder_holds_everything(trained_run):
    run, result = trained_run
    for name in ("config.json", "vocab.json", "history.json", "history.csv", "loss.png",
                 "samples.txt", "state.json", "checkpoints/epoch-001.h5", "checkpoints/epoch-002.h5"):
        assert os.path.isfile(os.path.join(run, name)), name
    assert not [f for f in os.listdir(run) if f.startswith(".tempera-tmp-")]
    history = json.load(open(os.path.join(run, "history.json")))
    assert [row["epoch"] for row in history] == [1, 2]
    for row in history:
        assert row["train_bits"] == pytest.approx(row["train_loss"] / np.log(2), abs=1e-4)
        assert row["val_bits"] == pytest.approx(row["val_loss"] / np.log(2), abs=1e-4)
    assert history[1]["val_loss"] < history[0]["val_loss"]  # it learns
    assert open(os.path.join(run, "loss.png"), "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_epochs_are_compared_on_part_of_the_held_out_text_and_the_best_measured_on_all(trained_run):
    from tempera.held_out import held_out_windows, split_held_out
    from tempera.training.corpus import load_corpus
    from tempera.training.run_folder import RunFolder

    run = RunFolder(trained_run[0])
    config, history = run.config(), run.history()
    corpus = load_corpus(config["corpus"], True, 1).reindexed(run.vocabulary())
    whole = len(held_out_windows(split_held_out(corpus.ids, config["val_fraction"])[1], 60))
    assert [row["val_windows"] for row in history if "val_subset_loss" not in row] == \
        [config["eval_windows"]] * (len(history) - 1) and config["eval_windows"] < whole
    best = run.best_epoch()
    assert best["val_windows"] == whole and best["val_subset_windows"] == config["eval_windows"]
    assert best["val_subset_loss"] == min(row.get("val_subset_loss", row["val_loss"]) for row in history)
    timing = config["timing"]
    assert timing["eval_seconds"] >= sum(row["eval_seconds"] for row in history)
    assert trained_run[1].stdout.splitlines()[-1].startswith("wall ")


def test_each_epoch_prints_losses_and_the_notebooks_samples(trained_run):
    _, result = trained_run
    for epoch in (1, 2):
        assert f"epoch {epoch}: train " in result.stdout
    assert "nats/char" in result.stdout and "bits/char" in result.stdout
    # Samples follow a time schedule (a small share of the wall time), not every epoch.
    printed = result.stdout.count("--- Generating with seed:")
    assert 1 <= printed <= 2
    for t in (0.2, 0.5, 1.0, 1.2):
        assert result.stdout.count(f"------ temperature: {t}\n") == printed
    samples = open(os.path.join(trained_run[0], "samples.txt"), encoding="utf-8").read()
    assert samples.count("=== epoch") == printed


def test_config_records_the_recipe(trained_run):
    config = json.load(open(os.path.join(trained_run[0], "config.json")))
    recipe = config["recipe"]
    assert (recipe["units"], recipe["layers"], recipe["seq_len"], recipe["batch"]) == (24, 2, 40, 16)
    assert recipe["every_step"] is True and config["lowercase"] is True


def _start_training(small_corpus, run, epochs, seq_len="40"):
    command = [sys.executable, "-m", "tempera", "train", "--corpus", small_corpus, "--run", run,
               "--units", "24", "--seq-len", seq_len, "--batch", "4", "--epochs", str(epochs),
               "--verbose", "0"]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _wait_for(path, timeout=120):
    deadline = time.time() + timeout
    while not os.path.exists(path):
        assert time.time() < deadline, f"{path} never appeared"
        time.sleep(0.1)


def test_ctrl_c_saves_a_sigkill_loses_at_most_an_epoch_and_the_run_resumes(small_corpus, tmp_path):
    """Ctrl-C (SIGINT) mid-epoch saves where training was; the same command resumes from there,
    is killed (SIGKILL) mid-epoch, and resumes again from the last complete checkpoint."""
    run = str(tmp_path / "run")
    process = _start_training(small_corpus, run, epochs=50)
    _wait_for(os.path.join(run, "checkpoints", "epoch-001.h5"))
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "run the same command again to resume" in stdout
    state = json.load(open(os.path.join(run, "state.json")))
    assert state["checkpoint"] == "checkpoints/interrupted.h5"
    interrupted = state["epochs_done"]

    process = _start_training(small_corpus, run, epochs=50)
    _wait_for(os.path.join(run, "checkpoints", f"epoch-{interrupted + 1:03d}.h5"))
    time.sleep(0.5)
    process.kill()
    stdout, _ = process.communicate(timeout=30)
    assert "interrupted.h5" in stdout  # it went on from where Ctrl-C saved
    state = json.load(open(os.path.join(run, "state.json")))
    history = json.load(open(os.path.join(run, "history.json")))
    done = state["epochs_done"]
    # state.json is written last: a kill just before it leaves one history row ahead of it,
    # and that epoch is trained again.
    assert history[-1]["epoch"] in (done, done + 1)
    assert os.path.isfile(os.path.join(run, state["checkpoint"]))
    result = run_cli("train", "--run", run, "--epochs", str(done + 1), "--verbose", "0")
    assert result.returncode == 0, result.stderr
    assert "resuming" in result.stdout and f"after epoch {done}" in result.stdout
    assert "epoch 1: train" not in result.stdout and f"epoch {done + 1}: train" in result.stdout
    history = json.load(open(os.path.join(run, "history.json")))
    assert [row["epoch"] for row in history] == list(range(1, done + 2))
    assert not [f for f in os.listdir(run) if f.startswith(".tempera-tmp-")]


# What the test's own clock adds to the command's: starting the process and reading its end.
PROCESS_ALLOWANCE_SECONDS = 2.0
# Before its first checkpoint a command imports TensorFlow and builds the training step's graph,
# which nothing can stop: about 4 s here at a load of 6, over 40 s at a load of 15.
BUDGET_MINUTES = 0.25


def test_time_budget_is_the_wall_clock_of_the_whole_command(small_corpus, tmp_path):
    """--time-budget is the wall clock from the process's start to its end: TensorFlow's import,
    the baselines, the evaluations, the samples and the last checkpoint included. The run it
    leaves resumes, and exports."""
    from tempera.export.bundle_export import export_run, measure_held_out

    run, bundle = str(tmp_path / "run"), str(tmp_path / "bundle")
    started = time.monotonic()
    result = run_cli("train", "--corpus", small_corpus, "--run", run, "--units", "16",
                     "--epochs", "100000", "--time-budget", str(BUDGET_MINUTES), "--verbose", "0")
    wall = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    budget = BUDGET_MINUTES * 60
    assert wall <= budget * 1.05 + PROCESS_ALLOWANCE_SECONDS, (wall, result.stdout[-2000:])
    timing = json.load(open(os.path.join(run, "config.json")))["timing"]
    assert timing["budget_seconds"] == budget and 0 < timing["train_seconds"] < timing["wall_seconds"]
    assert timing["eval_seconds"] + timing["samples_seconds"] < timing["wall_seconds"]
    assert "time budget" in result.stdout
    assert result.stdout.splitlines()[-1].startswith(
        f"wall {timing['wall_seconds']:.1f} s of a {budget:.0f} s budget: training ")
    state = json.load(open(os.path.join(run, "state.json")))
    history = json.load(open(os.path.join(run, "history.json")))
    assert state["epochs_done"] == history[-1]["epoch"] >= 1
    assert os.path.isfile(os.path.join(run, state["checkpoint"]))
    # The learning rate fell with the time: the last checkpoint was written near the budget's end.
    config = json.load(open(os.path.join(run, "config.json")))
    assert "time budget" in config["learning_rate_schedule"]
    last_rate = float(checkpoint_learning_rate(os.path.join(run, state["checkpoint"])))
    assert 0.049 * config["recipe"]["learning_rate"] <= last_rate < 0.5 * config["recipe"]["learning_rate"]
    again = run_cli("train", "--run", run, "--epochs", str(state["epochs_done"] + 1), "--verbose", "0")
    assert again.returncode == 0, again.stderr
    assert f"after epoch {state['epochs_done']}" in again.stdout
    assert json.load(open(os.path.join(run, "state.json")))["epochs_done"] == state["epochs_done"] + 1
    meta = export_run(run, bundle)
    assert 1 <= meta["epochs"] <= state["epochs_done"] + 1
    # The bundle's held-out figure is the whole held-out set's, as the NumPy reference measures it.
    config = json.load(open(os.path.join(run, "config.json")))
    vocab = json.load(open(os.path.join(run, "vocab.json")))
    [reference] = measure_held_out(config, vocab, [bundle], 60)
    assert meta["held_out"]["loss_nats_per_char"] == pytest.approx(reference, abs=2e-4)


def checkpoint_learning_rate(path: str) -> float:
    import tf_keras as keras

    return keras.backend.get_value(keras.models.load_model(path).optimizer.learning_rate)


def test_dropout_trains_records_and_exports_without_dropout_layers(small_corpus, tmp_path, capfd):
    run, bundle = str(tmp_path / "run"), str(tmp_path / "bundle")
    result = run_cli("train", "--corpus", small_corpus, "--run", run, "--units", "16", "--batch", "8",
                     "--epochs", "4", "--dropout", "0.5", "--patience", "1", "--learning-rate", "3",
                     "--verbose", "0")
    assert result.returncode == 0, result.stderr
    assert json.load(open(os.path.join(run, "config.json")))["recipe"]["dropout"] == 0.5
    history = json.load(open(os.path.join(run, "history.json")))
    # A learning rate this high makes the held-out loss worse after an epoch or two: patience 1
    # stops the run at the first epoch that does not improve on the best.
    best = min(range(len(history)), key=lambda i: history[i]["val_loss"])
    if len(history) < 4:
        assert "has not improved for 1 epochs" in result.stdout and len(history) == best + 2
    assert export_in_process(capfd, run, bundle).returncode == 0
    layers = json.load(open(os.path.join(bundle, "model.json")))["modelTopology"]["model_config"]["config"]["layers"]
    assert "Dropout" not in {layer["class_name"] for layer in layers}


def test_the_notebook_recipe_is_the_notebooks_model(small_corpus, tmp_path, capfd):
    run = str(tmp_path / "run")
    result = run_cli("train", "--corpus", small_corpus, "--run", run, "--recipe", "notebook",
                     "--epochs", "1", "--verbose", "0")
    assert result.returncode == 0, result.stderr
    recipe = json.load(open(os.path.join(run, "config.json")))["recipe"]
    assert recipe == {**recipe, "units": 128, "layers": 1, "seq_len": 60, "window_step": 3,
                      "batch": 128, "optimizer": "rmsprop", "learning_rate": 0.01,
                      "every_step": False}
    assert "1x LSTM(128), batch 128, rmsprop lr 0.01" in result.stdout
    exported = export_in_process(capfd, run, str(tmp_path / "bundle"))  # one target per window
    assert exported.returncode == 0, exported.stderr  # ... still exports for both modes
    sampled = run_cli("sample", str(tmp_path / "bundle"), "--seed-text", "the", "--length", "20",
                      "--rng-seed", "1", "--mode", "window")
    assert sampled.returncode == 0 and sampled.stdout.count("------ temperature:") == 4


def test_keep_case_keeps_capitals_in_the_vocabulary(small_corpus, tmp_path):
    run = str(tmp_path / "run")
    result = run_cli("train", "--corpus", small_corpus, "--run", run, "--keep-case", "--units", "8",
                     "--epochs", "1", "--verbose", "0")
    assert result.returncode == 0, result.stderr
    vocab = json.load(open(os.path.join(run, "vocab.json"), encoding="utf-8"))
    assert "T" in vocab and "P" in vocab
    assert json.load(open(os.path.join(run, "config.json")))["lowercase"] is False
