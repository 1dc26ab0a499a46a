"""Time to quality: the notebook's recipe against the default one, on the same split.

    .venv/bin/python bench/training.py [--corpus PATH]
        [--seed-minutes 22] [--default-minutes 8] [--out /tmp/tempera-bench-training]

Trains each recipe with `tempera train` (fresh run folders), then reads their histories: the
notebook recipe's best held-out loss, the training time it took to get there, and when the
default recipe first beat it. Training time is the time spent in Keras's fit, so the per-epoch
evaluation and samples (the same for both) do not count.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def train(corpus, run, recipe, minutes):
    shutil.rmtree(run, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "tempera", "train", "--corpus", corpus, "--run", run,
                    "--recipe", recipe, "--epochs", "1000", "--time-budget", str(minutes),
                    "--verbose", "0"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(run, "history.json")) as handle:
        return json.load(handle)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="nietzsche",
                        help="a text file (default: the notebook's corpus, downloaded by Keras)")
    parser.add_argument("--seed-minutes", type=float, default=22)
    parser.add_argument("--default-minutes", type=float, default=8)
    parser.add_argument("--out", default="/tmp/tempera-bench-training")
    args = parser.parse_args()
    seed = train(args.corpus, os.path.join(args.out, "notebook"), "notebook", args.seed_minutes)
    default = train(args.corpus, os.path.join(args.out, "default"), "default", args.default_minutes)
    best = min(seed, key=lambda row: row["val_loss"])
    beaten = next((row for row in default if row["val_loss"] < best["val_loss"]), None)
    print(f"corpus {args.corpus}; held-out loss = 60 chars of context -> next char (nats/char)\n")
    print("| recipe | epochs run | best held-out loss | at epoch | training time to it (s) |")
    print("|---|---|---|---|---|")
    for name, history in (("seed (notebook)", seed), ("default", default)):
        row = min(history, key=lambda r: r["val_loss"])
        print(f"| {name} | {history[-1]['epoch']} | {row['val_loss']:.4f} | {row['epoch']} | "
              f"{row['train_seconds']:.0f} |")
    if beaten:
        ratio = beaten["train_seconds"] / best["train_seconds"]
        print(f"\nThe default recipe beat the notebook recipe's best ({best['val_loss']:.4f}) at epoch "
              f"{beaten['epoch']}, after {beaten['train_seconds']:.0f} s of training: "
              f"{ratio:.2f} of the notebook recipe's {best['train_seconds']:.0f} s.")
    else:
        print(f"\nThe default recipe did not beat {best['val_loss']:.4f} within "
              f"{args.default_minutes} minutes.")


if __name__ == "__main__":
    main()
