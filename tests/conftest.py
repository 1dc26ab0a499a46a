"""Shared fixtures: a small corpus, a real model trained on it, and its exported bundle."""

import os
import shutil
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# The shared names many test files import from here; they live in helpers.py (and harness/).
from harness import (CHROMIUM_ARGS, CLICK_DELAYS, HEAP_PROBE, free_port,  # noqa: E402,F401
                     launch_chromium, serving, wait_for_http)
from helpers import (ARTIFACTS, NIETZSCHE_COPIES, RARE_CHARS, SHIPPED_BUNDLE,  # noqa: E402,F401
                     SMALL_TEXT, nietzsche_copy, open_page, run_cli)


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


@pytest.fixture(scope="session")
def model_pages(browser, live_server):
    """model_pages(model, backend): one page of the live server each, opened when first asked
    for and kept for the session, so the files that generate on it share it."""
    opened = {}

    def get(model, backend):
        if (model, backend) not in opened:
            page = open_page(browser, f"{live_server}?backend={backend}&model={model}")
            assert page.text_content("[data-testid=error]") == ""
            assert page.evaluate("window.tempera.backend") == backend
            assert page.evaluate("window.tempera.model") == model
            opened[(model, backend)] = page
        return opened[(model, backend)]

    yield get
    for page in opened.values():
        page.close()
