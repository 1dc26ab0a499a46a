"""Keeping, sharing and comparing lanes in a real Chromium, in one page: Ctrl+Enter generates
from the seed's box and Escape stops; a lane's text and the run's link land in the clipboard;
the run downloads as the JSON window.tempera.generate gives; each lane's histogram counts its
own ranks; the lanes show their start after a run and scroll together; on a phone two lanes
stay side by side, axe-clean in dark mode. The logic behind them runs under Node in
test_js_keep_and_compare.py."""

import json

import pytest

from harness import serving
from test_accessibility import AXE, RUN_AXE

# axe over this test's part of the page (the whole page is test_accessibility.py's).
RUN_AXE_ON_LANES = RUN_AXE.replace("window.axe.run(document)",
                                   "window.axe.run({ include: [['.lanes-bar'], ['#lanes']] })")
assert RUN_AXE_ON_LANES != RUN_AXE

pytestmark = [pytest.mark.browser]

SETTINGS = dict(seedText="the meaning of life is", temperatures=[0.2, 0.5, 1, 1.5], rngSeed=7, mode="stateful")
LENGTH = 500
ADDRESS = "?backend=wasm&model=nietzsche&len=50000&t=0.2,0.5,1,1.5&rng=7"

# The step of the first character at the top of each lane's text, as it shows.
TOP_STEPS = """() => [...document.querySelectorAll('[data-testid=lane] .lane-scroll')].map((scroller) => {
  const top = scroller.getBoundingClientRect().top;
  const first = [...scroller.querySelectorAll('[data-step]')].find((e) => e.getBoundingClientRect().bottom > top + 2);
  return first ? Number(first.dataset.step) : null;
})"""
SCROLL_TOPS = "() => [...document.querySelectorAll('[data-testid=lane] .lane-scroll')].map((e) => e.scrollTop)"
MAX_SCROLL_TOPS = """() => [...document.querySelectorAll('[data-testid=lane] .lane-scroll')]
  .map((e) => e.scrollHeight - e.clientHeight)"""
STOPPED = "() => document.querySelector('[data-testid=stop]').disabled"


@pytest.fixture(scope="module")
def shipped_server():
    with serving(quiet=True) as url:
        yield url


def rank_counts(steps):
    counts = [0, 0, 0, 0]
    for step in steps:
        counts[next(i for i, up_to in enumerate((1, 3, 10, float("inf"))) if step["rank"] <= up_to)] += 1
    return counts


def test_keep_share_and_compare(browser, shipped_server):
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=shipped_server.rstrip("/"))
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(shipped_server + ADDRESS)
    page.wait_for_function("() => window.tempera !== undefined")
    page.evaluate("window.tempera.ready")
    page.wait_for_function("() => !document.querySelector('[data-testid=generate]').disabled")
    assert page.get_attribute("[data-testid=generate]", "aria-keyshortcuts") == "Control+Enter Meta+Enter"
    assert page.get_attribute("[data-testid=stop]", "aria-keyshortcuts") == "Escape"
    assert page.is_disabled("[data-testid=download-run]") and page.is_disabled("[data-testid=copy-link]")
    assert json.loads(page.get_attribute("[data-testid=rank-histogram] >> nth=0", "data-counts")) == [0, 0, 0, 0]

    # Ctrl+Enter in the seed's box starts a long run, Escape stops it
    page.focus("[data-testid=seed-input]")
    page.keyboard.press("Control+Enter")
    page.wait_for_function("() => document.querySelector('[data-testid=lane-text]').textContent.length > 20")
    page.keyboard.press("Escape")
    page.wait_for_function(STOPPED)
    stopped_at = len(page.text_content("[data-testid=lane-text] >> nth=0"))
    assert 20 < stopped_at < 50000
    assert page.input_value("[data-testid=seed-input]") == SETTINGS["seedText"]  # no line break typed

    # a short run, from the keyboard too; the histograms stand from the start
    heights = page.evaluate("() => [...document.querySelectorAll('[data-testid=rank-histogram]')].map((e) => e.offsetHeight)")
    page.fill("[data-testid=length]", str(LENGTH))
    page.keyboard.press("Control+Enter")
    page.wait_for_function(f"""() => document.querySelector('[data-testid=stop]').disabled
        && document.querySelector('[data-testid=lane-text]').textContent.length === {LENGTH}""")
    assert page.evaluate("() => [...document.querySelectorAll('[data-testid=rank-histogram]')].map((e) => e.offsetHeight)") == heights
    assert page.evaluate(SCROLL_TOPS) == [0, 0, 0, 0]  # every lane shows its start after a run

    expected = page.evaluate("(settings) => window.tempera.generate(settings)", {**SETTINGS, "length": LENGTH})
    counts = [json.loads(c) for c in page.eval_on_selector_all(
        "[data-testid=rank-histogram]", "(all) => all.map((e) => e.dataset.counts)")]
    assert counts == [rank_counts(lane["steps"]) for lane in expected["lanes"]]
    label = page.get_attribute("[data-testid=rank-histogram] >> nth=0", "aria-label")
    assert label.startswith(f"Ranks of lane 1's characters: first choice {counts[0][0]} (")

    # the download is the run as window.tempera.generate gives it
    with page.expect_download() as download:
        page.click("[data-testid=download-run]")
    assert download.value.suggested_filename == "tempera-nietzsche-rng7.json"
    with open(download.value.path(), encoding="utf-8") as handle:
        document = json.load(handle)
    assert {k: document[k] for k in ("seed_text", "rng_seed", "mode")} == {
        "seed_text": SETTINGS["seedText"], "rng_seed": 7, "mode": "stateful"}
    assert document["lanes"] == expected["lanes"]

    # a lane's text and the run's link land in the clipboard, and the page says so
    page.click("[data-testid=copy-lane] >> nth=1")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == SETTINGS["seedText"] + expected["lanes"][1]["text"]
    assert "Lane 2's text copied" in page.text_content("[data-testid=keep-status]")
    assert "done" in page.get_attribute("[data-testid=copy-lane] >> nth=1", "class")
    page.click("[data-testid=copy-link]")
    link = page.evaluate("navigator.clipboard.readText()")
    assert link == page.url and f"len={LENGTH}" in link and "rng=7" in link
    assert "Link to this run copied" in page.text_content("[data-testid=keep-status]")

    # scrolling one lane scrolls the others to the same character
    box = page.locator("[data-testid=lane] .lane-scroll >> nth=3").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, 120)
    page.wait_for_function(f"() => ({SCROLL_TOPS})().every((top) => top > 0)")
    tops = page.evaluate(SCROLL_TOPS)
    assert all(top < most - 1 for top, most in zip(tops, page.evaluate(MAX_SCROLL_TOPS))), tops  # none at its end
    page.wait_for_timeout(100)
    steps = page.evaluate(TOP_STEPS)
    assert max(steps) - min(steps) <= 45, steps  # within a line
    # and not when turned off
    page.uncheck("[data-testid=scroll-together]")
    before = page.evaluate(SCROLL_TOPS)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, 60)
    page.wait_for_function(f"() => ({SCROLL_TOPS})()[3] > {before[3]}")
    page.wait_for_timeout(100)
    assert page.evaluate(SCROLL_TOPS)[:3] == before[:3]

    # a phone keeps two lanes side by side, axe-clean in dark mode
    page.set_viewport_size({"width": 390, "height": 844})
    page.emulate_media(color_scheme="dark")
    boxes = [page.locator("[data-testid=lane]").nth(i).bounding_box() for i in range(2)]
    assert boxes[0]["y"] == boxes[1]["y"] and boxes[1]["x"] > boxes[0]["x"] + boxes[0]["width"] - 1
    assert boxes[1]["x"] + boxes[1]["width"] <= 390
    assert page.evaluate("() => document.documentElement.scrollWidth - innerWidth") <= 1  # the others a swipe away
    with open(AXE, encoding="utf-8") as handle:
        violations = page.evaluate(RUN_AXE_ON_LANES, handle.read())
    context.close()
    assert violations == [], violations
    assert errors == []
