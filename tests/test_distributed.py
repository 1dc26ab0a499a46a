"""Training with tf.distribute for real: two `tempera train` worker processes on loopback ports
configured by TF_CONFIG, and MirroredStrategy over two logical CPU devices.

Each worker is the real command, started as a person would on two machines; the tests then read
the run folder, export it and sample it, kill a worker mid-epoch and start it again, and press
Ctrl-C (SIGINT) on the chief.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest

from conftest import ROOT, SMALL_TEXT, run_cli

pytestmark = pytest.mark.slow

RECIPE = ["--units", "24", "--layers", "2", "--seq-len", "40", "--batch", "16", "--verbose", "0"]
RUN_FILES = ["checkpoints", "checkpoints/epoch-001.h5", "checkpoints/epoch-002.h5", "config.json",
             "history.csv", "history.json", "loss.png", "samples.txt", "state.json", "vocab.json"]
WAIT = 240  # seconds a worker may take to finish (two TensorFlow start-ups share 2 cores)


def free_ports(count: int) -> list:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


class Worker:
    """One `tempera train --strategy multi-worker` process, its output kept in a file."""

    def __init__(self, index, ports, args, folder, env=None):
        self.index, self.args, self.folder = index, args, folder
        self.ports, self.env = ports, env or {}
        self.log_path = os.path.join(folder, f"worker-{index}.log")
        self.scratch = os.path.join(folder, f"tmp-{index}")  # the worker's TMPDIR
        os.makedirs(self.scratch, exist_ok=True)
        self.start()

    def start(self):
        tf_config = {"cluster": {"worker": [f"localhost:{p}" for p in self.ports]},
                     "task": {"type": "worker", "index": self.index}}
        env = {**os.environ, "TF_CONFIG": json.dumps(tf_config), "TMPDIR": self.scratch, **self.env}
        self.log = open(self.log_path, "a", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tempera", "train", *self.args, "--strategy", "multi-worker"],
            stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)

    def wait(self, timeout=WAIT) -> int:
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self.log.close()

    def output(self) -> str:
        with open(self.log_path, encoding="utf-8") as handle:
            return handle.read()

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def cluster(tmp_path):
    """start(args, workers=2): the workers of one cluster, all killed at the end of the test."""
    started = []

    def start(args, workers=2, ports=None, env=None):
        ports = ports or free_ports(workers)
        group = [Worker(i, ports, args, str(tmp_path), env) for i in range(workers)]
        started.extend(group)
        return group

    yield start
    for worker in started:
        worker.kill()


def corpus(tmp_path, copies: int) -> str:
    path = tmp_path / f"corpus-{copies}.txt"
    path.write_text(SMALL_TEXT * copies, encoding="utf-8")
    return str(path)


def run_files(run: str) -> list:
    found = []
    for folder, dirs, files in os.walk(run):
        found += [os.path.relpath(os.path.join(folder, name), run) for name in dirs + files]
    return sorted(found)


def finished(workers, expected=0) -> list:
    codes = [w.wait() for w in workers]
    assert codes == [expected] * len(workers), "\n\n".join(w.output()[-3000:] for w in workers)
    return [w.output() for w in workers]


def test_two_workers_train_a_run_that_exports_and_samples(cluster, tmp_path, capfd):
    run = str(tmp_path / "run")
    workers = cluster(["--corpus", corpus(tmp_path, 3), "--run", run, "--epochs", "2", *RECIPE])
    chief, other = finished(workers)
    assert "strategy multi-worker: 2 workers (this is worker 0, the chief), 2 replica(s); " \
           "global batch 16 (8 per replica)" in chief
    assert "this is worker 1), 2 replica(s)" in other
    # Only the chief wrote the run folder, the files of any run; the other worker's temporary
    # folder is gone.
    assert run_files(run) == RUN_FILES
    assert os.listdir(workers[1].scratch) == []
    config = json.load(open(os.path.join(run, "config.json")))
    assert (config["strategy"], config["workers"], config["replicas"]) == ("multi-worker", 2, 2)
    history = json.load(open(os.path.join(run, "history.json")))
    assert [row["epoch"] for row in history] == [1, 2]
    # Every worker evaluated the same held-out figure.
    printed = [float(x) for x in re.findall(r"^epoch \d+: train .* held-out ([0-9.]+) nats/char",
                                            other, re.MULTILINE)]
    assert len(printed) == 2
    for row, figure in zip(history, printed):
        assert abs(row.get("val_subset_loss", row["val_loss"]) - figure) < 1e-4
    bundle = str(tmp_path / "bundle")
    assert export_in_process(capfd, run, bundle) == 0
    sampled = run_cli("sample", bundle, "--seed-text", "the free", "--length", "60", "--rng-seed", "3")
    assert sampled.returncode == 0 and sampled.stdout.count("------ temperature:") == 4, sampled.stderr
    # The held-out figure is what one process computes from the same weights.
    assert abs(held_out_of_checkpoint(run) - history[-1]["val_loss"]) < 1e-4


def export_in_process(capfd, run, out) -> int:
    """`tempera export` through its entry point in this process (TensorFlow loads once; the
    real process runs in test_export.py); its exit code, its errors shown on failure."""
    from tempera.cli import main

    code = main(["export", run, "--out", out])
    if code != 0:
        print(capfd.readouterr().err)
    return code


def held_out_of_checkpoint(run_path: str) -> float:
    """The held-out loss of a run's last checkpoint, computed by one process (this one)."""
    from tempera.held_out import split_held_out
    from tempera.training.corpus import load_corpus
    from tempera.training.evaluate import HeldOut
    from tempera.training.recipes import Recipe
    from tempera.training.run_folder import RunFolder

    run = RunFolder(run_path)
    config = run.config()
    recipe = Recipe.from_dict(config["recipe"])
    corpus = load_corpus(config["corpus"], config["lowercase"], 1).reindexed(run.vocabulary())
    _, val_ids = split_held_out(corpus.ids, config["val_fraction"])
    model = run.load_checkpoint(run.state()["checkpoint"])
    held_out = HeldOut(val_ids, len(run.vocabulary()), recipe.units, recipe.layers, recipe.maxlen)
    return float(held_out.loss(model))


WINDOWS_SEEN = """
import json, sys
import numpy as np
import tensorflow as tf
strategy = tf.distribute.MultiWorkerMirroredStrategy()
from training.dataset import every_step_batches, shard_in_memory
ids = np.arange(5000, dtype=np.int32)  # every id distinct: a window is known by its ids
batches = shard_in_memory(every_step_batches(ids, 10, 8, 5000, np.random.default_rng(1)))
seen = []
for x, y in strategy.experimental_distribute_dataset(batches):
    for part in strategy.experimental_local_results(y):
        seen += [int(row[0]) for row in part.numpy()]  # the id after each window's first
json.dump(seen, open(sys.argv[1], "w"))
"""


def test_workers_train_on_different_windows(tmp_path):
    """The tf.data pipeline split as training splits it: each window goes to one worker."""
    ports = free_ports(2)
    outputs, processes = [], []
    for index in range(2):
        config = {"cluster": {"worker": [f"localhost:{p}" for p in ports]},
                  "task": {"type": "worker", "index": index}}
        outputs.append(str(tmp_path / f"seen-{index}.json"))
        processes.append(subprocess.Popen(
            [sys.executable, "-c", WINDOWS_SEEN, outputs[-1]], cwd=ROOT, stderr=subprocess.PIPE,
            env={**os.environ, "TF_CONFIG": json.dumps(config), "TF_CPP_MIN_LOG_LEVEL": "3"}))
    for process in processes:
        assert process.wait(timeout=WAIT) == 0, process.stderr.read()[-2000:]
    first, second = (json.load(open(path)) for path in outputs)
    # 499 windows, each seen by exactly one worker.
    assert first and second and not set(first) & set(second)
    assert len(first) + len(second) == len(set(first) | set(second)) >= 490


def test_a_killed_worker_started_again_resumes_the_cluster(cluster, tmp_path):
    """Worker 1 is killed mid-epoch, after a backup; the chief restarts itself to wait for it;
    worker 1 started again with the same command, the run ends as a clean run would."""
    run = str(tmp_path / "run")
    args = ["--corpus", corpus(tmp_path, 12), "--run", run, "--epochs", "1",
            "--backup-every", "5", *RECIPE]
    chief, worker = cluster(args)
    backup = os.path.join(run, "backup", "chief", "checkpoint")
    deadline = time.monotonic() + WAIT
    while not os.path.exists(backup):
        assert time.monotonic() < deadline and chief.process.poll() is None, chief.output()[-3000:]
        time.sleep(0.5)
    time.sleep(2)
    assert not os.path.exists(os.path.join(run, "history.json"))  # still in epoch 1
    worker.kill()
    deadline = time.monotonic() + 120
    while "a worker left the cluster" not in chief.output():
        assert time.monotonic() < deadline and chief.process.poll() is None, chief.output()[-3000:]
        time.sleep(0.5)
    said = next(line for line in chief.output().splitlines() if "a worker left the cluster" in line)
    print(said)
    assert "worker 1 stopped answering" in said
    worker.start()  # the same command
    chief_output, worker_output = finished([chief, worker])
    assert chief_output.count("epoch 1: train") == 1  # the epoch the kill interrupted, once
    assert run_files(run) == [name for name in RUN_FILES if name != "checkpoints/epoch-002.h5"]
    history = json.load(open(os.path.join(run, "history.json")))
    assert [row["epoch"] for row in history] == [1]
    assert history[0]["val_loss"] < 3.0  # it learned: ln(46) = 3.8 is a guess


def test_ctrl_c_on_the_chief_stops_every_worker_and_the_time_budget_stops_them_together(cluster, tmp_path):
    run = str(tmp_path / "run")
    args = ["--corpus", corpus(tmp_path, 12), "--run", run, "--epochs", "3", *RECIPE]
    chief, worker = cluster(args)
    deadline = time.monotonic() + WAIT
    while "strategy multi-worker" not in worker.output():
        assert time.monotonic() < deadline and chief.process.poll() is None, chief.output()[-3000:]
        time.sleep(0.5)
    time.sleep(5)  # into the first epoch
    chief.process.send_signal(signal.SIGINT)
    chief_output, worker_output = finished([chief, worker], expected=130)
    assert "saved checkpoints/interrupted.h5" in chief_output
    state = json.load(open(os.path.join(run, "state.json")))
    assert state["checkpoint"] == "checkpoints/interrupted.h5"
    assert os.listdir(worker.scratch) == [] and not os.path.exists(os.path.join(run, "backup"))
    # Both go on from there with a time budget: they stop after the same batch, the same epoch.
    again = cluster([*args, "--time-budget", "0.2"])
    chief_output, worker_output = finished(again)
    epochs = [[line.split(":")[0] for line in out.splitlines() if line.startswith("epoch ")]
              for out in (chief_output, worker_output)]
    assert epochs[0] == epochs[1] and epochs[0], epochs
    assert "stopped early: time budget" in chief_output.splitlines()[-1] or \
        "time budget of 0.2 min used up" in chief_output


def test_mirrored_over_two_logical_cpus_learns_what_one_device_learns(tmp_path, capfd):
    """MirroredStrategy splits each batch between two CPU devices and averages their gradients,
    which is the one-device gradient computed in another order: the held-out losses differ only
    by float rounding, carried through two epochs. The two runs train side by side."""
    data = corpus(tmp_path, 3)
    losses, trainers = {}, {}
    for strategy, env in (("one", {}), ("mirrored", {"TEMPERA_CPU_DEVICES": "2"})):
        command = [sys.executable, "-m", "tempera", "train", "--corpus", data, "--run",
                   str(tmp_path / strategy), "--epochs", "2", "--dropout", "0", *RECIPE,
                   "--strategy", strategy]
        trainers[strategy] = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, text=True,
                                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for strategy, trainer in trainers.items():
        stdout, stderr = trainer.communicate(timeout=WAIT)
        assert trainer.returncode == 0, stderr[-3000:]
        run = str(tmp_path / strategy)
        losses[strategy] = [row["val_loss"] for row in json.load(open(os.path.join(run, "history.json")))]
        config = json.load(open(os.path.join(run, "config.json")))
        assert config["strategy"] == strategy
        assert config["replicas"] == (2 if strategy == "mirrored" else 1), stdout
    assert "global batch 16 (8 per replica)" in stdout
    assert export_in_process(capfd, run, str(tmp_path / "bundle")) == 0
    print(f"held-out loss per epoch, one device {losses['one']}, mirrored {losses['mirrored']}")
    for one, mirrored in zip(losses["one"], losses["mirrored"]):
        assert abs(one - mirrored) < 2e-3, losses
