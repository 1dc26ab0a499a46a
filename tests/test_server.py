"""The Flask app: what it serves, what it refuses, and its headers."""

import http.client
import logging
import os
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import ROOT, SHIPPED_BUNDLE, free_port, wait_for_http
from tempera.paths import FRONTEND_DIST
from tempera.server import app as app_module
from tempera.server.app import SECURITY_HEADERS, create_app


@pytest.fixture()
def models(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copytree(SHIPPED_BUNDLE, folder / "nietzsche")
    os.symlink(SHIPPED_BUNDLE, folder / "linked-outside")  # a bundle outside: neither listed nor served
    (tmp_path / "secret.txt").write_text("outside")
    os.symlink(tmp_path / "secret.txt", folder / "nietzsche-link.txt")
    os.symlink("loop", folder / "loop")  # a symlink to itself: ELOOP
    return folder


@pytest.fixture()
def static(tmp_path):
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "index.html").write_text("<!doctype html><title>t</title>")
    (folder / "app.js").write_text("console.log(1)")
    (folder / "mod.wasm").write_bytes(b"\0asm\1\0\0\0")
    os.symlink(os.path.join(ROOT, "pyproject.toml"), folder / "escape.toml")
    os.symlink("loop", folder / "loop")
    return folder


@pytest.fixture()
def client(models, static):
    return create_app(str(models), str(static)).test_client()


def test_page_models_and_bundle_files_are_served(client):
    assert client.get("/").status_code == 200
    listing = client.get("/api/models").get_json()
    assert [m["id"] for m in listing["models"]] == ["nietzsche"]
    assert listing["models"][0]["meta"]["maxlen"] == 60
    assert client.get("/models/index.json").get_json() == listing
    model = client.get("/models/nietzsche/model.json")
    assert model.status_code == 200 and model.mimetype == "application/json"
    assert client.get("/models/nietzsche/tempera.json").get_json()["format_version"] == 1


def test_content_types_and_headers(client):
    wasm = client.get("/mod.wasm")
    assert wasm.mimetype == "application/wasm"
    shard = client.get("/models/nietzsche/group1-shard1of1.bin")
    assert shard.mimetype == "application/octet-stream"
    assert "max-age=3600" in shard.headers["Cache-Control"]
    page = client.get("/")
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in policy and "default-src 'self'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize("path", ["/../pyproject.toml", "/models/nietzsche/../../secret.txt",
                                  "/models/nietzsche/%2e%2e/%2e%2e/secret.txt",
                                  "/models/..%2f..%2fsecret.txt/model.json", "/escape.toml",
                                  "/models/nietzsche-link.txt/x", "//etc/passwd",
                                  "/models/linked-outside/model.json",
                                  "/models/nietzsche/%2fetc%2fpasswd", "/nothing.js"])
def test_nothing_outside_its_folders(client, path):
    assert client.get(path).status_code == 404


LONG_NAME = "a" * 300  # over NAME_MAX (255): ENAMETOOLONG
LONG_PATH = "a/" * 2100  # over PATH_MAX (4096)


@pytest.mark.parametrize("path", [
    "/%00", "/models/nietzsche/%00", "/models/%00/model.json", "/models/nietzsche/model.json%00",
    "/app.js%00.html", f"/{LONG_NAME}", f"/models/nietzsche/{LONG_NAME}",
    f"/models/{LONG_NAME}/model.json", f"/{LONG_PATH}", f"/models/nietzsche/{LONG_PATH}",
    "/%ff", "/models/%ff/model.json", "/models/nietzsche/%c3%28", "/%ed%a0%80",
    "/..%5c..%5cpyproject.toml", "/models/nietzsche/..%5c..%5csecret.txt", "/models\\nietzsche",
    "/index.html/x", "/models/nietzsche/model.json/x", "/models/nietzsche/tempera.json/",
    "/loop", "/models/loop/model.json", "/models/nietzsche-link.txt/model.json"])
def test_odd_paths_are_404_and_log_nothing(client, path, caplog):
    """NUL bytes, names too long, bad UTF-8, backslashes, a file used as a folder, a symlink
    loop: each an ordinary 404, with no traceback in the log."""
    with caplog.at_level(logging.WARNING):
        response = client.get(path)
    assert response.status_code == 404
    assert caplog.records == []


def test_a_file_that_vanishes_before_it_is_opened_is_404(client, static, monkeypatch, caplog):
    (static / "gone.js").write_text("x")
    resolve = app_module.resolve_inside

    def resolve_then_delete(root, relative):
        path = resolve(root, relative)
        os.remove(path)
        return path

    monkeypatch.setattr(app_module, "resolve_inside", resolve_then_delete)
    with caplog.at_level(logging.WARNING):
        assert client.get("/gone.js").status_code == 404
    assert caplog.records == []


OTHER_METHODS = ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND",
                 "MKCOL", "BREW"]


@pytest.mark.parametrize("method", OTHER_METHODS)
def test_only_get_and_head(client, method):
    for path in ["/", "/api/models", "/models/index.json", "/models/nietzsche/model.json",
                 "/app.js", "/nothing", "/models/nope/model.json", "/%00"]:
        response = client.open(path, method=method)
        assert response.status_code == 405, path
        assert response.headers["Allow"] == "GET, HEAD", path
    assert client.head("/models/nietzsche/model.json").status_code == 200


def _assert_security_headers(headers, what):
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, f"{name} on {what}"


def test_every_kind_of_response_carries_the_security_headers(client):
    shard = client.get("/models/nietzsche/group1-shard1of1.bin")
    with open(os.path.join(SHIPPED_BUNDLE, "group1-shard1of1.bin"), "rb") as handle:
        assert shard.status_code == 200 and shard.data == handle.read()
    listing = client.get("/api/models")
    assert [m["id"] for m in listing.get_json()["models"]] == ["nietzsche"]
    assert listing.headers["Cache-Control"] == "no-cache"
    responses = {
        "200 page": client.get("/"),
        "200 listing": listing,
        "200 bundle file": shard,
        "200 static file": client.get("/app.js"),
        "304": client.get("/models/nietzsche/group1-shard1of1.bin",
                          headers={"If-None-Match": shard.headers["ETag"]}),
        "404": client.get("/nothing.js"),
        "404 outside": client.get("/escape.toml"),
        "405": client.post("/"),
        "405 OPTIONS": client.options("/models/nietzsche/model.json"),
        "HEAD page": client.head("/"),
        "HEAD bundle file": client.head("/models/nietzsche/model.json"),
    }
    assert responses["304"].status_code == 304
    assert responses["HEAD bundle file"].data == b""
    assert responses["HEAD bundle file"].headers["Content-Length"] == \
        client.get("/models/nietzsche/model.json").headers["Content-Length"]
    for what, response in responses.items():
        _assert_security_headers(response.headers, what)


@pytest.mark.slow  # live_server trains and exports a model
def test_the_real_server_refuses_raw_traversal(live_server):
    host, port = live_server.split("//")[1].strip("/").split(":")
    for path in ["/../../../../etc/passwd", "/models/small/../../../../etc/passwd",
                 "/models/%2e%2e/%2e%2e/etc/passwd"]:
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", path)  # sent exactly as written, not normalised
        response = connection.getresponse()
        assert response.status in (400, 404), path
        assert b"root:" not in response.read()
        connection.close()


def _resident_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        line = next(l for l in status if l.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


def _concurrent_gets(port: int, path: str, count: int) -> list:
    """`count` GETs of `path`, all started together; returns (status, body) per request."""
    start = threading.Barrier(count)

    def get(_):
        start.wait(timeout=60)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(get, range(count)))


def test_500_concurrent_bundle_requests_all_succeed_and_memory_stays_flat(tmp_path):
    """Two rounds of 500 simultaneous downloads of the 1.3 MB weight shard from the real
    server: every one complete and correct, and the second round adds no memory."""
    shutil.copytree(SHIPPED_BUNDLE, tmp_path / "nietzsche")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "tempera", "serve", "--models", str(tmp_path),
                               "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api/models")
        shard = "group1-shard1of1.bin"
        with open(os.path.join(SHIPPED_BUNDLE, shard), "rb") as handle:
            expected = handle.read()
        rounds = []
        for _ in range(2):
            results = _concurrent_gets(port, f"/models/nietzsche/{shard}", 500)
            assert [status for status, _ in results] == [200] * 500
            assert all(body == expected for _, body in results)
            rounds.append(_resident_bytes(server.pid))
        assert rounds[1] - rounds[0] < 32 * 2**20, f"server RSS after each round: {rounds}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_stored_compressed_copies_go_where_the_browser_accepts_them(client, static):
    import gzip

    body = "console.log('compressed');" * 50
    (static / "big.js").write_text(body)
    (static / "big.js.gz").write_bytes(gzip.compress(body.encode()))
    (static / "big.js.br").write_bytes(b"brotli bytes")
    both = client.get("/big.js", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert both.headers["Content-Encoding"] == "br" and both.data == b"brotli bytes"
    assert both.mimetype == "text/javascript" and "Accept-Encoding" in both.headers["Vary"]
    gz = client.get("/big.js", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.data).decode() == body
    plain = client.get("/big.js")
    assert "Content-Encoding" not in plain.headers and plain.data.decode() == body
    refused = client.get("/big.js", headers={"Accept-Encoding": "br;q=0, gzip;q=0"})
    assert "Content-Encoding" not in refused.headers
    # A conditional request for the compressed copy is answered from its own ETag.
    again = client.get("/big.js", headers={"Accept-Encoding": "br", "If-None-Match": both.headers["ETag"]})
    assert again.status_code == 304
    assert client.head("/big.js", headers={"Accept-Encoding": "br"}).headers["Content-Encoding"] == "br"


def test_bundle_files_are_gzipped_once_where_it_pays(client):
    import gzip

    model_json = client.get("/models/nietzsche/model.json", headers={"Accept-Encoding": "gzip"})
    raw = client.get("/models/nietzsche/model.json")
    assert model_json.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in raw.headers
    assert gzip.decompress(model_json.data) == raw.data and len(model_json.data) < len(raw.data) / 2
    assert client.get("/models/nietzsche/model.json", headers={
        "Accept-Encoding": "gzip", "If-None-Match": model_json.headers["ETag"]}).status_code == 304
    # float32 weights hardly compress: they go as they are.
    shard = client.get("/models/nietzsche/group1-shard1of1.bin", headers={"Accept-Encoding": "gzip"})
    if "Content-Encoding" in shard.headers:
        assert len(shard.data) <= 0.9 * os.path.getsize(os.path.join(SHIPPED_BUNDLE, "group1-shard1of1.bin"))
    else:
        assert len(shard.data) == os.path.getsize(os.path.join(SHIPPED_BUNDLE, "group1-shard1of1.bin"))


def test_the_built_page_carries_its_compressed_copies():
    for name in ("app.js", "index.html", "style.css"):
        for suffix in (".br", ".gz"):
            path = os.path.join(FRONTEND_DIST, name + suffix)
            assert os.path.isfile(path) and os.path.getsize(path) < os.path.getsize(os.path.join(FRONTEND_DIST, name))
