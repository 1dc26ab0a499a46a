"""A training run's folder: config, vocabulary, history, loss plot, samples, checkpoints.

Every file is written atomically, so a run killed at any moment leaves the last complete
state behind, and `state.json` (written last) always names a whole checkpoint. A write that
fails (a full disk) stops training with a TemperaError and leaves that state as it was.
"""

import csv
import errno
import io
import json
import math
import os
from contextlib import contextmanager
from dataclasses import dataclass

from tempera.atomic import TEMPORARY_PREFIX, atomic_path, write_json, write_text
from tempera.errors import TemperaError

from .run_lock import LOCK_NAME, RunLock

LN2 = math.log(2)
# tf.keras.callbacks.BackupAndRestore's folder in a multi-worker run: the state mid-epoch, which
# the chief keeps and fit() removes at the end of each epoch.
BACKUP_FOLDER = "backup"


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _loss_as_json(row: dict) -> dict:
    """JSON has no NaN: a diverged epoch's loss is written as null, and read back as NaN."""
    return {k: None if k.endswith("_loss") and _is_number(v) and not math.isfinite(v) else v
            for k, v in row.items()}


def _loss_from_json(row):
    return {k: math.nan if k.endswith("_loss") and v is None else v
            for k, v in row.items()} if isinstance(row, dict) else row


def selection_loss(row: dict) -> float:
    """The figure epochs are compared by: the held-out loss on the windows measured after every
    epoch, which for the best epoch is kept as val_subset_loss once all are measured."""
    value = row.get("val_subset_loss", row["val_loss"])
    if not (_is_number(value) and _is_number(row["val_loss"]) and math.isfinite(row["val_loss"])):
        return math.nan  # a diverged epoch never counts
    return value


def _is_epoch_row(row) -> bool:
    return (isinstance(row, dict) and _is_whole(row.get("epoch")) and row["epoch"] >= 1
            and all(_is_number(row.get(k)) for k in ("train_loss", "val_loss", "train_seconds"))
            and isinstance(row.get("checkpoint"), str))


@dataclass
class EpochResult:
    epoch: int
    train_loss: float  # nats/char
    val_loss: float  # nats/char, the held-out metric
    seconds: float  # time in fit
    partial: bool  # stopped early by the time budget
    val_windows: int | None = None  # held-out windows val_loss was measured on
    eval_seconds: float = 0.0
    wall_seconds: float | None = None  # the command's time when the epoch was measured

    def history_row(self, checkpoint: str, train_seconds: float) -> dict:
        row = {"epoch": self.epoch, "train_loss": round(self.train_loss, 5),
               "train_bits": round(self.train_loss / LN2, 5), "val_loss": round(self.val_loss, 5),
               "val_bits": round(self.val_loss / LN2, 5), "seconds": round(self.seconds, 1),
               "train_seconds": round(train_seconds, 1), "partial": self.partial,
               "checkpoint": checkpoint}
        if self.val_windows is not None:
            row.update(val_windows=self.val_windows, eval_seconds=round(self.eval_seconds, 2))
        if self.wall_seconds is not None:
            row["wall_seconds"] = round(self.wall_seconds, 1)
        return row

    def summary(self) -> str:
        return (f"epoch {self.epoch}: train {self.train_loss:.4f} nats/char "
                f"({self.train_loss / LN2:.4f} bits/char), held-out {self.val_loss:.4f} nats/char "
                f"({self.val_loss / LN2:.4f} bits/char), {self.seconds:.0f} s"
                + (" (stopped early: time budget)" if self.partial else ""))


class RunFolder:
    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        self.lock = RunLock(self.path)

    def file(self, *parts) -> str:
        return os.path.join(self.path, *parts)

    # ---- set-up -------------------------------------------------------------------------
    @contextmanager
    def claimed(self):
        """The folder prepared and locked for this process, which alone writes it until the
        block ends. A new folder in which nothing could start is removed again."""
        is_new = not os.path.exists(self.path)
        self.prepare()
        try:
            yield self
        except BaseException:
            if is_new:
                self.lock.release()
                self.discard_if_unused()
            raise
        finally:
            self.lock.release()

    def prepare(self) -> None:
        """Create the folder, lock it, and prove it is writable before any training starts.

        An existing folder must be a run, or empty: training never scatters its files among
        someone else's. Another trainer's lock refuses this one before anything is touched.
        """
        if os.path.exists(self.path) and not os.path.isdir(self.path):
            raise TemperaError(f"run folder {self.path} exists and is not a folder")
        if os.path.isdir(self.path) and not self.exists() and self._foreign_files():
            raise TemperaError(f"{self.path} is not a tempera run folder and is not empty "
                               f"(it holds {self._foreign_files()[0]}); choose a new --run folder")
        try:
            os.makedirs(self.file("checkpoints"), exist_ok=True)
            self.lock.acquire()
            self._remove_leftovers()  # only now: another trainer's files are not leftovers
            write_text(self.file(".write-test"), "ok")
            os.remove(self.file(".write-test"))
        except OSError as error:
            self.lock.release()
            raise TemperaError(f"cannot write to run folder {self.path}: {error.strerror}") from None

    def discard_if_unused(self) -> None:
        """Remove the folder when it holds nothing but what prepare() made (a failed start)."""
        if os.listdir(self.path) != ["checkpoints"]:
            return
        if os.path.isdir(self.file("checkpoints")) and not os.listdir(self.file("checkpoints")):
            try:
                os.rmdir(self.file("checkpoints"))
                os.rmdir(self.path)
            except OSError:
                pass  # another trainer has just started in it

    def _remove_leftovers(self) -> None:
        """Temporary files of a write that a killed run never finished."""
        for folder in (self.path, self.file("checkpoints")):
            for name in os.listdir(folder):
                if name.startswith(TEMPORARY_PREFIX):
                    os.remove(os.path.join(folder, name))

    def _foreign_files(self) -> list:
        """Entries of a folder without config.json that a run starting in it did not write."""
        ours = {"checkpoints", BACKUP_FOLDER, LOCK_NAME}
        return sorted(n for n in os.listdir(self.path)
                      if n not in ours and not n.startswith(TEMPORARY_PREFIX)) + sorted(
            os.path.join("checkpoints", n) for n in self._listdir("checkpoints")
            if not n.startswith(TEMPORARY_PREFIX))

    def _listdir(self, name: str) -> list:
        return os.listdir(self.file(name)) if os.path.isdir(self.file(name)) else []

    def exists(self) -> bool:
        return os.path.isfile(self.file("config.json"))

    def has_started(self) -> bool:
        """Has this run finished or interrupted an epoch (state.json names a checkpoint)?"""
        return self.exists() and os.path.isfile(self.file("state.json"))

    def read_json(self, name: str):
        try:
            with open(self.file(name), encoding="utf-8") as handle:
                return json.load(handle)
        except FileNotFoundError:
            raise TemperaError(f"{name} is missing from run folder {self.path}") from None
        except (ValueError, RecursionError) as error:
            raise TemperaError(f"{name} in run folder {self.path} is corrupt: {error}") from None
        except OSError as error:
            raise TemperaError(f"cannot read {name} in run folder {self.path}: {error.strerror}") from None

    # ---- config, vocabulary, state ----------------------------------------------------
    @contextmanager
    def writing(self, name: str):
        """A failed write of `name` as a TemperaError; what was there before stays whole."""
        try:
            yield
        except OSError as error:
            reason = error.strerror or str(error)
            if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                raise TemperaError(
                    f"no room to write {name} in run folder {self.path} ({reason}): free some "
                    "space, then run the same command again to go on from the last "
                    "checkpoint") from None
            raise TemperaError(f"cannot write {name} in run folder {self.path}: {reason}") from None

    def write_config(self, config: dict) -> None:
        with self.writing("config.json"):
            write_json(self.file("config.json"), config)

    def config(self) -> dict:
        return self.read_json("config.json")

    def write_vocabulary(self, chars: list) -> None:
        with self.writing("vocab.json"):
            write_json(self.file("vocab.json"), chars)

    def vocabulary(self) -> list:
        chars = self.read_json("vocab.json")
        if not (isinstance(chars, list) and len(chars) >= 2
                and all(isinstance(c, str) and len(c) == 1 for c in chars)
                and len(set(chars)) == len(chars)):
            raise TemperaError(f"vocab.json in run folder {self.path} is not a list of distinct "
                               "single characters")
        return chars

    def state(self) -> dict:
        if not os.path.isfile(self.file("state.json")):
            return {"epochs_done": 0, "checkpoint": None, "train_seconds": 0.0}
        state = self.read_json("state.json")
        if not (isinstance(state, dict) and _is_whole(state.get("epochs_done"))
                and state["epochs_done"] >= 0
                and (state.get("checkpoint") is None or isinstance(state["checkpoint"], str))
                and _is_number(state.get("train_seconds"))):
            raise TemperaError(f"state.json in run folder {self.path} is not a training state "
                               "(epochs_done, checkpoint, train_seconds)")
        return state

    def write_state(self, state: dict) -> None:
        with self.writing("state.json"):
            write_json(self.file("state.json"), state)

    # ---- checkpoints ------------------------------------------------------------------
    def checkpoint_name(self, epoch: int) -> str:
        return os.path.join("checkpoints", f"epoch-{epoch:03d}.h5")

    def save_checkpoint(self, model, name: str) -> None:
        """The model as HDF5, made in memory and then written: h5py writing straight to a disk
        that fills up can crash the process (a segmentation fault), which nothing can catch."""
        import h5py

        memory = io.BytesIO()
        with h5py.File(memory, "w") as h5:
            model.save(h5, include_optimizer=True)
        with self.writing(name), atomic_path(self.file(name)) as temporary:
            with open(temporary, "wb") as handle:
                handle.write(memory.getbuffer())

    def load_checkpoint(self, name: str, compile: bool = True):
        """A saved tf_keras model, or a TemperaError saying the file is missing or damaged."""
        import tf_keras as keras

        path = self.file(name)
        if not os.path.isfile(path):
            raise TemperaError(f"checkpoint {name} is missing from run folder {self.path}")
        try:
            return keras.models.load_model(path, compile=compile)
        except Exception as error:  # h5py and Keras raise many types for a damaged file
            reason = str(error).splitlines()[0][:160] if str(error) else type(error).__name__
            raise TemperaError(f"checkpoint {name} in run folder {self.path} cannot be read "
                               f"(truncated or corrupt: {reason})") from None

    def record_epoch(self, model, result: EpochResult, state: dict) -> dict:
        """Checkpoint, history, then state (last, so it only ever names a whole checkpoint)."""
        name = self.checkpoint_name(result.epoch)
        self.save_checkpoint(model, name)
        total = state["train_seconds"] + result.seconds
        self.append_history(result.history_row(name, total))
        state = {"epochs_done": result.epoch, "checkpoint": name, "train_seconds": total}
        self.write_state(state)
        return state

    def best_epoch(self) -> dict:
        """The epoch with the lowest held-out loss; epochs whose loss is NaN never count. Epochs
        are compared on the windows every one of them was measured on (see selection_loss)."""
        history = [row for row in self.history() if math.isfinite(selection_loss(row))]
        if not history:
            raise TemperaError(f"run folder {self.path} has no finished epoch with a finite "
                               "held-out loss to export")
        return min(history, key=selection_loss)

    def record_whole_held_out(self, epoch: int, loss: float, windows: int) -> dict:
        """An epoch's held-out loss measured on every window: val_loss becomes that, and the
        figure on the part of the windows stays as val_subset_loss, by which epochs compare."""
        history = self.history()
        row = next(r for r in history if r["epoch"] == epoch)
        row.setdefault("val_subset_loss", row["val_loss"])
        row.setdefault("val_subset_windows", row.get("val_windows"))
        row.update(val_loss=round(loss, 5), val_bits=round(loss / LN2, 5), val_windows=windows)
        self.write_history(history)
        return row

    # ---- history, plot, samples -------------------------------------------------------
    def history(self) -> list:
        if not os.path.isfile(self.file("history.json")):
            return []
        history = self.read_json("history.json")
        history = [_loss_from_json(row) for row in history] if isinstance(history, list) else history
        if not isinstance(history, list) or not all(_is_epoch_row(row) for row in history):
            raise TemperaError(f"history.json in run folder {self.path} is not a list of epoch "
                               "records (epoch, train_loss, val_loss, train_seconds, checkpoint)")
        return history

    def append_history(self, row: dict) -> list:
        history = [r for r in self.history() if r["epoch"] < row["epoch"]] + [row]
        self.write_history(history)
        return history

    def write_history(self, history: list) -> None:
        with self.writing("history.json"):
            write_json(self.file("history.json"), [_loss_as_json(r) for r in history])
        buffer = io.StringIO()
        fields = list(dict.fromkeys(key for r in history for key in r))  # older rows have fewer
        writer = csv.DictWriter(buffer, fieldnames=fields, restval="")
        writer.writeheader()
        writer.writerows(history)
        with self.writing("history.csv"):
            write_text(self.file("history.csv"), buffer.getvalue())
        self.plot(history)

    def plot(self, history: list) -> None:
        import matplotlib

        matplotlib.use("Agg")  # files only; no display here or on servers
        import matplotlib.pyplot as plt

        epochs = [r["epoch"] for r in history]
        maxlen = self.config()["recipe"]["maxlen"]  # the held-out context
        figure, axes = plt.subplots(figsize=(7, 4))
        axes.plot(epochs, [r["train_loss"] for r in history], "o-", label="train")
        axes.plot(epochs, [r["val_loss"] for r in history], "o-", label=f"held-out ({maxlen} chars → next)")
        axes.set_xlabel("epoch")
        axes.set_ylabel("loss (nats/char)")
        axes.grid(alpha=0.3)
        axes.legend()
        second = axes.secondary_yaxis("right", functions=(lambda n: n / LN2, lambda b: b * LN2))
        second.set_ylabel("bits/char")
        figure.tight_layout()
        try:
            with self.writing("loss.png"), atomic_path(self.file("loss.png")) as temporary:
                figure.savefig(temporary, dpi=100)
        finally:
            plt.close(figure)

    def append_samples(self, text: str) -> None:
        path = self.file("samples.txt")
        previous = open(path, encoding="utf-8").read() if os.path.isfile(path) else ""
        with self.writing("samples.txt"):
            write_text(path, previous + text)
