"""`tempera serve`: the app under waitress, a production WSGI server, on loopback by default.

It is meant for this machine or a trusted network; on the internet it belongs behind a reverse
proxy, which terminates TLS and limits clients per address. Either way it trusts no forwarding
header: the app builds no URL from the client's address, scheme or host.
"""

import errno
import logging
import re
import os
import resource
import signal
import socket
import sys

import waitress
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer, MultiSocketServer
from waitress.task import ErrorTask
from waitress.utilities import BadRequest, find_double_newline

from tempera.catalog import list_bundles
from tempera.errors import TemperaError

from .app import SECURITY_HEADERS, create_app
from .training_api import MAX_REQUEST_BYTES, check_loopback, training_access

# Ten times waitress's default of 100, which a hundred idle sockets used up, so that no one else
# was answered. An open connection costs waitress a few kilobytes and no thread, so a thousand is
# cheap. A client sending its request a byte at a time keeps its place for as long as it keeps
# sending (waitress has no deadline for a whole request): more clients like that than this call
# for a reverse proxy's per-client limits, not a bigger number here.
CONNECTION_LIMIT = 1000
# Each connection holds its socket and, while a bundle file is being sent, that open file.
# Requests are too small to be spooled to a temporary file (see the size limits below), and
# every response larger than waitress's 1 MB output buffer is a file sent as it is.
FILES_PER_CONNECTION = 2
# The listening sockets, waitress's wake-up pipe, the logging streams, the imported libraries.
FILES_IN_RESERVE = 64

WAITRESS_SETTINGS = {
    # The threads only run the app, a stat and an open per request: waitress's event loop, not a
    # thread, sends the bytes, so 8 threads answer 500 simultaneous downloads (see the tests).
    "threads": 8,
    # Connections beyond the limit wait in the kernel's queue instead of being refused; this is
    # waitress's default, and Linux caps it at net.core.somaxconn (4096 on current kernels).
    "backlog": 1024,
    # A connection with no request running and no byte moving either way for 30 s is closed, a
    # quarter of waitress's 120 s: a browser reconnects without the visitor noticing, and a
    # client that connects and sends nothing, or stops reading, gives its place up sooner.
    "channel_timeout": 30,
    # How often the idle sockets are looked for; with waitress's 30 s an idle socket could live
    # for 60 s. Going over a thousand sockets every 5 s costs next to nothing.
    "cleanup_interval": 5,
    # select() cannot watch a file descriptor numbered 1024 or more, which a thousand connections
    # reach; poll() has no such limit.
    "asyncore_use_poll": True,
    # A browser's request headers are 1-2 kB, and cookies set by other programs on the same host
    # (ports do not separate cookies) can add some more: 64 kB is ample, and a thousand sockets
    # filling theirs hold 64 MB rather than the 256 MB of waitress's default limit. Over it: 431.
    "max_request_header_size": 64 * 1024,
    # Nothing here reads a request body. 64 kB lets a stray form post still get its 405; a larger
    # upload is refused with 413 from its Content-Length, never spooled to disk (default 1 GB).
    "max_request_body_size": 64 * 1024,
    # Clients that reset or drop their connection are routine, not faults of the server; logged,
    # each would print a traceback.
    "log_socket_errors": False,
    # The Server header and the footer of waitress's own error pages: a name, no version.
    "ident": "tempera",
    # No proxy is trusted (trusted_proxy stays unset), so Forwarded and X-Forwarded-* headers
    # are removed before the app sees them rather than believed.
    "clear_untrusted_proxy_headers": True,
    # An unexpected exception answers a plain 500; its traceback goes to the log only.
    "expose_tracebacks": False,
}

# Why a socket cannot be bound, in words a user can act on.
BIND_HINTS = {
    errno.EADDRINUSE: "the port is in use (another server?); choose another with --port",
    errno.EADDRNOTAVAIL: "the host is not an address of this machine",
    errno.EACCES: "permission denied (ports below 1024 need privileges)",
}


class SecureErrorTask(ErrorTask):
    """waitress's own error replies (400, 413, 431, 501) carry the app's security headers: their
    text can quote the offending request line or header back."""

    def execute(self):
        self.response_headers.extend(SECURITY_HEADERS.items())
        super().execute()


# An LF without its CR, or a CR followed by anything but LF.
BARE_LINE_ENDING = re.compile(rb"(?<!\r)\n|\r(?=[^\n])")


class StrictLineEndingParser(HTTPRequestParser):
    """waitress finds the end of a request's headers by CR LF CR LF only, so a request whose
    lines end in a bare LF never ends: it waited for the 30 s channel timeout and was closed
    without a reply. Here a bare LF or CR in the head is a 400 as soon as it arrives."""

    def received(self, data):
        if self.completed or self.body_rcv is not None or self.headers_finished:
            return super().received(data)
        head = self.header_plus + data
        end = find_double_newline(head)
        # Only the new bytes (and the CR that may have ended the previous ones) are looked at:
        # a request sent a byte at a time costs no more than waitress's own search.
        checked = head[max(0, len(self.header_plus) - 1):end if end >= 0 else len(head)]
        if not BARE_LINE_ENDING.search(checked):
            return super().received(data)
        self.parse_header(b"GET / HTTP/1.0\r\n")  # what waitress's own error replies start from
        self.error = BadRequest("Bare CR or LF found in HTTP message")
        self.completed = True
        return len(data)


class SecureChannel(HTTPChannel):
    error_task_class = SecureErrorTask
    parser_class = StrictLineEndingParser


def check_port(port: int) -> None:
    # Checked here because the resolver takes 70000 modulo 65536 and the server would listen
    # on port 4464.
    if not 0 <= port <= 65535:
        raise TemperaError(f"--port must be between 0 and 65535 (0: any free port), not {port}")


def check_host_resolves(host: str, port: int) -> None:
    # waitress turns a failed lookup into "Invalid host/port specified."; the resolver says why.
    # It also takes an IPv6 address in brackets, as in a URL.
    name = host.removeprefix("[").removesuffix("]")
    try:
        socket.getaddrinfo(name, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise TemperaError(f"cannot resolve --host {host!r}: {error.strerror}") from None


def raise_file_limit(wanted: int) -> int:
    """Raise this process's limit on open files towards `wanted`, as far as the hard limit
    allows; returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    reachable = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < reachable:
        resource.setrlimit(resource.RLIMIT_NOFILE, (reachable, hard))
        return reachable
    return soft


def connection_limit() -> int:
    """CONNECTION_LIMIT, or fewer where the open-file limit cannot fit that many: past it,
    accept() would fail over and over instead of leaving connections in the queue."""
    files = raise_file_limit(CONNECTION_LIMIT * FILES_PER_CONNECTION + FILES_IN_RESERVE)
    if files == resource.RLIM_INFINITY:
        return CONNECTION_LIMIT
    return max(1, min(CONNECTION_LIMIT, (files - FILES_IN_RESERVE) // FILES_PER_CONNECTION))


def listeners(server) -> list:
    """The listening servers: one, or one per address where the host name has several."""
    if isinstance(server, MultiSocketServer):
        return [d for d in server.map.values() if isinstance(d, BaseWSGIServer)]
    return [server]


def url_of(listener) -> str:
    host = listener.effective_host
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"http://{host}:{listener.effective_port}/"


def bind_error(host: str, port: int, error: OSError) -> TemperaError:
    reason = BIND_HINTS.get(error.errno) or error.strerror or str(error)
    return TemperaError(f"cannot listen on {host}:{port}: {reason}")


def create_server(app, host: str, port: int, max_body: int | None = None):
    """The waitress server, bound and listening, or a TemperaError saying why it is not.
    `max_body`: a larger request body limit, for the training routes' uploads."""
    check_port(port)
    check_host_resolves(host, port)
    settings = {**WAITRESS_SETTINGS, **({"max_request_body_size": max_body} if max_body else {})}
    try:
        server = waitress.create_server(app, host=host, port=port,
                                        connection_limit=connection_limit(), **settings)
    except OSError as error:
        raise bind_error(host, port, error) from None
    except ValueError as error:
        raise TemperaError(f"cannot listen on {host}:{port}: {error}") from None
    for listener in listeners(server):
        listener.channel_class = SecureChannel  # before run(): no connection is accepted yet
    return server


def stop_on_sigterm() -> None:
    """SIGTERM ends waitress's loop as Ctrl-C does: it stops its threads and returns, quietly."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))


def serve(models_dir: str, static_dir: str, host: str, port: int, runs_dir: str = "runs",
          allow_training: bool = False) -> None:
    if allow_training:
        check_loopback(host)  # before anything: a page on the network must never start work here
    if not os.path.isfile(os.path.join(static_dir, "index.html")):
        raise TemperaError(f"the page is not built ({static_dir} has no index.html): "
                           "run `npm ci && npm run build` (or `make serve`)")
    bundles = list_bundles(models_dir)
    if not bundles:
        raise TemperaError(f"no model bundle in {models_dir}: export one with "
                           "`tempera export RUN --out DIR` and pass --models")
    logging.basicConfig()  # waitress's warnings, such as reaching the connection limit
    app = create_app(models_dir, static_dir, runs_dir, allow_training)
    server = create_server(app, host, port, MAX_REQUEST_BYTES if allow_training else None)
    if allow_training:
        for listener in listeners(server):  # the Host values this server's own page sends
            training_access(app).listen_on(listener.effective_port, host, listener.effective_host)
    names = ", ".join(b["id"] for b in bundles)
    urls = " and ".join(url_of(listener) for listener in listeners(server))
    print(f"serving the page with {len(bundles)} model(s) ({names}) and the training runs in "
          f"{os.path.abspath(runs_dir)} at {urls}", flush=True)
    if allow_training:
        print(f"the page may start training runs into {os.path.abspath(runs_dir)} and export them "
              f"into {os.path.abspath(models_dir)} (--allow-training)", flush=True)
    stop_on_sigterm()
    server.run()
