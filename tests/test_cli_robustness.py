"""No command destroys a user's files, and every mistake ends in one line and exit code 2."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, SHIPPED_BUNDLE, run_cli
from tempera.catalog import index_document
from tempera.cli import main
from tempera.quiet import import_quietly
from train_in_process import train_in_process


def one_line_error(result, command: str, *fragments: str) -> str:
    """The result is exit code 2 with exactly one line on stderr naming the problem."""
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and len(lines) == 1, result.stderr
    assert lines[0].startswith(f"tempera {command}: error:"), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def cli_in_process(capfd, *args) -> subprocess.CompletedProcess:
    """tempera.cli.main run here, its exit code and output as a finished process's.

    The commands' own entry point without a fresh interpreter: export imports TensorFlow once
    for the whole file instead of once per call (seconds each). Real processes of each command
    run in test_export.py, test_training.py and below (usage mistakes, a closed pipe)."""
    capfd.readouterr()
    try:
        code = main(list(args))
    except SystemExit as usage:  # argparse's own refusals
        code = usage.code
    captured = capfd.readouterr()
    return subprocess.CompletedProcess(args, code, captured.out, captured.err)


def snapshot(folder) -> dict:
    """Every file under `folder` with its bytes."""
    found = {}
    for top, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(top, name)
            found[os.path.relpath(path, folder)] = open(path, "rb").read()
    return found


# ---- --force replaces only what the same command wrote ------------------------------------
@pytest.fixture()
def runs(trained_run, tmp_path):
    """A folder of two runs (copies of the trained one) and a user's notes beside them."""
    folder = tmp_path / "runs"
    shutil.copytree(trained_run[0], folder / "first")
    shutil.copytree(trained_run[0], folder / "second")
    (folder / "notes.txt").write_text("my notes")
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("target", ["the run", "the folder of runs", "inside the run's parent"])
def test_export_never_replaces_the_run_or_a_folder_holding_it(runs, target, capfd):
    run = runs / "first"
    out = {"the run": run, "the folder of runs": runs, "inside the run's parent": runs / "second"}[target]
    before = snapshot(runs)
    result = cli_in_process(capfd, "export", str(run), "--out", str(out), "--force")
    one_line_error(result, "export", str(out))
    assert snapshot(runs) == before


@pytest.mark.slow
def test_export_force_replaces_its_own_bundle_but_not_a_users_files(trained_run, tmp_path, capfd):
    out = tmp_path / "bundle"
    assert cli_in_process(capfd, "export", trained_run[0], "--out", str(out)).returncode == 0
    assert cli_in_process(capfd, "export", trained_run[0], "--out", str(out), "--force").returncode == 0
    (out / "notes.txt").write_text("mine")
    before = snapshot(out)
    one_line_error(cli_in_process(capfd, "export", trained_run[0], "--out", str(out), "--force"),
                   "export", "notes.txt", "does not write")
    assert snapshot(out) == before
    afile = tmp_path / "a-file.txt"
    afile.write_text("keep")
    one_line_error(cli_in_process(capfd, "export", trained_run[0], "--out", str(afile), "--force"),
                   "export", "is a file")
    link = tmp_path / "link"
    os.symlink(out, link)
    one_line_error(cli_in_process(capfd, "export", trained_run[0], "--out", str(link), "--force"),
                   "export", "symbolic link")
    assert afile.read_text() == "keep" and snapshot(out) == before


@pytest.mark.slow
def test_build_site_force_replaces_only_a_site_it_made(small_bundle, tmp_path, capfd):
    shelf = tmp_path / "shelf"  # a user's folder of bundles and notes
    shutil.copytree(small_bundle, shelf / "small")
    shutil.copytree(SHIPPED_BUNDLE, shelf / "nietzsche")
    (shelf / "notes.txt").write_text("my notes")
    before = snapshot(shelf)
    for out in (shelf, shelf / "small", shelf / "small" / "site"):  # around, at, inside an input
        one_line_error(cli_in_process(capfd, "build-site", "--out", str(out), "--model", str(shelf / "small"),
                               "--force"), "build-site", "which this command")
    for out in ("", "/"):
        one_line_error(cli_in_process(capfd, "build-site", "--out", out, "--model", str(shelf / "small")),
                       "build-site", "--out must name a folder")
    unrelated = tmp_path / "unrelated"
    shutil.copytree(shelf, unrelated)
    one_line_error(cli_in_process(capfd, "build-site", "--out", str(unrelated), "--model", small_bundle, "--force"),
                   "build-site", "not a site that tempera build-site wrote")
    assert snapshot(shelf) == before and snapshot(unrelated) == before

    site = tmp_path / "site"
    for _ in range(2):  # a site it made is replaced
        assert cli_in_process(capfd, "build-site", "--out", str(site), "--model", small_bundle,
                       "--force").returncode == 0
    # Compressed copies for static hosts that serve them: the page's from the build, and the
    # bundle's model.json (weights only where gzip saves a tenth).
    assert (site / "app.js.br").is_file() and (site / "app.js.gz").is_file()
    assert (site / "models" / "small" / "model.json.gz").is_file()
    assert not list(site.rglob("*.map"))
    (site / "models" / "notes.txt").write_text("mine")
    one_line_error(cli_in_process(capfd, "build-site", "--out", str(site), "--model", small_bundle, "--force"),
                   "build-site", "models/notes.txt")
    assert (site / "models" / "notes.txt").read_text() == "mine"


@pytest.mark.slow
def test_build_site_under_a_file_or_an_unwritable_place(small_bundle, tmp_path, capfd):
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    one_line_error(cli_in_process(capfd, "build-site", "--out", str(afile / "site"), "--model", small_bundle),
                   "build-site", "is a file, not a folder")
    one_line_error(cli_in_process(capfd, "build-site", "--out", "/proc/tempera-site", "--model", small_bundle),
                   "build-site", "cannot write the site")


def test_train_does_not_write_into_a_folder_that_is_not_a_run(small_corpus, tmp_path, capfd):
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "letter.txt").write_text("dear")
    (mine / ".tempera-not-ours").write_text("x")
    one_line_error(train_in_process(capfd, "--corpus", small_corpus, "--run", str(mine)), "train",
                   "not a tempera run folder")
    assert sorted(os.listdir(mine)) == [".tempera-not-ours", "letter.txt"]


# ---- train: inputs and options --------------------------------------------------------------
@pytest.mark.parametrize("option,value,message", [
    ("--units", "0", "--units must be a whole number from 1"),
    ("--units", "100000", "--units must be a whole number from 1 to 4,096"),
    ("--batch", "0", "--batch must be"), ("--seq-len", "0", "--seq-len must be"),
    ("--layers", "0", "--layers must be"), ("--layers", "-2", "--layers must be"),
    ("--learning-rate", "nan", "--learning-rate must be a finite number above 0"),
    ("--learning-rate", "inf", "--learning-rate must be"), ("--learning-rate", "0", "--learning-rate"),
    ("--epochs", "0", "--epochs must be"), ("--time-budget", "0", "--time-budget must be"),
    ("--time-budget", "nan", "--time-budget must be"), ("--val-fraction", "nan", "--val-fraction"),
    ("--val-fraction", "1", "--val-fraction"), ("--seed", "-1", "--seed must be"),
    ("--dropout", "1", "--dropout must be a number from 0"), ("--dropout", "-0.1", "--dropout must be"),
    ("--dropout", "nan", "--dropout must be"), ("--patience", "0", "--patience must be"),
])
def test_impossible_training_options_are_refused_and_not_saved(small_corpus, tmp_path, option,
                                                                value, message, capfd):
    run = tmp_path / "run"
    one_line_error(train_in_process(capfd, "--corpus", small_corpus, "--run", str(run), option, value),
                   "train", message)
    assert not (run / "config.json").exists()


@pytest.mark.slow  # it trains an epoch
def test_a_run_that_trained_nothing_takes_the_corrected_options(small_corpus, tmp_path):
    """A config.json with no epoch behind it is replaced by a rerun's options, not locked in."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({
        "corpus": small_corpus, "lowercase": True, "val_fraction": 0.1, "seed": 1,
        "recipe": {"name": "default", "units": 0}}))
    result = run_cli("train", "--corpus", small_corpus, "--run", str(run), "--units", "4",
                     "--seq-len", "20", "--epochs", "1", "--verbose", "0")
    assert result.returncode == 0, result.stderr
    assert json.load(open(run / "config.json"))["recipe"]["units"] == 4


@pytest.mark.parametrize("content,message", [
    ("a" * 5000, "only one distinct character ('a')"),
    ("\n" * 5000, "only one distinct character (U+000A)"),
])
def test_a_corpus_with_one_distinct_character(tmp_path, content, message, capfd):
    corpus = tmp_path / "one.txt"
    corpus.write_text(content)
    one_line_error(train_in_process(capfd, "--corpus", str(corpus), "--run", str(tmp_path / "run")),
                   "train", message)
    assert not (tmp_path / "run").exists()  # a run that could not start leaves no folder


@pytest.mark.parametrize("kind", ["fifo", "character device", "over the size limit"])
def test_a_corpus_that_is_not_a_regular_file_or_too_large(tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "pipe"
        os.mkfifo(path)  # opening it for reading would wait for a writer forever
        message = "not a regular file"
    elif kind == "character device":
        path, message = "/dev/zero", "not a regular file"  # reading it would never end
    else:
        path = tmp_path / "huge.txt"
        with open(path, "wb") as handle:
            handle.truncate(2**30 + 1)  # sparse: no disk used
        message = "over the 1 GiB limit"
    result = run_cli("train", "--corpus", str(path), "--run", str(tmp_path / "run"), timeout=120)
    one_line_error(result, "train", message)


@pytest.mark.slow
def test_a_resumed_run_keeps_its_recipe(trained_run, tmp_path, capfd):
    run = shutil.copytree(trained_run[0], tmp_path / "run")
    one_line_error(train_in_process(capfd, "--run", str(run), "--units", "64", "--epochs", "3"), "train",
                   "was made with --units 24", "use a new --run folder")


@pytest.mark.slow
def test_a_damaged_checkpoint(trained_run, tmp_path, capfd):
    """export names the damaged file; train resumes from the newest epoch that reads."""
    run = shutil.copytree(trained_run[0], tmp_path / "run")
    last = run / "checkpoints" / "epoch-002.h5"
    last.write_bytes(last.read_bytes()[:3000])
    one_line_error(cli_in_process(capfd, "export", str(run), "--out", str(tmp_path / "b"), "--epoch", "2"),
                   "export", "checkpoint checkpoints/epoch-002.h5", "cannot be read")
    result = run_cli("train", "--run", str(run), "--epochs", "3", "--verbose", "0")
    assert result.returncode == 0, result.stderr
    assert "resuming from epoch 1 instead" in result.stdout
    history = json.load(open(run / "history.json"))
    assert [row["epoch"] for row in history] == [1, 2, 3]
    for checkpoint in (run / "checkpoints").iterdir():  # none left that reads
        checkpoint.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    one_line_error(cli_in_process(capfd, "train", "--run", str(run), "--epochs", "4"), "train",
                   "cannot be read")


@pytest.mark.slow
@pytest.mark.parametrize("name,content,message", [
    ("history.json", '{"epoch": 1}', "history.json in run folder"),
    ("history.json", '[{"epoch": "one"}]', "not a list of epoch records"),
    ("history.json", "[1, 2", "history.json in run folder"),
    ("state.json", '{"epochs_done": "2"}', "state.json in run folder"),
    ("config.json", '{"corpus": 3}', "config.json in run folder"),
    ("config.json", '[]', "config.json in run folder"),
    ("vocab.json", '"abc"', "vocab.json in run folder"),
])
def test_run_files_of_the_wrong_shape(trained_run, tmp_path, name, content, message, capfd):
    run = shutil.copytree(trained_run[0], tmp_path / "run")
    (run / name).write_text(content)
    if name != "state.json":  # export reads the history, not the training state
        one_line_error(cli_in_process(capfd, "export", str(run), "--out", str(tmp_path / "b")),
                       "export", message)
    one_line_error(train_in_process(capfd, "--run", str(run), "--epochs", "3"), "train", message)


@pytest.mark.slow
def test_non_finite_weights_are_refused_by_export(trained_run, tmp_path, capfd):
    keras = import_quietly("tf_keras")  # as the commands do: TensorFlow's log level stays quiet

    run = shutil.copytree(trained_run[0], tmp_path / "run")
    checkpoint = str(run / "checkpoints" / "epoch-002.h5")
    model = keras.models.load_model(checkpoint)
    weights = model.get_weights()
    weights[0][0, 0] = np.nan
    model.set_weights(weights)
    model.save(checkpoint, include_optimizer=True)
    history = json.load(open(run / "history.json"))
    history[1]["val_loss"] = float("nan")  # as a diverged epoch records it
    (run / "history.json").write_text(json.dumps(history))
    exported = cli_in_process(capfd, "export", str(run), "--out", str(tmp_path / "best"))
    assert exported.returncode == 0, exported.stderr  # the best finite epoch: 1
    assert json.load(open(tmp_path / "best" / "tempera.json"))["epochs"] == 1
    one_line_error(cli_in_process(capfd, "export", str(run), "--out", str(tmp_path / "b"), "--epoch", "2"),
                   "export", "NaN or infinite", "--epoch")
    assert not (tmp_path / "b").exists()


# ---- bundles of every broken shape -----------------------------------------------------------
def _set(path, value):
    """A mutation setting the dotted `path` of a JSON document to `value` (None deletes)."""
    def mutate(document):
        *parents, last = path.split(".")
        node = document
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if value is None:
            del node[int(last) if isinstance(node, list) else last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
        return document
    return mutate


MANIFEST = "weightsManifest.0.weights.0"
LAYERS = "modelTopology.model_config.config.layers"
BROKEN_FIELDS = [
    ("tempera.json", _set("lowercase", "no"), "'lowercase' must be true or false"),
    ("tempera.json", _set("maxlen", 0), "'maxlen' must be a whole number"),
    ("tempera.json", _set("maxlen", "60"), "'maxlen'"),
    ("tempera.json", _set("maxlen", 1.5), "'maxlen'"),
    ("tempera.json", _set("vocabulary", "abc"), "'vocabulary'"),
    ("tempera.json", _set("vocabulary", []), "'vocabulary'"),
    ("tempera.json", _set("vocabulary.0", "ab"), "'vocabulary'"),
    ("tempera.json", _set("vocabulary.1", "\n"), "lists a character twice"),
    ("tempera.json", _set("format_version", True), "format_version True"),
    ("tempera.json", _set("format_version", "1"), "format_version '1'"),
    ("tempera.json", _set("name", 7), "'name'"),
    ("tempera.json", _set("held_out", "low"), "'held_out'"),
    ("tempera.json", _set("held_out.loss_nats_per_char", "1.3"), "'held_out'"),
    ("model.json", _set("weightsManifest", {}), "weightsManifest"),
    ("model.json", _set("weightsManifest", [3]), "weight group"),
    ("model.json", _set("weightsManifest.0.paths", "group1-shard1of1.bin"), "'paths'"),
    ("model.json", _set("weightsManifest.0.paths.0", 5), "'paths'"),
    ("model.json", _set("weightsManifest.0.weights", None), "'weights'"),
    ("model.json", _set(f"{MANIFEST}.shape", "24x96"), "shape"),
    ("model.json", _set(f"{MANIFEST}.shape", [-1, 96]), "shape"),
    ("model.json", _set(f"{MANIFEST}.shape", [1.5, 96]), "shape"),
    ("model.json", _set(f"{MANIFEST}.dtype", "float16"), "float32 weights only"),
    ("model.json", _set(f"{MANIFEST}.dtype", "int32"), "float32 weights only"),
    ("model.json", _set(f"{MANIFEST}.quantization",
                        {"dtype": "uint8", "min": -1, "scale": 0.01}), "too long"),
    ("model.json", _set(f"{MANIFEST}.quantization", {"dtype": "int4"}), "quantized as 'int4'"),
    ("model.json", _set(f"{MANIFEST}.quantization", {"dtype": "uint8", "min": -1}), "finite 'scale'"),
    ("model.json", _set(f"{MANIFEST}.name", None), "'name'"),
    ("model.json", _set("modelTopology", []), "modelTopology"),
    ("model.json", _set("modelTopology.model_config.config.layers", {}), "layers"),
    ("model.json", _set(f"{LAYERS}.1", "LSTM"), "layers"),
    ("model.json", _set(f"{LAYERS}.1.config", 3), "layers"),
    ("model.json", _set(f"{LAYERS}.1.config.name", None), "no name"),
    ("model.json", _set(f"{LAYERS}.1.config.activation", 5), "activations"),
    ("model.json", _set(f"{LAYERS}.1.config.activation", "swish"), "unsupported LSTM activation"),
    ("model.json", _set(f"{LAYERS}.1.class_name", "GRU"), "'GRU' layer"),
    ("model.json", _set(f"{LAYERS}.3.config.activation", "linear"), "softmax"),
    ("model.json", _set("format", "graph-model"), "not a tfjs layers-model"),
]


@pytest.mark.slow
@pytest.mark.parametrize("case", range(len(BROKEN_FIELDS)))
def test_every_malformed_bundle_field_is_a_named_error(small_bundle, tmp_path, case, capfd):
    name, mutate, message = BROKEN_FIELDS[case]
    bundle = shutil.copytree(small_bundle, tmp_path / "bundle")
    document = json.load(open(bundle / name, encoding="utf-8"))
    (bundle / name).write_text(json.dumps(mutate(document)), encoding="utf-8")
    # The command line's own entry point, in this process: 35 cases, each a fresh Python
    # process, would take minutes; test_non_finite_weights_are_a_bundle_error runs the real one.
    line = one_line_error(cli_in_process(capfd, "sample", str(bundle), "--seed-text", "the",
                                         "--length", "5"), "sample", message)
    assert name in line or "weight" in line
    # The server lists it as unavailable with the same reason; build-site refuses it.
    listed = index_document(str(tmp_path))["models"]
    assert listed[0]["id"] == "bundle" and message in listed[0]["unavailable"]
    one_line_error(cli_in_process(capfd, "build-site", "--out", str(tmp_path / "site"), "--model",
                                  str(bundle)), "build-site", message)


@pytest.mark.slow
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_weights_are_a_bundle_error(small_bundle, tmp_path, value, capfd):
    bundle = shutil.copytree(small_bundle, tmp_path / "bundle")
    shard = bundle / "group1-shard1of1.bin"
    weights = np.frombuffer(shard.read_bytes(), "<f4").copy()
    weights[len(weights) // 2] = value
    shard.write_bytes(weights.tobytes())
    # The real command once; the others in this process.
    sample = run_cli if np.isnan(value) else lambda *args: cli_in_process(capfd, *args)
    one_line_error(sample("sample", str(bundle), "--seed-text", "the"), "sample", "NaN or infinite")
    one_line_error(cli_in_process(capfd, "build-site", "--out", str(tmp_path / "site"), "--model",
                                  str(bundle)), "build-site", "NaN or infinite")
    assert "NaN or infinite" in index_document(str(tmp_path))["models"][0]["unavailable"]


# ---- sample: seeds, temperatures, pipes ------------------------------------------------------
@pytest.mark.slow  # 16 lanes of 5,000 NumPy steps, so that the output outgrows the pipe's 64 KiB
def test_sample_into_a_closed_pipe_stops_quietly():
    command = [sys.executable, "-m", "tempera", "sample", SHIPPED_BUNDLE, "--seed-text", "the",
               "--length", "5000", "--rng-seed", "1", "--temperature", *["1"] * 16]
    shell = f"{' '.join(command)} | head -c 10 > /dev/null; echo ${{PIPESTATUS[0]}}"
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, cwd=ROOT,
                            timeout=300)
    assert result.stdout.strip() == "0", result.stdout
    assert result.stderr == ""


def test_a_tiny_temperature_is_greedy_without_warnings():
    result = run_cli("sample", SHIPPED_BUNDLE, "--seed-text", "the", "--length", "40",
                     "--rng-seed", "3", "--temperature", "1e-320", "0", "--json")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    lanes = json.loads(result.stdout)["lanes"]
    assert lanes[0]["text"] == lanes[1]["text"]  # as greedy as T = 0 (no ties here)


def test_a_seed_from_a_file_or_standard_input(tmp_path, capfd):
    seed = "the will to power " * 200
    (tmp_path / "seed.txt").write_text(seed, encoding="utf-8")
    common = ["--length", "30", "--rng-seed", "9", "--json"]
    by_text = cli_in_process(capfd, "sample", SHIPPED_BUNDLE, "--seed-text", seed, *common)
    by_file = cli_in_process(capfd, "sample", SHIPPED_BUNDLE, "--seed-file", str(tmp_path / "seed.txt"),
                             *common)
    by_stdin = subprocess.run([sys.executable, "-m", "tempera", "sample", SHIPPED_BUNDLE,
                               "--seed-file", "-", *common], input=seed, capture_output=True,
                              text=True, cwd=ROOT, timeout=300)
    assert by_text.returncode == 0, by_text.stderr
    assert json.loads(by_file.stdout) == json.loads(by_text.stdout) == json.loads(by_stdin.stdout)
    (tmp_path / "latin1.txt").write_bytes("na\xefve".encode("latin-1"))
    for seed_file, message in ((tmp_path / "latin1.txt", "not valid UTF-8"),
                               (tmp_path / "nope.txt", "seed file not found"),
                               ("/dev/zero", "seed file not found (or not a regular file)")):
        one_line_error(cli_in_process(capfd, "sample", SHIPPED_BUNDLE, "--seed-file", str(seed_file)),
                       "sample", message)


def test_a_seed_of_many_distinct_unknown_characters_is_linear_and_bounded():
    unknown = "".join(chr(0x4E00 + i) for i in range(20000))  # CJK: none in the vocabulary
    result = run_cli("sample", SHIPPED_BUNDLE, "--seed-text", "the " + unknown, "--length", "5",
                     "--rng-seed", "1", timeout=60)
    assert result.returncode == 0, result.stderr
    note = next(l for l in result.stderr.splitlines() if l.startswith("note:"))
    assert "dropped 20,000 unknown characters" in note or "dropped 20000 unknown" in note
    assert "and 19,980 more" in note and len(note) < 400


@pytest.mark.parametrize("args,command,message", [
    (["sample", "nietzsche", "--seed-text", "a", "--length", "abc"], "sample", "invalid int value"),
    (["sample", "nietzsche", "--seed-text", "a", "--seed-file", "f"], "sample", "not allowed with"),
    (["train", "--recipe", "foo"], "train", "invalid choice"),
    (["serve", "--port", "eighty"], "serve", "invalid int value"),
    (["score", "nietzsche"], "score", "one of the arguments --text --text-file is required"),
])
def test_usage_mistakes_are_one_line_too(args, command, message, capfd):
    one_line_error(cli_in_process(capfd, *args), command, message, "--help")
