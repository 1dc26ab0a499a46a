"""Atomic file writes: a reader (or a killed run) sees the old file or the new, never half."""

import os
import shutil
import tempfile
from contextlib import contextmanager

from .finite_json import dumps

# Temporary names carry this prefix, so a leftover from a killed run is recognisably ours and
# nothing else is ever removed as one.
TEMPORARY_PREFIX = ".tempera-tmp-"


@contextmanager
def atomic_path(path: str):
    """Yield a temporary path beside `path`; on success it replaces `path` in one step."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    suffix = os.path.splitext(path)[1]  # some writers (h5, png) choose a format by suffix
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=TEMPORARY_PREFIX, suffix=suffix)
    os.close(handle)
    os.chmod(temporary, 0o644)  # mkstemp makes files private; these are meant to be read
    try:
        yield temporary
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def write_text(path: str, text: str) -> None:
    with atomic_path(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)


def write_json(path: str, data) -> None:
    """Valid JSON only: a NaN or infinite number is refused, naming the file and its place."""
    write_text(path, dumps(data, os.path.basename(path), indent=2, ensure_ascii=False) + "\n")


@contextmanager
def staged_folder(path: str):
    """Yield an empty folder beside `path`; on success it replaces the folder `path`.

    The old folder is renamed aside before the new one takes its name and removed only after,
    so a failure at any point leaves `path` whole: the old folder or the new. Callers decide
    whether `path` may be replaced at all (tempera.outputs).
    """
    parent = os.path.dirname(os.path.abspath(path))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(dir=parent, prefix=TEMPORARY_PREFIX)
    os.chmod(staging, 0o755)  # mkdtemp makes it private; what is staged here is meant to be served
    old = None
    try:
        yield staging
        if os.path.isdir(path):
            old = tempfile.mkdtemp(dir=parent, prefix=TEMPORARY_PREFIX)
            os.replace(path, os.path.join(old, "old"))
        try:
            os.replace(staging, path)
        except OSError:
            if old:
                os.replace(os.path.join(old, "old"), path)
            raise
    finally:
        for leftover in (staging, old):
            if leftover and os.path.exists(leftover):
                shutil.rmtree(leftover)
