"""The page under axe-core in a real Chromium: no violation, light or dark, desktop or phone."""

import os

import pytest

from helpers import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]
AXE = os.path.join(ROOT, "node_modules", "axe-core", "axe.min.js")

# Page.evaluate runs through the DevTools protocol, which the page's Content-Security-Policy
# does not govern, so axe needs no change to the policy.
RUN_AXE = """async (source) => {
  if (!window.axe) (0, eval)(source);
  const results = await window.axe.run(document);
  return results.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ': ' + n.failureSummary) }));
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 740}],
                         ids=["desktop", "phone"])
def test_axe_finds_no_violation(browser, live_server, scheme, viewport):
    with open(AXE, encoding="utf-8") as handle:
        axe = handle.read()
    context = browser.new_context(color_scheme=scheme, viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server}?model=nietzsche&backend=wasm&len=120&seed=%3Cb%3E%E6%B0%B8&mode=nope")
    page.wait_for_function("() => window.tempera !== undefined")
    page.evaluate("window.tempera.ready")
    page.click("[data-testid=generate]")  # lanes with text, a seed note and a URL note showing
    page.wait_for_function("""() => !document.querySelector('[data-testid=generate]').disabled
        && document.querySelector('[data-testid=lane-text]').textContent.length > 0""")
    assert page.is_visible("[data-testid=seed-note]")
    violations = page.evaluate(RUN_AXE, axe)
    page.set_viewport_size(viewport)
    context.close()
    assert violations == [], violations


# axe leaves a one-character element out of its contrast check ("too short to determine if it
# is actual text content"), and every coloured character is one: the tints are checked here.
TINTED = """() => {
  const opaque = (element) => {
    for (let e = element; e; e = e.parentElement) {
      const background = getComputedStyle(e).backgroundColor;
      if (!/^rgba\\(.*, 0\\)$/.test(background) && background !== 'transparent') return background;
    }
    return getComputedStyle(document.documentElement).backgroundColor;
  };
  const selectors = ['[data-testid=lane-text] .rank-1', '[data-testid=lane-text] .rank-2-3',
    '[data-testid=lane-text] .rank-4-10', '[data-testid=lane-text] .rank-over-10',
    '[data-testid=score-text] [data-step]', '[data-testid=legend] .swatch',
    '[data-testid=inspector] .context-char', '[data-step].active'];
  return selectors.flatMap((selector) => [...document.querySelectorAll(selector)].slice(0, 40)
    .map((e) => ({ selector, text: e.textContent, color: getComputedStyle(e).color, background: opaque(e) })));
}"""


def _luminance(css):
    channels = [float(v) / 255 for v in css[css.index("(") + 1:css.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a, b):
    light, dark = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _low_contrast(page):
    """Tinted characters whose text has less than 4.5:1 against their tint; asserts each kind
    of tinted element was there to be checked."""
    tinted = page.evaluate(TINTED)
    kinds = {t["selector"] for t in tinted}
    assert len(kinds) == 8, kinds
    return sorted({f"{t['selector']}: {t['color']} on {t['background']} is "
                   f"{_contrast(t['color'], t['background']):.2f}:1"
                   for t in tinted if _contrast(t["color"], t["background"]) < 4.5})


def _axe_source():
    with open(AXE, encoding="utf-8") as handle:
        return handle.read()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_axe_finds_no_violation_while_inspecting_and_scoring(browser, live_server, scheme, viewport):
    """The likelihood views, each shown for real before axe runs: coloured lanes of every rank
    bucket with the inspector pinned on a character, the explanations open, a lane's filters open
    with candidates it filtered out in the inspector, the colours turned off, and a scored text
    with unknown characters, inspected too."""
    axe = _axe_source()
    context = browser.new_context(color_scheme=scheme, viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server}?model=nietzsche&backend=wasm&len=300&t=0.2,0.5,1,2&rng=7&k=0,0,5,0"
              "&p=1,0.9,1,1&minp=0,0,0,0.1")
    page.wait_for_function("() => window.tempera !== undefined")
    page.evaluate("window.tempera.ready")
    page.click("[data-testid=generate]")
    page.wait_for_function("""() => !document.querySelector('[data-testid=generate]').disabled
        && document.querySelector('[data-testid=status]').textContent.startsWith('Done')""")
    for bucket in ["rank-1", "rank-2-3", "rank-4-10", "rank-over-10"]:
        assert page.locator(f"[data-testid=lane-text] .{bucket}").count() > 0, bucket
    page.click("[data-testid=lane-text] [data-step='7']")
    page.click("#likelihood summary")
    assert page.is_visible("[data-testid=inspector] [data-testid=candidate]")
    assert page.is_visible("[data-testid=first-step-chart] td[data-q]")
    assert page.is_visible("#stats-help dd")
    states = {"inspecting a lane": page.evaluate(RUN_AXE, axe)}
    assert page.locator("[data-testid=lane-filters][open]").count() == 3
    page.locator("[data-testid=lane-text]").nth(3).locator("[data-step='7']").click()
    assert page.locator("[data-testid=inspector] tr[data-removed=true]").first.is_visible()
    states["inspecting a filtered lane"] = page.evaluate(RUN_AXE, axe)
    page.uncheck("[data-testid=likelihood-toggle]")
    states["colours off"] = page.evaluate(RUN_AXE, axe)
    page.check("[data-testid=likelihood-toggle]")
    page.fill("[data-testid=score-input]", "Hello ✓ wörld §§ the will to power")
    page.click("[data-testid=score-run]")
    page.wait_for_function("() => document.querySelector('[data-testid=score-bits-per-char]').dataset.value")
    page.click("[data-testid=score-text] [data-step='3']")
    assert page.is_visible("[data-testid=score-unknown]")
    assert page.text_content("[data-testid=inspector] .inspector-what").startswith("Scored text")
    states["scoring"] = page.evaluate(RUN_AXE, axe)
    states["tinted characters under 4.5:1"] = _low_contrast(page)
    context.close()
    assert states == {state: [] for state in states}, states
