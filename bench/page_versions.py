"""Generation through the page's Generate button: this checkout's page against an earlier one.

    .venv/bin/python bench/page_versions.py --against a2cb766 [--repeats 7] [--long 100000]

Builds the page of the git revision `--against` in a temporary worktree, publishes it and this
checkout's page with `tempera build-site` (the same shipped model), and in one Chromium runs
4 lanes x 2,000 characters on wasm with colours on through each page's Generate button,
alternating between them, so that a busy machine slows both alike. With --long N it also runs
N characters x 4 lanes once on each and reads the JS heap, after collection, before and after.
The views that read the model only when asked ("Inside the model", the saliency) stay closed,
as on a page nobody has opened them on.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

from playwright.sync_api import sync_playwright

from browser import HEAP_PROBE, PAGE_RUN, set_page

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from harness import launch_chromium, serving_static  # noqa: E402


def built_page(revision: str, scratch: str) -> str:
    """frontend/dist of `revision`, built in a worktree that shares this checkout's node_modules."""
    tree = os.path.join(scratch, "tree")
    subprocess.run(["git", "worktree", "add", "--detach", tree, revision], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.symlink(os.path.join(ROOT, "node_modules"), os.path.join(tree, "node_modules"))
    subprocess.run(["node", "frontend/build.mjs"], cwd=tree, check=True, stdout=subprocess.DEVNULL)
    return os.path.join(tree, "frontend", "dist")


def site(static: str, out: str) -> str:
    subprocess.run([sys.executable, "-m", "tempera", "build-site", "--out", out, "--static", static],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return out


def open_page(browser, url):
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.goto(f"{url}?backend=wasm&t=0.2,0.5,1.0,1.2")
    page.evaluate("window.tempera.ready")
    set_page(page, 2000, True)
    page.evaluate(PAGE_RUN)  # warm-up
    return page


def long_run(page, length):
    set_page(page, length, True)
    before = page.evaluate(HEAP_PROBE)
    page.click("[data-testid=generate]")
    page.wait_for_function("() => !document.querySelector('[data-testid=generate]').disabled",
                           timeout=1_800_000)
    return before, page.evaluate(HEAP_PROBE)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="the earlier git revision")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--long", type=int, default=0, help="characters per lane of a long run")
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="tempera-page-versions-")
    try:
        sites = {"earlier": site(built_page(args.against, scratch), os.path.join(scratch, "earlier")),
                 "now": site(os.path.join(ROOT, "frontend", "dist"), os.path.join(scratch, "now"))}
        with serving_static(sites["earlier"]) as earlier_url, serving_static(sites["now"]) as now_url:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                pages = {"earlier": open_page(browser, earlier_url), "now": open_page(browser, now_url)}
                rates = {name: [] for name in pages}
                for _ in range(args.repeats):
                    for name, page in pages.items():
                        rates[name].append(page.evaluate(PAGE_RUN))
                heaps = {name: long_run(page, args.long) for name, page in pages.items()} if args.long else {}
                browser.close()
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", os.path.join(scratch, "tree")], cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"The page's Generate button, wasm, 4 lanes x 2,000 characters, colours on, "
          f"{args.repeats} alternating runs each (earlier: {args.against})\n")
    print("| page | steps/s (median) | all runs |")
    print("|---|---|---|")
    for name, runs in rates.items():
        print(f"| {name} | {statistics.median(runs):,.0f} | {', '.join(f'{r:,}' for r in runs)} |")
    ratio = statistics.median(rates["now"]) / statistics.median(rates["earlier"])
    print(f"\nNow / earlier: {ratio:.0%} (goal >= 95 %)")
    if heaps:
        print(f"\n{args.long:,} characters x 4 lanes, JS heap after collection (MB):\n")
        print("| page | before | after |")
        print("|---|---|---|")
        for name, (before, after) in heaps.items():
            print(f"| {name} | {before / 1e6:.1f} | {after / 1e6:.1f} |")


if __name__ == "__main__":
    main()
