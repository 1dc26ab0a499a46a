"""The page's views for learners in one real Chromium session: the first-step chart's
temperature slider reshapes its bars by the reference's maths and says what happens; a scored
text gets a sentence placing it between the model's own figure and letter frequencies; the
inspector opens beside the character pointed at (a sheet above which the character stays, on a
phone) and closes; the chart is not cut off on a phone; axe finds no violation.

The pure parts (the maths, the sentences, the placement) are checked under Node in
test_js_learner_views.py; this file holds what only a browser shows."""

import math
import os

import numpy as np
import pytest

from tempera.bundle import load_bundle
from tempera.sampling import reweight
from test_accessibility import RUN_AXE, _axe_source

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
LENGTH = 120

BARS = """() => [...document.querySelectorAll('[data-testid=temperature-bars] li')].map((li) => ({
  char: li.dataset.char ?? null, others: li.dataset.others === 'true', q: Number(li.dataset.q) }))"""
RECTS = """async ([char]) => {
  for (let frame = 0; frame < 2; frame++) await new Promise((resolve) => requestAnimationFrame(resolve));
  const box = (e) => { const r = e.getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom }; };
  const panel = document.querySelector('[data-testid=inspector] .inspector-body');
  return { char: box(document.querySelector(char)), panel: box(panel), classes: [...panel.classList],
           viewport: { width: document.documentElement.clientWidth, height: innerHeight },
           hidden: panel.hidden, section: box(document.querySelector('[data-testid=inspector]')) };
}"""
FOCUS_VISIBLE = """() => {
  const panel = document.querySelector('[data-testid=inspector] .inspector-body');
  const focused = document.activeElement;
  if (panel.hidden || !panel.classList.contains('floating') || panel.contains(focused)) return true;
  const a = panel.getBoundingClientRect(), b = focused.getBoundingClientRect();
  return !(a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom);
}"""
FIRST_VISIBLE = """([lane, from]) => {
  const spans = document.querySelectorAll('[data-testid=lane]')[lane].querySelectorAll('[data-step]');
  for (const span of spans) if (Number(span.dataset.step) >= from && span.textContent.trim() !== '') return Number(span.dataset.step);
  return null;
}"""


def overlap(a, b) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def inside(box, viewport) -> bool:
    return (box["left"] >= 0 and box["top"] >= 0 and box["right"] <= viewport["width"] + 0.5
            and box["bottom"] <= viewport["height"] + 0.5)


def check_slider(page, p, chars):
    slider = page.get_by_role("slider", name="Try a temperature")
    assert slider.get_attribute("data-testid") == "temperature-slider"
    heads = page.locator("[data-testid=first-step-chart] thead th").all_text_contents()
    for t in (0.2, 1.5):
        slider.fill(str(t))
        assert slider.get_attribute("aria-valuetext") == f"T = {t:g}"
        bars = page.evaluate(BARS)
        q = reweight(p, t)
        q /= q.sum()
        shown = [bar for bar in bars if not bar["others"]]
        assert [bar["char"] for bar in shown] == [chars[i] for i in np.argsort(-p, kind="stable")[:8]]
        for bar in shown:
            assert bar["q"] == pytest.approx(q[chars.index(bar["char"])], rel=1e-9, abs=1e-15)
        assert bars[-1]["others"] and bars[-1]["q"] == pytest.approx(1 - sum(b["q"] for b in shown), abs=1e-12)
        sentence = page.text_content("[data-testid=temperature-sentence]")
        assert sentence.startswith(f"At {t:g} the first choice")
        first = q[int(np.argmax(p))] * 100
        assert (f"{math.floor(first * 10) / 10} %" in sentence) if first > 99 else (f"{round(first)} %" in sentence)
    assert "rarer characters get a real chance" in sentence
    # The slider is a picture of the temperature, not a setting: the lanes' columns stay.
    assert page.locator("[data-testid=first-step-chart] thead th").all_text_contents() == heads


def pin_and_measure(page, lane, from_step):
    step = page.evaluate(FIRST_VISIBLE, [lane, from_step])
    char = f"[data-testid=lane]:nth-child({lane + 1}) [data-testid=lane-text] [data-step='{step}']"
    page.click(char)
    return page.evaluate(RECTS, [char])


def test_slider_score_meaning_and_the_inspector_where_the_eye_is(browser, live_server, models_dir):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server}?model=nietzsche&backend=wasm&len={LENGTH}&t=0.2,0.5,1,1.5&rng=7")
    page.wait_for_function("() => window.tempera !== undefined")
    assert page.evaluate("window.tempera.ready.then(() => true, () => false)")
    page.wait_for_function("() => !document.querySelector('[data-testid=temperature-demo]').hidden")

    # Before anything is pointed at, the inspector is a short hint, not a large empty box.
    assert page.is_hidden("[data-testid=inspector] .inspector-body")
    assert page.locator("[data-testid=inspector]").bounding_box()["height"] < 120

    bundle = load_bundle(os.path.join(models_dir, "nietzsche"))
    seed = page.input_value("[data-testid=seed-input]")
    p = np.array(page.evaluate("(s) => window.tempera.probabilities(s, 'stateful')", seed), dtype=np.float64)
    check_slider(page, p, bundle.vocab.chars)

    page.click("[data-testid=generate]")
    page.wait_for_function("""(n) => !document.querySelector('[data-testid=generate]').disabled
        && [...document.querySelectorAll('[data-testid=lane-text]')].every((t) => t.textContent.length === n)""",
                           arg=LENGTH, timeout=60000)

    # A wide screen: the panel opens beside the character, inside the screen, not over it.
    for lane, step in ((1, 40), (3, 5)):
        rects = pin_and_measure(page, lane, step)
        assert "floating" in rects["classes"] and "passing" not in rects["classes"], rects
        assert not overlap(rects["panel"], rects["char"]), rects
        assert inside(rects["panel"], rects["viewport"]), rects
        gaps = [rects["panel"]["top"] - rects["char"]["bottom"], rects["char"]["top"] - rects["panel"]["bottom"],
                rects["panel"]["left"] - rects["char"]["right"], rects["char"]["left"] - rects["panel"]["right"]]
        assert min(gap for gap in gaps if gap >= 0) <= 12, rects  # right beside it
    # Tab on from the character: the focus is never hidden under the panel (it docks in the page).
    for _ in range(12):
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_VISIBLE), page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
    page.click("[data-testid=inspector-close]")
    assert page.is_hidden("[data-testid=inspector] .inspector-body")
    assert page.locator("[data-testid=lane-text] .active").count() == 0

    # A score, placed between the model's own figure and letter frequencies.
    page.fill("[data-testid=score-input]", "the free spirit is not the slave of his own virtues; "
              "he knows that every morality is a kind of tyranny against nature.")
    page.click("[data-testid=score-run]")
    page.wait_for_function("() => document.querySelector('[data-testid=score-bits-per-char]').dataset.value")
    bits = float(page.get_attribute("[data-testid=score-bits-per-char]", "data-value"))
    meaning = page.text_content("[data-testid=score-meaning]")
    held_out = bundle.meta["held_out"]["loss_nats_per_char"] / math.log(2)
    unigram = bundle.meta["baselines"]["unigram_nats_per_char"] / math.log(2)
    assert meaning.startswith(f"{bits:.2f} bits per character: ")
    assert f"{held_out:.2f} on held-out text" in meaning and f"letter frequencies alone scores {unigram:.2f}" in meaning
    assert page.get_attribute("[data-testid=score-meaning]", "data-kind") in ("about", "less")

    page.locator("[data-testid=lane-text]").first.scroll_into_view_if_needed()
    pin_and_measure(page, 0, 10)
    violations = page.evaluate(RUN_AXE, _axe_source())
    assert violations == [], violations

    # A phone: the chart is not cut off, and the inspector is a sheet the character stays above.
    page.set_viewport_size(PHONE)
    chart = page.evaluate("""() => { const s = document.querySelector('[data-testid=first-step-chart] .table-scroll');
        const r = document.querySelector('[data-testid=first-step-chart]').getBoundingClientRect();
        return { scroll: s.scrollWidth - s.clientWidth, left: r.left, right: r.right }; }""")
    assert chart["scroll"] <= 1 and chart["left"] >= 0 and chart["right"] <= PHONE["width"], chart
    rects = pin_and_measure(page, 2, 60)
    assert "sheet" in rects["classes"], rects
    assert rects["panel"]["bottom"] == pytest.approx(PHONE["height"], abs=1)
    assert rects["panel"]["left"] == 0 and rects["panel"]["right"] == pytest.approx(PHONE["width"], abs=1)
    assert rects["char"]["top"] >= 0 and rects["char"]["bottom"] <= rects["panel"]["top"], rects
    assert page.is_visible("[data-testid=inspector] [data-testid=candidate]")
    scored = "[data-testid=score-text] [data-step='100']"
    page.click(scored)
    rects = page.evaluate(RECTS, [scored])
    assert "sheet" in rects["classes"] and rects["char"]["bottom"] <= rects["panel"]["top"], rects
    page.focus("[data-testid=inspector-close]")  # Escape inside the panel closes it; focus stays near
    page.keyboard.press("Escape")
    assert page.is_hidden("[data-testid=inspector] .inspector-body")
    assert page.evaluate("document.activeElement.id") == "inspector-title"
    context.close()
    assert not errors, errors
