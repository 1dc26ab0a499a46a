"""`tempera build-site` chooses the model the page opens on: --open NAME, else the shipped model
when it is included, else the first --model given (not the alphabetically first). The page opens
on the first model models/index.json lists, so that list starts with it. In process."""

import json
import shutil

import pytest

from helpers import SHIPPED_BUNDLE
from tempera.cli import main


@pytest.fixture(scope="module")
def shelf(tmp_path_factory):
    """The shipped bundle as it is, and two copies of it renamed (so not the shipped one)."""
    folder = tmp_path_factory.mktemp("shelf")
    shutil.copytree(SHIPPED_BUNDLE, folder / "nietzsche")
    for name in ("zeta", "alpha"):
        shutil.copytree(SHIPPED_BUNDLE, folder / name)
        meta_path = folder / name / "tempera.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["name"] = f"{name} text"
        meta_path.write_text(json.dumps(meta), encoding="utf-8")
    page = folder / "page"
    page.mkdir()
    (page / "index.html").write_text("<!doctype html><title>tempera</title>")
    return folder


def build(capfd, shelf, out, *args):
    capfd.readouterr()
    code = main(["build-site", "--out", str(out), "--static", str(shelf / "page"), *args])
    captured = capfd.readouterr()
    listed = []
    if code == 0:
        listed = [m["id"] for m in json.loads((out / "models" / "index.json").read_text())["models"]]
    return code, captured.out, captured.err, listed


def test_the_site_opens_on_the_first_model_given_the_shipped_one_or_the_chosen_one(capfd, shelf, tmp_path):
    models = lambda *names: [a for n in names for a in ("--model", str(shelf / n))]  # noqa: E731
    code, out, _, listed = build(capfd, shelf, tmp_path / "a", *models("zeta", "alpha"))
    assert code == 0 and listed == ["zeta", "alpha"] and "it opens on zeta" in out
    code, out, _, listed = build(capfd, shelf, tmp_path / "b", *models("alpha", "zeta", "nietzsche"))
    assert code == 0 and listed == ["nietzsche", "alpha", "zeta"] and "it opens on nietzsche" in out
    code, out, _, listed = build(capfd, shelf, tmp_path / "c", *models("alpha", "nietzsche", "zeta"), "--open", "zeta")
    assert code == 0 and listed == ["zeta", "alpha", "nietzsche"] and "it opens on zeta" in out


def test_a_model_to_open_that_the_site_lacks_is_one_line_and_writes_nothing(capfd, shelf, tmp_path):
    code, _, err, _ = build(capfd, shelf, tmp_path / "site", "--model", str(shelf / "alpha"), "--open", "kjv")
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1, err
    assert "--open kjv: no such model in the site; it has alpha" in lines[0]
    assert not (tmp_path / "site").exists()
