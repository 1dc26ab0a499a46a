"""Every bad corpus gives a one-line error naming the problem, exit code 2, no traceback."""

import pytest

from conftest import run_cli


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
def test_bad_corpus(case, tmp_path):
    path, message = _bad_corpora(tmp_path)[case]
    result = run_cli("train", "--corpus", str(path), "--run", str(tmp_path / "run"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tempera train: error:") and message in lines[0], lines[0]


def test_nietzsche_download_without_network_says_to_pass_a_path(tmp_path):
    # A proxy on a closed loopback port makes the real download fail at once.
    env = {"KERAS_HOME": str(tmp_path / "keras"), "HTTPS_PROXY": "http://127.0.0.1:9",
           "https_proxy": "http://127.0.0.1:9"}
    result = run_cli("train", "--corpus", "nietzsche", "--run", str(tmp_path / "run"), env=env)
    assert result.returncode == 2, result.stderr
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and "pass the path of a text file" in lines[0], result.stderr


def test_a_new_run_needs_a_corpus(tmp_path):
    result = run_cli("train", "--run", str(tmp_path / "run"))
    assert result.returncode == 2 and "--corpus" in result.stderr
