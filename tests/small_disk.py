"""A small file system of its own, to fill up: a tmpfs, which mounting needs root for (CI has it)."""

import os
import subprocess
from contextlib import contextmanager

import pytest


@contextmanager
def small_disk(folder, size: str = "256k"):
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (CI runs as root): {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)


def fill(disk, leave: int = 0) -> str:
    """Fill `disk` up to `leave` bytes, with a file whose removal frees the room again."""
    filler = os.path.join(disk, "filler")
    with open(filler, "wb") as handle:
        status = os.statvfs(disk)
        try:
            handle.write(b"x" * max(status.f_bavail * status.f_frsize - leave, 0))
            handle.flush()
        except OSError:
            pass
    return filler
