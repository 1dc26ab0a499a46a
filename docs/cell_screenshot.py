"""docs/cell-view.png: the page's cell view showing the shipped model's section-number cell, found
by the cell finder, and what the finder ranked for each pattern on the same text.

Run by hand after a change to the cell view (it is not a test):

    .venv/bin/python docs/cell_screenshot.py            # serves the shipped model itself
    .venv/bin/python docs/cell_screenshot.py --url http://127.0.0.1:5000/

The text is a passage of Nietzsche's "Human, All Too Human" (sections 112 and 113) from the last
tenth of the shipped model's corpus, the part held out from its training.
"""

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from harness import launch_chromium  # noqa: E402
from screenshots import serve, shrink  # noqa: E402  (docs/screenshots.py, beside this script)

TEXT = (
    " Dionysos and in the\nChristian Easter festivals and religious mysteries. But we still\n"
    "perceive the sublime in connection with the ridiculous, and the like,\nthe emotional with the "
    "absurd. Perhaps a later age will be unable to\nunderstand even these combinations.\n\n\n113\n\n"
    "=Christianity as Antiquity.=--When on a Sunday morning we hear the old\nbells ringing, we ask "
    "ourselves: Is it possible? All this for a Jew\ncrucified two thousand years ago who said he was "
    "God's son? The proof of\nsuch an assertion is"
)
PATTERNS = ["digits", "quotes", "parentheses", "line", "word", "space", "vowels"]


def shoot(browser, url: str, out: str) -> None:
    page = browser.new_context(viewport={"width": 760, "height": 1200}, color_scheme="light").new_page()
    page.goto(f"{url}?model=nietzsche&backend=wasm")
    page.wait_for_function("() => window.tempera !== undefined")
    page.evaluate("window.tempera.ready")
    page.fill("[data-testid=score-input]", TEXT)
    page.click("[data-testid=cell-run]")
    page.wait_for_selector("[data-testid=cell-view]:not([hidden])", timeout=120000)
    for pattern in PATTERNS:
        page.select_option("[data-testid=cell-pattern]", pattern)
        page.click("[data-testid=cell-find]")
        best = page.eval_on_selector_all("[data-testid=cell-finder] li", """(items) => items.slice(0, 3).map((e) =>
          `layer ${Number(e.dataset.layer) + 1} unit ${e.dataset.unit} r=${Number(e.dataset.correlation).toFixed(3)}`)""")
        print(f"{pattern:12} {', '.join(best) or page.text_content('#cell-finder-status')}")
    page.select_option("[data-testid=cell-pattern]", "digits")
    page.click("[data-testid=cell-find]")
    page.click("[data-testid=cell-finder] li:first-child button")
    number = page.evaluate("() => [...document.querySelectorAll('[data-testid=cell-char]')]"
                           ".findIndex((e) => /\\d/.test(e.textContent))")
    page.hover(f"[data-testid=cell-char][data-index='{number + 1}']")  # the readout names a digit
    print(page.text_content("#cell-caption"))
    page.locator("[data-testid=cell-view]").screenshot(path=out)
    shrink(out)
    print(f"wrote {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running tempera serve (default: start one)")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "cell-view.png"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    process, url = (None, args.url) if args.url else serve()
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            shoot(browser, url, args.out)
            browser.close()
    finally:
        if process:
            process.terminate()


if __name__ == "__main__":
    main()
