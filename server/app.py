"""The Flask application: the built page, the model bundles and /api/models. GET and HEAD only,
but for the training routes that `--allow-training` adds (training_api.py)."""

import mimetypes
import os
import time

from flask import Flask, Response, abort, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wsgi import wrap_file

from tempera.catalog import index_json, is_inside
from tempera.compression import GzipCache, accepted_copies, is_usable_copy
from tempera.isolation import ISOLATION_HEADERS

from .bundle_files import BundleFileNames
from .file_version import FileVersion, open_version
from .runs_api import runs_api
from .training_api import TRAINING_BLUEPRINT, page_with_token, training_api

mimetypes.add_type("application/wasm", ".wasm")  # missing from some systems' tables
mimetypes.add_type("text/javascript", ".mjs")  # the embeddable module; a module script needs it
mimetypes.add_type("application/octet-stream", ".bin")
mimetypes.add_type("application/json", ".json")

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    # The page's own bundle and WebAssembly; blob: for the threaded WASM build, whose worker
    # threads load the backend's script from a blob the page makes.
    "script-src 'self' 'wasm-unsafe-eval' blob:",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    **ISOLATION_HEADERS,  # cross-origin isolated: the page may use WebAssembly threads
}
BUNDLE_CACHE = "public, max-age=3600, must-revalidate"
READ_ATTEMPTS = 3  # reads of a bundle file being written in place before it goes uncompressed
ALLOWED_METHODS = ("GET", "HEAD")


def existing_file_inside(root: str, relative: str) -> str | None:
    candidate = os.path.join(os.path.realpath(root), relative)
    if os.path.isabs(relative) or not is_inside(candidate, root) or not os.path.isfile(candidate):
        return None
    return os.path.realpath(candidate)


def resolve_inside(root: str, relative: str) -> str:
    """The real path of `relative` under `root`, or a 404: no traversal, no symlink escapes, and
    no traceback for a name no file can have."""
    try:
        path = existing_file_inside(root, relative)
    except (ValueError, OSError):  # a NUL byte in the name; a name the file system refuses
        path = None
    if path is None:
        abort(404)
    return path


def open_or_404(path: str) -> FileVersion:
    """The file as it is at this moment; a 404, not a 500, if it vanished or was swapped for
    something that is not a regular file since its path was resolved."""
    version = open_version(path)
    if version is None:
        abort(404)
    return version


def version_response(version: FileVersion, mimetype: str | None, etag_suffix: str = "",
                     max_age: int | None = None) -> Response:
    """A reply whose bytes are sent from `version`'s descriptor and whose Content-Length,
    Last-Modified and ETag are that descriptor's fstat: one version, whatever the path holds
    by the time the bytes go out. Conditional and range requests as send_file answers them."""
    response = Response(wrap_file(request.environ, version.file()), direct_passthrough=True,
                        mimetype=mimetype or "application/octet-stream")
    return finish(response, version, etag_suffix, max_age)


def bytes_response(data: bytes, version: FileVersion, mimetype: str | None, etag_suffix: str,
                   max_age: int | None = None) -> Response:
    """A reply of `data`, bytes made from `version` (its gzip), with `version`'s validators."""
    response = Response(data, mimetype=mimetype or "application/octet-stream")
    version.close()
    return finish(response, version, etag_suffix, max_age)


def finish(response: Response, version: FileVersion, etag_suffix: str, max_age: int | None):
    length = response.content_length if not response.direct_passthrough else version.size
    response.content_length = length
    response.last_modified = version.stat.st_mtime
    response.cache_control.no_cache = True
    if max_age is not None:
        response.cache_control.max_age = max_age
        response.expires = int(time.time() + max_age)
    response.set_etag(version.etag + etag_suffix)
    try:
        return response.make_conditional(request.environ, accept_ranges=True, complete_length=length)
    except RequestedRangeNotSatisfiable:
        response.close()
        raise


def stored_copy(path: str, source: FileVersion) -> tuple | None:
    """(copy, encoding) of the best `.br`/`.gz` copy beside `path` that the request accepts and
    that may stand in for `source`: a regular file, not a link, and no older than the source."""
    for encoding, suffix in accepted_copies(request.accept_encodings):
        copy = open_version(path + suffix)  # a link there is not opened: no copy
        if copy is None:
            continue
        if is_usable_copy(source.stat, copy.stat):
            return copy, encoding
        copy.close()
    return None


def send_inside(root: str, relative: str, max_age: int | None = None):
    """A file under `root`, from one open version of it. Where the browser accepts it, a stored
    `.br` or `.gz` copy beside the file goes instead."""
    path = resolve_inside(root, relative)
    source = open_or_404(path)
    mimetype = mimetypes.guess_type(path)[0]
    copy = stored_copy(path, source)
    if copy is None:
        return version_response(source, mimetype, max_age=max_age)
    source.close()
    response = version_response(copy[0], mimetype, etag_suffix=f"-{copy[1]}", max_age=max_age)
    response.headers["Content-Encoding"] = copy[1]
    return response


def send_gzipped(path: str, cache: GzipCache):
    """A bundle file, gzipped once in memory where the browser accepts gzip and it pays. The
    cache holds the gzip of one version and answers only for that version."""
    mimetype = mimetypes.guess_type(path)[0]
    for _attempt in range(READ_ATTEMPTS):
        version = open_or_404(path)
        if request.accept_encodings["gzip"] <= 0:
            return version_response(version, mimetype)
        known = cache.lookup(path, version.key)
        if known is not None:
            packed = known[1]
            break
        data = version.read_all()
        if data is not None:
            packed = cache.store(path, version.key, data)
            break
        version.close()  # written in place while it was read: no gzip of torn bytes; again
    else:
        return version_response(open_or_404(path), mimetype)
    if packed is None:
        return version_response(version, mimetype)
    response = bytes_response(packed, version, mimetype, etag_suffix="-gzip")
    response.headers["Content-Encoding"] = "gzip"
    return response


def create_app(models_dir: str, static_dir: str, runs_dir: str = "runs",
               allow_training: bool = False) -> Flask:
    app = Flask(__name__, static_folder=None)
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False  # OPTIONS gets the same 405 as POST
    app.config["MODELS_DIR"] = os.path.abspath(models_dir)
    app.config["STATIC_DIR"] = os.path.abspath(static_dir)
    app.config["RUNS_DIR"] = os.path.abspath(runs_dir)
    gzip_cache = GzipCache()
    bundle_names = BundleFileNames()

    @app.get("/")
    def page():
        if allow_training:  # the page that may start runs carries this server's token
            return page_with_token(app.config["STATIC_DIR"])
        return send_inside(app.config["STATIC_DIR"], "index.html", max_age=0)

    @app.get("/api/models")
    @app.get("/models/index.json")
    def models():
        response = Response(index_json(app.config["MODELS_DIR"]), mimetype="application/json")
        response.headers["Cache-Control"] = "no-cache"
        return response

    @app.get("/models/<model_id>/<path:name>")
    def bundle_file(model_id, name):
        if model_id.startswith("."):  # the listing hides such folders; so does the server
            abort(404)
        folder = os.path.dirname(
            resolve_inside(app.config["MODELS_DIR"], os.path.join(model_id, "tempera.json")))
        if name not in bundle_names.names(os.path.join(folder, "model.json")):
            abort(404)  # not the bundle's: build-site does not publish it either
        path = resolve_inside(folder, name)
        response = send_gzipped(path, gzip_cache)
        response.headers["Cache-Control"] = BUNDLE_CACHE
        return response

    app.register_blueprint(runs_api)  # /api/runs: the training runs in RUNS_DIR, read-only
    if allow_training:  # POST /api/runs: start and stop runs, from this server's page only
        app.register_blueprint(training_api(app))

    @app.get("/<path:name>")
    def static_file(name):
        return send_inside(app.config["STATIC_DIR"], name, max_age=0)

    @app.before_request
    def only_get_and_head():
        """Before routing's own 404: every path, known or not, refuses other methods alike."""
        if request.method not in ALLOWED_METHODS and request.blueprint != TRAINING_BLUEPRINT:
            abort(405, valid_methods=ALLOWED_METHODS)

    @app.after_request
    def security_headers(response):
        response.headers.update(SECURITY_HEADERS)
        response.vary.add("Accept-Encoding")  # the same URL may go compressed or not
        return response

    return app
