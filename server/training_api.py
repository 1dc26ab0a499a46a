"""Starting and stopping a training run from the page: `tempera serve --allow-training`, which
binds to loopback only.

These routes take work from a web page, so each request must show that it comes from this
server's own page, not from another site in the same browser:
- its Host is this server's loopback address and port (a DNS-rebound name is refused);
- its Origin, when the browser sends one, is this server's own origin;
- it carries the per-server secret token in X-Tempera-Token, which only this server's page
  holds (a meta tag injected into index.html; another origin cannot read it, and a custom
  header cannot be sent cross-origin without a preflight, which this server refuses).
Then: a text of at most 10 MB, one run at a time, and a folder name the server chooses.

- GET  /api/training          whether training is installed (else the command that installs
                              it), and the run started from the page, if any
- POST /api/runs              start: JSON {"text", "minutes"} or a form with a `text` field or
                              a `file`, and `minutes`; optionally `units` and `layers`;
                              202 {"run": …}
- POST /api/runs/<name>/stop  Ctrl-C for that run: it saves, then it is exported
"""

import hmac
import html
import ipaddress
import math
import os
import secrets
import socket

from flask import Blueprint, Response, abort, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from tempera import finite_json
from tempera.errors import TemperaError

from .page_runs import INSTALL_NOTE, INSTALL_TRAINING, PageRuns, RunBusy

TRAINING_BLUEPRINT = "training_api"
TOKEN_HEADER = "X-Tempera-Token"
MAX_TEXT_BYTES = 10 * 2**20
# The text inside JSON (escaped newlines and quotes) or a multipart envelope: the body is larger
# than the text, under twice as large but for a text of control characters, which JSON writes
# six bytes each (the page sends a form, which does not escape).
MAX_REQUEST_BYTES = 2 * MAX_TEXT_BYTES + 2**16
MIN_MINUTES, MAX_MINUTES = 0.05, 24 * 60
# Optional model sizes, as `tempera train` takes them (left out: the recipe's).
SIZES = {"units": (1, 4096, "LSTM units per layer"), "layers": (1, 8, "LSTM layers")}


def is_loopback(host: str) -> bool:
    """Does `host` (a name, or an address, IPv6 with or without brackets) reach this machine
    only? A name counts when every address it resolves to is a loopback address."""
    name = host.removeprefix("[").removesuffix("]")
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return False
    return bool(found) and all(ipaddress.ip_address(f[4][0].split("%")[0]).is_loopback for f in found)


def check_loopback(host: str) -> None:
    if not is_loopback(host):
        raise TemperaError(f"--allow-training lets a web page start training on this machine, "
                           f"so it serves on loopback only; --host {host} is not a loopback "
                           "address (use 127.0.0.1, the default)")


class TrainingAccess:
    """The secret token and the Host values (this server's own) that the routes accept."""

    def __init__(self):
        self.token = secrets.token_urlsafe(32)
        self.hosts = set()

    def listen_on(self, port: int, *hosts: str) -> None:
        """Accept requests addressed to `port` on `hosts` (loopback names and addresses) and
        localhost."""
        for host in (*hosts, "localhost"):
            host = host.lower()
            name = f"[{host}]" if ":" in host and not host.startswith("[") else host
            self.hosts.add(f"{name}:{port}")
            if port == 80:
                self.hosts.add(name)

    def is_own_host(self) -> bool:
        return request.headers.get("Host", "").lower() in self.hosts

    def refusal(self) -> str | None:
        """Why this request may not use the training routes, or None."""
        host = request.headers.get("Host", "").lower()
        if not self.is_own_host():
            return (f"this server answers training requests addressed to itself only "
                    f"({' or '.join(sorted(self.hosts)) or 'no address yet'}), not {host or 'no Host'}")
        origin = request.headers.get("Origin")
        if origin is not None and origin.lower() != f"http://{host}":
            return f"requests from another origin ({origin}) may not start or stop training"
        given = request.headers.get(TOKEN_HEADER, "").encode("utf-8", "surrogateescape")
        if not given:
            return f"the {TOKEN_HEADER} header is missing: start runs from the page this server serves"
        if not hmac.compare_digest(given, self.token.encode("ascii")):
            return f"the {TOKEN_HEADER} header is not this server's token: reload the page"
        return None


def json_reply(data: dict, status: int = 200) -> Response:
    response = Response(finite_json.dumps(data, "the reply", ensure_ascii=False), status=status,
                        mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def refuse(status: int, message: str, **extra) -> Response:
    return json_reply({"error": message, **extra}, status)


def training_access(app) -> TrainingAccess:
    return app.extensions["tempera_training_access"]


def page_with_token(static_dir: str) -> Response:
    """index.html with this server's token in <meta name="tempera-token">, for its own page:
    a page asked for by another name (DNS rebinding) goes without, or its script could read it.
    Never cached: a restarted server has a new token."""
    access = training_access(current_app)
    try:
        with open(os.path.join(static_dir, "index.html"), encoding="utf-8") as handle:
            page = handle.read()
    except OSError:  # the page is being rebuilt
        abort(404)
    if access.is_own_host():
        meta = f'<meta name="tempera-token" content="{html.escape(access.token)}">'
        page = page.replace("<head>", f"<head>\n  {meta}", 1)
    response = Response(page, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def read_minutes(value) -> float:
    try:
        minutes = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"the time budget must be a number of minutes, not {value!r}") from None
    if not math.isfinite(minutes) or not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise ValueError(f"the time budget must be between {MIN_MINUTES} and {MAX_MINUTES:g} minutes")
    return minutes


def read_sizes(fields) -> dict:
    """{"units": n, "layers": n} for the sizes given (a blank one is left out)."""
    sizes = {}
    for name, (low, high, words) in SIZES.items():
        value = fields.get(name)
        if value is None or value == "":
            continue
        try:
            number = int(value) if not isinstance(value, (bool, float)) else None
        except (TypeError, ValueError):
            number = None
        if number is None or not low <= number <= high:
            raise ValueError(f"{words} must be a whole number from {low} to {high}, not {value!r}")
        sizes[name] = number
    return sizes


def read_run_request() -> tuple:
    """(text, minutes, sizes) from JSON or a form; any other field (a path, a name) is ignored."""
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ValueError('send a JSON object: {"text": …, "minutes": …}')
        text, minutes, fields = body.get("text"), body.get("minutes"), body
        if not isinstance(text, str):
            raise ValueError('"text" must be a string')
    else:
        fields = request.form
        upload = request.files.get("file")
        text = request.form.get("text", "")
        if upload is not None and upload.filename:
            data = upload.read(MAX_TEXT_BYTES + 1)
            if len(data) > MAX_TEXT_BYTES:
                raise OverflowError()
            try:
                text = data.decode("utf-8").removeprefix("\ufeff")
            except UnicodeDecodeError as error:
                raise ValueError(f"the file is not UTF-8 text (byte {error.start}); save it as "
                                 "UTF-8 and choose it again") from None
        minutes = request.form.get("minutes")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
        raise OverflowError()
    if not text.strip():
        raise ValueError("the text is empty: choose a text file or paste some text")
    return text, read_minutes(minutes), read_sizes(fields)


def too_large() -> Response:
    return refuse(413, f"the text is over {MAX_TEXT_BYTES // 2**20} MB: train on a shorter text "
                       "from the page, or on this one with `tempera train` on the command line")


def training_api(app) -> Blueprint:
    """The routes, and their state in app.extensions: the access rules and the page's runs."""
    access = TrainingAccess()
    runs = PageRuns(app.config["RUNS_DIR"], app.config["MODELS_DIR"])
    app.extensions["tempera_training_access"] = access
    app.extensions["tempera_page_runs"] = runs
    blueprint = Blueprint(TRAINING_BLUEPRINT, __name__)

    @blueprint.before_request
    def only_this_servers_page():
        reason = access.refusal()
        if reason:
            return refuse(403, reason)
        return None

    @blueprint.get("/api/training")
    def status():
        return json_reply(runs.status())

    @blueprint.post("/api/runs")
    def start():
        missing = runs.missing
        if missing is not None:
            return refuse(503, f"training needs TensorFlow ({missing} is not installed for this "
                               f"server): install it with {INSTALL_TRAINING} ({INSTALL_NOTE}) and "
                               "restart tempera serve", install=INSTALL_TRAINING)
        length = request.content_length
        if length is not None and length > MAX_REQUEST_BYTES:
            return too_large()
        request.max_content_length = MAX_REQUEST_BYTES
        request.max_form_memory_size = MAX_REQUEST_BYTES
        try:
            text, minutes, sizes = read_run_request()
        except (OverflowError, RequestEntityTooLarge):
            return too_large()
        except ValueError as error:
            return refuse(400, str(error))
        try:
            run = runs.start(text, minutes, sizes)
        except RunBusy as error:
            return refuse(409, str(error))
        except OSError as error:
            return refuse(500, f"cannot start the run: {error.strerror}")
        return json_reply({"run": run.as_json()}, 202)

    @blueprint.post("/api/runs/<name>/stop")
    def stop(name):
        try:
            run = runs.stop(name)
        except KeyError:
            return refuse(404, "no run of that name was started from this page")
        return json_reply({"run": run.as_json()})

    return blueprint
