"""A first visit over a slow link: time to the first generated character, and bytes moved.

    .venv/bin/python bench/cold_start.py [--models DIR ...] [--repeats 3]

Each case serves the page with `tempera serve` on loopback and loads it in a fresh Chromium
context (empty cache) over an emulated 10 Mbit/s link with 40 ms latency (Chromium's network
emulation, through the DevTools protocol), then presses Generate. "Page files as they are" serves
a copy of the built page without its .br/.gz siblings, as before `tempera serve` sent them.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile

from playwright.sync_api import sync_playwright

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from harness import launch_chromium, serving  # noqa: E402

LINK = {"offline": False, "latency": 40, "downloadThroughput": 10e6 / 8, "uploadThroughput": 10e6 / 8}

FIRST_CHAR = """async () => {
  await window.tempera.ready;
  const ready = performance.now();
  document.querySelector('[data-testid=generate]').click();
  await new Promise((resolve) => {
    const check = () => (document.querySelector('[data-testid=lane-text]').textContent.length > 0
      ? resolve() : requestAnimationFrame(check));
    check();
  });
  const shown = performance.now();
  document.querySelector('[data-testid=stop]').click();
  return { ready, firstChar: shown, backend: window.tempera.backend };
}"""


def uncompressed_copy(dist: str, into: str) -> str:
    shutil.copytree(dist, into, ignore=shutil.ignore_patterns("*.br", "*.gz", "*.map"))
    return into


def visit(browser, url: str) -> dict:
    context = browser.new_context()
    page = context.new_page()
    session = context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.emulateNetworkConditions", LINK)
    moved = []
    session.on("Network.loadingFinished", lambda event: moved.append(event["encodedDataLength"]))
    page.goto(url)
    timing = page.evaluate(FIRST_CHAR)
    context.close()
    return {**timing, "bytes": sum(moved)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=[os.path.join(ROOT, "models")],
                        help="models folders to compare (each served on its own)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    dist = os.path.join(ROOT, "frontend", "dist")
    rows = []
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        plain = uncompressed_copy(dist, os.path.join(scratch, "plain"))
        for models in args.models:
            for label, static in (("page files as they are", plain), ("compressed (br/gzip)", dist)):
                with serving(models_dir=models, quiet=True, static=static) as url:
                    visits = [visit(browser, f"{url}?len=50") for _ in range(args.repeats)]
                rows.append((models, label, visits))
        browser.close()
    print(f"First visit over {LINK['downloadThroughput'] * 8 / 1e6:.0f} Mbit/s, {LINK['latency']} ms "
          f"latency, empty cache, median of {args.repeats}\n")
    print("| models | page files | ready (ms) | first character (ms) | bytes moved | backend |")
    print("|---|---|---|---|---|---|")
    for models, label, visits in rows:
        print(f"| {os.path.relpath(models, ROOT)} | {label} | {statistics.median(v['ready'] for v in visits):,.0f} | "
              f"{statistics.median(v['firstChar'] for v in visits):,.0f} | "
              f"{statistics.median(v['bytes'] for v in visits):,.0f} | {visits[0]['backend']} |")


if __name__ == "__main__":
    main()
