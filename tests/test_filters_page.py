"""top-k, top-p and min-p on the page, held against the NumPy reference in a real Chromium.

The contract is docs/sampling.md, "Filters: top-k, top-p and min-p". On wasm, cpu and webgl, in
both modes, on the shipped model and the model the tests train, lanes that combine the filters
give the text `tempera sample` gives for the same settings. The browser computes the model in
float32 and the reference in float64, so a decision that lies within 1e-6 of its cut may go
either way: the draw's uniform near a cumulative boundary (as in test_browser.py), or a filter's
own cut (two candidates tied at the top-k cut, the running sum at p × S, a q at m × max q). A
lane is compared up to such a step, which is reported; any other difference fails.
"""

import os

import numpy as np
import pytest

from conftest import open_page, run_cli
from tempera.likelihood import lane_distribution
from tempera.sampling import Filters, lane_filters, lane_weights, reweight
from test_likelihood_page import (INSPECTOR_SHOWS, LOCATE_STEP, POINT_AT, close, fill_form,
                                  first_difference, generate_from_form, reference,
                                  step_distributions)
from test_likelihood_page import pages  # noqa: F401  the fixture: one page per model and backend

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BACKENDS = ["webgl", "wasm", "cpu"]
MODES = ["stateful", "window"]
SHIPPED, SMALL = "nietzsche", "small"
BOUNDARY = 1e-6
TOLERANCE = 1e-4

# Lanes that put a filter beside the same temperature without it, and combine all three.
# T = 0 with filters on checks that greedy ignores them.
LANES = dict(
    temperatures=[1.2, 1.2, 1.2, 1.0, 1.5, 0],
    topK=[0, 0, 5, 3, 20, 2],
    topP=[1, 1, 0.9, 1, 0.8, 0.5],
    minP=[0, 0.1, 0, 0.05, 0.02, 0.3],
)
LENGTHS = {"stateful": 160, "window": 24}  # window mode re-reads maxlen characters per step
SEEDS = {SHIPPED: "The free spirit 😀 is", SMALL: "the good will ☃ is"}


def decision_margin(p, temperature, filters, u):
    """How close step `p`'s draw came to going another way: the least distance, in shares of
    the lane's mass, of u from a cumulative boundary and of each filter from its cut."""
    if temperature == 0:
        top = np.sort(p)[-2:]
        return float(top[1] - top[0])
    q = reweight(p, temperature)
    total = np.cumsum(q)[-1]
    margins = []
    order = np.argsort(-q, kind="stable")
    kept = len(q)
    if 0 < filters.top_k < kept:
        margins.append((q[order[filters.top_k - 1]] - q[order[filters.top_k]]) / total)
        kept = filters.top_k
    if filters.top_p < 1:
        running = np.cumsum(q[order[:kept]])
        margins.append(np.min(np.abs(running - filters.top_p * running[-1])) / total)
    if filters.min_p > 0:
        margins.append(np.min(np.abs(q - filters.min_p)) / total)
    cumulative = np.cumsum(lane_weights(p, temperature, filters))
    margins.append(np.min(np.abs(cumulative / cumulative[-1] - u)))
    return float(min(margins))


def compared_length(got_text, lane, distributions, where, notes):
    """All of the lane, or up to a step that came within BOUNDARY of going another way."""
    first = first_difference(got_text, lane.text)
    if first is None:
        return len(lane.text)
    margin = decision_margin(distributions[first], lane.temperature, lane.filters,
                             lane.records.u[first])
    assert margin < BOUNDARY, \
        f"{where}: differs at char {first} ({got_text[first]!r} vs {lane.text[first]!r}), " \
        f"{margin:.2e} from any cut: {got_text!r} vs {lane.text!r}"
    notes.append(f"{where} char {first}: {margin:.1e} from a cut")
    return first


@pytest.mark.parametrize("model", [SHIPPED, SMALL])
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("mode", MODES)
def test_filtered_lanes_equal_the_reference(pages, models_dir, model, backend, mode):
    page = pages(model, backend)
    bundle, generator = reference(models_dir, model)
    seed, length, rng_seed = SEEDS[model], LENGTHS[mode], 20261130
    before = page.evaluate("window.tempera.memory().numTensors")
    got = page.evaluate("(o) => window.tempera.generate(o)", {
        "seedText": seed, "length": length, "rngSeed": rng_seed, "mode": mode, **LANES})
    assert page.evaluate("window.tempera.memory().numTensors") == before  # nothing leaked
    encoding = bundle.vocab.encode_seed(seed)
    filters = lane_filters(len(LANES["temperatures"]), LANES["topK"], LANES["topP"], LANES["minP"])
    lanes = generator.generate(encoding.ids, LANES["temperatures"], length, rng_seed, mode,
                               filters=filters)
    notes = []
    for index, (page_lane, lane) in enumerate(zip(got["lanes"], lanes)):
        where = f"{model} {backend} {mode} lane {index + 1}"
        assert {k: page_lane[k] for k in ("temperature", "top_k", "top_p", "min_p")} == \
            {"temperature": lane.temperature, **lane.filters.as_json()}, where
        distributions = step_distributions(generator, encoding.ids,
                                           bundle.vocab.encode(lane.text), mode)
        upto = compared_length(page_lane["text"], lane, distributions, where, notes)
        for k in range(upto):
            close(page_lane["steps"][k]["entropy_bits"], lane.records.entropy_bits[k],
                  f"{where} char {k} entropy_bits")
        if upto == length:
            close(page_lane["stats"]["entropy_bits"], lane.statistics()["entropy_bits"],
                  f"{where} stats entropy_bits")
    # The filters change the text: a filtered lane is not its unfiltered twin.
    assert got["lanes"][1]["text"] != got["lanes"][0]["text"]
    assert got["lanes"][5]["text"] == generator.generate(encoding.ids, [0], length, rng_seed,
                                                         mode)[0].text
    assert not page.errors, page.errors
    print(f"{model} {backend} {mode}: {len(notes)} step(s) near a cut {notes}")


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


@pytest.mark.parametrize("field, value, words", [
    ("lane-top-k", "2.5", "lane 1: top-k must be a whole number"),
    ("lane-top-k", "-1", "lane 1: top-k must be a whole number"),
    ("lane-top-p", "0", "lane 1: top-p must be above 0 and at most 1"),
    ("lane-top-p", "1.5", "lane 1: top-p must be above 0 and at most 1"),
    ("lane-min-p", "1", "lane 1: min-p must be 0 (off) or more and below 1"),
    ("lane-min-p", "-0.2", "lane 1: min-p must be 0 (off) or more and below 1"),
    ("lane-min-p", "1e999", "lane 1: min-p is not a number"),  # Chromium: no number
])
def test_a_bad_filter_value_is_an_error_in_words(browser, live_server, field, value, words):
    page = open_page(browser, f"{live_server}?backend=cpu&model={SMALL}&len=20")
    page.locator("[data-testid=lane] summary").first.click()
    page.locator(f"[data-testid={field}]").first.fill(value)
    assert page.locator("[data-testid=lane-filters-label]").first.text_content() == \
        "Filters: a value is not valid"
    page.click("[data-testid=generate]")
    page.wait_for_function("() => document.querySelector('[data-testid=error]').textContent !== ''")
    assert page.text_content("[data-testid=error]").startswith(words)
    assert page.locator("[data-testid=lane-text]").first.text_content() == ""  # nothing ran
    assert not page.errors
    page.close()


@pytest.mark.parametrize("query, note", [
    ("k=abc", 'k "abc" in the URL: lane 1: top-k must be a number'),
    ("p=0,1,1,1", 'p "0,1,1,1" in the URL: lane 1: top-p must be above 0'),
    ("minp=0.1,0.2", 'minp "0.1,0.2" in the URL has 2 items for 4 lanes'),
    ("minp=NaN", 'minp "NaN" in the URL: lane 1: min-p must be a finite number'),
    ("k=0x10", 'k "0x10" in the URL: lane 1: top-k must be a number'),
])
def test_a_bad_filter_in_the_address_is_noted_and_left_off(browser, live_server, query, note):
    page = open_page(browser, f"{live_server}?backend=cpu&model={SMALL}&{query}")
    notes = page.text_content("[data-testid=url-notes]")
    assert note in notes, notes
    assert page.evaluate("[...document.querySelectorAll('.min-p, .top-p, .top-k')].every((f) => f.value === '')")
    page.close()


@pytest.mark.parametrize("options, words", [
    ({"topK": -1}, "top-k must be a whole number"),
    ({"topP": [0.5, 0.5]}, "give one top-p for all lanes or one per temperature (1), got 2"),
    ({"minP": float("nan")}, "min-p must be a number"),
    ({"topP": "x"}, "top-p must be a number"),
])
def test_a_bad_filter_in_the_api_is_an_error_in_words(pages, options, words):
    page = pages(SMALL, "cpu")
    error = page.evaluate("""(o) => window.tempera.generate(o).then(() => 'no error', (e) => e.message)""",
                          {"seedText": "the", "temperatures": [1], "length": 5, "rngSeed": 1,
                           **options})
    assert error.startswith(words), error


def test_the_inspector_marks_what_the_filters_took_out(pages, models_dir):
    """Each inspected step lists the model's top candidates; those the lane's filters removed are
    marked (and have no share in the lane), the others are not, as the reference filters them."""
    page = pages(SHIPPED, "wasm")
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
