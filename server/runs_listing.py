"""The training runs in a folder, as the page's Training view reads them from /api/runs.

A run is a direct sub-folder holding a config.json. Everything here only reads: the run's
config.json, history.json and lock file, never anything a client names but a folder that is
found to be one of these runs.
"""

import math
import os
import threading
import time

from tempera.baselines import read_baselines
from tempera.catalog import is_inside
from tempera.errors import TemperaError
from tempera.finite_json import first_non_finite
from tempera.training.run_folder import LN2, RunFolder, selection_loss
from tempera.training.run_lock import LOCK_NAME

from .runs_lock_state import locked_files, lock_is_held, lock_started

RUN_FILES = ("config.json", "history.json", "state.json")


def run_names(runs_dir: str) -> list:
    """The names of the runs directly inside `runs_dir` (none when it does not exist). Names
    starting with a dot are never runs: the server's own folders and editors' leftovers."""
    try:
        names = os.listdir(runs_dir)
    except OSError:
        return []
    return [name for name in names if is_run_name(name) and is_run(runs_dir, name)]


def is_run_name(name: str) -> bool:
    return bool(name) and not name.startswith(".") and "/" not in name and "\0" not in name \
        and os.sep not in name


def is_run(runs_dir: str, name: str) -> bool:
    folder = os.path.join(runs_dir, name)
    return os.path.isfile(os.path.join(folder, "config.json")) and is_inside(folder, runs_dir)


def run_folder(runs_dir: str, name: str) -> str | None:
    """The real path of run `name` in `runs_dir`, or None when `name` is not one of its runs:
    no dot-names, no separators, no link leading out of the folder."""
    try:
        if not is_run_name(name) or not is_run(runs_dir, name):
            return None
    except (ValueError, OSError):  # a name the file system refuses
        return None
    return os.path.realpath(os.path.join(runs_dir, name))


def bits(nats) -> float | None:
    """nats / ln 2; a diverged epoch's loss (NaN, null in history.json) stays null."""
    if nats is None or not math.isfinite(nats):
        return None
    return nats / LN2


def baselines_in_bits(config: dict) -> dict | None:
    baselines = read_baselines(config)
    if baselines is None:
        return None
    return {"unigram_bits_per_char": baselines["unigram_nats_per_char"] / LN2,
            "ngram_bits_per_char": baselines["ngram_nats_per_char"] / LN2,
            "ngram_order": baselines["ngram_order"]}


def best_epoch(history: list) -> int | None:
    """The epoch training counts as best (export's default): the lowest held-out loss on the
    windows every epoch was measured on; a diverged epoch never counts."""
    finite = [row for row in history if math.isfinite(selection_loss(row))]
    return min(finite, key=selection_loss)["epoch"] if finite else None


def corpus_summary(config: dict) -> dict:
    name = config.get("corpus_name")
    if not isinstance(name, str):
        name = os.path.basename(str(config.get("corpus", "")))
    chars = config.get("corpus_chars")
    return {"name": name, "chars": chars if isinstance(chars, int) and not isinstance(chars, bool) else None}


def number(value) -> float | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None


class RunRecords:
    """What a run's files say, read once per version of them (the page asks every 2 s)."""

    def __init__(self):
        self.entries = {}  # folder -> (signature, record)
        self.lock = threading.Lock()

    def record(self, folder: str) -> dict:
        signature = files_signature(folder)
        with self.lock:
            known = self.entries.get(folder)
        if known and known[0] == signature:
            return known[1]
        record = read_record(folder)
        with self.lock:
            self.entries[folder] = (signature, record)
        return record


def files_signature(folder: str) -> tuple:
    """Each file's inode, size and times: any write (training writes by renaming) changes it."""
    entries = []
    for name in RUN_FILES:
        try:
            info = os.stat(os.path.join(folder, name))
            entries.append((name, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns))
        except OSError:
            entries.append((name, None))
    return tuple(entries)


def read_record(folder: str) -> dict:
    """The parts of a run's description that only its files decide; a run whose files cannot
    be read is listed with the reason, in place of the figures it cannot give."""
    run = RunFolder(folder)
    record = {"error": None, "epochs": 0, "best_epoch": None, "recipe": {}, "recipe_reason": None,
              "corpus": {"name": None, "chars": None}, "history": [], "baselines": None,
              "timing": {}, "created": "", "last_wall_seconds": None}
    try:
        config = run.config()
        if not isinstance(config, dict):
            raise TemperaError(f"config.json in run folder {folder} is not a JSON object")
        found = first_non_finite(config)
        if found:  # JSON cannot carry it to the page
            raise TemperaError(f"config.json in run folder {folder}: {found[0]} is {found[1]}")
        record.update(recipe=config.get("recipe") if isinstance(config.get("recipe"), dict) else {},
                      recipe_reason=config.get("recipe_reason") if isinstance(config.get("recipe_reason"), str) else None,
                      corpus=corpus_summary(config), baselines=baselines_in_bits(config),
                      timing=config.get("timing") if isinstance(config.get("timing"), dict) else {},
                      created=str(config.get("created", "")))
        history = run.history()
    except TemperaError as error:
        record["error"] = str(error).replace(folder, "runs/" + os.path.basename(folder))
        return record
    record.update(epochs=len(history), best_epoch=best_epoch(history),
                  history=[[row["epoch"], bits(row["train_loss"]), bits(row["val_loss"])]
                           for row in history])
    if history:
        last = history[-1]
        record["last_wall_seconds"] = number(last.get("wall_seconds")) or number(last.get("train_seconds"))
    return record


def describe(name: str, folder: str, record: dict, now: float, locks: set | None) -> dict:
    """RUN as /api/runs lists it; the clock's figures as of `now` (unix seconds). `locks`: the
    files locked now (runs_lock_state.locked_files)."""
    lock = os.path.join(folder, LOCK_NAME)
    training = lock_is_held(lock, locks)
    timing = record["timing"]
    budget = number(timing.get("budget_seconds"))
    started = None
    if training:
        if "wall_seconds" in timing:  # the previous command's figures, until this one writes its own
            timing, budget = {}, None
        started = number(timing.get("started_unix")) or lock_started(lock) or now
        elapsed = max(0.0, now - started)
        left = max(0.0, budget - elapsed) if budget is not None else None
    else:
        elapsed = number(timing.get("wall_seconds")) or record["last_wall_seconds"] or 0.0
        left = None
    return {"name": name, "state": "training" if training else "finished",
            "epochs": record["epochs"], "best_epoch": record["best_epoch"],
            "recipe": record["recipe"], "recipe_reason": record["recipe_reason"],
            "corpus": record["corpus"], "elapsed_seconds": round(elapsed, 1),
            "budget_seconds": budget, "left_seconds": None if left is None else round(left, 1),
            "started_at": started, "history": record["history"], "baselines": record["baselines"],
            "error": record["error"]}


def list_runs(runs_dir: str, records: RunRecords, now: float | None = None) -> list:
    """Every run in `runs_dir`, newest first (by when each was created, then by name)."""
    now = time.time() if now is None else now
    locks = locked_files()
    runs = []
    for name in run_names(runs_dir):
        folder = os.path.realpath(os.path.join(runs_dir, name))
        record = records.record(folder)
        runs.append((record["created"], name, describe(name, folder, record, now, locks)))
    runs.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
    return [run for _created, _name, run in runs]
