"""The Flask application: the built page, the model bundles and /api/models. GET and HEAD only."""

import io
import mimetypes
import os

from flask import Flask, abort, jsonify, request, send_file

from tempera.catalog import index_document, is_inside
from tempera.compression import GzipCache, precompressed_sibling
from tempera.isolation import ISOLATION_HEADERS

mimetypes.add_type("application/wasm", ".wasm")  # missing from some systems' tables
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


def send_inside(root: str, relative: str, **options):
    """send_file for a file under `root`; a 404, not a 500, if it vanishes before it is opened.
    Where the browser accepts it, a stored `.br` or `.gz` copy beside the file goes instead."""
    path = resolve_inside(root, relative)
    sibling = precompressed_sibling(path, request.accept_encodings)
    try:
        if sibling is None:
            return send_file(path, **options)
        response = send_file(sibling[0], mimetype=mimetypes.guess_type(path)[0], **options)
        response.headers["Content-Encoding"] = sibling[1]
        return response
    except (FileNotFoundError, NotADirectoryError):
        abort(404)


def send_gzipped(path: str, cache: GzipCache, **options):
    """A bundle file, gzipped once in memory where the browser accepts gzip and it pays."""
    packed = cache.get(path) if request.accept_encodings["gzip"] > 0 else None
    if packed is None:
        return send_file(path, **options)
    stat = os.stat(path)
    response = send_file(io.BytesIO(packed), mimetype=mimetypes.guess_type(path)[0] or "application/octet-stream",
                         etag=f"{stat.st_mtime_ns:x}-{stat.st_size:x}-gzip", last_modified=stat.st_mtime,
                         **options)
    response.headers["Content-Encoding"] = "gzip"
    return response


def create_app(models_dir: str, static_dir: str) -> Flask:
    app = Flask(__name__, static_folder=None)
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False  # OPTIONS gets the same 405 as POST
    app.config["MODELS_DIR"] = os.path.abspath(models_dir)
    app.config["STATIC_DIR"] = os.path.abspath(static_dir)
    gzip_cache = GzipCache()

    @app.get("/")
    def page():
        return send_inside(app.config["STATIC_DIR"], "index.html", max_age=0)

    @app.get("/api/models")
    @app.get("/models/index.json")
    def models():
        response = jsonify(index_document(app.config["MODELS_DIR"]))
        response.headers["Cache-Control"] = "no-cache"
        return response

    @app.get("/models/<model_id>/<path:name>")
    def bundle_file(model_id, name):
        if model_id.startswith("."):  # the listing hides such folders; so does the server
            abort(404)
        folder = resolve_inside(app.config["MODELS_DIR"], os.path.join(model_id, "tempera.json"))
        path = resolve_inside(os.path.dirname(folder), name)
        try:
            response = send_gzipped(path, gzip_cache, conditional=True)
        except (FileNotFoundError, NotADirectoryError):
            abort(404)
        response.headers["Cache-Control"] = BUNDLE_CACHE
        return response

    @app.get("/<path:name>")
    def static_file(name):
        return send_inside(app.config["STATIC_DIR"], name, conditional=True, max_age=0)

    @app.before_request
    def only_get_and_head():
        """Before routing's own 404: every path, known or not, refuses other methods alike."""
        if request.method not in ALLOWED_METHODS:
            abort(405, valid_methods=ALLOWED_METHODS)

    @app.after_request
    def security_headers(response):
        response.headers.update(SECURITY_HEADERS)
        response.vary.add("Accept-Encoding")  # the same URL may go compressed or not
        return response

    return app
