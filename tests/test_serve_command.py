"""`tempera serve` for real: how it starts and stops, and the waitress it runs, over raw sockets."""

import http.client
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT, SHIPPED_BUNDLE, free_port, run_cli, wait_for_http
from tempera.server import serve as serve_module
from tempera.server.app import SECURITY_HEADERS

MODELS = os.path.dirname(SHIPPED_BUNDLE)
PRINTED_URL = re.compile(r" at (http://127\.0\.0\.1:(\d+)/)")


def _sigint_as_default():
    """A shell's background job may have inherited SIGINT ignored; the server must get Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    """A page of its own, so that a rebuild of frontend/dist meanwhile cannot disturb these tests."""
    folder = tmp_path_factory.mktemp("page")
    (folder / "index.html").write_text("<!doctype html><title>tempera</title>")
    return str(folder)


def start_serve(log_path, page: str, port: int) -> subprocess.Popen:
    """`tempera serve` on `port`, its output going to `log_path` (a pipe could fill and stall it)."""
    with open(log_path, "w") as log:
        return subprocess.Popen([sys.executable, "-m", "tempera", "serve", "--models", MODELS,
                                 "--static", page, "--port", str(port)], cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT, preexec_fn=_sigint_as_default)


def printed_port(process, log_path, timeout: float = 60) -> int:
    """The port in the URL that `tempera serve` printed once listening."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        match = PRINTED_URL.search(read(log_path))
        if match:
            return int(match[2])
        time.sleep(0.1)
    raise AssertionError(f"no URL printed: {read(log_path)!r}")


def stop(process) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=15)


def read(path) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory, page):
    """One `tempera serve` of the shipped model for the tests that leave it as they found it."""
    log_path = tmp_path_factory.mktemp("serve") / "log.txt"
    port = free_port()
    process = start_serve(log_path, page, port)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/models")
        yield port, log_path
    finally:
        stop(process)


def exchange(port: int, request: bytes, timeout: float = 10) -> tuple:
    """Send `request` exactly as written; (status, headers, body) of the reply, read until the
    server closes (so requests ask for Connection: close, or are ones waitress refuses)."""
    reply = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        try:
            connection.sendall(request)
            connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # refused part-way, as waitress does an oversized header: the reply is there
        try:
            while chunk := connection.recv(65536):
                reply += chunk
        except ConnectionResetError:
            pass  # closed with the rest of our request unread, after its reply
    head, _, body = reply.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), headers, body


def get_request(target: bytes) -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def assert_security_headers(headers: dict, what) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, f"{name} on {what!r}"


# ---- startup errors and stopping ---------------------------------------------------------
def assert_one_line_error(result, says: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("tempera serve: error: ") and says in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "http://" not in result.stdout  # no URL for a server that is not there


@pytest.mark.parametrize("args, says", [
    (["--port", "70000"], "--port must be between 0 and 65535"),
    (["--port", "-1"], "--port must be between 0 and 65535"),
    (["--port", "65536"], "--port must be between 0 and 65535"),
    (["--host", "no.such.host.invalid"], "cannot resolve --host 'no.such.host.invalid'"),
    (["--host", ""], "cannot resolve --host ''"),
    (["--host", "192.0.2.1"], "not an address of this machine"),  # TEST-NET-1, never local
])
def test_startup_errors_are_one_line_and_exit_2(page, args, says):
    result = run_cli("serve", "--models", MODELS, "--static", page, *args, timeout=30)
    assert_one_line_error(result, says)


def test_a_port_in_use_is_one_line_and_exit_2(page):
    with socket.socket() as other_server:
        other_server.bind(("127.0.0.1", 0))
        other_server.listen()
        port = str(other_server.getsockname()[1])
        result = run_cli("serve", "--models", MODELS, "--static", page, "--port", port, timeout=30)
    assert_one_line_error(result, "the port is in use")


def test_port_0_prints_the_port_actually_bound(tmp_path, page):
    process = start_serve(tmp_path / "log.txt", page, 0)
    try:
        port = printed_port(process, tmp_path / "log.txt")
        assert port != 0
        wait_for_http(f"http://127.0.0.1:{port}/api/models")
    finally:
        stop(process)


@pytest.mark.parametrize("sent, exit_codes", [(signal.SIGINT, (0, 130)), (signal.SIGTERM, (0,))])
def test_ctrl_c_and_sigterm_stop_it_cleanly(tmp_path, page, sent, exit_codes):
    log_path = tmp_path / "log.txt"
    process = start_serve(log_path, page, 0)
    try:
        port = printed_port(process, log_path)
        wait_for_http(f"http://127.0.0.1:{port}/")
        process.send_signal(sent)
        assert process.wait(timeout=15) in exit_codes
    finally:
        stop(process)
    assert "Traceback" not in read(log_path)


@pytest.mark.parametrize("soft, hard, raised_to, limit", [
    (1024, 1024, None, (1024 - 64) // 2),   # a hard limit of 1024: fewer connections
    (1024, 1_048_576, 2064, 1000),           # raised to what a thousand connections need
    (65536, 65536, None, 1000),              # already enough
    (resource.RLIM_INFINITY, resource.RLIM_INFINITY, None, 1000),
])
def test_the_connection_limit_fits_the_open_files_limit(monkeypatch, soft, hard, raised_to, limit):
    raised = []
    monkeypatch.setattr(resource, "getrlimit", lambda which: (soft, hard))
    monkeypatch.setattr(resource, "setrlimit", lambda which, limits: raised.append(limits[0]))
    assert serve_module.connection_limit() == limit
    assert raised == ([raised_to] if raised_to else [])


# ---- odd requests, over the real server --------------------------------------------------
def repr_short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}...({len(value)} bytes)"


@pytest.mark.parametrize("target", [
    b"/\x00", b"/%00", b"/models/nietzsche/%00", b"/models/%00/model.json",
    b"/models/nietzsche/\x00model.json", b"/models/\x00/model.json", b"/" + b"a" * 300,
    b"/models/nietzsche/" + b"a/" * 5000, b"/%ff%fe", b"/models/nietzsche/%c3%28",
    b"/..\\..\\pyproject.toml", b"/models/nietzsche/model.json/x"], ids=repr_short)
def test_odd_paths_are_404_with_nothing_in_the_log(server, target):
    port, log_path = server
    before = read(log_path)
    status, headers, _ = exchange(port, get_request(target))
    assert status == 404
    assert_security_headers(headers, target)
    assert read(log_path) == before


@pytest.mark.parametrize("request_line", [
    b"OPTIONS / HTTP/1.1", b"OPTIONS * HTTP/1.1", b"OPTIONS /nothing HTTP/1.1",
    b"TRACE / HTTP/1.1", b"CONNECT 127.0.0.1:443 HTTP/1.1", b"PROPFIND /models/ HTTP/1.1",
    b"DELETE /models/nietzsche/model.json HTTP/1.1", b"POST /api/models HTTP/1.1"])
def test_every_method_but_get_and_head_is_405(server, request_line):
    status, headers, _ = exchange(server[0], request_line + b"\r\nHost: 127.0.0.1\r\n"
                                  b"Connection: close\r\nContent-Length: 0\r\n\r\n")
    assert status == 405
    assert headers["Allow"] == "GET, HEAD"
    assert_security_headers(headers, request_line)


@pytest.mark.parametrize("raw, status", [
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", 431),
    (b"GET / HTTP/1.1\r\n Host: <script>x</script>\r\n\r\n", 400),
    (b"get / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n", 413),
    (b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
], ids=["header-too-large", "folded-header", "lowercase-method", "body-too-large",
        "unknown-transfer-coding"])
def test_waitress_own_error_replies_carry_the_security_headers(server, raw, status):
    replied, headers, body = exchange(server[0], raw)
    assert replied == status
    assert_security_headers(headers, status)
    assert headers["Server"] == "tempera" and b"Traceback" not in body


# ---- slow clients -------------------------------------------------------------------------
SLOW_CLIENTS = 150  # a third send nothing, a third a request a byte a second, a third never read
SHARD = "/models/nietzsche/group1-shard1of1.bin"


def _connect(port: int, receive_buffer: int = 0) -> socket.socket:
    connection = socket.socket()
    if receive_buffer:  # set before connecting, so the window the server sees is small
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    connection.settimeout(10)
    connection.connect(("127.0.0.1", port))
    return connection


def _non_reader(port: int) -> socket.socket:
    """Asks for the 1.3 MB weight shard, then reads none of it."""
    connection = _connect(port, receive_buffer=4096)
    connection.sendall(get_request(SHARD.encode()).replace(b"Connection: close", b"X-Reads: no"))
    return connection


def _trickle(sockets, stop_event, seconds: int = 60) -> None:
    """One byte of an unending request to each socket per second, for at most `seconds`."""
    request = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"x" * seconds
    for i in range(seconds):
        if stop_event.wait(1):
            return
        for connection in sockets:
            try:
                connection.send(request[i:i + 1])
            except OSError:
                pass  # closed by the server: what it may do to a slow client


def _timed_get(port: int, path: str) -> tuple:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, time.monotonic() - started
    finally:
        connection.close()


def test_slow_clients_do_not_starve_the_others(tmp_path, page):
    log_path = tmp_path / "log.txt"
    port = free_port()
    process = start_serve(log_path, page, port)
    third = SLOW_CLIENTS // 3
    slow, stop_event, trickler = [], threading.Event(), None
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/models")
        slow.extend(_connect(port) for _ in range(2 * third))
        slow.extend(_non_reader(port) for _ in range(third))
        trickler = threading.Thread(target=_trickle, args=(slow[third:2 * third], stop_event))
        trickler.start()
        time.sleep(2)  # the server has accepted them all and the trickle has begun
        for _ in range(5):
            for path in ("/", "/api/models", SHARD):
                status, seconds = _timed_get(port, path)
                assert status == 200 and seconds < 3, (path, seconds)
    finally:
        stop_event.set()
        if trickler:
            trickler.join(timeout=10)
        for connection in slow:
            connection.close()
        stop(process)
    assert "Traceback" not in read(log_path)


# ---- line endings ---------------------------------------------------------------------------
def reply_within(port: int, chunks: list, seconds: float) -> bytes:
    """Send `chunks` one after another, keeping the connection open for writing (as a client
    that waits for its answer does); whatever the server replies within `seconds`."""
    reply = b""
    with socket.create_connection(("127.0.0.1", port), timeout=seconds) as connection:
        for chunk in chunks:
            connection.sendall(chunk)
            time.sleep(0.05)
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline and (chunk := connection.recv(65536)):
                reply += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return reply


@pytest.mark.parametrize("chunks", [
    [b"GET / HTTP/1.1\nHost: 127.0.0.1\n\n"],
    [b"GET / HTTP/1.1\r\nHost: 127.0.0.1\n\n"],
    [b"GET / HTTP/1.1\rHost: 127.0.0.1\r\r"],
    [b"GET / HTTP/1.1\r", b"\nHost: 127.0.0.1\n", b"\n"],
], ids=["bare-lf", "bare-lf-after-first-line", "bare-cr", "bare-lf-in-pieces"])
def test_bare_line_endings_are_400_at_once(server, chunks):
    started = time.monotonic()
    reply = reply_within(server[0], chunks, seconds=5)
    assert time.monotonic() - started < 3, "waited for the idle timeout"
    status_line, *header_lines = reply.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    assert status_line.split()[1:2] == ["400"], reply[:80]
    assert_security_headers(dict(line.split(": ", 1) for line in header_lines), "bare line ending")


def test_a_request_split_between_cr_and_lf_is_answered(server):
    reply = reply_within(server[0], [b"GET /api/models HTTP/1.1\r", b"\nHost: 127.0.0.1\r",
                                     b"\nConnection: close\r\n\r", b"\n"], seconds=5)
    assert reply.startswith(b"HTTP/1.1 200 OK\r\n")
