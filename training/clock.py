"""The time budget is the wall clock of the whole command: from the process's start (the
interpreter, TensorFlow's import, the corpus, the baselines) to its last file written.

Training stops early enough to leave time for what follows it, estimated from what the same
work has cost so far in this run.
"""

import os
import time

# A process older than this when training is called was not started for it (a test calling
# the CLI in-process): its budget counts from the call instead.
FRESH_PROCESS_SECONDS = 30.0
# Before anything is measured: a checkpoint, the history and its plot, one evaluation.
FIRST_GUESS_SECONDS = {"save": 1.0, "eval": 3.0}
EXIT_SECONDS = 0.5  # the process ending after the last write (it skips TensorFlow's teardown)
MARGIN_SHARE = 0.01  # of the budget, kept free for what varies on a busy machine


def process_age() -> float | None:
    """Seconds since this process started (Linux's /proc), or None where that is unknown."""
    try:
        with open("/proc/self/stat", encoding="ascii") as handle:
            stat = handle.read()
        start_ticks = int(stat[stat.rindex(")") + 2:].split()[19])  # field 22, starttime
        return time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def is_fresh_process() -> bool:
    """Was this process started moments ago (for the command now starting)?"""
    age = process_age()
    return age is not None and 0 <= age < FRESH_PROCESS_SECONDS


def command_started() -> float:
    """time.monotonic() at the start of this command."""
    now = time.monotonic()
    return now - process_age() if is_fresh_process() else now


def running_timing(started: float | None, budget_minutes: float | None) -> dict:
    """What config.json says while the command trains: when it started (unix seconds, from
    time.monotonic() at `started`) and its budget. WallClock.summary() replaces it at the end."""
    started = time.monotonic() if started is None else started
    timing = {"started_unix": round(time.time() - (time.monotonic() - started), 1)}
    if budget_minutes:
        timing["budget_seconds"] = round(budget_minutes * 60, 1)
    return timing


class WallClock:
    """The command's elapsed time, its budget, and the costs measured so far (seconds)."""

    def __init__(self, started: float, budget_minutes: float | None):
        self.started = started
        self.budget = budget_minutes * 60 if budget_minutes else None
        self.spent = {"train": 0.0, "eval": 0.0, "samples": 0.0, "save": 0.0}
        self.last = dict(FIRST_GUESS_SECONDS)  # the latest cost of each kind of work
        self.batch_seconds = 0.0  # the latest batch's: a stop is seen only after a batch
        self.final_eval_seconds = 0.0  # the whole held-out set, when it is to be measured

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def record(self, kind: str, seconds: float) -> None:
        self.spent[kind] += seconds
        if kind != "train":
            self.last[kind] = seconds

    def reserve(self) -> float:
        """What must be left when training stops: one more epoch's end (an evaluation, a
        checkpoint), the final evaluation, a last write of the history, and the exit."""
        final = self.final_eval_seconds + self.last["save"] if self.final_eval_seconds else 0.0
        # Two batches: a stop is seen after a batch, and a busy machine slows one at times.
        return (self.last["eval"] + self.last["save"] + final + 2 * self.batch_seconds
                + EXIT_SECONDS + MARGIN_SHARE * (self.budget or 0))

    def out_of_time(self, extra: float = 0.0) -> bool:
        """Is it time to stop training (or not to start `extra` seconds of other work)?"""
        return self.budget is not None and self.elapsed() + extra > self.budget - self.reserve()

    def summary(self) -> dict:
        timing = {f"{kind}_seconds": round(seconds, 1) for kind, seconds in self.spent.items()}
        timing["wall_seconds"] = round(self.elapsed(), 1)
        if self.budget is not None:
            timing["budget_seconds"] = round(self.budget, 1)
        return timing

    def line(self) -> str:
        """The one line that shows where the wall time went."""
        wall = self.elapsed()

        def share(kind):
            return f"{self.spent[kind]:.1f} s ({100 * self.spent[kind] / wall:.0f} %)"

        budget = f" of a {self.budget:.0f} s budget" if self.budget is not None else ""
        others = wall - sum(self.spent.values())
        return (f"wall {wall:.1f} s{budget}: training {share('train')}, evaluation {share('eval')}, "
                f"samples {share('samples')}, checkpoints {share('save')}, "
                f"start-up and the rest {others:.1f} s")
