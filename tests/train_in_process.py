"""`tempera train` run in this process, for mistakes it must refuse before TensorFlow loads.

In-process is cheap (no interpreter start), and it proves the refusal never loaded TensorFlow:
where this process had not loaded it before, it still has not; where an earlier test had, the
module that trains (and loads TensorFlow) is kept out while the command runs, so a refusal that
reached it fails.
"""

import subprocess
import sys

from tempera.cli import main

TRAINING_MODULE = "tempera.training.fitting"


def train_in_process(capfd, *args) -> subprocess.CompletedProcess:
    """`tempera train ARGS`: its exit code and output as a finished process's."""
    had_tensorflow = "tensorflow" in sys.modules
    kept = sys.modules.get(TRAINING_MODULE)
    if had_tensorflow:
        sys.modules[TRAINING_MODULE] = None  # importing it now raises ImportError
    capfd.readouterr()
    try:
        code = main(["train", *args])
    except SystemExit as usage:  # argparse's own refusals
        code = usage.code
    finally:
        if kept is None:
            sys.modules.pop(TRAINING_MODULE, None)
        else:
            sys.modules[TRAINING_MODULE] = kept
    captured = capfd.readouterr()
    assert had_tensorflow or "tensorflow" not in sys.modules, "the refusal loaded TensorFlow"
    return subprocess.CompletedProcess(["train", *args], code, captured.out, captured.err)


def one_line_error(result, *fragments: str) -> str:
    """Exit code 2 and exactly one line on stderr, `tempera train: error: ...`, naming the problem."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and len(lines) == 1, result.stderr
    assert lines[0].startswith("tempera train: error:"), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]
