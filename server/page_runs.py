"""Training runs started from the page: one at a time, each `tempera train` in a child process,
in a folder the server names, and exported into the models folder when it ends.

Nothing the client sends becomes a path: the server picks the name, writes the text under the
runs folder's hidden `.page-texts` (so the run's corpus stays readable for a resume), and runs
`tempera train --corpus <that text> --run <runs>/<name> --time-budget M` without a shell.
"""

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

from tempera.errors import TemperaError

TEXTS_FOLDER = ".page-texts"  # hidden: neither a run nor a model is listed from a dot-folder
NEEDED_MODULES = ("tensorflow", "tf_keras", "tensorflowjs")  # training, then export
INSTALL_TRAINING = "pip install 'tempera[train]'"
INSTALL_NOTE = "in a checkout of tempera: make setup-dev"
MISSING_PROBE = ("import importlib.util, sys; missing = [m for m in sys.argv[1:] "
                 "if importlib.util.find_spec(m) is None]; print(missing[0] if missing else '')")


def missing_module(python: str) -> str | None:
    """The first module that training and export need and `python` cannot import, or None."""
    if os.path.abspath(python) == os.path.abspath(sys.executable):  # not realpath: a venv links
        return next((m for m in NEEDED_MODULES if importlib.util.find_spec(m) is None), None)
    try:
        found = subprocess.run([python, "-c", MISSING_PROBE, *NEEDED_MODULES], capture_output=True,
                               text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return NEEDED_MODULES[0]
    if found.returncode != 0:
        return NEEDED_MODULES[0]
    return found.stdout.strip() or None


class RunBusy(TemperaError):
    """A run started from the page is still training or being exported."""


class PageRun:
    """One `tempera train` child and what became of it."""

    def __init__(self, name: str, minutes: float, process, log_path: str, text_path: str):
        self.name, self.minutes, self.process, self.log_path = name, minutes, process, log_path
        self.text_path = text_path
        self.started = time.time()
        self.state = "training"  # then stopping, exporting, finished, stopped or failed
        self.model = None  # the models folder's id of the export, once made
        self.message = ""  # what happened, in words

    def as_json(self) -> dict:
        return {"name": self.name, "state": self.state, "model": self.model,
                "message": self.message, "budget_minutes": self.minutes,
                "elapsed_seconds": round(time.time() - self.started, 1)}

    @property
    def busy(self) -> bool:
        return self.state in ("training", "stopping", "exporting")

    def last_words(self) -> str:
        """Why the child ended, with the text's path (which the page never gave) as "the text"."""
        return last_words(self.log_path).replace(self.text_path, "the text")


def last_words(log_path: str) -> str:
    """The line of a child's output that says why it ended: its error line, or its last line."""
    try:
        with open(log_path, encoding="utf-8", errors="replace") as handle:
            lines = [line.strip() for line in handle.read()[-20_000:].splitlines() if line.strip()]
    except OSError:
        return ""
    errors = [line for line in lines if "error:" in line]
    return (errors or lines or [""])[-1]


def epochs_saved(run_dir: str) -> int:
    """The whole epochs a run has saved (state.json): a Ctrl-C before the first epoch ends saves
    a checkpoint to resume from, but no epoch to export."""
    try:
        with open(os.path.join(run_dir, "state.json"), encoding="utf-8") as handle:
            done = json.load(handle).get("epochs_done")
    except (OSError, ValueError, AttributeError):
        return 0
    return done if isinstance(done, int) and not isinstance(done, bool) and done > 0 else 0


class PageRuns:
    def __init__(self, runs_dir: str, models_dir: str, python: str = sys.executable):
        self.runs_dir, self.models_dir, self.python = runs_dir, models_dir, python
        # Stop sends the run Ctrl-C. A server started in the background (nohup, `&`) has it
        # ignored, and a child inherits that until `tempera train` sets its own: hear it here.
        if (signal.getsignal(signal.SIGINT) is signal.SIG_IGN
                and threading.current_thread() is threading.main_thread()):
            signal.signal(signal.SIGINT, signal.default_int_handler)
        self.lock = threading.Lock()
        self.current: PageRun | None = None

    @property
    def missing(self) -> str | None:
        """A module that training needs and this server's Python lacks: asked each time, so a
        server started before the install says so until it is restarted, no longer."""
        return missing_module(self.python)

    def status(self) -> dict:
        missing = self.missing
        with self.lock:
            return {"available": missing is None, "missing": missing,
                    "install": INSTALL_TRAINING, "install_note": INSTALL_NOTE,
                    "run": self.current.as_json() if self.current else None}

    def free_name(self) -> str:
        """page-YYYYmmdd-HHMMSS (UTC), with -2, -3… where a run, model or text has it already."""
        stem = time.strftime("page-%Y%m%d-%H%M%S", time.gmtime())
        for suffix in ["", *(f"-{n}" for n in range(2, 1000))]:
            name = stem + suffix
            taken = [os.path.join(self.runs_dir, name), os.path.join(self.models_dir, name),
                     os.path.join(self.runs_dir, TEXTS_FOLDER, name + ".txt")]
            if not any(os.path.lexists(path) for path in taken):
                return name
        raise RunBusy("too many runs started this second; wait a second")

    def start(self, text: str, minutes: float, sizes: dict | None = None) -> PageRun:
        with self.lock:
            if self.current is not None and self.current.busy:
                raise RunBusy(f"run {self.current.name} is still {self.current.state}: "
                              "one run at a time; stop it or wait for it to end")
            texts = os.path.join(self.runs_dir, TEXTS_FOLDER)
            os.makedirs(texts, exist_ok=True)
            name = self.free_name()
            text_path = os.path.join(texts, name + ".txt")
            with open(text_path, "x", encoding="utf-8", newline="") as handle:
                handle.write(text)
            log_path = os.path.join(texts, name + ".log")
            command = [self.python, "-m", "tempera", "train", "--corpus", text_path,
                       "--run", os.path.join(self.runs_dir, name), "--time-budget", repr(minutes),
                       "--verbose", "2"]
            for option, value in (sizes or {}).items():
                command += [f"--{option}", str(value)]
            with open(log_path, "w", encoding="utf-8") as log:
                process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log,
                                           stderr=subprocess.STDOUT,
                                           env={**os.environ, "PYTHONUNBUFFERED": "1"})
            self.current = PageRun(name, minutes, process, log_path, text_path)
            threading.Thread(target=self.follow, args=(self.current,), daemon=True,
                             name=f"page run {name}").start()
            return self.current

    def stop(self, name: str) -> PageRun:
        """Ctrl-C for the child: it finishes its batch and saves, then the run is exported."""
        with self.lock:
            run = self.current
            if run is None or run.name != name:
                raise KeyError(name)
            if run.state == "training":
                run.process.send_signal(signal.SIGINT)
                run.state, run.message = "stopping", "stopping: finishing the batch, then saving"
            return run

    def follow(self, run: PageRun) -> None:
        """Waits for the child; exports the run if it saved an epoch."""
        status = run.process.wait()
        with self.lock:
            stopped = run.state == "stopping"
        run_dir = os.path.join(self.runs_dir, run.name)
        if status not in (0, 130) or epochs_saved(run_dir) == 0:
            with self.lock:
                run.state = "stopped" if stopped else "failed"
                run.message = ("stopped before the first epoch was saved: nothing to export"
                               if stopped else f"training failed: {run.last_words()}")
            return
        with self.lock:
            run.state, run.message = "exporting", "exporting the best epoch for the page"
        problem = self.export(run)
        with self.lock:
            if problem:
                run.state, run.message = "failed", f"the export failed: {problem}"
            else:
                run.state, run.model = "finished", run.name
                run.message = (f"{'stopped early; ' if stopped else ''}model {run.name} is in "
                               "the model menu")

    def export(self, run: PageRun) -> str | None:
        """`tempera export` into a hidden folder, renamed into place when whole, so the model
        menu never lists a half-written bundle. The reason it failed, or None."""
        partial = os.path.join(self.models_dir, f".{run.name}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        command = [self.python, "-m", "tempera", "export", os.path.join(self.runs_dir, run.name),
                   "--out", partial]
        with open(run.log_path, "a", encoding="utf-8") as log:
            status = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT).returncode
        if status != 0:
            shutil.rmtree(partial, ignore_errors=True)
            return run.last_words()
        try:
            os.rename(partial, os.path.join(self.models_dir, run.name))
        except OSError as error:
            shutil.rmtree(partial, ignore_errors=True)
            return f"cannot move the bundle into {self.models_dir}: {error.strerror}"
        return None
