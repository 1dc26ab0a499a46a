"""The page under axe-core in a real Chromium: no violation, light or dark, desktop or phone."""

import os

import pytest

from conftest import ROOT, open_page

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
