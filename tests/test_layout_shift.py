"""The page stays still: no layout shift through a whole run (load, Generate, streaming, end),
measured as the browser measures Cumulative Layout Shift, on a desktop and a phone."""

import pytest

from harness import serving
from test_accessibility import RUN_AXE, _axe_source

pytestmark = [pytest.mark.browser]

# Installed before the page's own scripts: every layout shift from the first paint on, with the
# elements that moved. Shifts right after a click or a key press are the person's own doing and
# are left out of CLS, as the browser leaves them out.
OBSERVE = """(() => {
  window.layoutShifts = [];
  const name = (node) => {
    if (!node || node.nodeType !== 1) return node ? node.nodeName : '?';
    const testid = node.getAttribute('data-testid');
    return node.localName + (node.id ? `#${node.id}` : '') + (testid ? `[data-testid=${testid}]` : '')
      + (node.className && typeof node.className === 'string' ? `.${node.className.trim().split(/\\s+/).join('.')}` : '');
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      window.layoutShifts.push({
        value: entry.value, recentInput: entry.hadRecentInput, at: Math.round(entry.startTime),
        status: document.querySelector('[data-testid=status]')?.textContent ?? '',
        moved: entry.sources.map((s) => `${name(s.node)} ${Math.round(s.previousRect.y)}→${Math.round(s.currentRect.y)}`
          + ` h ${Math.round(s.previousRect.height)}→${Math.round(s.currentRect.height)}`),
      });
    }
  }).observe({ type: 'layout-shift', buffered: true });
})();"""

# Four lanes, a short run: long enough to stream over several redraws.
RUN = "?backend=wasm&model=nietzsche&len=300&t=0.2,0.5,1,1.5&rng=7"


@pytest.fixture(scope="module")
def shipped_server():
    with serving(quiet=True) as url:
        yield url


def shifts_of(page, viewport):
    """The shifts so far, printed with what moved; the sum of those the browser counts in CLS and
    the sum of all, those right after a click included."""
    shifts = page.evaluate("window.layoutShifts")
    for shift in shifts:
        print(("(after input) " if shift["recentInput"] else "")
              + f"{viewport['width']}px at {shift['at']} ms ({shift['status']!r}): {shift['value']:.4f} {shift['moved']}")
    cls = sum(s["value"] for s in shifts if not s["recentInput"])
    every = sum(s["value"] for s in shifts)
    print(f"{viewport['width']}×{viewport['height']}: CLS {cls:.5f}, {every:.5f} with the shifts after input")
    return cls, every, shifts


# A term's definition, opened and closed from the keyboard: it floats, so it moves nothing.
TERM = "[data-testid=lane-stats] button.term[data-term=entropy]"


# A laptop, a phone, and a tall screen that shows the first-step chart and the score below it
# as the page starts.
@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844},
                                      {"width": 1280, "height": 1600}], ids=["desktop", "phone", "tall"])
def test_a_whole_run_shifts_nothing(browser, shipped_server, viewport):
    """Before the page kept room for them, a run here shifted (CLS, desktop 0.236, phone 0.133;
    more after the click): the lanes, added once the script ran, pushing down the insight; the
    first-step chart appearing once ready; the model's facts filling the header (three lines on a
    phone); the Generate row re-wrapping when "Lanes by" appeared; the status changing height
    from a two-line "Ready: …" to "Generating…" and back; each lane growing as its text streamed
    and its statistics re-wrapping as their figures came; on a tall screen, the first-step chart
    pushing the score down once drawn; the inspector's panel moving from character to character
    as a pointer passed over the text."""
    context = browser.new_context(viewport=viewport)
    context.add_init_script(OBSERVE)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(shipped_server + RUN)
    page.wait_for_function("() => window.tempera !== undefined")
    page.evaluate("window.tempera.ready")
    page.wait_for_function("() => !document.querySelector('[data-testid=generate]').disabled")
    status_box = page.locator("[data-testid=status]").bounding_box()
    page.click("[data-testid=generate]")
    page.wait_for_function("""() => document.querySelector('[data-testid=lane-text]').textContent.length > 0
        && document.querySelector('[data-testid=stop]').disabled""")
    status = page.text_content("[data-testid=status]")
    assert status == "Done: 4 lanes, 300 characters each.", status
    assert page.locator("[data-testid=status]").bounding_box() == status_box
    page.wait_for_timeout(300)  # a shift after the last redraw still counts
    if viewport["width"] > 600:  # the inspector follows a pointer passing over the text
        for step in (5, 40, 9):
            page.hover(f"[data-testid=lane-text] [data-step='{step}']")
            page.wait_for_timeout(150)
        page.mouse.move(2, 2)
    cls, every, shifts = shifts_of(page, viewport)
    # The details behind the short sentence; each lane's mood its own, and never cut short.
    assert page.text_content("[data-testid=status-details]").startswith("Backend: wasm (chosen in the URL")
    moods = page.evaluate("""() => [...document.querySelectorAll('[data-testid=lane] .kind')]
        .map((e) => [e.textContent, e.scrollWidth <= e.clientWidth])""")
    assert moods == [["cautious", True], ["steady", True], ["natural", True], ["lively", True]]

    # A term from the keyboard: Enter opens its definition, plain words first; Escape closes it
    # and gives the focus back.
    term = page.locator(TERM).first
    term.focus()
    page.keyboard.press("Enter")
    definition = page.locator("[data-testid=term-definition]")
    assert definition.is_visible() and term.get_attribute("aria-expanded") == "true"
    assert definition.text_content().startswith("openness (Entropy): How open the choice was")
    assert "Precisely: H = −Σ q log₂ q" in definition.text_content()
    box = definition.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= viewport["width"]
    violations = page.evaluate(RUN_AXE, _axe_source())  # the page after a run, a definition open
    page.keyboard.press("Escape")
    assert definition.is_hidden() and term.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.dataset.term") == "entropy"
    opened = len(page.evaluate("window.layoutShifts")) - len(shifts)
    context.close()
    assert errors == []
    assert violations == [], violations
    assert (cls, every, opened) == (0, 0, 0), shifts
