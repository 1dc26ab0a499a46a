"""The page's default path on a busy machine: `tempera serve` against one WASM thread.

    .venv/bin/python bench/busy_machine.py [--repeats 9] [--busy 0 1 2] [--also '?threads=2']

The page as `tempera serve` sends it (cross-origin isolated, the address says nothing: the
page's own choice of backend and threads) against the same site built by `tempera build-site`
and served by `python -m http.server` (no isolation headers: TensorFlow.js's single-threaded
WASM), with 0, 1 and 2 other busy processes (`python -c 'while True: pass'`) beside them. Each
measure: `window.tempera.generate`, 4 lanes (T = 0.2, 0.5, 1.0, 1.2), 1,500 characters, records
off, steps/s (characters per lane per second). A second copy of the static page (its address
only repeats the default length) is the control: on a shared machine two identical pages drift
apart, and how far they do in this run is the noise any other ratio has to be read against. The
pages take turns, run after run (the order rotates, so each page runs in each place equally
often), and the table gives each page's median, the ratio of the medians and the median of the
ratios of the runs taken back to back, all from this one run. `--also QUERY` adds the served
page with that address query (`'?threads=2'`: what asking for threads costs). The load average
before each level is printed: a level whose load is far above its busy processes was disturbed
by other work, and is worth running again.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

from playwright.sync_api import sync_playwright

from browser import build_site

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from harness import launch_chromium, serving, serving_static  # noqa: E402

LENGTH = 1500
TIMED_RUN = """async ([length, rngSeed]) => {
  const started = performance.now();
  await window.tempera.generate({ seedText: 'the free spirit is not the slave of its own will, ',
    temperatures: [0.2, 0.5, 1.0, 1.2], length, rngSeed, mode: 'stateful', records: false });
  return length / ((performance.now() - started) / 1000);
}"""


def busy_processes(count):
    """`count` processes that each keep a core busy until terminated."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def open_pages(browser, urls):
    pages = {}
    for name, url in urls.items():
        page = browser.new_page()
        page.goto(url)
        page.evaluate("window.tempera.ready")
        choice = page.evaluate("window.tempera.backendChoice")
        pages[name] = (page, f"{choice['name']}, {choice['threads']} thread{'s' if choice['threads'] != 1 else ''}"
                       if choice["threads"] else choice["name"])
    return pages


def measure_level(pages, busy, repeats):
    """{page: [steps/s, ...]} with `busy` busy processes running, the pages in turn."""
    workers = busy_processes(busy)
    try:
        time.sleep(1)
        for page, _ in pages.values():
            page.evaluate(TIMED_RUN, [200, 0])  # warm-up under this load
        rates = {name: [] for name in pages}
        for repeat in range(repeats):
            turn = list(pages.items())
            shift = repeat % len(turn)
            for name, (page, _) in turn[shift:] + turn[:shift]:
                rates[name].append(page.evaluate(TIMED_RUN, [LENGTH, repeat + 1]))
        return rates
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--busy", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--also", action="append", default=[], metavar="QUERY",
                        help="also measure the served page with this query, e.g. '?threads=2'")
    args = parser.parse_args()
    site = build_site()
    results, loads = {}, {}
    with serving(quiet=True) as served, serving_static(site) as static, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        urls = {"served": served, "static": static, "static again": f"{static}?len=400"}
        for query in args.also:
            urls[f"served {query}"] = served + query
        pages = open_pages(browser, urls)
        for busy in args.busy:
            loads[busy] = os.getloadavg()
            results[busy] = measure_level(pages, busy, args.repeats)
        browser.close()

    cores = os.cpu_count()
    print(f"4 lanes x {LENGTH:,} characters, records off, stateful, {args.repeats} interleaved runs "
          f"per page and level, medians; {cores} cores. Pages: "
          + "; ".join(f"{name}: {label}" for name, (_page, label) in pages.items()) + "\n")
    extra = [name for name in pages if name not in ("served", "static")]  # the control first
    print("| busy processes | load before (1 min) | served, default (steps/s) | static, one thread "
          "(steps/s) | served / static, medians | served / static, run by run (median) |"
          + "".join(f" {name} (steps/s) | {name} / static |" for name in extra))
    print("|---|---|---|---|---|---|" + "---|---|" * len(extra))
    for busy, rates in results.items():
        medians = {name: statistics.median(values) for name, values in rates.items()}
        ratio = medians["served"] / medians["static"]
        paired = statistics.median(a / b for a, b in zip(rates["served"], rates["static"]))
        print(f"| {busy} | {loads[busy][0]:.2f} | {medians['served']:,.0f} | {medians['static']:,.0f} | "
              f"{ratio:.0%} ({'meets' if ratio >= 0.9 else 'below'} the 90 % goal) | {paired:.0%} |"
              + "".join(f" {medians[name]:,.0f} | {medians[name] / medians['static']:.0%} |" for name in extra))
    print(f"\nLoad after: {os.getloadavg()[0]:.2f}. Every run (steps/s):\n")
    for busy, rates in results.items():
        for name, values in rates.items():
            print(f"- {busy} busy, {name}: {', '.join(f'{v:,.0f}' for v in values)}")


if __name__ == "__main__":
    main()
