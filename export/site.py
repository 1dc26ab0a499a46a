"""`tempera build-site`: the page and its models as one folder for any static file server.

Every URL in the page is relative, so the folder works under any sub-path. The folder's
marker lists every file written, so a later `--force` replaces this site and nothing else.

It publishes what `tempera serve` would send, and nothing more: of a bundle folder only the
bundle (model.json, tempera.json and the shards model.json names), regular files only, never
a symbolic link's target, and no compressed copy older than its source.
"""

import json
import os
import shutil
import stat

from tempera import __version__
from tempera.atomic import staged_folder, write_json
from tempera.bundle import load_bundle
from tempera.catalog import index_document, is_bundle, list_bundles
from tempera.compression import ENCODINGS, is_usable_copy, write_gzip_siblings
from tempera.errors import TemperaError
from tempera.isolation import write_header_files
from tempera.outputs import SITE_MARKER, check_output_folder, site_files, site_folder_problem


def _bundle_folders(models: list, default_dir: str) -> list:
    if not models:
        found = [os.path.join(default_dir, b["id"]) for b in list_bundles(default_dir)]
        if not found:
            raise TemperaError(f"no model bundle in {default_dir}; pass --model BUNDLE")
        return found
    for folder in models:
        if not (is_bundle(folder) and os.path.isfile(os.path.join(folder, "model.json"))):
            raise TemperaError(f"{folder} is not a model bundle (model.json + tempera.json)")
    return models


def _read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _is_shipped(folder: str, default_dir: str) -> bool:
    """Is the bundle in `folder` one of the shipped models: in their folder, or a copy of one
    (the same tempera.json, which records its weights' digests)?"""
    if os.path.realpath(folder).startswith(os.path.realpath(default_dir) + os.sep):
        return True
    own = _read_bytes(os.path.join(folder, "tempera.json"))
    return own is not None and any(
        own == _read_bytes(os.path.join(default_dir, entry["id"], "tempera.json"))
        for entry in list_bundles(default_dir))


def opening_model(folders: list, ids: list, default_dir: str, chosen: str | None) -> str:
    """The folder name of the model the page opens on: `chosen` (--open) if given, else the
    shipped model if included, else the first bundle given."""
    if chosen is not None:
        if chosen not in ids:
            raise TemperaError(f"--open {chosen}: no such model in the site; it has "
                               + ", ".join(ids))
        return chosen
    for folder, model_id in zip(folders, ids):
        if _is_shipped(folder, default_dir):
            return model_id
    return ids[0]


def _regular_file(path: str, what: str) -> os.stat_result:
    """lstat of `path`, which must be a regular file: a link is not followed (it could lead out
    of the folder, or loop), and a FIFO or device is not read."""
    try:
        info = os.lstat(path)
    except OSError as error:
        raise TemperaError(f"cannot read {path}: {error.strerror}") from None
    if stat.S_ISLNK(info.st_mode):
        raise TemperaError(f"{path} is a symbolic link; build-site publishes only regular files "
                           f"of {what} (copy the file there instead)")
    if not stat.S_ISREG(info.st_mode):
        raise TemperaError(f"{path} is not a regular file; build-site cannot publish it")
    return info


def bundle_file_names(folder: str) -> list:
    """The files of the bundle in `folder`: model.json, tempera.json and model.json's shards,
    each checked to be a regular file there. Anything else in the folder is not the bundle's."""
    for name in ("model.json", "tempera.json"):
        if os.path.lexists(os.path.join(folder, name)):  # a missing one is load_bundle's to name
            _regular_file(os.path.join(folder, name), "a bundle")
    load_bundle(folder)  # refuse to publish a broken bundle; the shard names are plain names
    with open(os.path.join(folder, "model.json"), encoding="utf-8") as handle:
        manifest = json.load(handle).get("weightsManifest") or []
    shards = list(dict.fromkeys(path for group in manifest for path in group["paths"]))
    for name in shards:
        _regular_file(os.path.join(folder, name), "a bundle")
    return ["model.json", "tempera.json", *shards]


def _is_stale_copy(folder: str, name: str, info: os.stat_result) -> bool:
    """Is `name` a `.br`/`.gz` copy older than the file beside it that it stands in for?"""
    for _encoding, suffix in ENCODINGS:
        source = os.path.join(folder, name[:-len(suffix)])
        if name.endswith(suffix) and os.path.lexists(source):
            return not is_usable_copy(_regular_file(source, "the page"), info)
    return False


def page_files(static_dir: str) -> list:
    """Relative paths of the page's files to publish: regular files only, no source maps, no
    compressed copy older than its source. A link, to a file or a folder, is an error."""
    found = []
    for top, dirs, files in os.walk(static_dir):
        dirs.sort()
        for name in sorted(dirs):
            if os.path.islink(os.path.join(top, name)):
                _regular_file(os.path.join(top, name), "the page")  # raises: a link
        for name in sorted(files):
            info = _regular_file(os.path.join(top, name), "the page")
            if name.endswith(".map") or _is_stale_copy(top, name, info):
                continue
            found.append(os.path.relpath(os.path.join(top, name), static_dir))
    return found


def _copy_files(source_dir: str, names: list, target_dir: str) -> None:
    """Copies each regular file, keeping its modification time (a compressed copy stays no
    older than its source, as servers that check it require)."""
    for name in names:
        target = os.path.join(target_dir, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(source_dir, name), target, follow_symlinks=False)


def build_site(out: str, models: list, static_dir: str, default_models_dir: str,
               force: bool = False, open_first: str | None = None) -> dict:
    """Writes the site; its models/index.json lists first the model the page opens on
    (see opening_model), then the others in the order given."""
    if not os.path.isfile(os.path.join(static_dir, "index.html")):
        raise TemperaError(f"the page is not built ({static_dir} has no index.html): "
                           "run `npm ci && npm run build`")
    folders = _bundle_folders(models, default_models_dir)
    check_output_folder(out, force, inputs=[static_dir, *folders], problem=site_folder_problem)
    ids = [os.path.basename(os.path.normpath(f)) for f in folders]
    if len(set(ids)) != len(ids):
        raise TemperaError("two bundles have the same folder name: " + ", ".join(ids))
    first = opening_model(folders, ids, default_models_dir, open_first)
    order = [first] + [model_id for model_id in ids if model_id != first]
    bundles = [bundle_file_names(folder) for folder in folders]
    pages = page_files(static_dir)

    try:
        with staged_folder(out) as staging:
            _copy_files(static_dir, pages, staging)
            for folder, model_id, names in zip(folders, ids, bundles):
                _copy_files(folder, names, os.path.join(staging, "models", model_id))
            index = index_document(os.path.join(staging, "models"))
            # The page opens on the first model the list names (unless its address names one).
            index["models"].sort(key=lambda entry: order.index(entry["id"]))
            write_json(os.path.join(staging, "models", "index.json"), index)
            # The page's own files come compressed from the build; the bundles here.
            write_gzip_siblings(os.path.join(staging, "models"), (".json", ".bin"))
            write_header_files(staging)  # for hosts that read them: WebAssembly threads
            write_json(os.path.join(staging, SITE_MARKER),
                       {"made_by": f"tempera build-site {__version__}", "files": site_files(staging)})
    except OSError as error:
        raise TemperaError(f"cannot write the site to {out}: {error.strerror or error}") from None
    return index
