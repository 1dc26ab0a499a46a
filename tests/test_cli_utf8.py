"""Command-line arguments are bytes: those that are not UTF-8 are refused, by their option's name,
as a file that is not UTF-8 is, rather than written back out raw (invalid JSON) or failing on
a strict UTF-8 stdout."""

import json

import pytest

from conftest import run_cli
from tempera.cli import main

NOT_UTF8 = "ab\udcffc"  # how Python reads the argument bytes b"ab\xffc"


@pytest.mark.parametrize("argv, option", [
    (["score", "nietzsche", "--text", NOT_UTF8, "--json"], "--text"),
    (["score", "nietzsche", "--text", "the " + NOT_UTF8], "--text"),
    (["sample", "nietzsche", "--seed-text", NOT_UTF8, "--json", "--length", "3"], "--seed-text"),
    (["sample", "nietzsche", "--seed-text", "the", "--top-k", "3", NOT_UTF8], "--top-k"),
    (["sample", NOT_UTF8, "--seed-text", "the"], "bundle"),
    (["score", "nietzsche", "--text-file", NOT_UTF8], "--text-file"),
    (["build-site", "--out", NOT_UTF8], "--out"),
    (["export", "runs/x", "--out", NOT_UTF8], "--out"),
])
def test_an_argument_that_is_not_utf8_is_refused_by_name(argv, option, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith(f"tempera {argv[0]}: error: {option} is not valid UTF-8 (byte ")
    assert "\udcff" not in captured.err


def test_the_byte_named_is_where_utf8_stops(capsys):
    assert main(["score", "nietzsche", "--text", "é" + NOT_UTF8]) == 2
    assert "(byte 4)" in capsys.readouterr().err  # é is 2 bytes, then "ab"


def test_real_bytes_under_a_strict_utf8_stdout_are_one_line():
    result = run_cli("score", "nietzsche", "--text", NOT_UTF8, "--json",
                     env={"PYTHONIOENCODING": "utf-8:strict"})
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr == "tempera score: error: --text is not valid UTF-8 (byte 2); give it in UTF-8\n"


def test_utf8_text_is_still_scored(capsys):
    assert main(["score", "nietzsche", "--text", "the eternal return", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["text"] == "the eternal return"
