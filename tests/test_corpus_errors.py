"""Every bad corpus gives a one-line error naming the problem, exit code 2, no traceback, and
before TensorFlow loads (in this process: see train_in_process)."""

import pytest

from train_in_process import one_line_error, train_in_process


def _bad_corpora(tmp):
    (tmp / "empty.txt").write_bytes(b"")
    (tmp / "binary.bin").write_bytes(b"PK\x03\x04\x00\x00some zip")
    (tmp / "latin1.txt").write_bytes("first line\nna\xefve".encode("latin-1"))
    (tmp / "short.txt").write_text("too short to hold one window", encoding="utf-8")
    (tmp / "folder").mkdir()
    return {
        "missing": (tmp / "nope.txt", "not found"),
        "directory": (tmp / "folder", "is a directory"),
        "empty": (tmp / "empty.txt", "is empty"),
        "binary": (tmp / "binary.bin", "looks binary (NUL byte at offset 4)"),
        "invalid utf-8": (tmp / "latin1.txt", "not valid UTF-8: byte 13 (line 2) is 0xef"),
        "too short": (tmp / "short.txt", "fewer than the 610 needed"),
    }


@pytest.mark.parametrize("case", ["missing", "directory", "empty", "binary", "invalid utf-8",
                                  "too short"])
def test_bad_corpus(case, tmp_path, capfd):
    path, message = _bad_corpora(tmp_path)[case]
    result = train_in_process(capfd, "--corpus", str(path), "--run", str(tmp_path / "run"))
    one_line_error(result, message)
    assert not (tmp_path / "run").exists()  # a run that could not start leaves no folder


def test_nietzsche_download_without_network_says_to_pass_a_path(tmp_path, capfd, monkeypatch):
    # No cached copy (a new home), and a proxy on a closed loopback port: the real download
    # fails at once.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    result = train_in_process(capfd, "--corpus", "nietzsche", "--run", str(tmp_path / "run"))
    one_line_error(result, "could not download the Nietzsche corpus", "pass the path of a text file")


def test_a_new_run_needs_a_corpus(tmp_path, capfd):
    one_line_error(train_in_process(capfd, "--run", str(tmp_path / "run")), "--corpus")
