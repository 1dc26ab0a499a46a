"""Generation speed, latency and memory in a real Chromium, per TensorFlow.js backend.

    .venv/bin/python bench/browser.py [--backends webgl wasm cpu] [--repeats 3]
    .venv/bin/python bench/browser.py --likelihood-only [--repeats 5]
    .venv/bin/python bench/browser.py --filters-only [--repeats 7]
    .venv/bin/python bench/browser.py --threads-only [--repeats 5]

Serves the shipped model with `tempera serve` on loopback, drives window.tempera.generate (the
speed and memory tables without likelihood records, to measure the generator alone) and the
page's own Generate button, and prints a table per measure. Every ratio is measured within
one run, same machine, same backend. The likelihood measures (what the colours, inspector
records and live statistics cost) and the filters' cost (top-k, top-p and min-p on in every
lane against temperature alone) run on wasm. --threads-only measures WASM threads as the page
runs them when asked (`tempera serve`, `?threads=2`) against one thread (the same site without
the isolation headers), and also times the WASM step's matMuls against the whole step in a page
of its own (bench/wasm_step_parts.js), to show how much of the 4-lane / 1-lane ratio is
arithmetic. bench/busy_machine.py compares the page's default with one thread on a busy machine.
"""

import argparse
import os
import statistics
import sys

from playwright.sync_api import sync_playwright

from numpy_sampler import steps_per_second
from tempera.bundle import load_bundle
from tempera.generate import Generator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from harness import (CLICK_DELAYS, HEAP_PROBE, launch_chromium, serving, serving_static,  # noqa: E402
                     serving_static_with_headers)

SEED = "the free spirit is not the slave of its own will, "

TIMED_RUN = """async ([options, repeats]) => {
  const rates = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    await window.tempera.generate({ ...options, rngSeed: i, records: false });
    rates.push(options.length / ((performance.now() - started) / 1000));
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)];
}"""

FIRST_CHAR = """async () => {
  await window.tempera.ready;
  const loaded = performance.getEntriesByType('navigation')[0].loadEventEnd;
  const readyAt = performance.now();
  document.querySelector('[data-testid=generate]').click();
  await new Promise((resolve) => {
    const check = () => document.querySelector('[data-testid=lane-text]').textContent.length > 0
      ? resolve() : requestAnimationFrame(check);
    check();
  });
  const shown = performance.now();
  document.querySelector('[data-testid=stop]').click();
  return { readyAfterLoad: readyAt - loaded, firstCharAfterLoad: shown - loaded };
}"""

def measure_speed(page, repeats):
    rate = lambda mode, lanes, length: page.evaluate(TIMED_RUN, [{  # noqa: E731
        "seedText": SEED, "temperatures": [0.2, 0.5, 1.0, 1.2][:lanes], "length": length,
        "mode": mode}, repeats])
    return {"window1": rate("window", 1, 30), "stateful1": rate("stateful", 1, 2000),
            "stateful4": rate("stateful", 4, 2000), "window4": rate("window", 4, 30)}


def measure_memory(page, chars):
    return page.evaluate("""async (chars) => {
      const heap = """ + HEAP_PROBE + """;
      const before = window.tempera.memory().numTensors;
      const heapBefore = heap();
      await window.tempera.generate({ seedText: 'the', temperatures: [0.2, 0.5, 1.0, 1.2],
                                      length: chars, rngSeed: 1, mode: 'stateful', records: false });
      const heapAfter = heap();
      return { before, after: window.tempera.memory().numTensors, heapBefore, heapAfter };
    }""", chars)


PAGE_RUN = """async () => {
  const generate = document.querySelector('[data-testid=generate]');
  generate.click();
  await new Promise((resolve) => {
    const check = () => (generate.disabled ? setTimeout(check, 20) : resolve());
    setTimeout(check, 20);
  });
  // The run's speed is in the status's details (in the status itself on older pages).
  const status = (document.querySelector('[data-testid=status-details]') ??
    document.querySelector('[data-testid=status]')).textContent;
  return Number(/\\((\\d+) steps\\/s/.exec(status)[1]);
}"""

LONG_RUN_FACTS = """() => ({
  dataStepElements: document.querySelectorAll('[data-step]').length,
  laneTextElements: [...document.querySelectorAll('[data-testid=lane-text]')]
    .reduce((n, lane) => n + lane.getElementsByTagName('*').length, 0),
  chars: [...document.querySelectorAll('[data-testid=lane-text]')].reduce((n, lane) => n + lane.textContent.length, 0),
})"""

TIMED_SCORE = """async ([seedText, length]) => {
  let started = performance.now();
  const run = await window.tempera.generate({ seedText, temperatures: [1.0], length, rngSeed: 7, mode: 'stateful' });
  const generating = performance.now() - started;
  started = performance.now();
  const scored = await window.tempera.score(seedText.slice(-1) + run.lanes[0].text, 'stateful');
  return { generating, scoring: performance.now() - started, scored: scored.scored };
}"""


# Every lane with all three filters on, at values a person would pick.
FILTERS = {"topK": 20, "topP": 0.9, "minP": 0.05}

TIMED_FILTERS = """async ([options, filters, records]) => {
  const started = performance.now();
  await window.tempera.generate({ ...options, ...filters, records });
  return options.length / ((performance.now() - started) / 1000);
}"""


def measure_filters(browser, url, repeats):
    """Steps/s of 4 lanes x 2,000 characters on wasm, temperature alone against all three
    filters on, interleaved; without records (the generator alone) and with them (the page's
    default, which also filters each lane's recorded distribution)."""
    page = browser.new_page()
    page.goto(f"{url}?backend=wasm")
    page.evaluate("window.tempera.ready")
    options = {"seedText": SEED, "temperatures": [0.2, 0.5, 1.0, 1.2], "length": 2000,
               "mode": "stateful", "rngSeed": 11}
    rates = {(filtered, records): [] for filtered in (False, True) for records in (False, True)}
    page.evaluate(TIMED_FILTERS, [options, FILTERS, True])  # warm-up
    for _ in range(repeats):
        for key in rates:
            rates[key].append(page.evaluate(TIMED_FILTERS, [options, FILTERS if key[0] else {}, key[1]]))
    page.close()
    return rates


def print_filters(rates):
    print(f"Filters on the page (wasm, shipped model, 4 lanes x 2,000 characters, stateful, "
          f"{len(rates[(False, False)])} interleaved runs each, medians); filters: top-k "
          f"{FILTERS['topK']}, top-p {FILTERS['topP']}, min-p {FILTERS['minP']} in every lane\n")
    print("| records | temperature alone (steps/s) | all three filters (steps/s) | filters / alone |")
    print("|---|---|---|---|")
    for records in (False, True):
        alone = statistics.median(rates[(False, records)])
        filtered = statistics.median(rates[(True, records)])
        print(f"| {'on' if records else 'off'} | {alone:,.0f} | {filtered:,.0f} | "
              f"{filtered / alone:.0%} (goal >= 80 %) |")


LANES_RUN = """async ([lanes, length]) => {
  const started = performance.now();
  await window.tempera.generate({ seedText: 'the free spirit', temperatures: [0.2, 0.5, 1.0, 1.2].slice(0, lanes),
                                  length, rngSeed: 5, mode: 'stateful', records: false });
  return length / ((performance.now() - started) / 1000);
}"""


THREADS = 2  # what --threads-only asks for on the isolated page (?threads=)


def measure_threads(browser, isolated_url, plain_url, repeats):
    """WASM steps/s for 1 and 4 lanes, cross-origin isolated with threads asked for (tempera
    serve, ?threads=THREADS) against the same site without the headers (one thread), interleaved."""
    pages = {}
    for name, url in (("isolated", f"{isolated_url}?backend=wasm&threads={THREADS}"),
                      ("plain", f"{plain_url}?backend=wasm")):
        page = browser.new_page()
        page.goto(url)
        page.evaluate("window.tempera.ready")
        page.evaluate(LANES_RUN, [4, 200])  # warm-up
        pages[name] = (page, page.evaluate("window.tempera.backendChoice"))
    rates = {(name, lanes): [] for name in pages for lanes in (1, 4)}
    for _ in range(repeats):
        for (name, lanes) in rates:
            rates[(name, lanes)].append(pages[name][0].evaluate(LANES_RUN, [lanes, 2000]))
    for page, _choice in pages.values():
        page.close()
    return {key: statistics.median(values) for key, values in rates.items()}, \
        {name: choice for name, (_page, choice) in pages.items()}


def add_step_parts_page(site):
    """bench/wasm_step_parts.js bundled into the built site as step-parts.html."""
    import subprocess

    subprocess.run([os.path.join(ROOT, "node_modules", ".bin", "esbuild"),
                    os.path.join(ROOT, "bench", "wasm_step_parts.js"), "--bundle", "--format=esm",
                    "--log-level=warning", f"--outfile={os.path.join(site, 'step-parts.js')}"],
                   cwd=ROOT, check=True)
    with open(os.path.join(site, "step-parts.html"), "w", encoding="utf-8") as page:
        page.write('<!doctype html><meta charset="utf-8"><title>step parts</title>'
                   '<script type="module" src="step-parts.js"></script>\n')


def measure_step_parts(browser, site, repeats):
    """The WASM step's matMuls alone and the whole step (no generator loop), 1 and 4 lanes,
    microseconds: the built site with its _headers honoured (isolated, ?threads=THREADS) and without."""
    add_step_parts_page(site)
    parts = {}
    for name, serve in (("plain", serving_static), ("isolated", serving_static_with_headers)):
        with serve(site) as url:
            page = browser.new_page()
            page.goto(f"{url}step-parts.html" + (f"?threads={THREADS}" if name == "isolated" else ""))
            page.wait_for_function("() => typeof window.stepParts === 'function'")
            parts[name] = page.evaluate("(options) => window.stepParts(options)",
                                        {"model": "nietzsche", "calls": 1000, "repeats": repeats})
            page.close()
    return parts


def measure_choice(browser, url, repeats):
    """The page's own choice (a fresh browser context: nothing remembered) against every backend
    forced, 4 lanes; and the time to the first character of that first visit."""
    rates, first, chosen = {}, None, None
    for backend in (None, "webgl", "wasm", "cpu"):
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{url}?len=100000" + (f"&backend={backend}" if backend else ""))
        if backend is None:
            first = page.evaluate(FIRST_CHAR)
            page.wait_for_function("() => !document.querySelector('[data-testid=generate]').disabled")
            chosen = page.evaluate("window.tempera.backendChoice")
        page.evaluate("window.tempera.ready")
        length = 150 if backend == "webgl" else 1000
        page.evaluate(LANES_RUN, [4, 50])
        rates[backend or "chosen"] = statistics.median(
            page.evaluate(LANES_RUN, [4, length]) for _ in range(repeats))
        context.close()
    return rates, first, chosen


def print_threads(rates, choices):
    print(f"WASM threads (cross-origin isolated by tempera serve, ?threads={THREADS}) against one thread "
          "(the same site from a server without the headers), stateful, 2,000 characters, medians:\n")
    print("| page | threads | 1 lane (steps/s) | 4 lanes (steps/s) | 4-lane time / 1-lane time |")
    print("|---|---|---|---|---|")
    for name in ("plain", "isolated"):
        one, four = rates[(name, 1)], rates[(name, 4)]
        print(f"| {name} | {choices[name]['threads']} | {one:,.0f} | {four:,.0f} | {one / four:.2f} (goal <= 1.5) |")
    print(f"\nOne lane, isolated / one thread: {rates[('isolated', 1)] / rates[('plain', 1)]:.0%} "
          "(goal: no slower)")


def print_step_parts(parts, rates):
    print("\nThe same step's parts, timed in a page of their own (bench/wasm_step_parts.js: the page's "
          "own step code, no generator loop), microseconds per step, medians:\n")
    print("| page | threads | matMuls, 1 lane | matMuls, 4 lanes | whole step, 1 lane | "
          "whole step, 4 lanes | matMuls: 4 / 1 | whole step: 4 / 1 |")
    print("|---|---|---|---|---|---|---|---|")
    for name in ("plain", "isolated"):
        p = parts[name]
        print(f"| {name} | {p['threads']} | {p['matMuls 1']:.0f} | {p['matMuls 4']:.0f} | {p['whole 1']:.0f} | "
              f"{p['whole 4']:.0f} | {p['matMuls 4'] / p['matMuls 1']:.2f} | {p['whole 4'] / p['whole 1']:.2f} |")
    # The lowest 4-lane / 1-lane ratio the isolated page could reach if every cost but the
    # matMuls' were the same for 4 lanes as for 1: the one-lane generation time, with the
    # 4-lane matMuls in place of the 1-lane ones.
    p = parts["isolated"]
    one_lane = 1e6 / rates[("isolated", 1)]
    floor = (one_lane - p["matMuls 1"] + p["matMuls 4"]) / one_lane
    print(f"\nIsolated, one lane generates a character in {one_lane:.0f} µs (the table above). With the "
          f"matMuls at their 4-lane time and every other cost at its 1-lane one, 4 lanes would take "
          f"{floor:.2f}x one lane's time (goal <= 1.5).")


def print_choice(rates, first, chosen):
    fastest = max(v for k, v in rates.items() if k != "chosen")
    print("\nThe backend the page chooses (fresh context, nothing remembered) against each backend "
          f"forced, 4 lanes, stateful, medians; chosen: {chosen['name']} ({chosen['reason']})\n")
    print("| backend | steps/s | of the fastest forced |")
    print("|---|---|---|")
    for name, rate in rates.items():
        print(f"| {name} | {rate:,.0f} | {rate / fastest:.0%} |")
    measured = chosen["measurement"]
    spent = f"{measured['ms']:.0f} ms measuring" if measured and not measured.get("cached") else "no measurement"
    print(f"\nFirst visit: first character {first['firstCharAfterLoad']:.0f} ms after the load event; {spent}.")


def set_page(page, length, likelihood):
    page.fill("[data-testid=length]", str(length))
    page.set_checked("[data-testid=likelihood-toggle]", likelihood)


def measure_likelihood(browser, url, repeats):
    """Steps/s through the page with colours and statistics on and off (interleaved), a
    100,000 x 4 run with colours on (clicks, heap, DOM), and scoring against generating."""
    page = browser.new_page(viewport={"width": 1300, "height": 1000})
    page.goto(f"{url}?backend=wasm&t=0.2,0.5,1.0,1.2")
    page.evaluate("window.tempera.ready")
    rates = {True: [], False: []}
    set_page(page, 2000, True)
    page.evaluate(PAGE_RUN)  # warm-up
    for _ in range(repeats):
        for likelihood in (True, False):
            set_page(page, 2000, likelihood)
            rates[likelihood].append(page.evaluate(PAGE_RUN))
    set_page(page, 100000, True)
    heap_before = page.evaluate(HEAP_PROBE)
    page.click("[data-testid=generate]")
    during = page.evaluate(CLICK_DELAYS, 40)
    page.wait_for_function("() => !document.querySelector('[data-testid=generate]').disabled",
                           timeout=600_000)
    seconds_status = page.text_content("[data-testid=status-details]")
    after = page.evaluate(CLICK_DELAYS, 20)
    heap_after = page.evaluate(HEAP_PROBE)
    facts = page.evaluate(LONG_RUN_FACTS)
    scoring = [page.evaluate(TIMED_SCORE, [SEED, 100000]) for _ in range(max(1, repeats // 2))]
    page.close()
    return {"rates": rates, "during": during, "after": after, "heap": (heap_before, heap_after),
            "facts": facts, "status": seconds_status, "scoring": scoring}


def print_likelihood(result):
    on, off = statistics.median(result["rates"][True]), statistics.median(result["rates"][False])
    print("Likelihood on the page (wasm, shipped model, 4 lanes x 2,000 characters through the "
          f"Generate button, {len(result['rates'][True])} interleaved runs each, medians)\n")
    print("| colours + statistics | steps/s (median) | all runs |")
    print("|---|---|---|")
    for likelihood, median in ((False, off), (True, on)):
        print(f"| {'on' if likelihood else 'off'} | {median:,.0f} | "
              f"{', '.join(f'{r:,}' for r in result['rates'][likelihood])} |")
    print(f"\nOn / off: {on / off:.0%} (goal >= 70 %)\n")
    during, after = result["during"], result["after"]
    before, grown = result["heap"]
    facts = result["facts"]
    print("100,000 characters x 4 lanes with colours on (wasm):\n")
    print("| click delay during (median / max ms) | after (median / max ms) | JS heap before / after, "
          "collected (MB) | characters in the lanes | [data-step] elements | elements in the lanes |")
    print("|---|---|---|---|---|---|")
    print(f"| {statistics.median(during):.1f} / {during[-1]:.1f} | {statistics.median(after):.1f} / "
          f"{after[-1]:.1f} | {before / 1e6:.1f} / {grown / 1e6:.1f} | {facts['chars']:,} | "
          f"{facts['dataStepElements']:,} | {facts['laneTextElements']:,} |")
    print(f"\n{result['status']}\n")
    generating = statistics.median(r["generating"] for r in result["scoring"])
    scoring = statistics.median(r["scoring"] for r in result["scoring"])
    print("| generating 100,000 characters, 1 lane (s) | scoring them (s) | scoring / generating |")
    print("|---|---|---|")
    print(f"| {generating / 1000:.1f} | {scoring / 1000:.1f} | {scoring / generating:.2f} (goal <= 2) |")


def build_site() -> str:
    """The shipped site in a temporary folder, to serve without tempera serve's headers."""
    import subprocess
    import tempfile

    out = os.path.join(tempfile.mkdtemp(prefix="tempera-bench-site-"), "site")
    subprocess.run([sys.executable, "-m", "tempera", "build-site", "--out", out], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["webgl", "wasm", "cpu"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-chars", type=int, default=10000)
    parser.add_argument("--likelihood-only", action="store_true",
                        help="only what the likelihood view costs (wasm)")
    parser.add_argument("--skip-likelihood", action="store_true",
                        help="leave out what the likelihood view costs")
    parser.add_argument("--filters-only", action="store_true",
                        help="only what top-k, top-p and min-p cost (wasm)")
    parser.add_argument("--threads-only", action="store_true",
                        help="only WASM threads against one thread, and the measured choice")
    args = parser.parse_args()
    results = {}
    with serving(quiet=True) as url:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            if args.filters_only:
                rates = measure_filters(browser, url, args.repeats)
                browser.close()
                print_filters(rates)
                return
            if args.threads_only:
                site = build_site()
                with serving_static(site) as plain_url:
                    threads = measure_threads(browser, url, plain_url, args.repeats)
                parts = measure_step_parts(browser, site, args.repeats)
                choice = measure_choice(browser, url, args.repeats)
                browser.close()
                print_threads(*threads)
                print_step_parts(parts, threads[0])
                print_choice(*choice)
                return
            likelihood = None if args.skip_likelihood else measure_likelihood(browser, url, args.repeats)
            if args.likelihood_only:
                browser.close()
                print_likelihood(likelihood)
                return
            for backend in args.backends:
                page = browser.new_page()
                page.goto(f"{url}?backend={backend}&len=100000")
                latency = page.evaluate(FIRST_CHAR)
                page.wait_for_function("() => !document.querySelector('[data-testid=generate]').disabled")
                speed = measure_speed(page, args.repeats)
                page.click("[data-testid=generate]")
                delays = page.evaluate(CLICK_DELAYS, 40)
                clicks = {"median": statistics.median(delays), "p95": delays[37], "max": delays[-1]}
                page.click("[data-testid=stop]")
                page.wait_for_function("() => !document.querySelector('[data-testid=generate]').disabled")
                memory = measure_memory(page, args.memory_chars)
                results[backend] = (speed, latency, clicks, memory)
                page.close()
            page = browser.new_page()
            page.goto(url)
            page.evaluate("window.tempera.ready")
            chosen = page.text_content("[data-testid=backend]")
            reason = page.get_attribute("[data-testid=backend]", "title")
            browser.close()

    bundle = load_bundle(os.path.join(ROOT, "models", "nietzsche"))
    reference = Generator(bundle.model, bundle.vocab, bundle.maxlen)
    seed_ids = bundle.vocab.encode_seed(SEED).ids
    numpy_rates = {lanes: steps_per_second(reference, seed_ids, lanes, "stateful", 2000, args.repeats)
                   for lanes in (1, 4)}

    print(f"Chromium, shipped model, median of {args.repeats} runs; default backend here: {chosen} ({reason})\n")
    print("| backend | window 1 lane (chars/s) | stateful 1 lane | stateful / window | "
          "stateful 4 lanes (steps/s) | 4-lane time / 1-lane time |")
    print("|---|---|---|---|---|---|")
    for backend, (speed, *_rest) in results.items():
        print(f"| {backend} | {speed['window1']:,.1f} | {speed['stateful1']:,.0f} | "
              f"{speed['stateful1'] / speed['window1']:,.0f}x | {speed['stateful4']:,.0f} | "
              f"{speed['stateful1'] / speed['stateful4']:.2f} |")
    print(f"\nThe NumPy reference in the same run, stateful, same seed: {numpy_rates[1]:,.0f} steps/s "
          f"for 1 lane, {numpy_rates[4]:,.0f} for 4 lanes.\n")
    print("| backend | browser / NumPy, 1 lane | browser / NumPy, 4 lanes |")
    print("|---|---|---|")
    for backend, (speed, *_rest) in results.items():
        print(f"| {backend} | {speed['stateful1'] / numpy_rates[1]:.0%} | "
              f"{speed['stateful4'] / numpy_rates[4]:.0%} |")
    print("\n| backend | ready after load (ms) | first char after load (ms) | click delay while "
          "generating, median / p95 / max (ms) | tensors before / after "
          f"{args.memory_chars:,} chars x 4 lanes | JS heap before / after, collected (MB) |")
    print("|---|---|---|---|---|---|")
    for backend, (_speed, latency, clicks, memory) in results.items():
        heap = f"{memory['heapBefore'] / 1e6:.1f} / {memory['heapAfter'] / 1e6:.1f}"
        print(f"| {backend} | {latency['readyAfterLoad']:.0f} | {latency['firstCharAfterLoad']:.0f} | "
              f"{clicks['median']:.1f} / {clicks['p95']:.1f} / {clicks['max']:.1f} | "
              f"{memory['before']} / {memory['after']} | {heap} |")
    if likelihood:
        print()
        print_likelihood(likelihood)


if __name__ == "__main__":
    main()
