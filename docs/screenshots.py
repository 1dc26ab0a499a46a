"""The page's screenshot set, docs/screenshots/*.png, taken from a live `tempera serve` in a real
Chromium: a desktop (1280×900), a phone (390×844) and both in dark colours; at first load,
during a run, after it, with the inspector open, with a lane's filters, with the temperature
slider and with a scored text.

Run by hand after a change to the page (it is not a test):

    .venv/bin/python docs/screenshots.py            # serves the shipped model itself
    .venv/bin/python docs/screenshots.py --url http://127.0.0.1:5000/

The PNGs are reduced to a 256-colour palette when Pillow is installed, to keep them small.
"""

import argparse
import os
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from harness import free_port, launch_chromium  # noqa: E402

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
RUN = "model=nietzsche&backend=wasm&t=0.2,0.5,1,1.5&rng=7"
SCORED = ("the free spirit is not the slave of his own virtues; he knows that every morality is "
          "a kind of tyranny against nature and against reason.")
DONE = """(n) => !document.querySelector('[data-testid=generate]').disabled
  && [...document.querySelectorAll('[data-testid=lane-text]')].every((t) => t.textContent.length === n)"""
FIRST_VISIBLE = """([lane, from]) => {
  const spans = document.querySelectorAll('[data-testid=lane]')[lane].querySelectorAll('[data-step]');
  for (const span of spans) if (Number(span.dataset.step) >= from && span.textContent.trim() !== '') return Number(span.dataset.step);
  return null;
}"""


def serve() -> tuple:
    """`tempera serve` of the shipped model on a free port: (process, url), once it answers."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tempera", "serve", "--port", str(port)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 180
    while True:
        try:
            urllib.request.urlopen(url + "api/models", timeout=5).read()
            return process, url
        except OSError:
            if time.time() > deadline or process.poll() is not None:
                process.terminate()
                raise SystemExit(f"tempera serve did not answer at {url}") from None
            time.sleep(0.5)


def shrink(path: str) -> None:
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


class Shooter:
    def __init__(self, browser, url, out):
        self.browser, self.url, self.out = browser, url, out
        self.taken = []

    def open(self, viewport, scheme, query):
        context = self.browser.new_context(viewport=viewport, color_scheme=scheme)
        page = context.new_page()
        page.goto(f"{self.url}?{query}")
        page.wait_for_function("() => window.tempera !== undefined")
        page.evaluate("window.tempera.ready")
        page.wait_for_function("() => !document.querySelector('[data-testid=first-step-chart] table').hidden",
                               timeout=60000)
        return page

    def shot(self, page, name):
        path = os.path.join(self.out, f"{name}.png")
        page.wait_for_timeout(150)
        page.screenshot(path=path)
        shrink(path)
        self.taken.append(path)
        print(f"{path}: {os.path.getsize(path) // 1024} KB")

    def pin(self, page, lane, from_step):
        step = page.evaluate(FIRST_VISIBLE, [lane, from_step])
        page.click(f"[data-testid=lane]:nth-child({lane + 1}) [data-testid=lane-text] [data-step='{step}']")

    def close_inspector(self, page):
        if page.is_visible("[data-testid=inspector-close]"):
            page.click("[data-testid=inspector-close]")
        page.mouse.move(1, 1)  # a pointer left over the text would open the inspector again

    def top(self, page):
        page.evaluate("window.scrollTo(0, 0)")

    def show(self, page, selector, block="start"):
        page.mouse.move(1, 1)  # off the text: a pointer resting on it would open the inspector
        page.evaluate("([s, block]) => document.querySelector(s).scrollIntoView({ block })", [selector, block])

    def generate(self, page, length, *, during=None):
        if during:  # a long run, caught as it streams and stopped
            page.fill("[data-testid=length]", "5000")
            page.click("[data-testid=generate]")
            page.wait_for_function("() => document.querySelector('[data-testid=lane-text]').textContent.length > 120")
            self.shot(page, during)
            page.click("[data-testid=stop]")
            page.wait_for_function("() => !document.querySelector('[data-testid=generate]').disabled")
            page.fill("[data-testid=length]", str(length))
        page.click("[data-testid=generate]")
        page.mouse.move(1, 1)
        page.wait_for_function(DONE, arg=length, timeout=180000)

    def score(self, page):
        page.fill("[data-testid=score-input]", SCORED)
        page.click("[data-testid=score-run]")
        page.wait_for_function("() => document.querySelector('[data-testid=score-bits-per-char]').dataset.value")
        self.show(page, "#score")

    def desktop(self, scheme="light", prefix="desktop"):
        length = 400
        page = self.open(DESKTOP, scheme, f"{RUN}&len={length}")
        if scheme == "light":
            self.shot(page, f"{prefix}-1-first-load")
            self.generate(page, length, during=f"{prefix}-2-during-run")
            self.shot(page, f"{prefix}-3-after-run")
        else:
            self.generate(page, length)
            self.shot(page, f"{prefix}-3-after-run")
        self.pin(page, 1, 60)
        self.shot(page, f"{prefix}-4-inspector")
        self.close_inspector(page)
        if scheme == "light":
            self.show(page, "[data-testid=first-step-chart]")
            page.fill("[data-testid=temperature-slider]", "1.5")
            self.shot(page, f"{prefix}-5-temperature")
            self.score(page)
            self.shot(page, f"{prefix}-6-score")
        page.context.close()

    def filters(self, viewport, prefix):
        length = 200
        page = self.open(viewport, "light", f"{RUN}&len={length}&k=0,0,5,0&p=1,0.9,1,1&minp=0,0,0,0.1")
        self.generate(page, length)
        for details in page.locator("[data-testid=lane-filters]:not([open]) summary").all():
            details.click()
        self.pin(page, 3, 20)
        self.shot(page, f"{prefix}-7-filters")
        page.context.close()

    def phone(self, scheme="light", prefix="phone"):
        length = 200
        page = self.open(PHONE, scheme, f"{RUN}&len={length}")
        if scheme == "light":
            self.shot(page, f"{prefix}-1-first-load")
            self.show(page, "[data-testid=status]")
            self.generate(page, length, during=f"{prefix}-2-during-run")
            self.show(page, "[data-testid=lanes]")
            self.shot(page, f"{prefix}-3-after-run")
        else:
            self.generate(page, length)
        self.show(page, "[data-testid=lanes]")
        self.pin(page, 0, 30)
        self.shot(page, f"{prefix}-4-inspector")
        self.close_inspector(page)
        if scheme == "light":
            self.show(page, "[data-testid=first-step-chart]")
            page.fill("[data-testid=temperature-slider]", "0.3")
            self.shot(page, f"{prefix}-5-temperature")
            self.score(page)
            self.show(page, "[data-testid=score-bits-per-char]")
            self.shot(page, f"{prefix}-6-score")
        page.context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running tempera serve (default: start one for the shipped model)")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "screenshots"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    from playwright.sync_api import sync_playwright

    process, url = (None, args.url) if args.url else serve()
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            shooter = Shooter(browser, url.rstrip("/") + "/", args.out)
            shooter.desktop()
            shooter.filters(DESKTOP, "desktop")
            shooter.phone()
            shooter.desktop("dark", "dark-desktop")
            shooter.phone("dark", "dark-phone")
            browser.close()
    finally:
        if process:
            process.terminate()
            process.wait(timeout=10)
    print(f"{len(shooter.taken)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
