"""The Flask application: the built page, the model bundles and /api/models. GET and HEAD only."""

import mimetypes
import os

from flask import Flask, abort, jsonify, send_file

from tempera.catalog import index_document, is_inside

mimetypes.add_type("application/wasm", ".wasm")  # missing from some systems' tables
mimetypes.add_type("application/octet-stream", ".bin")
mimetypes.add_type("application/json", ".json")

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",  # the page's own bundle and WebAssembly, nothing else
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
BUNDLE_CACHE = "public, max-age=3600, must-revalidate"


def resolve_inside(root: str, relative: str) -> str:
    """The real path of `relative` under `root`, or a 404: no traversal, no symlink escapes."""
    candidate = os.path.join(os.path.realpath(root), relative)
    if os.path.isabs(relative) or not is_inside(candidate, root) or not os.path.isfile(candidate):
        abort(404)
    return os.path.realpath(candidate)


def create_app(models_dir: str, static_dir: str) -> Flask:
    app = Flask(__name__, static_folder=None)
    app.config["MODELS_DIR"] = os.path.abspath(models_dir)
    app.config["STATIC_DIR"] = os.path.abspath(static_dir)

    @app.get("/")
    def page():
        return send_file(resolve_inside(app.config["STATIC_DIR"], "index.html"), max_age=0)

    @app.get("/api/models")
    @app.get("/models/index.json")
    def models():
        response = jsonify(index_document(app.config["MODELS_DIR"]))
        response.headers["Cache-Control"] = "no-cache"
        return response

    @app.get("/models/<model_id>/<path:name>")
    def bundle_file(model_id, name):
        folder = resolve_inside(app.config["MODELS_DIR"], os.path.join(model_id, "tempera.json"))
        response = send_file(resolve_inside(os.path.dirname(folder), name), conditional=True)
        response.headers["Cache-Control"] = BUNDLE_CACHE
        return response

    @app.get("/<path:name>")
    def static_file(name):
        return send_file(resolve_inside(app.config["STATIC_DIR"], name), conditional=True,
                         max_age=0)

    @app.after_request
    def security_headers(response):
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    return app
