"""`make dist` builds a wheel that works anywhere: a fresh venv, another folder, no Node."""

import glob
import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, free_port, open_page, wait_for_http

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel installed into a fresh venv; returns (venv bin folder, an unrelated folder)."""
    built = subprocess.run(["make", "dist", f"PYTHON={sys.executable}"], cwd=ROOT,
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    wheel, = glob.glob(os.path.join(ROOT, "dist", "tempera-*.whl"))
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                          "--disable-pip-version-check", wheel], capture_output=True, text=True,
                         timeout=600)
    assert pip.returncode == 0, pip.stderr
    return venv / "bin", tmp_path_factory.mktemp("elsewhere")


def no_node_env(bin_dir) -> dict:
    """Only the venv on PATH: no node, npm or checkout within reach."""
    return {"PATH": str(bin_dir), "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}


def test_the_installed_command_samples_the_shipped_model(installed):
    bin_dir, elsewhere = installed
    result = subprocess.run([str(bin_dir / "tempera"), "sample", "nietzsche", "--seed-text",
                             "the will", "--length", "50", "--rng-seed", "4", "--json"],
                            cwd=elsewhere, env=no_node_env(bin_dir), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lanes = json.loads(result.stdout)["lanes"]
    assert len(lanes) == 4 and all(len(lane["text"]) == 50 for lane in lanes)


@pytest.mark.parametrize("command", [["train", "--corpus", "x.txt"], ["export", "run", "--out", "b"]])
def test_training_commands_name_the_extra_to_install(installed, command):
    bin_dir, elsewhere = installed
    result = subprocess.run([str(bin_dir / "tempera"), *command], cwd=elsewhere,
                            env=no_node_env(bin_dir), capture_output=True, text=True, timeout=120)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert "pip install 'tempera[train]'" in lines[0]


def test_the_installed_server_serves_a_page_that_generates(installed, browser):
    bin_dir, elsewhere = installed
    port = free_port()
    server = subprocess.Popen([str(bin_dir / "tempera"), "serve", "--port", str(port)],
                              cwd=elsewhere, env=no_node_env(bin_dir), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for_http(url + "api/models")
        page = open_page(browser, url + "?backend=wasm")
        got = page.evaluate("(o) => window.tempera.generate(o)", {
            "seedText": "the will", "temperatures": [0.5, 1.0], "length": 40, "rngSeed": 4,
            "mode": "stateful"})
        assert [len(lane["text"]) for lane in got["lanes"]] == [40, 40]
        assert page.text_content("[data-testid=error]") == "" and not page.errors
        page.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
