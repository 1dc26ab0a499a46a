"""The whole held-out set's loss at every epoch of one or more runs.

    .venv/bin/python bench/epoch_held_out.py RUN [RUN ...]

Between epochs a run measures only part of its held-out windows (README, `train`); this reads
each epoch's checkpoint and measures all of them, as the run does for its best epoch, so runs
can be compared epoch by epoch. Prints a Markdown table: epoch × run → the part's figure as the
run recorded it, and the whole set's (nats/char). The run's corpus must still be where it was.
"""

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import tf_keras as keras  # noqa: E402

from training.evaluate import whole_held_out_loss  # noqa: E402


def epoch_losses(run: str) -> dict:
    """{epoch: (the part's loss as recorded, the whole set's)}."""
    with open(os.path.join(run, "config.json"), encoding="utf-8") as handle:
        config = json.load(handle)
    with open(os.path.join(run, "vocab.json"), encoding="utf-8") as handle:
        vocab = json.load(handle)
    with open(os.path.join(run, "history.json"), encoding="utf-8") as handle:
        history = json.load(handle)
    losses = {}
    for row in history:
        model = keras.models.load_model(os.path.join(run, row["checkpoint"]), compile=False)
        whole = whole_held_out_loss(config, vocab, model.get_weights())
        if whole is None:
            raise SystemExit(f"{run}: its corpus is no longer where it was")
        losses[row["epoch"]] = (row.get("val_subset_loss", row["val_loss"]), whole)
    return losses


def main(runs: list) -> None:
    if not runs:
        raise SystemExit(__doc__)
    table = {run: epoch_losses(run) for run in runs}
    print("| epoch | " + " | ".join(f"{os.path.basename(run.rstrip('/'))}: part / whole" for run in runs) + " |")
    print("|---|" + "---|" * len(runs))
    for epoch in sorted({e for losses in table.values() for e in losses}):
        cells = [f"{table[run][epoch][0]:.4f} / {table[run][epoch][1]:.4f}" if epoch in table[run] else ""
                 for run in runs]
        print(f"| {epoch} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
