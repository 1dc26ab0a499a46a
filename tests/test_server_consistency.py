"""`tempera serve` never pairs one version of a file with another's validators, and its caches
never answer for a file that changed, however it changed: replaced by a folder swap (as
`export --force` does), or written in place with its modification time put back (`cp -p`).
The real server on loopback, real files."""

import gzip
import http.client
import json
import os
import shutil
import subprocess
import threading
import time

import pytest

from conftest import SHIPPED_BUNDLE, serving
from tempera.server.file_version import open_version


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(url, models folder, static folder) of one real server; each test uses files of its own."""
    root = tmp_path_factory.mktemp("consistency")
    models, static = root / "models", root / "static"
    models.mkdir()
    static.mkdir()
    shutil.copytree(SHIPPED_BUNDLE, models / "nietzsche")
    (static / "index.html").write_text("<!doctype html><title>t</title>")
    with serving(str(models), quiet=True, static=str(static)) as url:
        yield url, models, static


def get(url: str, path: str, **headers) -> tuple:
    """(status, headers, body) of one GET."""
    host, port = url.split("//")[1].strip("/").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def rewrite_in_place(path, data: bytes) -> None:
    """Write `data` over the file at `path` with the real `cp -p`, from a copy that carries the
    file's own modification time: the same inode, size and modification time, other bytes. Only
    the change time moves, which `cp -p` cannot set."""
    before = os.stat(path)
    assert len(data) == before.st_size
    replacement = f"{path}.replacement"
    with open(replacement, "wb") as handle:
        handle.write(data)
    os.utime(replacement, ns=(before.st_atime_ns, before.st_mtime_ns))
    time.sleep(0.01)
    subprocess.run(["cp", "-p", replacement, str(path)], check=True)
    os.remove(replacement)
    after = os.stat(path)
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == \
        (before.st_ino, before.st_size, before.st_mtime_ns)
    assert after.st_ctime_ns != before.st_ctime_ns


def same_size_variant(data: bytes) -> bytes:
    """`data` with its first digit changed: the same size, other bytes."""
    index = next(i for i, byte in enumerate(data) if chr(byte).isdigit())
    digit = b"1" if data[index:index + 1] != b"1" else b"2"
    return data[:index] + digit + data[index + 1:]


# ---- one version per reply, while a folder is swapped -------------------------------------
def _swap_versions(models, stop: threading.Event) -> None:
    """Swap two versions of a bundle in and out, as `export --force` does, until `stop`."""
    live, other, aside = models / "swapped", models / ".swapped-other", models / ".swapped-aside"
    while not stop.is_set():
        os.rename(live, aside)
        os.rename(other, live)
        os.rename(aside, other)


def _download_while_swapping(url: str, paths_and_encodings: list, seconds: float) -> list:
    """(path, ETag, Content-Encoding, Last-Modified, body) of every 200 reply fetched by four
    clients."""
    seen, deadline = [], time.monotonic() + seconds

    def client(offset):
        host, port = url.split("//")[1].strip("/").split(":")
        turn = offset
        while time.monotonic() < deadline:
            path, encoding = paths_and_encodings[turn % len(paths_and_encodings)]
            turn += 1
            connection = http.client.HTTPConnection(host, int(port), timeout=10)
            try:
                connection.request("GET", path, headers={"Accept-Encoding": encoding})
                response = connection.getresponse()
                body = response.read()
            finally:
                connection.close()
            if response.status == 200:
                seen.append((path, response.getheader("ETag"), response.getheader("Content-Encoding"),
                             response.getheader("Last-Modified"), body))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    return seen


def test_during_a_folder_swap_each_etag_names_one_body(site):
    url, models, _ = site
    shutil.copytree(SHIPPED_BUNDLE, models / "swapped")
    time.sleep(0.01)  # the other version's files get other modification times
    shutil.copytree(SHIPPED_BUNDLE, models / ".swapped-other")
    for name in ("model.json", "tempera.json"):
        path = models / ".swapped-other" / name
        path.write_bytes(same_size_variant(path.read_bytes()))
    stop = threading.Event()
    swapper = threading.Thread(target=_swap_versions, args=(models, stop))
    swapper.start()
    try:
        seen = _download_while_swapping(url, [
            ("/models/swapped/model.json", "gzip"), ("/models/swapped/model.json", "identity"),
            ("/models/swapped/tempera.json", "gzip"), ("/models/swapped/tempera.json", "identity"),
        ], seconds=3)
    finally:
        stop.set()
        swapper.join(timeout=10)
    bodies, times = {}, {}
    for path, etag, encoding, modified, body in seen:
        content = gzip.decompress(body) if encoding == "gzip" else body
        bodies.setdefault((path, etag), set()).add(content)
        times.setdefault((path, etag), set()).add(modified)
    assert len(seen) >= 40, f"only {len(seen)} replies"
    assert len({content for contents in bodies.values() for content in contents}) >= 2, \
        "the swap was never seen"
    mixed = {key: len(contents) for key, contents in bodies.items() if len(contents) > 1}
    assert not mixed, f"ETags naming more than one body: {mixed}"
    assert all(len(modified) == 1 for modified in times.values()), "one ETag, two Last-Modified"


# ---- caches and validators after a same-size edit with its time put back ------------------
@pytest.mark.parametrize("encoding", ["gzip", "identity"])
def test_a_bundle_file_written_over_with_its_time_put_back_is_served_new(site, encoding):
    url, models, _ = site
    folder = models / f"edited-{encoding}"
    shutil.copytree(SHIPPED_BUNDLE, folder)
    path = f"/models/edited-{encoding}/model.json"
    status, first, body = get(url, path, **{"Accept-Encoding": encoding})
    assert status == 200 and first.get("Content-Encoding") == (None if encoding == "identity" else "gzip")
    new = same_size_variant((folder / "model.json").read_bytes())
    rewrite_in_place(folder / "model.json", new)
    status, second, body = get(url, path, **{"Accept-Encoding": encoding})
    assert status == 200
    assert (gzip.decompress(body) if encoding == "gzip" else body) == new
    assert second["ETag"] != first["ETag"]
    # A browser revalidating its copy gets the new bytes, not a 304.
    status, _, body = get(url, path, **{"Accept-Encoding": encoding, "If-None-Match": first["ETag"]})
    assert status == 200 and (gzip.decompress(body) if encoding == "gzip" else body) == new


def test_a_page_file_written_over_with_its_time_put_back_is_served_new(site):
    url, _, static = site
    (static / "edited.js").write_text("console.log('version one');")
    status, first, _ = get(url, "/edited.js")
    assert status == 200
    rewrite_in_place(static / "edited.js", b"console.log('version two');")
    status, _, body = get(url, "/edited.js", **{"If-None-Match": first["ETag"]})
    assert status == 200 and body == b"console.log('version two');"


def test_the_model_list_sees_a_bundle_broken_in_place_with_its_time_put_back(site):
    url, models, _ = site
    shutil.copytree(SHIPPED_BUNDLE, models / "broken-later")

    def listed():
        status, _, body = get(url, "/api/models")
        assert status == 200
        return next(m for m in json.loads(body)["models"] if m["id"] == "broken-later")

    assert "unavailable" not in listed()
    meta = (models / "broken-later" / "tempera.json").read_bytes()
    assert b'"maxlen": 60' in meta
    rewrite_in_place(models / "broken-later" / "tempera.json", meta.replace(b'"maxlen": 60', b'"maxlen": -1'))
    assert "maxlen" in listed().get("unavailable", "")


# ---- stored compressed copies --------------------------------------------------------------
def test_a_compressed_copy_that_is_a_link_is_not_sent(site, tmp_path):
    url, _, static = site
    (tmp_path / "secret").write_text("secret")
    (static / "linked.css").write_text("body { color: black; }")
    os.symlink(tmp_path / "secret", static / "linked.css.br")
    os.symlink("linked.css.gz.real", static / "linked.css.gz")  # even to a file beside it
    shutil.copy(static / "linked.css", static / "linked.css.gz.real")
    status, headers, body = get(url, "/linked.css", **{"Accept-Encoding": "br, gzip"})
    assert status == 200 and "Content-Encoding" not in headers
    assert body == b"body { color: black; }"


def test_a_compressed_copy_older_than_its_source_is_not_sent(site):
    url, _, static = site
    (static / "page.html.gz").write_bytes(gzip.compress(b"<p>old</p>"))
    (static / "page.html").write_text("<p>new</p>")
    old = os.stat(static / "page.html").st_mtime_ns - 10**9
    os.utime(static / "page.html.gz", ns=(old, old))
    status, headers, body = get(url, "/page.html", **{"Accept-Encoding": "gzip"})
    assert status == 200 and "Content-Encoding" not in headers and body == b"<p>new</p>"
    # Brought up to date, the copy goes again.
    os.utime(static / "page.html.gz")
    (static / "page.html.gz").write_bytes(gzip.compress(b"<p>new</p>"))
    status, headers, body = get(url, "/page.html", **{"Accept-Encoding": "gzip"})
    assert headers.get("Content-Encoding") == "gzip" and gzip.decompress(body) == b"<p>new</p>"


def test_a_compressed_copy_that_is_not_a_regular_file_is_not_sent(site):
    url, _, static = site
    (static / "fifo.js").write_text("console.log(1)")
    os.mkfifo(static / "fifo.js.br")
    (static / "folder.js").write_text("console.log(2)")
    (static / "folder.js.gz").mkdir()
    assert get(url, "/fifo.js", **{"Accept-Encoding": "br"})[2] == b"console.log(1)"
    assert get(url, "/folder.js", **{"Accept-Encoding": "gzip"})[2] == b"console.log(2)"


# ---- one open version ----------------------------------------------------------------------
def test_a_version_is_not_read_once_the_file_was_written_in_place(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b"a" * 100)
    version = open_version(str(path))
    try:
        time.sleep(0.01)
        with open(path, "r+b") as handle:
            handle.write(b"b" * 100)
        assert version.read_all() is None  # the bytes could be torn: not this version's
    finally:
        version.close()
    again = open_version(str(path))
    try:
        assert again.read_all() == b"b" * 100 and again.etag != version.etag
    finally:
        again.close()


def test_only_a_regular_file_is_opened_as_a_version(tmp_path):
    (tmp_path / "file").write_text("x")
    os.symlink(tmp_path / "file", tmp_path / "link")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "folder").mkdir()
    for name in ("link", "fifo", "folder", "missing", "file\0nul"):
        assert open_version(str(tmp_path / name)) is None, name
