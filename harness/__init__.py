"""What the tests and the benchmarks share: a real `tempera serve`, a real Chromium, probes.

    from harness import launch_chromium, serving, HEAP_PROBE, CLICK_DELAYS
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Headless Chromium as root in a container: no sandbox, no calls home; WebGL through
# SwiftShader where there is no GPU; window.gc() so the heap can be measured after collection.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                 "--js-flags=--expose-gc"]

# The JS heap after two full collections: one alone leaves several MB to chance.
HEAP_PROBE = "() => { window.gc(); window.gc(); return performance.memory.usedJSHeapSize; }"

with open(os.path.join(ROOT, "harness", "click_delays.js"), encoding="utf-8") as _probe:
    CLICK_DELAYS = _probe.read()  # (count) => sorted ms each click waited while generating


def launch_chromium(playwright):
    """Debian's Chromium where installed, else Playwright's own browser."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)


@contextmanager
def _running(command: list, url: str, ready_path: str, quiet: bool):
    output = subprocess.DEVNULL if quiet else None
    process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=output)
    try:
        wait_for_http(url + ready_path)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def serving(models_dir: str | None = None, quiet: bool = False, static: str | None = None):
    """`tempera serve` on a free loopback port (the shipped models by default, the built page
    or `static`); a context manager that yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "tempera", "serve", "--port", str(port)]
    if models_dir:
        command += ["--models", str(models_dir)]
    if static:
        command += ["--static", str(static)]
    return _running(command, f"http://127.0.0.1:{port}/", "api/models", quiet)


def serving_static(folder: str, quiet: bool = True):
    """A plain static file server over `folder`, as a `build-site` folder is published."""
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
               "--directory", str(folder)]
    return _running(command, f"http://127.0.0.1:{port}/", "", quiet)


def serving_static_with_headers(folder: str, quiet: bool = True):
    """A static file server over `folder` that sends its `_headers` file's headers, as the
    hosts that read that file do."""
    port = free_port()
    command = [sys.executable, os.path.join(ROOT, "harness", "static_with_headers.py"), str(port),
               str(folder)]
    return _running(command, f"http://127.0.0.1:{port}/", "", quiet)
