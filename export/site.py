"""`tempera build-site`: the page and its models as one folder for any static file server.

Every URL in the page is relative, so the folder works under any sub-path. The folder's
marker lists every file written, so a later `--force` replaces this site and nothing else.
"""

import os
import shutil

from tempera import __version__
from tempera.atomic import staged_folder, write_json
from tempera.bundle import load_bundle
from tempera.catalog import index_document, is_bundle, list_bundles
from tempera.compression import write_gzip_siblings
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


def build_site(out: str, models: list, static_dir: str, default_models_dir: str,
               force: bool = False) -> dict:
    if not os.path.isfile(os.path.join(static_dir, "index.html")):
        raise TemperaError(f"the page is not built ({static_dir} has no index.html): "
                           "run `npm ci && npm run build`")
    folders = _bundle_folders(models, default_models_dir)
    check_output_folder(out, force, inputs=[static_dir, *folders], problem=site_folder_problem)
    ids = [os.path.basename(os.path.normpath(f)) for f in folders]
    if len(set(ids)) != len(ids):
        raise TemperaError("two bundles have the same folder name: " + ", ".join(ids))
    for folder in folders:
        load_bundle(folder)  # refuse to publish a broken bundle

    try:
        with staged_folder(out) as staging:
            shutil.copytree(static_dir, staging, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("*.map"))
            for folder, model_id in zip(folders, ids):
                shutil.copytree(folder, os.path.join(staging, "models", model_id),
                                ignore=shutil.ignore_patterns(".*"))
            index = index_document(os.path.join(staging, "models"))
            write_json(os.path.join(staging, "models", "index.json"), index)
            # The page's own files come compressed from the build; the bundles here.
            write_gzip_siblings(os.path.join(staging, "models"), (".json", ".bin"))
            write_header_files(staging)  # for hosts that read them: WebAssembly threads
            write_json(os.path.join(staging, SITE_MARKER),
                       {"made_by": f"tempera build-site {__version__}", "files": site_files(staging)})
    except OSError as error:
        raise TemperaError(f"cannot write the site to {out}: {error.strerror or error}") from None
    return index
