"""The list of model bundles in a folder, as the page reads it from models/index.json."""

import functools
import json
import os

from .bundle import load_bundle
from .errors import TemperaError
from .finite_json import dumps, first_non_finite
from .paths import SHIPPED_MODELS

DEFAULT_MODELS_DIR = SHIPPED_MODELS
SUMMARY_KEYS = ("name", "lowercase", "maxlen", "layers", "modes", "corpus", "held_out", "epochs",
                "training_seconds", "exported")


def is_bundle(folder: str) -> bool:
    """tempera.json marks a bundle; one that is incomplete is still listed, so that loading it
    says which file is missing rather than the model silently not being there."""
    return os.path.isfile(os.path.join(folder, "tempera.json"))


def _signature(folder: str) -> tuple:
    """Names, inodes, sizes, modification and change times of a bundle's files: a changed file
    changes it, even one written in place with its modification time put back (`cp -p`)."""
    entries = []
    for name in sorted(os.listdir(folder)):
        try:
            info = os.stat(os.path.join(folder, name))
        except OSError:
            continue
        entries.append((name, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns))
    return tuple(entries)


@functools.lru_cache(maxsize=256)
def _bundle_problem(folder: str, signature: tuple) -> str | None:
    try:
        load_bundle(folder)
    except TemperaError as error:
        return str(error)
    return None


def bundle_problem(folder: str) -> str | None:
    """Why the bundle in `folder` cannot be used (None when it can), read once per version."""
    return _bundle_problem(os.path.realpath(folder), _signature(folder))


def bundle_entry(model_id: str, folder: str) -> dict:
    """The page's view of a bundle; a broken one is listed with the reason it is unavailable."""
    problem = bundle_problem(folder)
    meta = {}
    if problem is None:
        try:
            with open(os.path.join(folder, "tempera.json"), encoding="utf-8") as handle:
                meta = json.load(handle)
        except (OSError, ValueError):
            meta = None
        if not isinstance(meta, dict) or first_non_finite(meta):  # written over since it was checked
            problem, meta = f"tempera.json in {folder} changed while it was read: reload", {}
    summary = {k: meta[k] for k in SUMMARY_KEYS if k in meta}
    entry = {"id": model_id, "name": summary.get("name", model_id), "path": f"models/{model_id}/",
             "meta": summary}
    if problem:
        entry["unavailable"] = problem.replace(os.path.realpath(folder), f"models/{model_id}") \
                                      .replace(folder, f"models/{model_id}")
    return entry


def is_inside(path: str, folder: str) -> bool:
    """Does `path`, symlinks resolved, lie inside `folder`?"""
    return os.path.realpath(path).startswith(os.path.realpath(folder) + os.sep)


def list_bundles(models_dir: str) -> list:
    """Every bundle folder directly inside `models_dir` (symlinks may not lead out), by id."""
    if not os.path.isdir(models_dir):
        return []
    return [bundle_entry(name, os.path.join(models_dir, name))
            for name in sorted(os.listdir(models_dir))
            if not name.startswith(".") and is_bundle(os.path.join(models_dir, name))
            and is_inside(os.path.join(models_dir, name), models_dir)]


def index_document(models_dir: str) -> dict:
    return {"models": list_bundles(models_dir)}


def index_json(models_dir: str) -> str:
    """models/index.json as served: valid JSON (a bundle with a non-finite number is listed
    unavailable, without its metadata, so there is none to write)."""
    return dumps(index_document(models_dir), "models/index.json", ensure_ascii=False)
