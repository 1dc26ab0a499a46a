"""`tempera sample --bundles A B C`: lanes across bundles, each lane what `sample` gives on that
bundle alone with the same seed text, temperature and RNG seed."""

import json
import shutil

import pytest

from helpers import SHIPPED_BUNDLE
from tempera.cli import main

COMMON = ["--seed-text", "The will to power ", "--length", "80", "--rng-seed", "11"]


def run(capsys, *argv):
    status = main(["sample", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def keep_case_copy(folder):
    """The shipped bundle, claiming to keep case: the same vocabulary (lowercase letters only)
    now drops capitals instead of folding them, so it reads "The" as "he"."""
    shutil.copytree(SHIPPED_BUNDLE, folder)
    meta_path = folder / "tempera.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["lowercase"] = False
    meta["name"] = "keep-case"
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    return str(folder)


def test_each_lane_is_sample_on_its_bundle_alone(capsys, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(SHIPPED_BUNDLE, copy)
    status, out, _ = run(capsys, "--bundles", SHIPPED_BUNDLE, str(copy), "--temperature", "0.8",
                         "--top-k", "20", *COMMON, "--json")
    assert status == 0
    across = json.loads(out)
    alone = []
    for bundle in (SHIPPED_BUNDLE, str(copy)):
        status, out, _ = run(capsys, bundle, "--temperature", "0.8", "--top-k", "20", *COMMON, "--json")
        assert status == 0
        alone.append(json.loads(out))
    assert [lane["bundle"] for lane in across["lanes"]] == [SHIPPED_BUNDLE, str(copy)]
    assert across["temperature"] == 0.8 and across["rng_seed"] == 11
    for lane, single in zip(across["lanes"], alone):
        assert lane["seed_text"] == single["seed_text"] == "the will to power "
        assert {k: v for k, v in lane.items() if k not in ("bundle", "seed_text")} == single["lanes"][0]
    assert len(across["lanes"][0]["text"]) == 80


def test_lanes_of_two_bundles_differ_where_the_models_do(capsys, tmp_path):
    """Text output names each lane's bundle; different models give different lanes from the
    same uniforms, a second copy of one model the same lane."""
    status, out, _ = run(capsys, "--bundles", "nietzsche", SHIPPED_BUNDLE, "--temperature", "1", *COMMON)
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "------ bundle: nietzsche · temperature: 1.0"
    assert lines[2] == f"------ bundle: {SHIPPED_BUNDLE} · temperature: 1.0"
    assert lines[1] == lines[3] and lines[1].startswith("the will to power ")
    status, out, _ = run(capsys, "nietzsche", "--temperature", "1", *COMMON)
    assert out.splitlines()[-1] == lines[1]


def test_a_seed_some_bundle_reads_otherwise_is_refused_naming_it(capsys, tmp_path):
    keep_case = keep_case_copy(tmp_path / "keep-case")
    status, out, err = run(capsys, "--bundles", "nietzsche", keep_case, "--temperature", "0.5", *COMMON)
    assert status == 2 and out == ""
    assert err.startswith(f"tempera sample: error: bundle {keep_case} does not know 'T'")
    assert err.count("\n") == 1
    # Read alike (no capital), the same two bundles sample.
    status, out, _ = run(capsys, "--bundles", "nietzsche", keep_case, "--temperature", "0.5",
                         "--seed-text", "the will ", "--length", "20", "--rng-seed", "2")
    assert status == 0 and out.count("------ bundle:") == 2
    status, _, err = run(capsys, "--bundles", "nietzsche", keep_case, "--temperature", "0.5",
                         "--seed-text", "永劫", "--length", "5")
    assert status == 2
    assert err == "tempera sample: error: bundle nietzsche: the seed has no character the model knows: '永', '劫'\n"


@pytest.mark.parametrize("argv, words", [
    (["--bundles", "nietzsche", "nietzsche", *COMMON], "--bundles needs one --temperature T"),
    (["--bundles", "nietzsche", "nietzsche", "--temperature", "0.2", "1", *COMMON], "one --temperature"),
    (["nietzsche", "--bundles", "nietzsche", "--temperature", "1", *COMMON], "not both"),
    (["--temperature", "1", *COMMON], "give one bundle, or several with --bundles"),
    (["--bundles", "nietzsche", "no-such-bundle", "--temperature", "1", *COMMON], "bundle no-such-bundle: "),
])
def test_mistakes_are_one_line(capsys, argv, words):
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == "" and err.count("\n") == 1
    assert words in err


def test_help_explains_lanes_across_bundles(capsys):
    with pytest.raises(SystemExit):
        main(["sample", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--bundles BUNDLE [BUNDLE ...]" in text
    assert "lane k is what `tempera sample` gives on bundle k alone with the same seed text, one --temperature and the same --rng-seed" in text
