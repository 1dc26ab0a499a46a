"""What the tests share that is not a fixture: paths, the small corpus, the real command line,
opening a page, and the comparisons that hold the page against the NumPy reference.

The page computes the model in float32 and the reference in float64, so a draw whose uniform
lies within BOUNDARY of a cumulative-probability boundary, or a filter's cut within BOUNDARY of
a candidate, may go either way: a lane is compared up to such a step (reported), and any other
difference fails.
"""

import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tempera.bundle import load_bundle  # noqa: E402
from tempera.generate import Generator  # noqa: E402
from tempera.likelihood import StepRecords, rank_of  # noqa: E402
from tempera.sampling import lane_weights, reweight  # noqa: E402

ARTIFACTS = os.path.join(ROOT, "test-artifacts")
SHIPPED_BUNDLE = os.path.join(ROOT, "models", "nietzsche")
# Where a copy of the Nietzsche corpus may be: a path given in the environment, the team's
# shared folder beside the checkout, and Keras's download cache. None is needed by any test.
NIETZSCHE_COPIES = [os.environ.get("TEMPERA_NIETZSCHE", ""),
                    os.path.join(os.path.dirname(ROOT), "shared", "corpora", "nietzsche.txt"),
                    os.path.join(os.path.expanduser("~"), ".keras", "datasets", "nietzsche.txt")]

# Characters far from ASCII: an emoji (outside the BMP: two UTF-16 units, one character),
# CJK, a combining acute accent (U+0301) and a right-to-left mark (U+200F).
RARE_CHARS = "😀永劫回帰\u0301\u200f"

# A little text with real structure, so a tiny LSTM learns something in two epochs; every
# tenth line carries the rare characters, which must survive training, export and the page.
SMALL_TEXT = "".join(
    f"The {a} {b} is {c}. Is the {a} not {c}? ({n}) Perhaps; the {b} says so!\n"
    + (f"Cafe\u0301 😀 永劫回帰 \u200fsays the {a} {b}.\n" if n % 10 == 0 else "")
    for n, (a, b, c) in enumerate(
        (a, b, c)
        for a in ("free", "good", "old", "strong")
        for b in ("spirit", "will", "truth", "morality", "soul")
        for c in ("deep", "noble", "a mask", "becoming", "ours")))


def nietzsche_copy():
    """The first copy of the Nietzsche corpus found, or None."""
    return next((path for path in NIETZSCHE_COPIES if path and os.path.isfile(path)), None)


def run_cli(*args, env=None, timeout=600):
    """Run the real `tempera` command in a fresh process."""
    merged = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "tempera", *args], capture_output=True,
                          text=True, timeout=timeout, env=merged, cwd=ROOT)


def open_page(browser, url: str):
    """A new page at `url`, waiting until window.tempera.ready has settled."""
    page = browser.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(url)
    page.wait_for_function("() => window.tempera !== undefined")
    page.evaluate("window.tempera.ready.then(() => true, () => false)")
    return page


# ---- the reference and how close the page must come to it --------------------------------
TOLERANCE = 1e-4  # p, q, entropy, statistics and scores: the contract's
TIE = 1e-6  # ranks may differ only between candidates this close in probability
BOUNDARY = 1e-6  # a decision this close to going another way may go either way

_REFERENCES = {}


def reference(folder):
    """(bundle, Generator) of the bundle in `folder`, read once."""
    if folder not in _REFERENCES:
        bundle = load_bundle(folder)
        _REFERENCES[folder] = bundle, Generator(bundle.model, bundle.vocab, bundle.maxlen)
    return _REFERENCES[folder]


def predictions(generator, ids, mode):
    """[len(ids) - 1, vocabulary]: the reference's distribution after each prefix of `ids`,
    whether Generator.predictions yields them one by one or in (start, rows) blocks."""
    rows = []
    for item in generator.predictions(np.asarray(ids, dtype=np.int64), mode):
        if isinstance(item, tuple):
            rows.extend(item[1])
        else:
            rows.append(item)
    return np.array(rows)


def step_distributions(generator, seed_ids, generated_ids, mode):
    """The model's distribution (T = 1) at each generated step: step k is the distribution after
    the seed and the first k generated characters, as the lane drew from it. Stateful: one pass
    from a zero state (the seeds here are shorter than PRIME_CHARS, so this is the priming);
    window: the last maxlen characters from a zero state."""
    ids = np.concatenate([seed_ids, generated_ids]).astype(np.int64)
    assert len(seed_ids) < 2000
    return predictions(generator, ids, mode)[len(seed_ids) - 1:][:len(generated_ids)]


class Distributions:
    """step_distributions, computed when first read: a lane that equals the reference's, rank
    for rank, never needs them (window mode re-reads maxlen characters per step)."""

    def __init__(self, generator, seed_ids, generated_ids, mode):
        self.arguments = (generator, seed_ids, generated_ids, mode)
        self.rows = None

    def __getitem__(self, step):
        if self.rows is None:
            self.rows = step_distributions(*self.arguments)
        return self.rows[step]


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


def decision_margin(p, temperature, filters, u):
    """How close step `p`'s draw came to going another way: the least distance, in shares of
    the lane's mass, of u from a cumulative boundary and of each filter from its cut (for
    T = 0, how close the two most likely characters are)."""
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
    """How many leading characters of a reference `lane` (with records) the page's text can be
    compared over: all of them, or up to a step that came within BOUNDARY of going another
    way; any other difference fails."""
    expected = lane.text
    first = first_difference(got_text, expected)
    if first is None:
        return len(expected)
    assert len(got_text) == len(expected), f"{where}: {len(got_text)} chars, reference {len(expected)}"
    margin = decision_margin(distributions[first], lane.temperature, lane.filters,
                             lane.records.u[first])
    assert margin < BOUNDARY, \
        f"{where}: differs at char {first} ({got_text[first]!r} vs {expected[first]!r}), " \
        f"{margin:.2e} from any boundary or cut: {got_text!r} vs {expected!r}"
    notes.append(f"{where} char {first}: {margin:.1e} from a boundary")
    return first


def head(records, count):
    """The first `count` steps of a StepRecords."""
    return StepRecords(records.p[:count], records.rank[:count], records.entropy_bits[:count],
                       None if records.u is None else records.u[:count])


def check_records(got_steps, text, records, distributions, vocab, where):
    """window.tempera's per-character records against the reference's StepRecords: the same
    characters, p and entropy within TOLERANCE, the same u, ranks equal up to ties."""
    assert len(got_steps) == len(text) == len(records.p), where
    for k, step in enumerate(got_steps):
        at = f"{where} char {k}"
        assert step["char"] == text[k], at
        close(step["p"], records.p[k], f"{at} p")
        close(step["entropy_bits"], records.entropy_bits[k], f"{at} entropy_bits")
        assert step["u"] == records.u[k], f"{at} u"
        if int(step["rank"]) != int(records.rank[k]):  # only a tie may explain it
            check_rank(step["rank"], distributions[k], vocab.index[text[k]], f"{at} rank")


def check_score(got, expected, generator, vocab, mode, where):
    """window.tempera.score's result against what `tempera score --json` prints."""
    assert set(got) == set(expected), f"{where}: keys {sorted(got)} vs {sorted(expected)}"
    for key in ("mode", "text", "scored", "dropped", "dropped_chars"):
        assert got[key] == expected[key], f"{where} {key}: {got[key]!r} vs {expected[key]!r}"
    close(got["bits_per_char"], expected["bits_per_char"], f"{where} bits_per_char")
    close(got["nats_per_char"], expected["nats_per_char"], f"{where} nats_per_char")
    assert len(got["chars"]) == len(expected["chars"]) == expected["scored"]
    ids = vocab.encode(expected["text"])
    distributions = Distributions(generator, ids[:1], ids[1:], mode)  # read only for a tie
    for k, (mine, theirs) in enumerate(zip(got["chars"], expected["chars"])):
        at = f"{where} char {k} {theirs['char']!r}"
        assert set(mine) == set(theirs) == {"char", "p", "rank", "entropy_bits"}, at
        assert mine["char"] == theirs["char"], at
        close(mine["p"], theirs["p"], f"{at} p")
        close(mine["entropy_bits"], theirs["entropy_bits"], f"{at} entropy_bits")
        if mine["rank"] != theirs["rank"]:
            check_rank(mine["rank"], distributions[k], ids[k + 1], f"{at} rank")


def reference_score(generator, vocab, text, mode):
    """What `tempera score --json` prints for `text`, computed in this process."""
    encoding = vocab.encode_seed(text, what="text")
    score = generator.score(encoding.ids, mode)
    return {"mode": mode, **score.as_json(encoding.dropped, encoding.dropped_count)}


def compare_lanes(page, models_dir, seed_text, rng_seed, mode, length=200,
                  temperatures=(0.2, 0.5, 1.0, 1.2)):
    """window.tempera.generate's lanes on the shipped model against the reference's texts;
    the steps that came within BOUNDARY of going another way, as notes."""
    bundle, generator = reference(os.path.join(models_dir, "nietzsche"))
    seed_ids = bundle.vocab.encode_seed(seed_text).ids
    got = page.evaluate("(o) => window.tempera.generate(o)", {
        "seedText": seed_text, "temperatures": list(temperatures), "length": length,
        "rngSeed": rng_seed, "mode": mode})
    expected = generator.generate(seed_ids, list(temperatures), length, rng_seed, mode, records=True)
    notes = []
    for index, (page_lane, lane) in enumerate(zip(got["lanes"], expected, strict=True)):
        assert page_lane["temperature"] == lane.temperature
        distributions = Distributions(generator, seed_ids, bundle.vocab.encode(lane.text), mode)
        compared_length(page_lane["text"], lane, distributions, f"{mode} lane {index}", notes)
    return notes
