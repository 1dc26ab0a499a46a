"""Real training meeting a second trainer and a full disk: the second is refused in words, the
full disk stops the first in one line (no traceback, no crash inside h5py), and the run resumes
once there is room again."""

import json
import os
import subprocess
import sys
import time

import pytest

from conftest import ROOT, run_cli
from small_disk import fill, small_disk
from train_in_process import one_line_error, train_in_process

pytestmark = pytest.mark.slow

TINY = ["--units", "8", "--layers", "1", "--seq-len", "20", "--batch", "4", "--verbose", "0"]


def wait_for(path, process, timeout=180):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


@pytest.fixture
def disk(tmp_path):
    with small_disk(tmp_path / "disk") as folder:
        yield folder


@pytest.fixture
def trainer(small_corpus, tmp_path):
    """start(run, epochs): a real `tempera train` of a tiny model, killed if a test fails."""
    started = []

    def start(run, epochs):
        log = open(tmp_path / "trainer.log", "w")  # stdout: a pipe could fill up and block it
        started.append(subprocess.Popen(
            [sys.executable, "-m", "tempera", "train", "--corpus", small_corpus, "--run", run,
             "--epochs", str(epochs), *TINY], cwd=ROOT, stdout=log, stderr=subprocess.PIPE,
            text=True))
        return started[-1]

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_second_trainer_is_refused_and_a_full_disk_stops_the_first_resumably(
        small_corpus, disk, trainer, capfd):
    run = str(disk / "run")
    first = trainer(run, epochs=3)
    # The same command again, as soon as the first holds the run folder (before its
    # TensorFlow has loaded): refused, and nothing of the first's is touched.
    wait_for(os.path.join(run, ".train-lock"), first)
    second = train_in_process(capfd, "--corpus", small_corpus, "--run", run, "--epochs", "3", *TINY)
    one_line_error(second, f"run folder {run} is being trained by another process")

    # The disk fills while epoch 2 trains: its checkpoint does not fit.
    wait_for(os.path.join(run, "samples.txt"), first)  # written after epoch 1's state
    filler = fill(disk, leave=8192)
    _, stderr = first.communicate(timeout=180)
    assert first.returncode == 2, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines == [f"tempera train: error: no room to write checkpoints/epoch-002.h5 in run "
                     f"folder {run} (No space left on device): free some space, then run the same "
                     "command again to go on from the last checkpoint"], stderr
    assert json.load(open(os.path.join(run, "state.json")))["epochs_done"] == 1
    leftovers = [name for folder in (run, os.path.join(run, "checkpoints"))
                 for name in os.listdir(folder) if name.startswith(".")]
    assert leftovers == [], leftovers  # no temporary file, and the lock went with the process

    os.remove(filler)
    again = run_cli("train", "--run", run, "--epochs", "2", "--verbose", "0")
    assert again.returncode == 0, again.stderr
    assert "after epoch 1" in again.stdout and "epoch 2: train" in again.stdout
    history = json.load(open(os.path.join(run, "history.json")))
    assert [row["epoch"] for row in history] == [1, 2]
