"""Likelihood on the page, held against the NumPy reference in a real Chromium.

The contract (docs/sampling.md, "How likely each character was"): on wasm, cpu and webgl, in
both modes, the page's p, entropy_bits and statistics are within 1e-4 of the reference's, and
ranks are equal except where two candidates' probabilities are within 1e-6. These tests read
what a person sees: the form is filled and Generate pressed, characters are pointed at with
the mouse, and the inspector's, the candidates' and the lane statistics' DOM is read, and the
score view's. Both the shipped model and the small model trained in the tests are used.
window.tempera's records, statistics and scores are held against the reference once per
backend × mode × model in test_page_parity.py.

The browser computes in float32 and the reference in float64, so a draw whose uniform lies
within 1e-6 of a cumulative-probability boundary may go either way: a lane is compared only up
to such a draw (any other difference fails), and the draw is reported (helpers.py).
"""

import os
import unicodedata

import numpy as np
import pytest

from helpers import (check_rank, check_statistics, close, compared_length,
                     predictions, run_cli, step_distributions)
from helpers import reference as reference_in
from tempera.likelihood import lane_distribution

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BACKENDS = ["webgl", "wasm", "cpu"]
MODES = ["stateful", "window"]
SHIPPED, SMALL = "nietzsche", "small"  # model ids served by the live_server fixture
TIE = 1e-6  # ranks may differ only between candidates this close in probability (helpers.py)
SAMPLES = 10  # characters pointed at per lane
CONTEXT_CHARS = 40  # what the inspector shows before a step (views/inspector.js)
TOP = 10  # candidates the inspector lists (candidates.js TOP_CANDIDATES)

# One run per model and mode, typed into the page's form. Window mode re-reads maxlen characters
# per step (slow on SwiftShader's WebGL), so its runs are short. The seeds hold characters the
# models do not know (dropped) and, for the lowercase shipped model, capitals (folded).
FORM_RUNS = {
    (SHIPPED, "stateful"): dict(seed="The Will to Power 😀 § -- what is", temperatures=[0, 0.5, 1.0, 1.3],
                                length=240, rng=2026),
    (SHIPPED, "window"): dict(seed="Supposing that truth is a woman--what then? §",
                              temperatures=[0, 0.7, 1.0, 1.6], length=16, rng=77),
    (SMALL, "stateful"): dict(seed="the good will ☃ is", temperatures=[0, 0.5, 1.0, 1.2],
                              length=240, rng=5),
    (SMALL, "window"): dict(seed="Is the free spirit ☃ not", temperatures=[0, 0.6, 1.0, 1.5],
                            length=40, rng=9),
}
FORM_CASES = ([(SHIPPED, backend, mode) for backend in BACKENDS for mode in MODES]
              + [(SMALL, backend, mode) for backend in BACKENDS for mode in MODES])

# Texts to score, each with characters the model does not know. Window scoring runs one
# window length after another below maxlen, so the texts stay short for WebGL.
SCORE_TEXTS = {
    SHIPPED: "Thus spoke Zarathustra — § the will 😀 to power!",
    SMALL: "Cafe\u0301 😀 永劫 says ☃ the Free spirit§",
}


# ---- the reference -------------------------------------------------------------------------
def reference(models_dir, model):
    return reference_in(os.path.join(models_dir, model))


def sample_steps(count):
    """About SAMPLES steps of [0, count): the first, the last and some between."""
    if count <= 0:
        return []
    return sorted({0, count - 1, *np.linspace(0, count - 1, SAMPLES).round().astype(int).tolist()})


def check_candidates(rows, p, q, vocab, drawn, rank, where):
    """The inspector's candidate rows: the top TOP by the model's p in rank order (up to ties
    within TIE), each with the reference's p and the lane's q; the drawn row marked, and listed
    after them when its rank is over TOP."""
    top = min(TOP, len(p))
    order = np.argsort(-p, kind="stable")  # ties: the lower index first, as rank_of
    assert len(rows) == (top + 1 if int(rank) > top else top), f"{where}: {len(rows)} candidate rows"
    chars = [row["char"] for row in rows[:top]]
    assert len(set(chars)) == top, f"{where}: repeated candidates {chars}"
    for k, row in enumerate(rows[:top]):
        at = f"{where} candidate {k + 1} {row['char']!r}"
        assert row["rank"] == str(k + 1), f"{at}: rank {row['rank']}"
        assert row["char"] in vocab.index, f"{at}: not in the vocabulary"
        c = vocab.index[row["char"]]
        expected = order[k]
        assert c == expected or abs(p[c] - p[expected]) <= TIE, \
            f"{at}: the reference's rank {k + 1} is {vocab.chars[expected]!r} " \
            f"(p {p[expected]:.6g} vs {p[c]:.6g})"
        close(row["p"], p[c], f"{at} p")
        if q is not None and not (c != expected and q[expected] == 1.0):  # T = 0: one-hot, tie aside
            close(row["pLane"], q[c], f"{at} p-lane")
    drawn_rows = [row for row in rows if row["drawn"]]
    assert [row["char"] for row in drawn_rows] == [drawn], f"{where}: drawn rows {drawn_rows}"
    if int(rank) > top:
        extra = rows[top]
        assert extra["char"] == drawn and extra["rank"] == str(rank), f"{where}: last row {extra}"
        close(extra["p"], p[vocab.index[drawn]], f"{where} drawn row p")
        if q is not None:
            close(extra["pLane"], q[vocab.index[drawn]], f"{where} drawn row p-lane")


# ---- the page ------------------------------------------------------------------------------
def js_number(value) -> str:
    """A temperature as JavaScript's String() writes it (for the few used here)."""
    return f"{value:g}"


def fill_form(page, seed, temperatures, length, rng, mode):
    page.fill("[data-testid=seed-input]", seed)
    page.fill("[data-testid=length]", str(length))
    page.fill("[data-testid=rng-seed]", str(rng))
    page.select_option("[data-testid=mode]", mode)
    # Lanes scrolling together would move the text under a pointer that stays still, and with it
    # the character the inspector shows; that they follow is test_keep_and_compare_page's.
    page.set_checked("[data-testid=scroll-together]", False)
    lanes = page.locator("[data-testid=lane]")
    while lanes.count() > len(temperatures):
        lanes.last.locator("[data-testid=remove-lane]").click()
    while lanes.count() < len(temperatures):
        page.click("[data-testid=add-lane]")
    fields = page.locator("[data-testid=lane-temperature]")
    for lane, temperature in enumerate(temperatures):
        fields.nth(lane).fill(js_number(temperature))
    # No filters: the pages are shared for the session, and an earlier test may have set some.
    page.evaluate("""() => document.querySelectorAll('.top-k, .top-p, .min-p').forEach((field) => {
        if (field.value !== '') { field.value = ''; field.dispatchEvent(new Event('input')); } })""")


def generate_from_form(page, timeout=120_000):
    """Presses Generate and waits for the run to end; the lanes' generated texts."""
    page.click("[data-testid=generate]")
    page.wait_for_function("""() => !document.querySelector('[data-testid=generate]').disabled
        && /^(Done|Stopped|Generation failed)/.test(document.querySelector('[data-testid=status]').textContent)""",
                           timeout=timeout)
    assert page.text_content("[data-testid=error]") == ""
    assert page.text_content("[data-testid=status]").startswith("Done"), page.text_content("[data-testid=status]")
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid=lane]')].map((lane) => ({
        seed: lane.querySelector('.seed-text').textContent,
        text: lane.querySelector('[data-testid=lane-text]').textContent,
        stats: { ...lane.querySelector('[data-testid=lane-stats]').dataset },
    }))""")


# The element of a step in a coloured text, scrolled into view, and the point to put the mouse
# on (null while its chunk is plain text: scrolling the chunk near the screen makes elements).
LOCATE_STEP = """([selector, index, step]) => {
  const target = document.querySelectorAll(selector)[index];
  const element = target.querySelector(`[data-step="${step}"]`);
  if (!element) {
    let start = 0;
    for (const chunk of target.children) {
      const size = Array.from(chunk.textContent).length;
      if (step < start + size) { chunk.scrollIntoView({ block: 'nearest' }); break; }
      start += size;
    }
    return null;
  }
  element.scrollIntoView({ block: 'center', inline: 'nearest' });
  const box = element.getBoundingClientRect();
  const x = box.left + box.width / 2;
  const y = box.top + box.height / 2;
  return { x, y, hit: box.width > 0 && document.elementFromPoint(x, y) === element,
           char: element.textContent };
}"""

# A mouseover for an element that takes no room (a line break, a combining mark): what a
# pointer passing over it would send.
POINT_AT = """([selector, index, step]) => document.querySelectorAll(selector)[index]
  .querySelector(`[data-step="${step}"]`).dispatchEvent(new MouseEvent('mouseover', { bubbles: true }))"""

# The inspector once it shows `step` under `label`: its dataset, heading, context and rows.
INSPECTOR_SHOWS = """([step, label]) => {
  const root = document.querySelector('[data-testid=inspector]');
  const what = root.querySelector('.inspector-what').textContent;
  if (root.dataset.step !== String(step) || !what.startsWith(label)) return null;
  return {
    ...root.dataset, what,
    before: root.querySelector('.context-before').textContent,
    rows: [...root.querySelectorAll('tr[data-testid=candidate]')].map((row) => ({
      ...row.dataset, drawn: row.classList.contains('drawn') })),
  };
}"""


def point_at(page, selector, index, step, label, pointed):
    """Puts the mouse on a step's character and reads the inspector."""
    # Off the text first: a pointer left on a lane would point at whatever character the
    # scrolling below brings under it, after the event sent for `step`.
    page.mouse.move(0, 0)
    located = page.evaluate(LOCATE_STEP, [selector, index, step])
    if located is None:
        page.wait_for_function("([s, i, k]) => document.querySelectorAll(s)[i].querySelector(`[data-step=\"${k}\"]`)",
                               arg=[selector, index, step], timeout=5000)
        located = page.evaluate(LOCATE_STEP, [selector, index, step])
    if located["hit"]:
        page.mouse.move(located["x"], located["y"])
        pointed["mouse"] += 1
    else:
        page.evaluate(POINT_AT, [selector, index, step])
        pointed["event"] += 1
    shown = page.wait_for_function(INSPECTOR_SHOWS, arg=[step, label], timeout=5000).json_value()
    shown["element_char"] = located["char"]
    return shown


def takes_room(char):
    return char != "\n" and unicodedata.category(char) not in ("Mn", "Me", "Cf")


# ---- 1, 2: a person generates and points at characters ---------------------------------
@pytest.mark.parametrize("model, backend, mode", FORM_CASES)
def test_the_inspector_and_statistics_equal_the_reference(model_pages, models_dir, model, backend, mode):
    page = model_pages(model, backend)
    run = FORM_RUNS[(model, mode)]
    bundle, generator = reference(models_dir, model)
    vocab = bundle.vocab
    encoding = vocab.encode_seed(run["seed"])
    assert encoding.dropped  # the seed exercises the policy
    fill_form(page, run["seed"], run["temperatures"], run["length"], run["rng"], mode)
    shown = generate_from_form(page)
    lanes = generator.generate(encoding.ids, run["temperatures"], run["length"], run["rng"], mode,
                               records=True)
    assert len(shown) == len(lanes)
    notes, pointed, checked = [], {"mouse": 0, "event": 0}, 0
    for index, (got, lane) in enumerate(zip(shown, lanes)):
        where = f"{model} {backend} {mode} lane {index + 1} (T = {lane.temperature})"
        assert got["seed"] == encoding.text, where
        distributions = step_distributions(generator, encoding.ids, vocab.encode(lane.text), mode)
        assert np.abs(distributions[np.arange(len(lane.text)), vocab.encode(lane.text)]
                      - lane.records.p).max() < 1e-9  # the reference agrees with itself
        upto = compared_length(got["text"], lane, distributions, where, notes)
        if upto == len(lane.text):
            check_statistics(got["stats"], lane.statistics(), f"{where} lane-stats", dataset=True)
        label = f"Lane {index + 1} (T = {js_number(lane.temperature)}), character "
        for step in sample_steps(upto):
            at = f"{where} step {step}"
            shown_step = point_at(page, "[data-testid=lane-text]", index, step,
                                  f"{label}{step + 1} of {len(lane.text)}:", pointed)
            drawn = lane.text[step]
            c = vocab.index[drawn]
            p = distributions[step]
            q = lane_distribution(p, lane.temperature)
            assert shown_step["element_char"] == drawn and shown_step["char"] == drawn, at
            close(shown_step["p"], lane.records.p[step], f"{at} p")
            close(shown_step["pLane"], q[c], f"{at} p-lane")
            close(shown_step["entropyBits"], lane.records.entropy_bits[step], f"{at} entropy_bits")
            check_rank(shown_step["rank"], p, c, f"{at} rank")
            assert float(shown_step["u"]) == lane.records.u[step], f"{at} u"
            context = encoding.text + lane.text[:step]
            assert shown_step["before"] == context[-CONTEXT_CHARS:], f"{at} context"
            check_candidates(shown_step["rows"], p, q, vocab, drawn, shown_step["rank"], at)
            checked += 1
    assert checked >= len(lanes) * min(SAMPLES, 2)
    assert not page.errors, page.errors
    print(f"{model} {backend} {mode}: {checked} characters inspected ({pointed}); "
          f"{len(notes)} near-boundary draw(s) {notes}")


def test_likelihood_off_gives_plain_lanes_and_on_brings_them_back(model_pages, models_dir):
    page = model_pages(SHIPPED, "wasm")
    bundle, generator = reference(models_dir, SHIPPED)
    toggle = page.locator("[data-testid=likelihood-toggle]")
    assert toggle.is_checked()  # on by default
    temperatures, seed = [0, 1.0], "the spirit"
    fill_form(page, seed, temperatures, 120, 4, "stateful")
    try:
        toggle.uncheck()
        shown = generate_from_form(page)
        expected = generator.generate(bundle.vocab.encode_seed(seed).ids, temperatures, 120, 4,
                                      records=False)
        assert [lane["text"] for lane in shown] == [lane.text for lane in expected]
        assert page.locator("[data-testid=lane-text] [data-step]").count() == 0
        for lane in shown:
            check_statistics(lane["stats"], dict.fromkeys(["chars", "bits_per_char", "entropy_bits",
                                                            "top1_share", "distinct4"]), "likelihood off",
                             dataset=True)
        page.locator("[data-testid=lane-text]").first.hover()
        assert page.locator("[data-testid=inspector] .inspector-body").is_hidden()
    finally:
        toggle.check()
    shown = generate_from_form(page)
    assert page.locator("[data-testid=lane-text]").first.locator("[data-step]").count() == 120
    assert shown[0]["stats"]["chars"] == "120"
    assert not page.errors, page.errors


# ---- 4: the score view ---------------------------------------------------------------------
def score_from_page(page, text, mode):
    page.fill("[data-testid=score-input]", text)
    page.select_option("[data-testid=score-mode]", mode)
    page.click("[data-testid=score-run]")
    page.wait_for_function("""() => !document.querySelector('[data-testid=score-run]').disabled
        && /^(Scored|Scoring failed)/.test(document.querySelector('[data-testid=status]').textContent)""",
                           timeout=120_000)


# Not webgl in window mode: the page scores through the generator that window.tempera.score uses,
# whose numbers test_page_parity.py holds against the reference on webgl in window mode, and the
# view shows them as it does on the other backends (the slowest case, checked twice before).
SCORE_VIEW_CASES = ([(SHIPPED, backend, mode) for backend in BACKENDS for mode in MODES
                     if (backend, mode) != ("webgl", "window")] + [(SMALL, "wasm", "window")])


@pytest.mark.parametrize("model, backend, mode", SCORE_VIEW_CASES)
def test_the_score_view_equals_the_reference(model_pages, models_dir, model, backend, mode):
    page = model_pages(model, backend)
    text = SCORE_TEXTS[model]
    bundle, generator = reference(models_dir, model)
    vocab = bundle.vocab
    encoding = vocab.encode_seed(text, what="text")
    score = generator.score(encoding.ids, mode)
    score_from_page(page, text, mode)
    where = f"{model} {backend} {mode} score view"
    assert page.text_content("[data-testid=error]") == "", where
    assert page.text_content("[data-testid=status]").startswith("Scored"), where
    bits = page.locator("[data-testid=score-bits-per-char]")
    close(bits.get_attribute("data-value"), score.as_json([], 0)["bits_per_char"], f"{where} bits/char")
    assert bits.text_content() == f"{float(bits.get_attribute('data-value')):.3f} bits/char"
    unknown = page.locator("[data-testid=score-unknown]")
    assert unknown.is_visible(), where
    listed = unknown.text_content()
    assert "Characters the model does not know (dropped):" in listed, listed
    for char in encoding.dropped:
        shown = char if char.isprintable() else f"U+{ord(char):04X}"
        assert shown in listed, f"{where}: {char!r} not listed in {listed!r}"
    assert ("lowercased" in listed) == encoding.folded, listed
    summary = page.text_content("[data-testid=score-summary]")
    assert f"{len(score.records.p):,} characters scored ({mode}" in summary, summary
    assert f"{encoding.dropped_count:,} dropped" in summary, summary
    assert page.text_content("#score-context") == encoding.text[0]
    assert page.text_content("[data-testid=score-text]") == encoding.text[1:]
    distributions = predictions(generator, encoding.ids, mode)
    count = len(score.records.p)
    pointed = {"mouse": 0, "event": 0}
    steps = sorted({0, count - 1, *[k for k in range(1, count - 1, max(1, count // 5))
                                    if takes_room(encoding.text[k + 1])]})
    for step in steps:
        at = f"{where} step {step}"
        shown = point_at(page, "[data-testid=score-text]", 0, step,
                         f"Scored text, character {step + 1} of {count}:", pointed)
        char = encoding.text[step + 1]
        p = distributions[step]
        assert shown["char"] == char and shown["element_char"] == char, at
        close(shown["p"], score.records.p[step], f"{at} p")
        assert shown["pLane"] == shown["p"], at  # scoring: the lane's q is the model's p
        close(shown["entropyBits"], score.records.entropy_bits[step], f"{at} entropy_bits")
        check_rank(shown["rank"], p, vocab.index[char], f"{at} rank")
        assert shown["u"] == "", at
        assert shown["before"] == encoding.text[:step + 1][-CONTEXT_CHARS:], f"{at} context"
        check_candidates(shown["rows"], p, p, vocab, char, shown["rank"], at)
        assert all(row["pLane"] == row["p"] for row in shown["rows"]), at
    assert not page.errors, page.errors
    print(f"{where}: {len(steps)} characters inspected ({pointed})")


# ---- 5: a text the model cannot score ------------------------------------------------------
@pytest.mark.parametrize("text, message", [
    ("a😀§", "a text to score needs at least two characters the model knows"),
    ("😀§", "the text has no character the model knows: '😀', '§'"),
    ("", "is empty: type at least one character"),
])
def test_a_text_too_short_to_score_is_an_error_not_a_crash(model_pages, models_dir, text, message):
    page = model_pages(SHIPPED, "wasm")
    bundle, _ = reference(models_dir, SHIPPED)
    for mode in MODES:
        score_from_page(page, text, mode)
        assert page.text_content("[data-testid=status]") == "Scoring failed."
        error = page.locator("[data-testid=error]")
        assert error.is_visible() and message in error.text_content(), error.text_content()
        rejected = page.evaluate("""([t, m]) => window.tempera.score(t, m).then(
            () => null, (e) => ({ name: e.name, message: e.message }))""", [text, mode])
        assert rejected is not None and message in rejected["message"], rejected
    # the reference refuses the text with the same words
    result = run_cli("score", os.path.join(models_dir, SHIPPED), "--text", text)
    assert result.returncode != 0 and message in result.stderr, result.stderr
    # the page still works: the next score succeeds and clears the error
    score_from_page(page, "the will", "stateful")
    assert page.text_content("[data-testid=status]").startswith("Scored")
    assert page.text_content("[data-testid=error]") == ""
    assert not page.errors, page.errors
