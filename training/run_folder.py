"""A training run's folder: config, vocabulary, history, loss plot, samples, checkpoints.

Every file is written atomically, so a run killed at any moment leaves the last complete
state behind, and `state.json` (written last) always names a whole checkpoint.
"""

import csv
import io
import json
import math
import os

from tempera.atomic import atomic_path, write_json, write_text
from tempera.errors import TemperaError

LN2 = math.log(2)


class RunFolder:
    def __init__(self, path: str):
        self.path = os.path.abspath(path)

    def file(self, *parts) -> str:
        return os.path.join(self.path, *parts)

    # ---- set-up -------------------------------------------------------------------------
    def prepare(self) -> None:
        """Create the folder and prove it is writable before any training starts."""
        if os.path.exists(self.path) and not os.path.isdir(self.path):
            raise TemperaError(f"run folder {self.path} exists and is not a folder")
        try:
            os.makedirs(self.file("checkpoints"), exist_ok=True)
            self._remove_leftovers()
            write_text(self.file(".write-test"), "ok")
            os.remove(self.file(".write-test"))
        except OSError as error:
            raise TemperaError(f"cannot write to run folder {self.path}: {error.strerror}") from None

    def _remove_leftovers(self) -> None:
        """Temporary files of a write that a killed run never finished."""
        for folder in (self.path, self.file("checkpoints")):
            for name in os.listdir(folder):
                if name.startswith(".tmp-"):
                    os.remove(os.path.join(folder, name))

    def exists(self) -> bool:
        return os.path.isfile(self.file("config.json"))

    def read_json(self, name: str):
        try:
            with open(self.file(name), encoding="utf-8") as handle:
                return json.load(handle)
        except FileNotFoundError:
            raise TemperaError(f"{name} is missing from run folder {self.path}") from None
        except json.JSONDecodeError as error:
            raise TemperaError(f"{name} in run folder {self.path} is corrupt: {error}") from None

    # ---- config, vocabulary, state ----------------------------------------------------
    def write_config(self, config: dict) -> None:
        write_json(self.file("config.json"), config)

    def config(self) -> dict:
        return self.read_json("config.json")

    def write_vocabulary(self, chars: list) -> None:
        write_json(self.file("vocab.json"), chars)

    def vocabulary(self) -> list:
        return self.read_json("vocab.json")

    def state(self) -> dict:
        if not os.path.isfile(self.file("state.json")):
            return {"epochs_done": 0, "checkpoint": None, "train_seconds": 0.0}
        return self.read_json("state.json")

    def write_state(self, state: dict) -> None:
        write_json(self.file("state.json"), state)

    # ---- checkpoints ------------------------------------------------------------------
    def checkpoint_name(self, epoch: int) -> str:
        return os.path.join("checkpoints", f"epoch-{epoch:03d}.h5")

    def save_checkpoint(self, model, name: str) -> None:
        with atomic_path(self.file(name)) as temporary:
            model.save(temporary, include_optimizer=True)

    def best_epoch(self) -> dict:
        history = self.history()
        if not history:
            raise TemperaError(f"run folder {self.path} has no finished epoch to export yet")
        return min(history, key=lambda row: row["val_loss"])

    # ---- history, plot, samples -------------------------------------------------------
    def history(self) -> list:
        if not os.path.isfile(self.file("history.json")):
            return []
        return self.read_json("history.json")

    def append_history(self, row: dict) -> list:
        history = [r for r in self.history() if r["epoch"] < row["epoch"]] + [row]
        write_json(self.file("history.json"), history)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(row))
        writer.writeheader()
        writer.writerows(history)
        write_text(self.file("history.csv"), buffer.getvalue())
        self.plot(history)
        return history

    def plot(self, history: list) -> None:
        import matplotlib

        matplotlib.use("Agg")  # files only; no display here or on servers
        import matplotlib.pyplot as plt

        epochs = [r["epoch"] for r in history]
        figure, axes = plt.subplots(figsize=(7, 4))
        axes.plot(epochs, [r["train_loss"] for r in history], "o-", label="train")
        axes.plot(epochs, [r["val_loss"] for r in history], "o-", label="held-out (60 chars → next)")
        axes.set_xlabel("epoch")
        axes.set_ylabel("loss (nats/char)")
        axes.grid(alpha=0.3)
        axes.legend()
        second = axes.secondary_yaxis("right", functions=(lambda n: n / LN2, lambda b: b * LN2))
        second.set_ylabel("bits/char")
        figure.tight_layout()
        with atomic_path(self.file("loss.png")) as temporary:
            figure.savefig(temporary, dpi=100)
        plt.close(figure)

    def append_samples(self, text: str) -> None:
        path = self.file("samples.txt")
        previous = open(path, encoding="utf-8").read() if os.path.isfile(path) else ""
        write_text(path, previous + text)
