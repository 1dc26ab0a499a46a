"""Shared fixtures: a small corpus, a real model trained on it, and its exported bundle."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NIETZSCHE = os.path.join(os.path.dirname(ROOT), "shared", "corpora", "nietzsche.txt")
SHIPPED_BUNDLE = os.path.join(ROOT, "models", "nietzsche")

# A little text with real structure, so a tiny LSTM learns something in two epochs.
SMALL_TEXT = "".join(
    f"The {a} {b} is {c}. Is the {a} not {c}? ({n}) Perhaps; the {b} says so!\n"
    for n, (a, b, c) in enumerate(
        (a, b, c)
        for a in ("free", "good", "old", "strong")
        for b in ("spirit", "will", "truth", "morality", "soul")
        for c in ("deep", "noble", "a mask", "becoming", "ours")))


def run_cli(*args, env=None, timeout=600):
    """Run the real `tempera` command in a fresh process."""
    merged = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "tempera", *args], capture_output=True,
                          text=True, timeout=timeout, env=merged, cwd=ROOT)


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "small.txt"
    path.write_text(SMALL_TEXT, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="session")
def trained_run(small_corpus, tmp_path_factory):
    """Two epochs of a 2-layer LSTM(24) on the small corpus, trained by the real CLI."""
    run = str(tmp_path_factory.mktemp("runs") / "small")
    result = run_cli("train", "--corpus", small_corpus, "--run", run, "--units", "24",
                     "--layers", "2", "--seq-len", "40", "--batch", "16", "--epochs", "2",
                     "--verbose", "0")
    assert result.returncode == 0, result.stderr
    return run, result


@pytest.fixture(scope="session")
def small_bundle(trained_run, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("bundles") / "small")
    result = run_cli("export", trained_run[0], "--out", out)
    assert result.returncode == 0, result.stderr
    return out
