"""Peak memory of training's data preparation on a large corpus.

    .venv/bin/python bench/data_memory.py [--megabytes 100] [--corpus PATH]

Writes the corpus (Nietzsche by default) repeated to about --megabytes, trains a small model on it for
one minute with `tempera train` (corpus loading, vocabulary, ids, the tf.data pipeline,
the held-out set, a stretch of an epoch) and reports the child's peak RSS beside what the
notebook's one-hot arrays would need for the same text.
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=100)
    parser.add_argument("--corpus", help="a text file to repeat (default: the notebook's corpus, "
                        "downloaded by Keras)")
    args = parser.parse_args()
    if args.corpus is None:
        sys.path.insert(0, ROOT)
        from tempera.training.corpus import fetch_nietzsche

        args.corpus = fetch_nietzsche()
    with open(args.corpus, encoding="utf-8") as handle:
        text = handle.read()
    copies = max(1, round(args.megabytes * 1e6 / len(text.encode("utf-8"))))
    folder = tempfile.mkdtemp(prefix="tempera-bench-memory-")
    try:
        corpus = os.path.join(folder, "big.txt")
        with open(corpus, "w", encoding="utf-8") as handle:
            for _ in range(copies):
                handle.write(text)
        size = os.path.getsize(corpus)
        subprocess.run([sys.executable, "-m", "tempera", "train", "--corpus", corpus, "--run",
                        os.path.join(folder, "run"), "--units", "64", "--epochs", "1",
                        "--time-budget", "1", "--verbose", "0"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    finally:
        shutil.rmtree(folder)
    chars = len(text) * copies
    vocab = len(set(text.lower()))
    windows = (chars - 60) // 3
    notebook = windows * 60 * vocab + windows * vocab  # np.bool one-hot x and y, 1 byte each
    print("| corpus | characters | peak RSS of `tempera train` | the notebook's one-hot x and y |")
    print("|---|---|---|---|")
    print(f"| Nietzsche x {copies} | {chars:,} ({size / 1e6:.0f} MB) | {peak / 1e9:.2f} GB | "
          f"{notebook / 1e9:,.0f} GB |")


if __name__ == "__main__":
    main()
