"""Scoring a text against generating one lane, in characters per second, in NumPy and in the page.

    .venv/bin/python bench/score_speed.py [--repeats 5] [--chars 20000] [--no-page]

Both run the same LSTM step per character; scoring is given the text, so it can run each layer
over a block of characters and the output layer and records once per block. NumPy (the shipped
model, stateful): `Generator.score` against `Generator.generate` of one lane (with and without
its records), and the one-step-at-a-time scorer that `score` replaced, interleaved, medians.
The page (Chromium, wasm, served by `tempera serve`): `window.tempera.score` against
`window.tempera.generate` of one lane at T = 1, in the same page, interleaved, medians. The
text is the start of the Nietzsche corpus where ../shared/corpora holds it, else a repeated
sentence.
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from harness import launch_chromium, serving  # noqa: E402
from tempera.bundle import load_bundle  # noqa: E402
from tempera.generate import Generator  # noqa: E402
from tempera.likelihood import StepRecords  # noqa: E402

CORPUS = os.path.join(ROOT, "..", "shared", "corpora", "nietzsche.txt")
GENERATED = 2000  # characters a generation run makes


def sample_text(chars: int) -> str:
    if os.path.isfile(CORPUS):
        with open(CORPUS, encoding="utf-8") as handle:
            text = handle.read(chars)
        if len(text) == chars:
            return text
    sentence = "the free spirit is not the slave of its own will, nor of its own doubt. "
    return (sentence * (chars // len(sentence) + 1))[:chars]


def step_by_step_score(model, ids):
    """The scorer that Generator.score replaced: one step, one softmax and one record a character."""
    records = StepRecords.empty(len(ids) - 1, with_u=False)
    state = model.zero_state(1)
    for position, char in enumerate(ids[:-1]):
        probabilities, state = model.step([char], state)
        records.record(position, probabilities[0], ids[position + 1], probabilities[0])
    return records


def rate(run, chars):
    started = time.perf_counter()
    run()
    return chars / (time.perf_counter() - started)


def numpy_rates(text, repeats):
    bundle = load_bundle(os.path.join(ROOT, "models", "nietzsche"))
    generator = Generator(bundle.model, bundle.vocab, bundle.maxlen)
    ids = bundle.vocab.encode_seed(text, what="text").ids
    old_ids = ids[:len(ids) // 4]  # the old scorer is slow: a quarter of the text
    runs = {
        "score": (lambda: generator.score(ids, "stateful"), len(ids) - 1),
        "score, one step at a time (before)": (lambda: step_by_step_score(bundle.model, old_ids),
                                               len(old_ids) - 1),
        "generate 1 lane, no records": (lambda: generator.generate(ids[:50], [1.0], GENERATED, 1,
                                                                   records=False), GENERATED),
        "generate 1 lane, with records": (lambda: generator.generate(ids[:50], [1.0], GENERATED, 1,
                                                                     records=True), GENERATED),
    }
    rates = {name: [] for name in runs}
    for _ in range(repeats):
        for name, (run, chars) in runs.items():
            rates[name].append(rate(run, chars))
    return {name: statistics.median(values) for name, values in rates.items()}


PAGE_RATES = """async ([text, generated, repeats]) => {
  await window.tempera.ready;
  const rates = { score: [], generateNoRecords: [], generateRecords: [] };
  const time = async (run, chars) => {
    const started = performance.now();
    await run();
    return chars / ((performance.now() - started) / 1000);
  };
  const lane = (records, rngSeed) => window.tempera.generate({ seedText: text.slice(0, 50),
    temperatures: [1.0], length: generated, rngSeed, mode: 'stateful', records });
  for (let i = 0; i < repeats; i++) {
    const scored = await window.tempera.score(text, 'stateful');
    rates.score.push(await time(() => window.tempera.score(text, 'stateful'), scored.scored));
    rates.generateNoRecords.push(await time(() => lane(false, i), generated));
    rates.generateRecords.push(await time(() => lane(true, i), generated));
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { score: median(rates.score), generateNoRecords: median(rates.generateNoRecords),
           generateRecords: median(rates.generateRecords), backend: window.tempera.backend };
}"""


def page_rates(text, repeats):
    from playwright.sync_api import sync_playwright

    with serving(quiet=True) as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.goto(f"{url}?backend=wasm")
            page.wait_for_function("() => window.tempera !== undefined")
            return page.evaluate(PAGE_RATES, [text, GENERATED, repeats])
        finally:
            browser.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--chars", type=int, default=20000, help="characters of text to score")
    parser.add_argument("--no-page", action="store_true", help="NumPy only")
    args = parser.parse_args()
    text = sample_text(args.chars)
    rates = numpy_rates(text, args.repeats)
    baseline = rates["generate 1 lane, no records"]
    print(f"NumPy, shipped model, stateful, {args.chars:,} characters scored, "
          f"{GENERATED:,} generated, median of {args.repeats}")
    print("| run | chars/s | / generating 1 lane (no records) |")
    print("|---|---|---|")
    for name, value in rates.items():
        print(f"| {name} | {value:,.0f} | {value / baseline:.2f} |")
    if args.no_page:
        return
    page = page_rates(text, args.repeats)
    print(f"\nPage ({page['backend']}), window.tempera, median of {args.repeats}")
    print("| run | chars/s | / generating 1 lane (no records) |")
    print("|---|---|---|")
    for name, key in (("score", "score"), ("generate 1 lane, no records", "generateNoRecords"),
                      ("generate 1 lane, with records", "generateRecords")):
        print(f"| {name} | {page[key]:,.0f} | {page[key] / page['generateNoRecords']:.2f} |")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
