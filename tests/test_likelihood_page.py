"""Likelihood on the page, held against the NumPy reference in a real Chromium.

The contract (docs/sampling.md, "How likely each character was"): on wasm, cpu and webgl, in
both modes, the page's p, entropy_bits and statistics are within 1e-4 of the reference's, and
ranks are equal except where two candidates' probabilities are within 1e-6. These tests read
what a person sees: the form is filled and Generate pressed, characters are pointed at with
the mouse, and the inspector's, the candidates' and the lane statistics' DOM is read; then
window.tempera.generate / score are checked record by record, and the score view in the DOM.
Both the shipped model and the small model trained in the tests are used.

As in test_browser.py, the browser computes in float32 and the reference in float64, so a draw
whose uniform lies within 1e-6 of a cumulative-probability boundary may go either way: a lane
is compared only up to such a draw (any other difference fails), and the draw is reported.
"""

import json
import os
import unicodedata

import numpy as np
import pytest

from conftest import open_page, run_cli
from tempera.bundle import load_bundle
from tempera.generate import Generator
from tempera.likelihood import lane_distribution, rank_of

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BACKENDS = ["webgl", "wasm", "cpu"]
MODES = ["stateful", "window"]
SHIPPED, SMALL = "nietzsche", "small"  # model ids served by the live_server fixture
TOLERANCE = 1e-4  # p, p-lane, entropy and statistics: the contract's
TIE = 1e-6  # ranks may differ only between candidates this close in probability
BOUNDARY = 1e-6  # a draw this close to a cumulative boundary may go either way
SAMPLES = 10  # characters pointed at per lane
CONTEXT_CHARS = 40  # what the inspector shows before a step (views/inspector.js)
TOP = 10  # candidates the inspector lists (likelihood.js TOP_CANDIDATES)

# One run per model and mode, typed into the page's form. Window mode re-reads maxlen characters
# per step (slow on SwiftShader's WebGL), so its runs are short. The seeds hold characters the
# models do not know (dropped) and, for the lowercase shipped model, capitals (folded).
FORM_RUNS = {
    (SHIPPED, "stateful"): dict(seed="The Will to Power 😀 § -- what is", temperatures=[0, 0.5, 1.0, 1.3],
                                length=240, rng=2026),
    (SHIPPED, "window"): dict(seed="Supposing that truth is a woman--what then? §",
                              temperatures=[0, 0.7, 1.0, 1.6], length=32, rng=77),
    (SMALL, "stateful"): dict(seed="the good will ☃ is", temperatures=[0, 0.5, 1.0, 1.2],
                              length=240, rng=5),
    (SMALL, "window"): dict(seed="Is the free spirit ☃ not", temperatures=[0, 0.6, 1.0, 1.5],
                            length=40, rng=9),
}
FORM_CASES = ([(SHIPPED, backend, mode) for backend in BACKENDS for mode in MODES]
              + [(SMALL, backend, mode) for backend in BACKENDS for mode in MODES])

API_RUNS = {
    "stateful": dict(seedText="What is noble? 😀", temperatures=[0, 0.3, 1.0, 2.0], length=300,
                     rngSeed=20261129),
    "window": dict(seedText="the free spirit §", temperatures=[0, 0.8, 1.2], length=24, rngSeed=3),
}

# Texts to score, each with characters the model does not know. Window scoring runs one
# window length after another below maxlen, so the texts stay short for WebGL.
SCORE_TEXTS = {
    SHIPPED: "Thus spoke Zarathustra — § the will 😀 to power!",
    SMALL: "Cafe\u0301 😀 永劫 says ☃ the Free spirit§",
}


# ---- the reference -------------------------------------------------------------------------
_REFERENCES = {}


def reference(models_dir, model):
    key = (models_dir, model)
    if key not in _REFERENCES:
        bundle = load_bundle(os.path.join(models_dir, model))
        _REFERENCES[key] = bundle, Generator(bundle.model, bundle.vocab, bundle.maxlen)
    return _REFERENCES[key]


def step_distributions(generator, seed_ids, generated_ids, mode):
    """The model's distribution (T = 1) at each generated step: step k is the distribution after
    the seed and the first k generated characters, as the lane drew from it. Stateful: one pass
    from a zero state (the seeds here are shorter than PRIME_CHARS, so this is the priming);
    window: the last maxlen characters from a zero state."""
    ids = np.concatenate([seed_ids, generated_ids]).astype(np.int64)
    assert len(seed_ids) < 2000
    out = list(generator.predictions(ids, mode))[len(seed_ids) - 1:]
    return np.array(out[:len(generated_ids)])


_CLI_SCORES = {}


def cli_score(models_dir, model, text, mode):
    """What `tempera score --json` prints, run once per text and mode."""
    key = (models_dir, model, text, mode)
    if key not in _CLI_SCORES:
        result = run_cli("score", os.path.join(models_dir, model), "--text", text, "--mode", mode,
                         "--json")
        assert result.returncode == 0, result.stderr
        _CLI_SCORES[key] = json.loads(result.stdout)
    return _CLI_SCORES[key]


# ---- comparing -----------------------------------------------------------------------------
def close(got, expected, where, tolerance=TOLERANCE):
    assert expected is not None and got is not None, f"{where}: {got!r} vs {expected!r}"
    assert abs(float(got) - float(expected)) <= tolerance, \
        f"{where}: page {float(got)!r}, reference {float(expected)!r} (|d| = {abs(float(got) - float(expected)):.3g})"


def check_rank(got, p, index, where):
    """Equal to the reference's rank, or within the span of candidates tied within TIE."""
    expected = rank_of(p, index)
    if int(got) == expected:
        return
    lowest = 1 + int(np.count_nonzero(p > p[index] + TIE))
    highest = int(np.count_nonzero(p >= p[index] - TIE))
    assert lowest <= int(got) <= highest, \
        f"{where}: rank {got} on the page, {expected} in the reference, with no tie within {TIE}"


# The statistics' names in lane-stats' dataset (views/lane-stats.js).
DATASET_NAMES = {"chars": "chars", "bits_per_char": "bitsPerChar", "entropy_bits": "entropyBits",
                 "top1_share": "top1Share", "distinct4": "distinct4"}


def check_statistics(got, expected, where, dataset=False):
    """A lane's statistics: the page's (str or number, '' / None for null) against the reference's;
    `dataset`: `got` is lane-stats' dataset, with its names."""
    for key, value in expected.items():
        shown = got[DATASET_NAMES[key] if dataset else key]
        if value is None:
            assert shown in ("", None), f"{where} {key}: {shown!r}, reference null"
        elif key == "chars":
            assert int(shown) == value, f"{where} chars: {shown!r}, reference {value}"
        else:
            assert shown not in ("", None), f"{where} {key}: empty, reference {value}"
            close(shown, value, f"{where} {key}")


def first_difference(a: str, b: str):
    """Index of the first differing character of two texts (None when equal)."""
    if a == b:
        return None
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def boundary_distance(p, temperature, u):
    """How far the uniform u lies from a cumulative boundary of the lane's distribution (for
    T = 0, how close the two most likely characters are)."""
    if temperature == 0:
        top = np.sort(p)[-2:]
        return float(top[1] - top[0])
    cumulative = np.cumsum(lane_distribution(p, temperature))
    return float(np.min(np.abs(cumulative / cumulative[-1] - u)))


def compared_length(got_text, reference_lane, distributions, where, notes):
    """How many leading characters of a lane can be compared: all of them, or up to a draw
    within BOUNDARY of a boundary; any other difference fails."""
    expected = reference_lane.text
    first = first_difference(got_text, expected)
    if first is None:
        return len(expected)
    assert len(got_text) == len(expected), f"{where}: {len(got_text)} chars, reference {len(expected)}"
    distance = boundary_distance(distributions[first], reference_lane.temperature,
                                 reference_lane.records.u[first])
    assert distance < BOUNDARY, \
        f"{where}: differs at char {first} ({got_text[first]!r} vs {expected[first]!r}), " \
        f"{distance:.2e} from a boundary: {got_text!r} vs {expected!r}"
    notes.append(f"{where} char {first}: {distance:.1e} from a boundary")
    return first


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
@pytest.fixture(scope="module")
def pages(browser, live_server):
    """pages(model, backend): one page each, opened when first asked for, kept for the module."""
    opened = {}

    def get(model, backend):
        if (model, backend) not in opened:
            page = open_page(browser, f"{live_server}?backend={backend}&model={model}")
            assert page.text_content("[data-testid=error]") == ""
            assert page.evaluate("window.tempera.backend") == backend
            assert page.evaluate("window.tempera.model") == model
            opened[(model, backend)] = page
        return opened[(model, backend)]

    yield get
    for page in opened.values():
        page.close()


def js_number(value) -> str:
    """A temperature as JavaScript's String() writes it (for the few used here)."""
    return f"{value:g}"


def fill_form(page, seed, temperatures, length, rng, mode):
    page.fill("[data-testid=seed-input]", seed)
    page.fill("[data-testid=length]", str(length))
    page.fill("[data-testid=rng-seed]", str(rng))
    page.select_option("[data-testid=mode]", mode)
    lanes = page.locator("[data-testid=lane]")
    while lanes.count() > len(temperatures):
        lanes.last.locator("[data-testid=remove-lane]").click()
    while lanes.count() < len(temperatures):
        page.click("[data-testid=add-lane]")
    fields = page.locator("[data-testid=lane-temperature]")
    for lane, temperature in enumerate(temperatures):
        fields.nth(lane).fill(js_number(temperature))


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
def test_the_inspector_and_statistics_equal_the_reference(pages, models_dir, model, backend, mode):
    page = pages(model, backend)
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


def test_likelihood_off_gives_plain_lanes_and_on_brings_them_back(pages, models_dir):
    page = pages(SHIPPED, "wasm")
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


# ---- 3: window.tempera against the reference and `tempera score --json` -----------------
def check_records(got_steps, text, records, where, with_u=True):
    """window.tempera's per-character records against the reference's StepRecords."""
    assert len(got_steps) == len(text) == len(records.p), where
    for k, step in enumerate(got_steps):
        at = f"{where} char {k}"
        assert step["char"] == text[k], at
        close(step["p"], records.p[k], f"{at} p")
        close(step["entropy_bits"], records.entropy_bits[k], f"{at} entropy_bits")
        if with_u:
            assert step["u"] == records.u[k], f"{at} u"
        else:
            assert "u" not in step, at


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("mode", MODES)
def test_window_tempera_generate_records_and_stats_equal_the_reference(pages, models_dir, backend, mode):
    page = pages(SHIPPED, backend)
    options = {**API_RUNS[mode], "mode": mode}
    bundle, generator = reference(models_dir, SHIPPED)
    vocab = bundle.vocab
    seed_ids = vocab.encode_seed(options["seedText"]).ids
    got = page.evaluate("(o) => window.tempera.generate(o)", options)
    lanes = generator.generate(seed_ids, options["temperatures"], options["length"],
                               options["rngSeed"], mode, records=True)
    notes = []
    for index, (got_lane, lane) in enumerate(zip(got["lanes"], lanes, strict=True)):
        where = f"{backend} {mode} lane {index + 1} (T = {lane.temperature})"
        assert got_lane["temperature"] == lane.temperature
        reference_json = lane.as_json()
        assert set(got_lane) == set(reference_json), where
        assert all(set(step) == set(reference_json["steps"][0]) for step in got_lane["steps"]), where
        distributions = step_distributions(generator, seed_ids, vocab.encode(lane.text), mode)
        upto = compared_length(got_lane["text"], lane, distributions, where, notes)
        check_records(got_lane["steps"][:upto], lane.text[:upto], _head(lane.records, upto), where)
        for k in range(upto):
            check_rank(got_lane["steps"][k]["rank"], distributions[k], vocab.index[lane.text[k]],
                       f"{where} char {k} rank")
        if upto == len(lane.text):
            assert set(got_lane["stats"]) == set(reference_json["stats"]), where
            check_statistics(got_lane["stats"], lane.statistics(), f"{where} stats")
    print(f"{backend} {mode}: {len(notes)} near-boundary draw(s) {notes}")


def _head(records, count):
    from tempera.likelihood import StepRecords

    return StepRecords(records.p[:count], records.rank[:count], records.entropy_bits[:count],
                       None if records.u is None else records.u[:count])


def check_score(got, expected, generator, vocab, mode, where):
    """window.tempera.score's result against `tempera score --json`'s."""
    assert set(got) == set(expected), f"{where}: keys {sorted(got)} vs {sorted(expected)}"
    for key in ("mode", "text", "scored", "dropped", "dropped_chars"):
        assert got[key] == expected[key], f"{where} {key}: {got[key]!r} vs {expected[key]!r}"
    close(got["bits_per_char"], expected["bits_per_char"], f"{where} bits_per_char")
    close(got["nats_per_char"], expected["nats_per_char"], f"{where} nats_per_char")
    assert len(got["chars"]) == len(expected["chars"]) == expected["scored"]
    ids = vocab.encode(expected["text"])
    distributions = list(generator.predictions(ids, mode))
    for k, (mine, theirs) in enumerate(zip(got["chars"], expected["chars"])):
        at = f"{where} char {k} {theirs['char']!r}"
        assert set(mine) == set(theirs) == {"char", "p", "rank", "entropy_bits"}, at
        assert mine["char"] == theirs["char"], at
        close(mine["p"], theirs["p"], f"{at} p")
        close(mine["entropy_bits"], theirs["entropy_bits"], f"{at} entropy_bits")
        assert rank_of(distributions[k], ids[k + 1]) == theirs["rank"], at
        check_rank(mine["rank"], distributions[k], ids[k + 1], f"{at} rank")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("mode", MODES)
def test_window_tempera_score_equals_the_cli(pages, models_dir, backend, mode):
    text = SCORE_TEXTS[SHIPPED]
    bundle, generator = reference(models_dir, SHIPPED)
    expected = cli_score(models_dir, SHIPPED, text, mode)
    encoding = bundle.vocab.encode_seed(text, what="text")
    assert expected["dropped_chars"] == ["—", "§", "😀"] and expected["dropped"] == 3
    assert encoding.folded  # capitals, for a lowercase model
    direct = generator.score(encoding.ids, mode)  # the CLI prints what Generator.score gives
    assert np.allclose(direct.records.p, [c["p"] for c in expected["chars"]], rtol=0, atol=1e-12)
    got = pages(SHIPPED, backend).evaluate("([t, m]) => window.tempera.score(t, m)", [text, mode])
    check_score(got, expected, generator, bundle.vocab, mode, f"{backend} {mode}")


@pytest.mark.parametrize("backend, mode", [("wasm", "stateful"), ("wasm", "window"), ("cpu", "window")])
def test_the_small_model_scores_and_generates_like_the_reference(pages, models_dir, backend, mode):
    bundle, generator = reference(models_dir, SMALL)
    vocab = bundle.vocab
    text = SCORE_TEXTS[SMALL]
    expected = cli_score(models_dir, SMALL, text, mode)
    assert "☃" in expected["dropped_chars"] and expected["dropped"] >= 2
    assert {"😀", "永", "劫", "\u0301"} <= set(expected["text"])  # rare characters are scored
    page = pages(SMALL, backend)
    got = page.evaluate("([t, m]) => window.tempera.score(t, m)", [text, mode])
    check_score(got, expected, generator, vocab, mode, f"small {backend} {mode}")
    seed = "the strong soul ☃"
    options = {"seedText": seed, "temperatures": [0, 1.0, 1.5], "length": 200 if mode == "stateful" else 40,
               "rngSeed": 12, "mode": mode}
    got = page.evaluate("(o) => window.tempera.generate(o)", options)
    seed_ids = vocab.encode_seed(seed).ids
    lanes = generator.generate(seed_ids, options["temperatures"], options["length"], 12, mode)
    notes = []
    for index, (got_lane, lane) in enumerate(zip(got["lanes"], lanes, strict=True)):
        where = f"small {backend} {mode} lane {index + 1}"
        distributions = step_distributions(generator, seed_ids, vocab.encode(lane.text), mode)
        upto = compared_length(got_lane["text"], lane, distributions, where, notes)
        check_records(got_lane["steps"][:upto], lane.text[:upto], _head(lane.records, upto), where)
        for k in range(upto):
            check_rank(got_lane["steps"][k]["rank"], distributions[k], vocab.index[lane.text[k]],
                       f"{where} char {k} rank")
        if upto == len(lane.text):
            check_statistics(got_lane["stats"], lane.statistics(), f"{where} stats")
    print(f"small {backend} {mode}: {len(notes)} near-boundary draw(s) {notes}")


# ---- 4: the score view ---------------------------------------------------------------------
def score_from_page(page, text, mode):
    page.fill("[data-testid=score-input]", text)
    page.select_option("[data-testid=score-mode]", mode)
    page.click("[data-testid=score-run]")
    page.wait_for_function("""() => !document.querySelector('[data-testid=score-run]').disabled
        && /^(Scored|Scoring failed)/.test(document.querySelector('[data-testid=status]').textContent)""",
                           timeout=120_000)


SCORE_VIEW_CASES = [(SHIPPED, backend, mode) for backend in BACKENDS for mode in MODES] + [(SMALL, "wasm", "window")]


@pytest.mark.parametrize("model, backend, mode", SCORE_VIEW_CASES)
def test_the_score_view_equals_the_reference(pages, models_dir, model, backend, mode):
    page = pages(model, backend)
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
    distributions = list(generator.predictions(encoding.ids, mode))
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
def test_a_text_too_short_to_score_is_an_error_not_a_crash(pages, models_dir, text, message):
    page = pages(SHIPPED, "wasm")
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
