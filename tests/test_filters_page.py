"""top-k, top-p and min-p on the page as a person sets them, in a real Chromium.

The contract is docs/sampling.md, "Filters: top-k, top-p and min-p". Filtered lanes against the
NumPy reference on every backend, mode and model are in test_page_parity.py; the address's
filter values under Node in test_js_url_state.py. Here: the lanes' filter fields, their labels,
the link that repeats a run, the inspector's marks, and bad values in words.
"""

import os

import pytest

from helpers import open_page, run_cli, step_distributions
from tempera.likelihood import lane_distribution
from tempera.sampling import Filters, lane_weights, reweight
from test_likelihood_page import (INSPECTOR_SHOWS, LOCATE_STEP, POINT_AT, close, fill_form,
                                  generate_from_form, reference)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHIPPED, SMALL = "nietzsche", "small"


def test_a_person_sets_filters_and_the_link_repeats_the_run(browser, live_server, models_dir):
    """Filters typed into the lanes run as `tempera sample` runs them, show in the lanes'
    labels, go into the address, and come back from it."""
    page = open_page(browser, f"{live_server}?backend=wasm&model={SHIPPED}")
    temperatures, seed = [1.2, 1.2, 0.8], "what is noble"
    fill_form(page, seed, temperatures, 150, 321, "stateful")
    lanes = page.locator("[data-testid=lane]")
    assert lanes.nth(0).locator("[data-testid=lane-filters-label]").text_content() == "Filters: off"
    lanes.nth(1).locator("summary").click()
    lanes.nth(1).locator("[data-testid=lane-min-p]").fill("0.1")
    lanes.nth(2).locator("summary").click()
    lanes.nth(2).locator("[data-testid=lane-top-k]").fill("10")
    lanes.nth(2).locator("[data-testid=lane-top-p]").fill("0.9")
    assert lanes.nth(1).locator("[data-testid=lane-filters-label]").text_content() == "Filters: min-p 0.1"
    assert lanes.nth(1).get_attribute("data-label") == "T = 1.2 · min-p 0.1"
    assert lanes.nth(2).get_attribute("data-label") == "T = 0.8 · top-k 10 · top-p 0.9"
    shown = generate_from_form(page)
    expected = run_cli("sample", os.path.join(models_dir, SHIPPED), "--seed-text", seed,
                       "--temperature", *map(str, temperatures), "--top-k", "0", "0", "10",
                       "--top-p", "1", "1", "0.9", "--min-p", "0", "0.1", "0", "--length", "150",
                       "--rng-seed", "321")
    assert expected.returncode == 0, expected.stderr
    blocks = expected.stdout.split("------ temperature: ")[1:]
    assert [b.splitlines()[0] for b in blocks] == ["1.2", "1.2 · min-p 0.1",
                                                     "0.8 · top-k 10 · top-p 0.9"]
    assert [lane["seed"] + lane["text"] for lane in shown] == \
        [b.split("\n", 1)[1].rstrip("\n") for b in blocks]
    url = page.url
    assert "k=0%2C0%2C10" in url and "p=1%2C1%2C0.9" in url and "minp=0%2C0.1%2C0" in url
    again = open_page(browser, url)
    fields = again.evaluate("""() => [...document.querySelectorAll('[data-testid=lane]')].map((lane) =>
        [lane.querySelector('.top-k').value, lane.querySelector('.top-p').value,
         lane.querySelector('.min-p').value, lane.querySelector('details').open])""")
    assert fields == [["", "", "", False], ["", "", "0.1", True], ["10", "0.9", "", True]]
    assert [lane["text"] for lane in generate_from_form(again)] == [lane["text"] for lane in shown]
    assert not page.errors and not again.errors
    page.close()
    again.close()


BAD_VALUES = [
    ("lane-top-k", "2.5", "lane 1: top-k must be a whole number"),
    ("lane-top-k", "-1", "lane 1: top-k must be a whole number"),
    ("lane-top-p", "0", "lane 1: top-p must be above 0 and at most 1"),
    ("lane-top-p", "1.5", "lane 1: top-p must be above 0 and at most 1"),
    ("lane-min-p", "1", "lane 1: min-p must be 0 (off) or more and below 1"),
    ("lane-min-p", "-0.2", "lane 1: min-p must be 0 (off) or more and below 1"),
    ("lane-min-p", "1e999", "lane 1: min-p is not a number"),  # Chromium: no number
]


def test_a_bad_filter_value_is_an_error_in_words(browser, live_server):
    page = open_page(browser, f"{live_server}?backend=cpu&model={SMALL}&len=20")
    page.locator("[data-testid=lane] summary").first.click()
    for field, value, words in BAD_VALUES:
        page.locator(f"[data-testid={field}]").first.fill(value)
        assert page.locator("[data-testid=lane-filters-label]").first.text_content() == \
            "Filters: a value is not valid", (field, value)
        page.click("[data-testid=generate]")
        page.wait_for_function("() => document.querySelector('[data-testid=error]').textContent !== ''")
        assert page.text_content("[data-testid=error]").startswith(words), (field, value)
        assert page.locator("[data-testid=lane-text]").first.text_content() == ""  # nothing ran
        page.locator(f"[data-testid={field}]").first.fill("")  # off again: the next value alone
        assert page.locator("[data-testid=lane-filters-label]").first.text_content() == "Filters: off"
    assert not page.errors
    page.close()


def test_a_bad_filter_in_the_address_is_noted_and_left_off(browser, live_server):
    """Every way of reading the address is under Node (test_js_url_state.py); the page shows
    the notes and leaves the fields empty."""
    page = open_page(browser, f"{live_server}?backend=cpu&model={SMALL}&k=abc&minp=0.1,0.2")
    notes = page.text_content("[data-testid=url-notes]")
    assert 'k "abc" in the URL: lane 1: top-k must be a number' in notes, notes
    assert 'minp "0.1,0.2" in the URL has 2 items for 4 lanes' in notes, notes
    assert page.evaluate("[...document.querySelectorAll('.min-p, .top-p, .top-k')].every((f) => f.value === '')")
    assert not page.errors
    page.close()


@pytest.mark.parametrize("options, words", [
    ({"topK": -1}, "top-k must be a whole number"),
    ({"topP": [0.5, 0.5]}, "give one top-p for all lanes or one per temperature (1), got 2"),
    ({"minP": float("nan")}, "min-p must be a number"),
    ({"topP": "x"}, "top-p must be a number"),
])
def test_a_bad_filter_in_the_api_is_an_error_in_words(model_pages, options, words):
    page = model_pages(SMALL, "cpu")
    error = page.evaluate("""(o) => window.tempera.generate(o).then(() => 'no error', (e) => e.message)""",
                          {"seedText": "the", "temperatures": [1], "length": 5, "rngSeed": 1,
                           **options})
    assert error.startswith(words), error


def test_the_inspector_marks_what_the_filters_took_out(model_pages, models_dir):
    """Each inspected step lists the model's top candidates; those the lane's filters removed are
    marked (and have no share in the lane), the others are not, as the reference filters them."""
    page = model_pages(SHIPPED, "wasm")
    bundle, generator = reference(models_dir, SHIPPED)
    seed, temperatures = "the noble soul", [1.5, 1.0]
    fill_form(page, seed, temperatures, 60, 8, "stateful")
    lanes = page.locator("[data-testid=lane]")
    lanes.nth(0).locator("summary").click()
    lanes.nth(0).locator("[data-testid=lane-top-k]").fill("4")
    lanes.nth(1).locator("summary").click()
    lanes.nth(1).locator("[data-testid=lane-min-p]").fill("0.2")
    shown = generate_from_form(page)
    filters = [Filters(top_k=4), Filters(min_p=0.2)]
    encoding = bundle.vocab.encode_seed(seed)
    expected = generator.generate(encoding.ids, temperatures, 60, 8, filters=filters)
    marked = 0
    for index, lane in enumerate(expected):
        assert shown[index]["text"] == lane.text
        distributions = step_distributions(generator, encoding.ids, bundle.vocab.encode(lane.text),
                                           "stateful")
        label = f"Lane {index + 1} (T = {temperatures[index]:g} · {filters[index].label()}), character "
        for step in (0, 17, 41, 59):
            located = page.evaluate(LOCATE_STEP, ["[data-testid=lane-text]", index, step])
            if located is None or not located["hit"]:
                page.evaluate(POINT_AT, ["[data-testid=lane-text]", index, step])
            else:
                page.mouse.move(located["x"], located["y"])
            got = page.wait_for_function(INSPECTOR_SHOWS, arg=[step, f"{label}{step + 1} of 60:"],
                                         timeout=5000).json_value()
            p = distributions[step]
            q = reweight(p, temperatures[index])
            kept = lane_weights(p, temperatures[index], filters[index]) > 0
            shares = lane_distribution(p, temperatures[index], filters[index])
            for row in got["rows"]:
                c = bundle.vocab.index[row["char"]]
                removed = bool(q[c] > 0 and not kept[c])
                assert (row.get("removed") == "true") == removed, f"lane {index + 1} step {step} {row}"
                close(row["pLane"], shares[c], f"lane {index + 1} step {step} {row['char']!r} share")
                marked += removed
    assert marked > 0  # the settings above take candidates out at these steps
    marks = page.locator("[data-testid=inspector] tr[data-removed=true]")
    if marks.count():
        assert "filtered out" in marks.first.text_content()
    assert not page.errors
