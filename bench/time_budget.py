"""Does `tempera train --time-budget` hold the wall clock, and what share goes to evaluation?

    .venv/bin/python bench/time_budget.py [--sizes 10k 100k 1m 10m 100m] [--minutes 1 2]
                                          [--big-minutes 2] [--corpus PATH] [--work /tmp/...]

For each corpus size (texts made in --work, never in the checkout, of the corpus's paragraphs
repeated in a shuffled order) and each budget, runs the default command
`tempera train --corpus TEXT --run RUN --epochs 100000 --time-budget M --verbose 0` as a
process, timed from outside from its start to its end, and reads what the run recorded in its
config.json ("timing": training, evaluation, samples, checkpoints, wall). 100 MB runs only at
--big-minutes. Prints a Markdown table: wall / budget (must be at most 1.05) and the share of the
wall spent on evaluation and samples (must be at most 10 %). The machine may be busy with other
work: the budget must hold all the same.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CORPUS = os.path.join(ROOT, "..", "shared", "corpora", "nietzsche.txt")
UNITS = {"k": 1_000, "m": 1_000_000}


def size_of(text: str) -> int:
    return int(float(text[:-1]) * UNITS[text[-1].lower()]) if text[-1].lower() in UNITS else int(text)


def make_corpus(source: str, chars: int, folder: str) -> str:
    """`chars` characters of the source's paragraphs, shuffled and repeated (each repeat in
    another order, so the held-out end is not the training text's copy line for line)."""
    path = os.path.join(folder, f"corpus-{chars}.txt")
    if os.path.isfile(path):
        return path
    paragraphs = [p for p in open(source, encoding="utf-8").read().split("\n\n") if p.strip()]
    rng = np.random.default_rng(chars)
    pieces, total = [], 0
    while total < chars:
        for index in rng.permutation(len(paragraphs)):
            pieces.append(paragraphs[index])
            total += len(paragraphs[index]) + 2
            if total >= chars:
                break
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n\n".join(pieces)[:chars])
    return path


def run_once(corpus: str, minutes: float, run: str) -> dict:
    command = [os.path.join(ROOT, ".venv", "bin", "tempera"), "train", "--corpus", corpus,
               "--run", run, "--epochs", "100000", "--time-budget", str(minutes), "--verbose", "0"]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True)
    wall = time.monotonic() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    timing = json.load(open(os.path.join(run, "config.json")))["timing"]
    history = json.load(open(os.path.join(run, "history.json")))
    return {"wall": wall, "timing": timing, "epochs": len(history),
            "line": result.stdout.strip().splitlines()[-1]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", default=["10k", "100k", "1m", "10m", "100m"])
    parser.add_argument("--minutes", nargs="+", type=float, default=[1, 2])
    parser.add_argument("--big-minutes", nargs="+", type=float, default=[2],
                        help="budgets for texts of 50 MB and more")
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--work", default="/tmp/tempera-time-budget")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} cores", flush=True)
    print("| text | budget (s) | wall (s) | wall / budget | training (s) | evaluation (s) | "
          "samples (s) | evaluation + samples | checkpoints (s) | epochs |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    worst = {"ratio": 0.0, "overhead": 0.0}
    for size in args.sizes:
        chars = size_of(size)
        corpus = make_corpus(args.corpus, chars, args.work)
        for minutes in (args.big_minutes if chars >= 50_000_000 else args.minutes):
            run = os.path.join(args.work, f"run-{chars}-{minutes:g}")
            subprocess.run(["rm", "-rf", run], check=True)
            result = run_once(corpus, minutes, run)
            timing, budget = result["timing"], minutes * 60
            ratio = result["wall"] / budget
            overhead = (timing["eval_seconds"] + timing["samples_seconds"]) / result["wall"]
            worst = {"ratio": max(worst["ratio"], ratio), "overhead": max(worst["overhead"], overhead)}
            print(f"| {size} | {budget:.0f} | {result['wall']:.1f} | {ratio:.3f} | "
                  f"{timing['train_seconds']:.1f} | {timing['eval_seconds']:.1f} | "
                  f"{timing['samples_seconds']:.1f} | {100 * overhead:.1f} % | "
                  f"{timing['save_seconds']:.1f} | {result['epochs']} |", flush=True)
            subprocess.run(["rm", "-rf", run], check=True)
    print(f"\nworst wall / budget {worst['ratio']:.3f} (goal <= 1.05); worst evaluation + samples "
          f"{100 * worst['overhead']:.1f} % of the wall (goal <= 10 %); load average at the end: "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
