"""How long the held-out baselines take (letter frequencies and the Kneser-Ney 5-gram).

    .venv/bin/python bench/baselines.py [--corpus PATH] [--megabytes 1 10 30 100] [--repeats 3]

Times tempera.baselines.measure_baselines on the corpus's ids (the Nietzsche corpus by default)
and on texts of the given sizes made of its words drawn at random (so the held-out part is not
a copy of the training part, and the number of distinct n-grams grows with the text). Reports the
median seconds, characters per second and the peak memory NumPy allocates (tracemalloc) in a
separate run.
"""

import argparse
import os
import statistics
import sys
import time
import tracemalloc

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tempera.baselines import MAX_NGRAM_TRAINING_CHARS, measure_baselines  # noqa: E402
from tempera.training.corpus import fetch_nietzsche, load_corpus  # noqa: E402


def word_text(corpus_text: str, chars: int, seed: int = 0) -> str:
    words = corpus_text.split(" ")
    picks = np.random.default_rng(seed).integers(len(words), size=chars // 6 + 1)
    return " ".join(words[i] for i in picks)[:chars]


def ids_of(text: str):
    chars = sorted(set(text))
    table = {c: i for i, c in enumerate(chars)}
    return np.fromiter((table[c] for c in text), dtype=np.uint8, count=len(text)), len(chars)


def measure(ids, vocab_size: int, repeats: int) -> tuple:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = measure_baselines(ids, vocab_size, 0.1, 60)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    measure_baselines(ids, vocab_size, 0.1, 60)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", help="a text file (default: the notebook's corpus)")
    parser.add_argument("--megabytes", type=float, nargs="*", default=[1, 10, 30, 100])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    path = args.corpus or fetch_nietzsche()
    corpus = load_corpus(path, True, 0)
    with open(path, encoding="utf-8") as handle:
        text = handle.read().lower()

    print(f"n-gram counts read at most {MAX_NGRAM_TRAINING_CHARS:,} training characters\n")
    print("| text | characters | seconds | characters/s | peak NumPy memory | letter frequencies | 5-gram |")
    print("|---|---|---|---|---|---|---|")
    cases = [(os.path.basename(path), corpus.ids, len(corpus.chars))]
    cases += [(f"{mb:g} MB of its words at random", *ids_of(word_text(text, int(mb * 1e6))))
              for mb in args.megabytes]
    for name, ids, vocab_size in cases:
        seconds, peak, result = measure(ids, vocab_size, args.repeats)
        print(f"| {name} | {len(ids):,} | {seconds:.2f} | {len(ids) / seconds / 1e6:.1f} M | "
              f"{peak / 2**20:,.0f} MiB | {result['unigram_nats_per_char']:.3f} | "
              f"{result['ngram_nats_per_char']:.3f} |", flush=True)


if __name__ == "__main__":
    main()
