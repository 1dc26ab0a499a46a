"""The page says beside the model's facts where the model stands, in the words of
`tempera sample`, with the figures on hover; every level's wording is checked under Node
(test_js_model_quality.py)."""

import os

import pytest

from conftest import open_page
from tempera.baselines import bundle_quality
from tempera.bundle import load_bundle

pytestmark = pytest.mark.browser


def shown(page) -> dict:
    return page.evaluate("""() => { const e = document.querySelector('[data-testid=model-quality]');
        return { text: e.textContent, title: e.title, hidden: e.hidden }; }""")


def test_the_page_says_where_each_model_stands(browser, live_server, models_dir):
    page = open_page(browser, f"{live_server}/?model=nietzsche&backend=cpu")
    try:
        expected = bundle_quality(load_bundle(os.path.join(models_dir, "nietzsche")).meta)
        quality = shown(page)
        assert quality == {"text": "Quality: better than a 5-gram model", "title": expected,
                           "hidden": False}

        small = bundle_quality(load_bundle(os.path.join(models_dir, "small")).meta)
        page.select_option("[data-testid=model]", "small")
        page.wait_for_function("(title) => document.querySelector('[data-testid=model-quality]')"
                               ".title === title", arg=small)
        assert shown(page)["text"] == "Quality: " + small.split(" (")[0]
        assert page.errors == []
    finally:
        page.close()
