"""`tempera train` run in this process, for mistakes it must refuse before TensorFlow loads.

In-process is cheap (no interpreter start), and it proves the refusal never loaded TensorFlow:
where this process had not loaded it before, it still has not.
"""

import subprocess
import sys

from tempera.cli import main


def train_in_process(capfd, *args) -> subprocess.CompletedProcess:
    """`tempera train ARGS`: its exit code and output as a finished process's."""
    had_tensorflow = "tensorflow" in sys.modules
    capfd.readouterr()
    try:
        code = main(["train", *args])
    except SystemExit as usage:  # argparse's own refusals
        code = usage.code
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
