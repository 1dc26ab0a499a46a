"""Atomic file writes: a reader (or a killed run) sees the old file or the new, never half."""

import json
import os
import tempfile
from contextlib import contextmanager


@contextmanager
def atomic_path(path: str):
    """Yield a temporary path beside `path`; on success it replaces `path` in one step."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    suffix = os.path.splitext(path)[1]  # some writers (h5, png) choose a format by suffix
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix)
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
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
