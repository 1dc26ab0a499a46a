"""Likelihood on the page, as a person uses it, in a real Chromium: the rank colours, the
toggle, the inspector by pointer and keyboard, the first-step chart, the lane statistics, the
score view, a long run that keeps the page small, and a phone-sized screen.

Fidelity of the numbers against the NumPy reference is in test_likelihood_page.py; these tests
hold the page's behaviour, with cross-checks against window.tempera where it is cheap."""

import os

import numpy as np
import pytest

from tempera.bundle import load_bundle
from tempera.sampling import reweight

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BUCKETS = ["rank-1", "rank-2-3", "rank-4-10", "rank-over-10"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SEED = "the meaning of life is"
TRANSPARENT = "rgba(0, 0, 0, 0)"


def bucket(rank: int) -> str:
    return BUCKETS[0 if rank == 1 else 1 if rank <= 3 else 2 if rank <= 10 else 3]


def open_at(browser, live_server, query, viewport=DESKTOP):
    """A page in its own context (so a viewport of its own) at `?model=nietzsche&backend=wasm&`
    + query, once window.tempera.ready has settled."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(f"{live_server}?model=nietzsche&backend=wasm&{query}")
    page.wait_for_function("() => window.tempera !== undefined")
    assert page.evaluate("window.tempera.ready.then(() => true, () => false)")
    return page


def close(page):
    errors = page.errors
    page.context.close()
    assert not errors, errors


def generate(page, timeout=60000):
    """Presses Generate and waits until the run is done."""
    page.click("[data-testid=generate]")
    page.wait_for_function("""() => !document.querySelector('[data-testid=generate]').disabled
        && document.querySelector('[data-testid=status]').textContent.startsWith('Done')""",
                           timeout=timeout)


def lane_texts(page):
    return page.locator("[data-testid=lane-text]").all_text_contents()


def inspector(page):
    return page.evaluate("() => ({...document.querySelector('[data-testid=inspector]').dataset})")


def lane_step(lane: int, step: int) -> str:
    """A selector for character `step` of lane `lane` (0-based)."""
    return f"[data-testid=lane]:nth-child({lane + 1}) [data-testid=lane-text] [data-step='{step}']"


ELEMENTS_BY_BUCKET = """(lane) => {
  const text = document.querySelectorAll('[data-testid=lane-text]')[lane];
  const spans = [...text.querySelectorAll('[data-step]')];
  return spans.map((s) => ({ step: Number(s.dataset.step), text: s.textContent,
                            classes: [...s.classList].filter((c) => c.startsWith('rank-')) }));
}"""


# ---- colours ------------------------------------------------------------------------------

def test_every_character_is_coloured_by_the_rank_the_inspector_shows(browser, live_server):
    page = open_at(browser, live_server, "len=300&t=0.2,0.5,1,2&rng=7")
    generate(page)
    texts = lane_texts(page)
    assert [len(t) for t in texts] == [300] * 4
    # The same run through window.tempera: its ranks give every element's expected bucket.
    got = page.evaluate("(o) => window.tempera.generate(o)", {
        "seedText": SEED, "temperatures": [0.2, 0.5, 1, 2], "length": 300, "rngSeed": 7,
        "mode": "stateful"})
    seen = set()
    for lane, (text, api_lane) in enumerate(zip(texts, got["lanes"])):
        assert api_lane["text"] == text
        elements = page.evaluate(ELEMENTS_BY_BUCKET, lane)
        assert len(elements) == 300  # a short lane is on screen: one element per character
        for element in elements:
            step = element["step"]
            assert element["text"] == text[step]
            assert element["classes"] == [bucket(api_lane["steps"][step]["rank"])], (lane, step)
            seen.add(element["classes"][0])
    assert seen == set(BUCKETS)  # T = 2 reaches far down the list
    # The inspector, pointed at characters of every bucket, shows the rank their colour says.
    for lane in (0, 3):
        elements = page.evaluate(ELEMENTS_BY_BUCKET, lane)
        picks = {}
        for element in elements:
            picks.setdefault(element["classes"][0], element["step"])
        picks = sorted(set(picks.values()) | {0, 150, 299})
        for step in picks:
            page.hover(lane_step(lane, step))
            shown = inspector(page)
            assert shown["step"] == str(step)
            assert shown["char"] == texts[lane][step]
            rank = int(shown["rank"])
            assert rank == got["lanes"][lane]["steps"][step]["rank"]
            classes = page.get_attribute(lane_step(lane, step), "class").split()
            assert bucket(rank) in classes
            drawn = page.locator("[data-testid=inspector] tr.drawn[data-testid=candidate]")
            assert drawn.count() == 1 and drawn.get_attribute("data-rank") == str(rank)
            assert page.is_visible("[data-testid=inspector] .inspector-body")
    # The four buckets are four colours, none of them transparent, and the legend shows them.
    colours = page.evaluate("""(buckets) => buckets.map((b) => getComputedStyle(
        document.querySelector('[data-testid=lane-text] .' + b)).backgroundColor)""", BUCKETS)
    assert len(set(colours)) == 4 and TRANSPARENT not in colours, colours
    legend = page.evaluate("""(buckets) => buckets.map((b) => getComputedStyle(
        document.querySelector('[data-testid=legend] .' + b)).backgroundColor)""", BUCKETS)
    assert legend == colours
    close(page)


def test_a_cold_lane_keeps_to_the_first_choice_more_than_a_hot_one(browser, live_server):
    page = open_at(browser, live_server, "len=400&t=0.2,1.2&rng=11")
    generate(page)
    shares = []
    for lane in range(2):
        elements = page.evaluate(ELEMENTS_BY_BUCKET, lane)
        assert len(elements) == 400
        top1 = sum(e["classes"] == ["rank-1"] for e in elements) / len(elements)
        stats = page.locator("[data-testid=lane-stats]").nth(lane)
        assert stats.get_attribute("data-chars") == "400"
        assert float(stats.get_attribute("data-top1-share")) == pytest.approx(top1, abs=1e-12)
        shares.append(top1)
    cold, hot = shares
    assert cold > hot + 0.15, shares
    close(page)


# ---- the toggle ---------------------------------------------------------------------------

def test_with_the_toggle_off_a_run_is_plain_text_with_no_statistics(browser, live_server):
    page = open_at(browser, live_server, "len=200&t=0.5,1.2&rng=3")
    generate(page)
    coloured = lane_texts(page)
    assert page.locator("[data-step]").count() == 400
    page.uncheck("[data-testid=likelihood-toggle]")
    assert "plain-text" in page.get_attribute("body", "class").split()
    generate(page)
    # Records do not change the draws: the same text, now without an element per character.
    assert lane_texts(page) == coloured
    assert page.locator("[data-step]").count() == 0
    assert page.locator("[data-testid=lane-text] [class*=rank-]").count() == 0
    for lane in range(2):
        stats = page.locator("[data-testid=lane-stats]").nth(lane)
        for attribute in ["data-chars", "data-bits-per-char", "data-entropy-bits",
                          "data-top1-share", "data-distinct4"]:
            assert stats.get_attribute(attribute) == "", attribute
        assert set(stats.locator("dd").all_text_contents()) == {"–"}
    # Nothing to inspect: pointing at the text leaves the inspector on its hint.
    page.hover("[data-testid=lane] pre")
    assert page.is_visible("[data-testid=inspector] .inspector-hint")
    assert page.is_hidden("[data-testid=inspector] .inspector-body")
    close(page)


BUCKET_STYLES = """(buckets) => buckets.map((b) => {
  const s = getComputedStyle(document.querySelector('[data-testid=lane-text] .' + b));
  return [s.backgroundColor, s.textDecorationLine];
})"""


def test_turning_the_toggle_off_hides_the_colours_and_on_brings_them_back(browser, live_server):
    page = open_at(browser, live_server, "len=300&t=0.5,2&rng=7")
    generate(page)
    before = page.evaluate(BUCKET_STYLES, BUCKETS)
    assert TRANSPARENT not in [background for background, _ in before], before
    assert [line for _, line in before] == ["none", "none", "none", "underline"], before
    steps = page.locator("[data-step]").count()
    page.uncheck("[data-testid=likelihood-toggle]")
    assert "plain-text" in page.get_attribute("body", "class").split()
    assert page.evaluate(BUCKET_STYLES, BUCKETS) == [[TRANSPARENT, "none"]] * 4
    assert page.locator("[data-step]").count() == steps  # hidden, not thrown away
    page.check("[data-testid=likelihood-toggle]")  # no new run
    assert "plain-text" not in (page.get_attribute("body", "class") or "").split()
    assert page.evaluate(BUCKET_STYLES, BUCKETS) == before
    assert "Done" in page.text_content("[data-testid=status]")
    close(page)


# ---- the inspector ------------------------------------------------------------------------

def test_the_keyboard_moves_through_a_lane_character_by_character(browser, live_server):
    page = open_at(browser, live_server, "len=300&t=0.5,1&rng=5")
    generate(page)
    text = lane_texts(page)[0]
    summary = "[data-testid=inspector] .inspector-summary"
    assert page.text_content(summary) == ""
    assert page.get_attribute(summary, "aria-live") == "polite"
    # Tab from the lane's last button reaches its filters' summary (closed), then its text.
    page.focus("[data-testid=lane]:nth-child(1) [data-testid=remove-lane]")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => { const e = document.activeElement;
        return [e.tagName, e.className, e.closest('[data-testid=lane]') ===
                document.querySelector('[data-testid=lane]')]; }""")
    assert focused == ["PRE", "lane-scroll", True]
    assert inspector(page)["step"] == "0"

    def where():
        shown = inspector(page)
        active = page.evaluate("""() => [...document.querySelectorAll('[data-testid=lane-text] .active')]
            .map((e) => Number(e.dataset.step))""")
        return int(shown["step"]), shown["char"], active

    for expected in (1, 2, 3):
        page.keyboard.press("ArrowRight")
        assert where() == (expected, text[expected], [expected])
    spoken = page.text_content(summary)
    assert spoken and f"rank {inspector(page)['rank']}" in spoken
    page.keyboard.press("ArrowLeft")
    assert where() == (2, text[2], [2])
    page.keyboard.press("End")
    assert where() == (299, text[299], [299])
    page.keyboard.press("ArrowRight")  # stays at the end
    assert where() == (299, text[299], [299])
    assert page.text_content(summary) != spoken
    page.keyboard.press("Home")
    assert where() == (0, text[0], [0])
    page.keyboard.press("ArrowLeft")  # stays at the start
    assert where() == (0, text[0], [0])
    close(page)


VISIBLE_STEP = """([lane, from]) => {
  const spans = document.querySelectorAll('[data-testid=lane]')[lane].querySelectorAll('[data-step]');
  for (const span of spans) if (Number(span.dataset.step) >= from && span.textContent.trim() !== '') return Number(span.dataset.step);
  return null;
}"""


def test_a_click_pins_the_inspector_and_escape_unpins_it(browser, live_server):
    page = open_at(browser, live_server, "len=200&t=0.5,1&rng=9")
    generate(page)
    what = "[data-testid=inspector] .inspector-what"
    summary = "[data-testid=inspector] .inspector-summary"
    # a pointer can only rest on a character that takes room: not a line break
    step = lambda lane, at_least: page.evaluate(VISIBLE_STEP, [lane, at_least])  # noqa: E731
    first = step(1, 4)
    page.hover(lane_step(1, first))  # hovering follows the pointer, and says nothing aloud
    assert inspector(page)["step"] == str(first) and page.text_content(what).startswith("Lane 2")
    assert page.text_content(summary) == ""
    clicked = step(0, 10)
    page.click(lane_step(0, clicked))
    assert inspector(page)["step"] == str(clicked) and page.text_content(what).startswith("Lane 1")
    assert page.text_content(summary) != ""
    assert "active" in page.get_attribute(lane_step(0, clicked), "class").split()
    pinned = inspector(page)
    for at_least in (20, 25, 30):
        page.hover(lane_step(1, step(1, at_least)))
        assert inspector(page) == pinned
        assert page.text_content(what).startswith("Lane 1")
    page.keyboard.press("Escape")  # the click focused lane 1's text
    later = step(1, 35)
    page.hover(lane_step(1, later))
    assert inspector(page)["step"] == str(later) and page.text_content(what).startswith("Lane 2")
    last = step(0, 40)
    page.hover(lane_step(0, last))
    assert inspector(page)["step"] == str(last) and page.text_content(what).startswith("Lane 1")
    close(page)


# ---- the first-step chart -----------------------------------------------------------------

CHART = """() => {
  const root = document.querySelector('[data-testid=first-step-chart]');
  const heads = [...root.querySelectorAll('thead th')].map((th) => th.textContent);
  const rows = [...root.querySelectorAll('tbody tr')].map((tr) => ({
    char: tr.dataset.char, p: Number(tr.dataset.p),
    cells: [...tr.querySelectorAll('td')].map((td) => td.dataset.q === undefined ? null : Number(td.dataset.q)) }));
  return { heads, rows, visible: !root.querySelector('table').hidden };
}"""

# Edits lane 1's temperature as typing does, and reads the chart before anything asynchronous
# (a model run is asynchronous) could happen.
EDIT_AND_READ = """([value, chart]) => {
  const status = document.querySelector('[data-testid=status]').textContent;
  const memory = window.tempera.memory();
  const input = document.querySelector('[data-testid=lane-temperature]');
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
  const after = (0, eval)('(' + chart + ')')();
  return { after, status, tensors: memory.numTensors, bytes: memory.numBytes };
}"""


def test_the_first_step_chart_follows_an_edited_temperature_without_a_model_run(
        browser, live_server, models_dir):
    page = open_at(browser, live_server, "t=1,1&len=50")
    page.wait_for_function("() => !document.querySelector('[data-testid=first-step-chart] table').hidden")
    before = page.evaluate(CHART)
    assert before["heads"] == ["character", "model (T = 1)", "lane 1, T = 1", "lane 2, T = 1"]
    assert len(before["rows"]) == 8
    for row in before["rows"]:  # at T = 1 a lane's share is the model's
        assert row["cells"][0] == row["p"]
        # p is float32 from the model, so it sums to 1 within ~1e-7; a lane's share is normalised
        assert row["cells"][1] == pytest.approx(row["p"], rel=1e-6)
        assert row["cells"][2] == pytest.approx(row["p"], rel=1e-6)
    probabilities = [row["p"] for row in before["rows"]]
    assert probabilities == sorted(probabilities, reverse=True)

    url = page.url
    edited = page.evaluate(EDIT_AND_READ, ["0.2", CHART])
    after = edited["after"]
    assert after["heads"] == ["character", "model (T = 1)", "lane 1, T = 0.2", "lane 2, T = 1"]
    assert [r["char"] for r in after["rows"]] == [r["char"] for r in before["rows"]]
    cold = [row["cells"][1] for row in after["rows"]]
    assert cold[0] > before["rows"][0]["cells"][1]  # sharper: the first choice gains,
    assert all(q < row["p"] for q, row in zip(cold[1:], after["rows"][1:]))  # the rest lose
    assert [row["cells"][2] for row in after["rows"]] == [row["cells"][2] for row in before["rows"]]
    # No run: the status, the lanes, the URL and TensorFlow.js's memory are as they were.
    page.wait_for_timeout(300)
    assert page.text_content("[data-testid=status]") == edited["status"]
    assert page.text_content("[data-testid=status]").startswith("Ready")
    assert lane_texts(page) == ["", ""]
    assert not page.is_disabled("[data-testid=generate]")
    memory = page.evaluate("window.tempera.memory()")
    assert (memory["numTensors"], memory["numBytes"]) == (edited["tensors"], edited["bytes"])
    assert page.url == url  # a run writes itself into the address
    assert page.evaluate(CHART) == after

    # The reweighting, done again in NumPy from the model's whole distribution.
    chars = load_bundle(os.path.join(models_dir, "nietzsche")).vocab.chars
    p = np.array(page.evaluate("(t) => window.tempera.probabilities(t, 'stateful')", SEED))
    q = reweight(p, 0.2)
    q /= q.sum()
    for row in after["rows"]:
        index = chars.index(row["char"])
        assert row["p"] == pytest.approx(p[index], abs=1e-12)
        assert row["cells"][1] == pytest.approx(q[index], abs=1e-9)

    # Adding and removing a lane adds and removes its column; an unreadable value shows no bars.
    page.click("[data-testid=add-lane]")
    assert page.evaluate(CHART)["heads"][-1] == "lane 3, T = 1"
    page.locator("[data-testid=lane-temperature]").nth(2).fill("")
    assert page.evaluate(CHART)["heads"][-1] == "lane 3, T = ?"
    assert all(row["cells"][3] is None for row in page.evaluate(CHART)["rows"])
    page.locator("[data-testid=remove-lane]").nth(0).click()
    assert page.evaluate(CHART)["heads"] == ["character", "model (T = 1)", "lane 1, T = 1",
                                             "lane 2, T = ?"]
    assert page.text_content("[data-testid=status]") == edited["status"]
    close(page)


# ---- scoring ------------------------------------------------------------------------------

def test_a_lanes_score_button_puts_its_text_in_the_score_view(browser, live_server):
    page = open_at(browser, live_server, "len=120&t=0.5,1.2&rng=4")
    assert page.is_disabled("[data-testid=score-lane]")  # nothing to score yet
    generate(page)
    texts = lane_texts(page)
    assert texts[0] != texts[1]
    page.locator("[data-testid=score-lane]").nth(1).click()
    assert page.input_value("[data-testid=score-input]") == texts[1]
    assert page.evaluate("document.activeElement.dataset.testid") == "score-input"
    page.click("[data-testid=score-run]")
    page.wait_for_function("() => document.querySelector('[data-testid=score-bits-per-char]').dataset.value")
    assert page.locator("[data-testid=score-text] [data-step]").count() == len(texts[1]) - 1
    bits = float(page.get_attribute("[data-testid=score-bits-per-char]", "data-value"))
    scored = page.evaluate("(t) => window.tempera.score(t, 'stateful')", texts[1])
    assert bits == pytest.approx(scored["bits_per_char"], abs=1e-9)
    assert page.is_hidden("[data-testid=score-unknown]")
    close(page)


def test_scoring_a_text_with_unknown_characters_lists_them(browser, live_server, models_dir):
    vocab = load_bundle(os.path.join(models_dir, "nietzsche")).vocab
    text = "Hello ✓ wörld §§ the will to power"
    unknown = sorted({c for c in text.lower() if c not in vocab.chars})
    assert unknown == sorted("✓ö§")
    page = open_at(browser, live_server, "len=10")
    page.fill("[data-testid=score-input]", text)
    page.click("[data-testid=score-run]")
    page.wait_for_function("() => document.querySelector('[data-testid=score-bits-per-char]').dataset.value")
    assert page.is_visible("[data-testid=score-unknown]")
    line = page.text_content("[data-testid=score-unknown]")
    prefix = "Characters the model does not know (dropped): "
    assert line.startswith(prefix), line
    listed = line[len(prefix):].split(" The text was lowercased")[0].split()
    assert sorted(listed) == unknown, line  # each once, and only those
    assert "lowercased" in line  # "Hello"
    summary = page.text_content("[data-testid=score-summary]")
    assert "4 dropped" in summary, summary  # ✓, ö and §§
    kept = "".join(c for c in text.lower() if c in vocab.chars)
    assert page.locator("[data-testid=score-text] [data-step]").count() == len(kept) - 1
    # The inspector works on the scored text.
    page.hover("[data-testid=score-text] [data-step='3']")
    assert inspector(page)["step"] == "3" and inspector(page)["char"] == kept[4]
    assert page.text_content("[data-testid=inspector] .inspector-what").startswith("Scored text")
    # A text the model knows throughout lists nothing.
    page.fill("[data-testid=score-input]", "the will to power")
    page.click("[data-testid=score-run]")
    page.wait_for_function("""() => document.querySelector('[data-testid=score-summary]').textContent
        .includes('0 dropped')""")
    assert page.is_hidden("[data-testid=score-unknown]")
    close(page)


# ---- a long run ---------------------------------------------------------------------------

def test_a_long_coloured_run_keeps_the_page_small_and_inspectable(browser, live_server):
    """100,000 characters asked of 4 lanes, stopped after about 10,000 (chunks are at most 512
    characters): the text is all there, but only the chunks near the screen hold an element per
    character."""
    page = open_at(browser, live_server, "len=100000&t=0.2,0.5,1,1.2&rng=21")
    page.click("[data-testid=generate]")
    page.wait_for_function("""() => Number(document.querySelector('[data-testid=lane-stats]')
        .dataset.chars) >= 10000""", timeout=180000, polling=500)
    page.click("[data-testid=stop]")
    page.wait_for_function("() => !document.querySelector('[data-testid=generate]').disabled")
    assert page.text_content("[data-testid=status]").startswith("Stopped")
    counts = page.evaluate("""() => [...document.querySelectorAll('[data-testid=lane]')].map((lane) => ({
        chars: Number(lane.querySelector('[data-testid=lane-stats]').dataset.chars),
        text: lane.querySelector('[data-testid=lane-text]').textContent.length,
        elements: lane.querySelector('[data-testid=lane-text]').getElementsByTagName('*').length,
        steps: lane.querySelectorAll('[data-step]').length }))""")
    total_steps = page.locator("[data-step]").count()
    assert total_steps < 12000, counts
    for lane in counts:
        assert lane["chars"] >= 10000 and lane["text"] == lane["chars"], counts
        assert lane["elements"] < lane["chars"] / 5, counts
        assert lane["steps"] > 0, counts  # the end, on screen, is coloured
    # Back to the start of lane 1: its first characters get their elements again.
    text = page.evaluate("() => document.querySelector('[data-testid=lane-text]').textContent")
    page.evaluate("() => { document.querySelector('[data-testid=lane] pre').scrollTop = 0; }")
    page.wait_for_selector(lane_step(0, 5), state="attached", timeout=10000)
    page.hover(lane_step(0, 5))
    shown = inspector(page)
    assert shown["step"] == "5" and shown["char"] == text[5]
    assert bucket(int(shown["rank"])) in page.get_attribute(lane_step(0, 5), "class").split()
    page.wait_for_timeout(300)  # the far end lets its elements go again
    assert page.locator("[data-step]").count() < 12000
    close(page)


# ---- a phone ------------------------------------------------------------------------------

OVERFLOW = "() => document.documentElement.scrollWidth - innerWidth"
BOX = """(selector) => { const r = document.querySelector(selector).getBoundingClientRect();
  return { left: r.left, right: r.right, width: r.width, innerWidth }; }"""


def test_on_a_phone_the_inspector_and_chart_fit_the_screen(browser, live_server):
    page = open_at(browser, live_server, "len=200&t=0.2,0.5,1,2&rng=7", viewport=PHONE)
    assert page.evaluate(OVERFLOW) <= 1
    generate(page)
    page.click(lane_step(0, 7))
    for selector in ["[data-testid=inspector]", "[data-testid=first-step-chart]"]:
        page.locator(selector).scroll_into_view_if_needed()
        assert page.is_visible(selector)
        box = page.evaluate(BOX, selector)
        assert box["left"] >= 0 and box["right"] <= box["innerWidth"] + 1, (selector, box)
    assert page.is_visible("[data-testid=inspector] [data-testid=candidate]")
    assert page.is_visible("[data-testid=first-step-chart] td[data-q]")
    assert page.evaluate(OVERFLOW) <= 1, page.evaluate(OVERFLOW)
    page.fill("[data-testid=score-input]", "the will to power, and more ✓")
    page.click("[data-testid=score-run]")
    page.wait_for_function("() => document.querySelector('[data-testid=score-bits-per-char]').dataset.value")
    page.click("[data-testid=score-text] [data-step='3']")
    assert page.evaluate(OVERFLOW) <= 1, page.evaluate(OVERFLOW)
    close(page)
