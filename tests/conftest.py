"""Shared fixtures: a small corpus, a real model trained on it, and its exported bundle."""

import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from harness import (CHROMIUM_ARGS, CLICK_DELAYS, HEAP_PROBE, free_port,  # noqa: E402,F401
                     launch_chromium, serving, wait_for_http)
# Where a copy of the Nietzsche corpus may be: a path given in the environment, the team's
# shared folder beside the checkout, and Keras's download cache. None is needed by any test.
NIETZSCHE_COPIES = [os.environ.get("TEMPERA_NIETZSCHE", ""),
                    os.path.join(os.path.dirname(ROOT), "shared", "corpora", "nietzsche.txt"),
                    os.path.join(os.path.expanduser("~"), ".keras", "datasets", "nietzsche.txt")]
SHIPPED_BUNDLE = os.path.join(ROOT, "models", "nietzsche")

# Characters far from ASCII: an emoji (outside the BMP: two UTF-16 units, one character),
# CJK, a combining acute accent (U+0301) and a right-to-left mark (U+200F).
RARE_CHARS = "😀永劫回帰\u0301\u200f"

# A little text with real structure, so a tiny LSTM learns something in two epochs; every
# tenth line carries the rare characters, which must survive training, export and the page.
SMALL_TEXT = "".join(
    f"The {a} {b} is {c}. Is the {a} not {c}? ({n}) Perhaps; the {b} says so!\n"
    + (f"Cafe\u0301 😀 永劫回帰 \u200fsays the {a} {b}.\n" if n % 10 == 0 else "")
    for n, (a, b, c) in enumerate(
        (a, b, c)
        for a in ("free", "good", "old", "strong")
        for b in ("spirit", "will", "truth", "morality", "soul")
        for c in ("deep", "noble", "a mask", "becoming", "ours")))


def nietzsche_copy():
    """The first copy of the Nietzsche corpus found, or None."""
    return next((path for path in NIETZSCHE_COPIES if path and os.path.isfile(path)), None)


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


# ---- the real server and a real Chromium ---------------------------------------------------
ARTIFACTS = os.path.join(ROOT, "test-artifacts")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def models_dir(small_bundle, tmp_path_factory):
    """A models folder holding the shipped Nietzsche bundle and the small test bundle."""
    folder = tmp_path_factory.mktemp("models")
    shutil.copytree(SHIPPED_BUNDLE, folder / "nietzsche")
    shutil.copytree(small_bundle, folder / "small")
    return str(folder)


@pytest.fixture(scope="session")
def live_server(models_dir):
    """`tempera serve` for real: waitress on a free loopback port."""
    with serving(models_dir, quiet=True) as url:
        yield url


def open_page(browser, url: str):
    """A new page at `url`, waiting until window.tempera.ready has settled."""
    page = browser.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(url)
    page.wait_for_function("() => window.tempera !== undefined")
    page.evaluate("window.tempera.ready.then(() => true, () => false)")
    return page
