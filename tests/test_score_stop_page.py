"""On the page, a long text being scored shows how far it has got, and its Stop button ends it:
nothing half-scored is shown, the status says it stopped, and the page scores again after."""

import pytest

from conftest import open_page, serving

pytestmark = pytest.mark.browser

LONG_TEXT = "the free spirit is not the slave of its own will. " * 8000  # 400,000 characters


@pytest.fixture(scope="module")
def page(browser):
    with serving(quiet=True) as url:  # the shipped model only
        opened = open_page(browser, f"{url}?backend=wasm")
        yield opened
        opened.close()


def test_scoring_shows_progress_and_stop_ends_it(page):
    stop = page.locator("[data-testid=score-stop]")
    assert stop.is_disabled()  # nothing to stop yet
    page.evaluate("(text) => { document.querySelector('[data-testid=score-input]').value = text; }",
                  LONG_TEXT)
    page.click("[data-testid=score-run]")
    page.wait_for_function("""() => /Scoring… \\d+ % \\([\\d,]+ of 399,999 characters/
                                    .test(document.querySelector('[data-testid=status]').textContent)""")
    assert stop.is_enabled() and page.locator("[data-testid=score-run]").is_disabled()
    stop.click()
    page.wait_for_function("() => !document.querySelector('[data-testid=score-run]').disabled")
    status = page.text_content("[data-testid=status]")
    assert status.startswith("Scoring stopped after ") and "of 399,999 characters" in status, status
    assert page.text_content("[data-testid=score-text]") == ""
    assert page.text_content("[data-testid=score-bits-per-char]") == "–"
    assert stop.is_disabled()

    page.fill("[data-testid=score-input]", "the will to power")
    page.click("[data-testid=score-run]")
    page.wait_for_function("() => document.querySelector('[data-testid=status]').textContent.startsWith('Scored ')")
    assert page.text_content("[data-testid=score-text]") == "he will to power"
    assert page.errors == []
