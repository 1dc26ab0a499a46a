"""Which output folders a command may replace: only its own, and never one holding its inputs.

`--force` on `export` and `build-site` replaces a folder that the same command wrote before,
recognised by its contents. Anything else (a run, a folder of runs, a user's notes, a folder
that holds the command's own inputs) is refused with one line, and nothing is touched.
"""

import json
import os
import re

from .errors import TemperaError

BUNDLE_FILES = ("model.json", "tempera.json")
SHARD_NAME = re.compile(r"group\d+-shard\d+of\d+\.bin")
SITE_MARKER = ".tempera-site.json"


def _contains(folder: str, path: str) -> bool:
    """Is `path` the folder itself or inside it, symlinks resolved?"""
    folder, path = os.path.realpath(folder), os.path.realpath(path)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _file_above(path: str) -> str | None:
    """The nearest existing ancestor of `path` when it is not a folder (None otherwise)."""
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    return None if os.path.isdir(parent) else parent


def bundle_folder_problem(folder: str) -> str | None:
    """Why `folder` is not a bundle that `tempera export` wrote (None when it is one)."""
    names = os.listdir(folder)
    if not all(name in names for name in BUNDLE_FILES):
        return "it is not a model bundle (no model.json and tempera.json)"
    foreign = sorted(n for n in names if n not in BUNDLE_FILES and not SHARD_NAME.fullmatch(n))
    if foreign:
        return f"it holds {', '.join(foreign[:5])}{' and more' if len(foreign) > 5 else ''}, " \
               "which tempera export does not write"
    return None


def site_files(folder: str) -> list:
    """Every file under `folder`, as sorted relative paths with '/' separators."""
    found = []
    for top, dirs, files in os.walk(folder):
        dirs.sort()
        for name in files:
            found.append(os.path.relpath(os.path.join(top, name), folder).replace(os.sep, "/"))
    return sorted(found)


def site_folder_problem(folder: str) -> str | None:
    """Why `folder` is not a site that `tempera build-site` wrote (None when it is one).

    A site's marker lists every file build-site wrote; a file it does not list is someone
    else's and must not be deleted.
    """
    marker = os.path.join(folder, SITE_MARKER)
    try:
        with open(marker, encoding="utf-8") as handle:
            written = set(json.load(handle)["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return f"it is not a site that tempera build-site wrote (no readable {SITE_MARKER})"
    foreign = [f for f in site_files(folder) if f not in written and f != SITE_MARKER]
    if foreign:
        return f"it holds {', '.join(foreign[:5])}{' and more' if len(foreign) > 5 else ''}, " \
               "which tempera build-site did not write"
    return None


def check_output_folder(out: str, force: bool, inputs: list, problem,
                        inside_inputs: bool = False) -> None:
    """Refuse, before any work, an `out` that this command may not write or replace.

    `inputs` are the paths the command reads (a run, bundles, the page); `problem(folder)`
    says why an existing folder is not this command's own output, or None. `inside_inputs`
    allows `out` inside an input (a bundle inside its run folder); a command that copies its
    inputs must not allow it, or it would copy its own output into itself.
    """
    if not out or not os.path.basename(os.path.abspath(out)):
        raise TemperaError(f"--out must name a folder, got {out!r}")
    for source in inputs:
        if _contains(out, source):
            raise TemperaError(f"--out {out} is or contains {source}, which this command reads; "
                               "choose another --out")
        if not inside_inputs and _contains(source, out):
            raise TemperaError(f"--out {out} is inside {source}, which this command copies; "
                               "choose another --out")
    if not os.path.lexists(out):
        blocker = _file_above(out)
        if blocker:
            raise TemperaError(f"cannot write {out}: {blocker} is a file, not a folder")
        return
    if not force:
        raise TemperaError(f"{out} already exists; pass --force to replace it")
    if os.path.islink(out):
        raise TemperaError(f"refusing to replace {out}: it is a symbolic link")
    if not os.path.isdir(out):
        raise TemperaError(f"refusing to replace {out}: it is a file, not a folder")
    reason = problem(out)
    if reason:
        raise TemperaError(f"refusing to replace {out} with --force: {reason}")
