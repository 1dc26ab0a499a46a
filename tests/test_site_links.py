"""`tempera build-site` publishes what `tempera serve` would send and nothing more: a bundle's
own files only, regular files only (a symbolic link is never followed), and no compressed copy
older than its source. Real files and real links; the command runs in this process."""

import gzip
import http.client
import os
import shutil
import time

import pytest

from conftest import SHIPPED_BUNDLE, serving
from tempera.cli import main

SECRET = "the secret outside every folder"


def build_site(capfd, static, bundle, out) -> tuple:
    """(exit code, stdout, stderr) of `tempera build-site` run here."""
    capfd.readouterr()
    code = main(["build-site", "--out", str(out), "--static", str(static), "--model", str(bundle)])
    captured = capfd.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(result, *fragments) -> str:
    code, out, err = result
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, (code, err[:500])
    assert lines[0].startswith("tempera build-site: error:") and len(lines[0]) < 400, lines[0][:500]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def published(site) -> dict:
    """Every file of the site, by relative path, with its bytes."""
    found = {}
    for top, _, files in os.walk(site):
        for name in files:
            path = os.path.join(top, name)
            found[os.path.relpath(path, site)] = open(path, "rb").read()
    return found


@pytest.fixture()
def secret(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


@pytest.fixture()
def static(tmp_path):
    folder = tmp_path / "page"
    folder.mkdir()
    (folder / "index.html").write_text("<!doctype html><title>tempera</title>")
    (folder / "app.js").write_text("console.log('page');" * 20)
    (folder / "app.js.gz").write_bytes(gzip.compress((folder / "app.js").read_bytes()))
    return folder


@pytest.fixture()
def bundle(tmp_path):
    folder = tmp_path / "shelf" / "nietzsche"
    shutil.copytree(SHIPPED_BUNDLE, folder)
    return folder


# ---- bundle folders ------------------------------------------------------------------------
def test_only_the_bundles_own_files_are_published(capfd, tmp_path, static, bundle, secret):
    os.symlink(secret, bundle / "notes.txt")
    (bundle / "README.txt").write_text("my notes about this model")
    (bundle / "model.json.gz").write_bytes(gzip.compress(b"{}"))  # a stale copy of someone's
    code, _, err = build_site(capfd, static, bundle, tmp_path / "site")
    assert code == 0, err
    files = published(tmp_path / "site")
    names = sorted(name for name in files if name.startswith("models/nietzsche/"))
    shards = sorted(os.path.basename(p) for p in os.listdir(bundle) if p.endswith(".bin"))
    expected = {"model.json", "tempera.json", *shards}
    assert {os.path.basename(n) for n in names} <= expected | {f + ".gz" for f in expected}
    assert {"model.json", "tempera.json", *shards} <= {os.path.basename(n) for n in names}
    assert not any(SECRET.encode() in data or b"my notes" in data for data in files.values())
    assert gzip.decompress(files["models/nietzsche/model.json.gz"]) == (bundle / "model.json").read_bytes()


@pytest.mark.parametrize("name", ["model.json", "tempera.json", "group1-shard1of1.bin"])
def test_a_bundle_file_that_is_a_link_is_refused(capfd, tmp_path, static, bundle, name):
    kept = tmp_path / f"elsewhere-{name}"
    shutil.move(bundle / name, kept)
    os.symlink(kept, bundle / name)
    message = assert_one_line_error(build_site(capfd, static, bundle, tmp_path / "site"),
                                    name, "symbolic link")
    assert "regular files" in message
    assert not (tmp_path / "site").exists()


# ---- the page folder -----------------------------------------------------------------------
def test_a_link_in_the_page_folder_is_refused(capfd, tmp_path, static, bundle, secret):
    os.symlink(secret, static / "leak.txt")
    assert_one_line_error(build_site(capfd, static, bundle, tmp_path / "site"),
                          "leak.txt", "symbolic link")
    assert not (tmp_path / "site").exists()


def test_a_folder_link_that_loops_is_refused_at_once_in_one_short_line(capfd, tmp_path, static, bundle):
    os.symlink(".", static / "loop")
    started = time.monotonic()
    assert_one_line_error(build_site(capfd, static, bundle, tmp_path / "site"), "loop", "symbolic link")
    assert time.monotonic() - started < 10
    assert not (tmp_path / "site").exists()


def test_a_compressed_copy_that_is_a_link_is_refused(capfd, tmp_path, static, bundle, secret):
    (static / "style.css").write_text("body { color: black; }")
    os.symlink(secret, static / "style.css.br")
    assert_one_line_error(build_site(capfd, static, bundle, tmp_path / "site"),
                          "style.css.br", "symbolic link")


def test_a_compressed_copy_older_than_its_source_is_not_published(capfd, tmp_path, static, bundle):
    old = (static / "index.html").stat().st_mtime_ns - 10**9
    (static / "index.html.gz").write_bytes(gzip.compress(b"<p>the page before its edit</p>"))
    os.utime(static / "index.html.gz", ns=(old, old))
    code, _, err = build_site(capfd, static, bundle, tmp_path / "site")
    assert code == 0, err
    site = tmp_path / "site"
    assert not (site / "index.html.gz").exists()
    assert (site / "index.html").read_bytes() == (static / "index.html").read_bytes()
    # A copy no older than its source goes, and stays no older than it in the site.
    assert gzip.decompress((site / "app.js.gz").read_bytes()) == (static / "app.js").read_bytes()
    assert (site / "app.js.gz").stat().st_mtime_ns >= (site / "app.js").stat().st_mtime_ns


def test_a_page_file_that_is_not_a_regular_file_is_refused(capfd, tmp_path, static, bundle):
    os.mkfifo(static / "pipe.js")
    assert_one_line_error(build_site(capfd, static, bundle, tmp_path / "site"),
                          "pipe.js", "not a regular file")


# ---- the server and build-site agree -------------------------------------------------------
def test_the_server_sends_exactly_the_files_build_site_publishes(capfd, tmp_path, static, bundle, secret):
    os.symlink(secret, bundle / "notes.txt")
    (bundle / "README.txt").write_text("my notes about this model")
    (bundle / "model.json.gz").write_bytes(gzip.compress(b"{}"))
    (bundle / ".hidden").write_text("hidden")
    code, _, err = build_site(capfd, static, bundle, tmp_path / "site")
    assert code == 0, err
    site_bundle = tmp_path / "site" / "models" / "nietzsche"
    published_names = {n for n in os.listdir(site_bundle) if not n.endswith(".gz")}
    with serving(str(bundle.parent), quiet=True, static=str(static)) as url:
        host, port = url.split("//")[1].strip("/").split(":")
        served = set()
        for name in os.listdir(bundle):
            connection = http.client.HTTPConnection(host, int(port), timeout=10)
            connection.request("GET", f"/models/nietzsche/{name}")
            response = connection.getresponse()
            body = response.read()
            connection.close()
            assert response.status in (200, 404), name
            if response.status == 200:
                served.add(name)
                assert body == (bundle / name).read_bytes()
    assert served == published_names == {"model.json", "tempera.json", "group1-shard1of1.bin"}
