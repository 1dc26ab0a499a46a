"""What `tempera train` refuses, or stops on, before TensorFlow loads: another trainer in the
run folder, a cluster description of the wrong shape, workers that never come, an unwritable
or full disk. Each answer is one line; none of these tests loads TensorFlow."""

import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from conftest import ROOT, SMALL_TEXT, free_port
from tempera.training.recipes import RECIPES
from small_disk import fill, small_disk
from train_in_process import one_line_error, train_in_process


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "small.txt"
    path.write_text(SMALL_TEXT, encoding="utf-8")
    return str(path)


def tf_config(addresses, index=0, job="worker") -> dict:
    return {"TF_CONFIG": json.dumps({"cluster": {"worker": addresses},
                                     "task": {"type": job, "index": index}})}


# ---- one trainer at a time --------------------------------------------------------------------
HOLD_THE_LOCK = """
import sys, time
from training.run_lock import RunLock
RunLock(sys.argv[1]).acquire()
print("held", flush=True)
time.sleep(600)
"""


def test_a_run_folder_in_use_is_refused_and_a_dead_trainers_lock_is_not(tmp_path, capfd):
    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_LOCK, str(run)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        refused = train_in_process(capfd, "--corpus", str(empty), "--run", str(run))
        one_line_error(refused, f"run folder {run} is being trained by another process "
                                f"(process {holder.pid})", "use another --run folder")
    finally:
        holder.kill()
        holder.wait()
    # Killed, the holder let go of the lock: the next trainer gets as far as the corpus.
    one_line_error(train_in_process(capfd, "--corpus", str(empty), "--run", str(run)),
                   "corpus is empty")
    assert sorted(os.listdir(run)) == ["checkpoints"]  # the lock file went with its lock


def test_an_unwritable_run_folder_fails_before_training(corpus, tmp_path, capfd):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = train_in_process(capfd, "--corpus", corpus, "--run", str(blocker / "run"))
    assert "cannot write to run folder" in one_line_error(result)


# ---- TF_CONFIG of the wrong shape ----------------------------------------------------------
@pytest.mark.parametrize("config, words", [
    ("", "--strategy multi-worker needs TF_CONFIG"),
    ("{not json", "TF_CONFIG is not a cluster description (not JSON"),
    ({"cluster": {"worker": ["localhost:1"]}, "task": {"type": "worker", "index": 3}},
     "task index 3 is not in the cluster's worker list"),
    ({"cluster": {"worker": "127.0.0.1:23456"}, "task": {"type": "worker", "index": 0}},
     "cluster's worker must be a list of \"host:port\" addresses, got \"127.0.0.1:23456\""),
    ({"cluster": {"chief": ["localhost:1", "localhost:2"], "worker": ["localhost:3"]},
      "task": {"type": "chief", "index": 0}}, "a cluster has at most one chief, this one names 2"),
    ({"cluster": {"worker": ["localhost:1", "localhost:1"]}, "task": {"type": "worker", "index": 0}},
     "localhost:1 is named twice"),
    ({"cluster": {"worker": ["localhost"]}, "task": {"type": "worker", "index": 0}},
     "\"localhost\" in the cluster's worker list is not a \"host:port\" address"),
    ({"cluster": {"ps": ["localhost:1"], "worker": ["localhost:2"]}, "task": {"type": "worker", "index": 0}},
     "job 'ps' is not one of chief, worker"),
    ({"cluster": {"worker": ["localhost:1"]}, "task": {"type": "worker", "index": True}},
     "task index true is not in the cluster's worker list"),
    ({"cluster": {"worker": ["localhost:1"]}, "task": {"type": "chief", "index": 0}},
     "\"task\" must name a job of the cluster (worker)"),
    ([], "no \"cluster\" object"),
])
def test_a_bad_cluster_description_is_one_line(corpus, tmp_path, capfd, monkeypatch, config, words):
    monkeypatch.setenv("TF_CONFIG", config if isinstance(config, str) else json.dumps(config))
    result = train_in_process(capfd, "--corpus", corpus, "--run", str(tmp_path / "run"),
                              "--strategy", "multi-worker")
    one_line_error(result, words)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("args, env, words", [
    (["--strategy", "mirrored"], {"TEMPERA_CPU_DEVICES": "two"}, "TEMPERA_CPU_DEVICES must be a number"),
    (["--strategy", "multi-worker", "--backup-every", "0"], tf_config(["localhost:1"]),
     "--backup-every must be a whole number of batches"),
    (["--strategy", "multi-worker", "--join-timeout", "0"], tf_config(["localhost:1"]),
     "--join-timeout must be a number of minutes above 0"),
    (["--strategy", "multi-worker", "--join-timeout", "nan"], tf_config(["localhost:1"]),
     "--join-timeout must be"),
    (["--strategy", "everywhere"], {}, "invalid choice: 'everywhere'"),
])
def test_bad_strategy_settings_are_one_line(corpus, tmp_path, capfd, monkeypatch, args, env, words):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = train_in_process(capfd, "--corpus", corpus, "--run", str(tmp_path / "run"), *args)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1 and words in lines[0], result.stderr
    assert not (tmp_path / "run").exists()


# ---- waiting for workers that never come ---------------------------------------------------
def start_worker(corpus, run, addresses, *args):
    env = {**os.environ, **tf_config(addresses)}
    return subprocess.Popen([sys.executable, "-m", "tempera", "train", "--corpus", corpus, "--run", run,
                             "--strategy", "multi-worker", "--verbose", "0", *args],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


JOIN = """
import json, os, sys
from training.rendezvous import wait_for_workers
wait_for_workers(json.loads(os.environ["TF_CONFIG"]), 1)
print("joined", flush=True)
"""


def test_workers_that_start_at_different_times_all_go_on_together():
    """Three workers, the last a second after the others: each waits for it, then all go on,
    and their ports are free again for TensorFlow."""
    addresses = [f"localhost:{free_port()}" for _ in range(3)]
    workers = []
    for index in range(3):
        if index == 2:
            time.sleep(1)
        env = {**os.environ, **tf_config(addresses, index)}
        workers.append(subprocess.Popen([sys.executable, "-c", JOIN], cwd=ROOT, env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    for worker in workers:
        stdout, stderr = worker.communicate(timeout=30)
        assert worker.returncode == 0 and stdout.endswith("joined\n"), stderr
    for address in addresses:
        with socket.create_server(("", int(address.rsplit(":", 1)[1]))):
            pass


def test_waiting_for_workers_stops_on_ctrl_c_sigterm_and_its_time_limit(corpus, tmp_path):
    """Worker 1's port has nothing on it, or something that is not a worker: worker 0 waits,
    says for what and for how long, and stops at once on Ctrl-C or SIGTERM, or at the limit."""
    closed, not_a_worker = free_port(), free_port()
    other = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
                              str(not_a_worker)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers = {}
    try:
        workers = {
            "Ctrl-C": start_worker(corpus, str(tmp_path / "a"), [f"localhost:{free_port()}", f"localhost:{closed}"]),
            "SIGTERM": start_worker(corpus, str(tmp_path / "b"), [f"localhost:{free_port()}", f"localhost:{closed}"]),
            "time": start_worker(corpus, str(tmp_path / "c"),
                                 [f"localhost:{free_port()}", f"localhost:{not_a_worker}"],
                                 "--join-timeout", "0.02"),
        }
        for name, worker in workers.items():
            said = worker.stdout.readline()
            assert "joining the cluster as worker 0 of 2 tasks: waiting up to " in said, said
            assert ("0.02 min" if name == "time" else "10 min") in said
        time.sleep(1.5)  # well into the wait
        workers["Ctrl-C"].send_signal(signal.SIGINT)
        workers["SIGTERM"].send_signal(signal.SIGTERM)
        outcomes = {name: (worker.wait(timeout=30), worker.communicate()[1])
                    for name, worker in workers.items()}
    finally:
        other.kill()
        other.wait()
        for worker in workers.values():
            if worker.poll() is None:
                worker.kill()
    for name, status in (("Ctrl-C", 130), ("SIGTERM", 143)):
        code, stderr = outcomes[name]
        assert code == status and stderr.strip().count("\n") == 0, stderr
        assert f"stopped by {name} while waiting for worker 1 at localhost:{closed} (not started); " \
               "nothing was trained" in stderr
    code, stderr = outcomes["time"]
    assert code == 2 and stderr.strip().count("\n") == 0, stderr
    assert "the cluster did not form within 0.02 min: still waiting for worker 1 at " \
           f"localhost:{not_a_worker} (answers, but is not a tempera worker)" in stderr
    for folder in "abc":  # the chief's new run folder, in which nothing started, is gone
        assert not (tmp_path / folder).exists()


# ---- a full disk -----------------------------------------------------------------------------
def test_the_loss_plot_on_a_full_disk_is_an_error_in_words(tmp_path):
    from tempera.errors import TemperaError
    from training.run_folder import RunFolder

    with small_disk(tmp_path / "disk") as disk:
        run = RunFolder(str(disk / "run"))
        os.makedirs(run.path)
        run.write_config({"recipe": {"maxlen": 40}})  # what the plot reads of the run
        fill(disk)
        row = {"epoch": 1, "train_loss": 2.0, "val_loss": 2.1, "train_seconds": 1.0, "checkpoint": "c"}
        with pytest.raises(TemperaError, match=r"no room to write loss.png in run folder .*: free some"):
            run.plot([row])
        assert os.listdir(run.path) == ["config.json"]  # no half-written plot, no temporary file


# ---- a run folder's files of the wrong shape ---------------------------------------------------
@pytest.mark.parametrize("name, content, message", [
    ("state.json", '{"epochs_done": "2"}', "state.json in run folder"),
    ("history.json", '[{"epoch": "one"}]', "not a list of epoch records"),
    ("config.json", '{"corpus": 3}', "config.json in run folder"),
    ("vocab.json", '"abc"', "vocab.json in run folder"),
])
def test_run_files_of_the_wrong_shape_are_refused_before_tensorflow_loads(
        corpus, tmp_path, capfd, name, content, message):
    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    files = {"config.json": json.dumps({"corpus": corpus, "lowercase": True, "val_fraction": 0.1,
                                        "seed": 1, "recipe": RECIPES["default"].to_dict()}),
             "vocab.json": json.dumps(sorted(set(SMALL_TEXT.lower()))),
             "state.json": json.dumps({"epochs_done": 1, "checkpoint": "checkpoints/epoch-001.h5",
                                       "train_seconds": 1.0}),
             "history.json": "[]", name: content}
    for file_name, text in files.items():
        (run / file_name).write_text(text, encoding="utf-8")
    one_line_error(train_in_process(capfd, "--run", str(run), "--epochs", "3"), message)
