"""/api/runs: the training runs in `--runs`, read-only, for the page's Training view.

- GET /api/runs: every run, newest first, with an ETag (the page polls with If-None-Match);
- GET /api/runs/<name>/samples: a sample of every saved epoch, by the NumPy reference;
- GET /api/runs/<name>/epochs/<n>/<file>: epoch n as a bundle, made on demand by the export.

A name from the client only ever selects one of the runs found in the folder: dot-names,
separators and links leading out are a 404, as anything else that names no run.
"""

import hashlib
import os
import threading

from flask import Blueprint, Response, abort, current_app, request

from tempera import finite_json
from tempera.errors import TemperaError

from . import app as web
from .bundle_files import BundleFileNames
from .runs_bundles import EpochBundles, NoSuchEpoch, default_cache_dir
from .runs_listing import RunRecords, list_runs, run_folder
from .runs_samples import EpochSamples, MissingTraining

INSTALL_TRAINING = "pip install 'tempera[train]'"
CLOCK_FIELDS = ("elapsed_seconds", "left_seconds")  # of a training run: they move every second

runs_api = Blueprint("runs_api", __name__)
STATE_LOCK = threading.Lock()  # the first requests may come at once, from waitress's threads


def state() -> dict:
    """The app's caches of runs, samples and epoch bundles, made on first use."""
    config = current_app.config
    with STATE_LOCK:
        if "RUNS_STATE" not in config:
            config["RUNS_STATE"] = {
                "records": RunRecords(), "samples": EpochSamples(), "bundle_names": BundleFileNames(),
                "bundles": EpochBundles(config.get("EPOCH_BUNDLES_DIR") or default_cache_dir())}
        return config["RUNS_STATE"]


def runs_dir() -> str:
    return current_app.config.get("RUNS_DIR") or os.path.abspath("runs")


def json_response(data, status: int = 200, what: str = "the reply") -> Response:
    body = finite_json.dumps(data, what, ensure_ascii=False)
    response = Response(body, status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-cache"
    return response


def error_response(message: str, status: int, **extra) -> Response:
    return json_response({"error": message, **extra}, status)


def folder_of(name: str) -> str:
    folder = run_folder(runs_dir(), name)
    if folder is None:
        abort(404)
    return folder


def in_words(message: str, folder: str, name: str) -> str:
    """A message with the server's path of the run replaced by the run's name."""
    for path in (folder, os.path.join(runs_dir(), name)):
        message = message.replace(path, f"runs/{name}")
    return message


def listing_etag(runs: list) -> str:
    """Changes with the runs' files and states, not with the clock alone: while a run trains,
    a page that has the list keeps it (304) and counts the time itself from started_at."""
    still = [{k: v for k, v in run.items() if k not in CLOCK_FIELDS} for run in runs]
    text = finite_json.dumps(still, "/api/runs", ensure_ascii=False, sort_keys=True)
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


@runs_api.get("/api/runs")
def runs():
    listed = list_runs(runs_dir(), state()["records"])
    response = Response(finite_json.dumps({"runs": listed}, "/api/runs", ensure_ascii=False),
                        mimetype="application/json")
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(listing_etag(listed))
    return response.make_conditional(request)


@runs_api.get("/api/runs/<name>/samples")
def samples(name):
    folder = folder_of(name)
    try:
        data = state()["samples"].run_samples(folder, lambda m: in_words(m, folder, name))
    except MissingTraining as error:
        return error_response(str(error), 503, install=INSTALL_TRAINING)
    except TemperaError as error:
        return error_response(in_words(str(error), folder, name), 422)
    response = json_response(data, what="the samples")
    response.set_etag(hashlib.blake2b(response.get_data(), digest_size=12).hexdigest())
    return response.make_conditional(request)


@runs_api.get("/api/runs/<name>/epochs/<int:epoch>/<file_name>")
def epoch_bundle_file(name, epoch, file_name):
    folder = folder_of(name)
    try:
        bundle = state()["bundles"].bundle(folder, epoch)
    except NoSuchEpoch:
        abort(404)
    except MissingTraining as error:
        return error_response(str(error), 503, install=INSTALL_TRAINING)
    except TemperaError as error:
        return error_response(in_words(str(error), folder, name), 422)
    if file_name not in state()["bundle_names"].names(os.path.join(bundle, "model.json")):
        abort(404)
    return web.send_inside(bundle, file_name)
