"""Inside the model, on the page: the cell view, its finder and the inspector's saliency.

One page session on the shipped model (WASM): a text with quotes and parentheses is scored; the
cell view opens on it and steps a unit by keyboard, each character carrying the unit's value as
window.tempera.activations gives it; the finder ranks units for "inside quotes" (its scores
checked against NumPy's correlation on the same activations) and for marked spans, and a click
shows a unit; a pinned character's saliency is window.tempera.saliency's, an answer on its way
is dropped when another character is inspected, and a pointer passing over the text works
nothing out; axe-core finds
nothing in these views in light mode on a desktop and in dark mode on a phone, and every tint
keeps 4.5:1.
"""

import base64
import math
import os

import numpy as np
import pytest

from helpers import ROOT, open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]
AXE = os.path.join(ROOT, "node_modules", "axe-core", "axe.min.js")
TEXT = 'he said "the free spirit (as we call him) knows it" and left.\nthen: "no," said he, "not yet."'
CLOSE = 1e-6  # the page's numbers are window.tempera's own, through Math.tanh at most

RUN_AXE = """async ([source, include]) => {
  if (!window.axe) (0, eval)(source);
  const results = await window.axe.run({ include });
  return results.violations.map((v) => ({ id: v.id, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ': ' + n.failureSummary) }));
}"""

# axe leaves one-character elements out of its contrast check: each tint is checked here, its
# colour laid over the page's background.
TINT_CONTRAST = """() => {
  const rgba = (css) => css.match(/[\\d.]+/g).map(Number);
  const page = rgba(getComputedStyle(document.body).backgroundColor);
  const lum = ([r, g, b]) => [r, g, b].map((v) => v / 255)
    .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
    .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const worst = [];
  for (const e of document.querySelectorAll('[data-testid=cell-char], [data-testid=saliency] [data-influence]')) {
    const [r, g, b, a = 1] = rgba(getComputedStyle(e).backgroundColor);
    const surface = rgba(getComputedStyle(e.closest('.cell-view, .inspector-body')).backgroundColor);
    const under = surface.length === 4 && surface[3] === 0 ? page : surface;
    const mixed = [r, g, b].map((v, i) => v * a + under[i] * (1 - a));
    const [l1, l2] = [lum(mixed), lum(rgba(getComputedStyle(e).color))].sort((x, y) => y - x);
    worst.push((l1 + 0.05) / (l2 + 0.05));
  }
  return Math.min(...worst);
}"""


def check_axe(page, axe, where):
    violations = page.evaluate(RUN_AXE, [axe, [["#inside"], ["#saliency-panel"]]])
    assert violations == [], (where, violations)
    assert page.evaluate(TINT_CONTRAST) >= 4.5, where


# window.tempera.activations, its numbers packed as float64 bytes: as JSON numbers, the DevTools
# protocol takes seconds to carry them.
ACTIVATIONS = """async (text) => {
  const document = await window.tempera.activations(text, 'stateful');
  const pack = (rows) => {
    const bytes = new Uint8Array(Float64Array.from(rows.flat()).buffer);
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  };
  return { ...document, layers: document.layers.map(({ units, h, c }) => ({ units, h: pack(h), c: pack(c) })) };
}"""


def activations(page, text):
    """window.tempera.activations(text), each layer's h and c as [characters, units] arrays."""
    document = page.evaluate(ACTIVATIONS, text)
    for layer in document["layers"]:
        for part in ("h", "c"):
            layer[part] = np.frombuffer(base64.b64decode(layer[part]), dtype="<f8").reshape(-1, layer["units"])
    return document


def scored(page, step):
    return page.locator(f"[data-testid=score-text] [data-step='{step}']")


def cell_values(page):
    return page.eval_on_selector_all("[data-testid=cell-char]", "els => els.map((e) => Number(e.dataset.activation))")


def test_cells_finder_and_saliency_follow_the_model(browser, live_server):
    with open(AXE, encoding="utf-8") as handle:
        axe = handle.read()
    page = open_page(browser, f"{live_server}?model=nietzsche&backend=wasm")
    page.fill("[data-testid=score-input]", TEXT)
    page.click("[data-testid=score-run]")
    page.wait_for_selector("[data-testid=score-text] [data-step]")

    # The cell view: worked out only when asked, then a unit stepped by keyboard.
    assert page.is_hidden("[data-testid=cell-view]")
    page.click("[data-testid=cell-run]")
    page.wait_for_selector("[data-testid=cell-view]:not([hidden])")
    reference = activations(page, TEXT)
    assert reference["text"] == TEXT.lower() and len(reference["layers"]) == 2
    chars = page.eval_on_selector_all("[data-testid=cell-char]", "els => els.map((e) => e.textContent)")
    assert chars == reference["chars"]
    page.focus("[data-testid=cell-unit]")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    view = page.locator("[data-testid=cell-view]")
    assert (view.get_attribute("data-layer"), view.get_attribute("data-unit")) == ("0", "2")
    c = reference["layers"][0]["c"]
    assert np.allclose(cell_values(page), np.tanh(c[:, 2]), atol=CLOSE, rtol=0)
    page.select_option("[data-testid=cell-kind]", "h")
    h = reference["layers"][0]["h"]
    assert np.allclose(cell_values(page), h[:, 2], atol=CLOSE, rtol=0)
    page.select_option("[data-testid=cell-kind]", "c")

    # The finder, for inside quotes: the top units by |r|, as NumPy finds them.
    page.select_option("[data-testid=cell-pattern]", "quotes")
    page.click("[data-testid=cell-find]")
    entries = page.eval_on_selector_all("[data-testid=cell-finder] li", "els => els.map((e) => ({...e.dataset}))")
    assert len(entries) == 10
    inside, quote_open = [], False
    for char in reference["chars"]:
        quote_open = quote_open != (char == '"')
        inside.append(float(quote_open))
    scores = {}
    for layer, data in enumerate(reference["layers"]):
        tanh_c = np.tanh(data["c"])
        for unit in range(data["units"]):
            scores[layer, unit] = abs(np.nan_to_num(np.corrcoef(tanh_c[:, unit], inside)[0, 1]))
    best = sorted(scores.values(), reverse=True)[:10]
    assert [float(e["score"]) for e in entries] == pytest.approx(best, abs=1e-6)
    for e in entries:
        assert float(e["score"]) == pytest.approx(scores[int(e["layer"]), int(e["unit"])], abs=1e-6)
    page.click("[data-testid=cell-finder] li:nth-child(3) button")
    third = entries[2]
    assert (view.get_attribute("data-layer"), view.get_attribute("data-unit")) == (third["layer"], third["unit"])
    unit_c = np.tanh(reference["layers"][int(third["layer"])]["c"][:, int(third["unit"])])
    assert np.allclose(cell_values(page), unit_c, atol=CLOSE, rtol=0)

    # A pattern the person marks: characters 3 to 6 selected in the text, then marked.
    page.select_option("[data-testid=cell-pattern]", "marked")
    page.evaluate("""() => {
      const spans = document.querySelectorAll('[data-testid=cell-char]');
      const range = document.createRange();
      range.setStart(spans[3].firstChild, 0);
      range.setEnd(spans[6].firstChild, 1);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }""")
    page.click("[data-testid=cell-mark]")
    page.focus("#cell-text")
    page.keyboard.press("Home")
    page.keyboard.press("Space")  # and the first character by keyboard
    assert page.eval_on_selector_all(".cell-marked", "els => els.map((e) => Number(e.dataset.index))") == [0, 3, 4, 5, 6]
    page.click("[data-testid=cell-find]")
    marked = [1.0 if i == 0 or 3 <= i <= 6 else 0.0 for i in range(len(chars))]
    top = page.eval_on_selector("[data-testid=cell-finder] li", "e => ({...e.dataset})")
    tanh_c = np.tanh(reference["layers"][int(top["layer"])]["c"][:, int(top["unit"])])
    assert float(top["score"]) == pytest.approx(abs(np.corrcoef(tanh_c, marked)[0, 1]), abs=1e-6)

    # Saliency, on demand: asked for at one character, then dropped when a pointer passes over
    # another (which works nothing out); from then on each pinned character shows its own.
    step = 20  # the 22nd character of the text: step 0 is its second
    scored(page, step).dispatch_event("click")  # a click or tap pins it
    assert page.locator("[data-testid=saliency] [data-influence]").count() == 0  # not before it is asked for
    page.mouse.move(0, 0)  # the real pointer off the text: only the events below reach it
    page.evaluate("""(step) => {  // in one go, so the answer is surely still on its way
      const char = (n) => document.querySelector(`[data-testid=score-text] [data-step='${n}']`);
      document.querySelector('[data-testid=saliency-run]').click();
      char(step).dispatchEvent(new MouseEvent('click', { bubbles: true }));  // unpins it
      char(5).dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
    }""", step)
    page.wait_for_function("() => document.querySelector('[data-testid=inspector]').dataset.step === '5'")
    page.evaluate("(text) => window.tempera.saliency(text, 21)", TEXT)  # after the page's own
    assert page.is_hidden("[data-testid=saliency]") and page.text_content(".saliency-status") == ""
    scored(page, step + 1).dispatch_event("click")  # as a tap: the panel may cover it
    page.wait_for_selector("[data-testid=saliency] [data-influence]")
    assert page.locator("#saliency-panel").get_attribute("data-position") == str(step + 2)
    expected = page.evaluate("(text) => window.tempera.saliency(text, 22)", TEXT)
    shown = page.eval_on_selector_all("[data-testid=saliency] [data-influence]",
                                      "els => els.map((e) => [e.textContent, Number(e.dataset.influence)])")
    assert [char for char, _ in shown] == [e["char"] for e in expected["influence"]]
    assert [value for _, value in shown] == pytest.approx([e["influence"] for e in expected["influence"]], abs=1e-9)
    assert all(math.isfinite(value) for _, value in shown) and expected["context_start"] == 0
    check_axe(page, axe, "light")
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 390, "height": 844})
    check_axe(page, axe, "dark, on a phone")
    assert page.errors == []
    page.close()
