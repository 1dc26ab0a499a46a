"""Steps per second of the NumPy reference sampler, 1 and 4 lanes, both modes.

    .venv/bin/python bench/numpy_sampler.py [--bundle models/nietzsche] [--repeats 5]
"""

import argparse
import statistics
import time

from tempera.bundle import load_bundle
from tempera.generate import Generator
from tempera.sampling import NOTEBOOK_TEMPERATURES

TEMPERATURES = list(NOTEBOOK_TEMPERATURES)


def steps_per_second(generator, seed_ids, lanes, mode, length, repeats):
    rates = []
    for repeat in range(repeats):
        started = time.perf_counter()
        generator.generate(seed_ids, TEMPERATURES[:lanes], length, rng_seed=repeat, mode=mode,
                           records=False)
        rates.append(length / (time.perf_counter() - started))
    return statistics.median(rates)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default="models/nietzsche")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    bundle = load_bundle(args.bundle)
    generator = Generator(bundle.model, bundle.vocab, bundle.maxlen)
    seed_ids = bundle.vocab.encode_seed("the free spirit " * 4).ids
    print(f"NumPy reference sampler, {args.bundle}, median of {args.repeats} runs")
    print("| mode | lanes | steps/s | chars/s (all lanes) |")
    print("|---|---|---|---|")
    for mode, length in (("stateful", 2000), ("window", 100)):
        for lanes in (1, 4):
            rate = steps_per_second(generator, seed_ids, lanes, mode, length, args.repeats)
            print(f"| {mode} | {lanes} | {rate:,.0f} | {rate * lanes:,.0f} |")


if __name__ == "__main__":
    main()
