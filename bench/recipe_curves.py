"""Held-out curves of finished runs, side by side: which recipe generalises better, and when.

    .venv/bin/python bench/recipe_curves.py RUN [RUN ...] [--every 4]

Reads each run folder's history.json (the same held-out split and metric for every recipe)
and prints the held-out loss at every few epochs, each run's best and its training time, and
how far its training loss sits below its held-out loss at the best epoch (a wide gap is a model
learning the training text by heart).
"""

import argparse
import csv
import json
import os


def history(run: str) -> list:
    """A run folder's history.json, or the history.csv a recorded run keeps in docs/."""
    path = os.path.join(run, "history.json")
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    with open(os.path.join(run, "history.csv"), encoding="utf-8") as handle:
        return [{**row, **{k: float(row[k]) for k in ("val_loss", "train_loss", "train_seconds")},
                 "epoch": int(row["epoch"])} for row in csv.DictReader(handle)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--every", type=int, default=4, help="a row every this many epochs")
    args = parser.parse_args()
    histories = {run: history(run) for run in args.runs}
    names = [os.path.basename(os.path.normpath(run)) for run in args.runs]
    last = max(len(h) for h in histories.values())
    print("| epoch | " + " | ".join(f"{n} held-out (nats/char)" for n in names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for epoch in [e for e in range(1, last + 1) if e == 1 or e % args.every == 0 or e == last]:
        cells = [f"{h[epoch - 1]['val_loss']:.4f}" if epoch <= len(h) else "" for h in histories.values()]
        print(f"| {epoch} | " + " | ".join(cells) + " |")
    print("\n| run | best held-out | at epoch | training time to it (s) | train loss there | epochs run |")
    print("|---|---|---|---|---|---|")
    for name, rows in zip(names, histories.values()):
        best = min(rows, key=lambda r: r["val_loss"])
        print(f"| {name} | {best['val_loss']:.4f} | {best['epoch']} | {best['train_seconds']:,.0f} | "
              f"{best['train_loss']:.4f} | {len(rows)} |")


if __name__ == "__main__":
    main()
