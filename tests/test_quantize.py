"""Quantised bundles (`tempera export --quantize float16|uint8`), end to end.

The run trained in the tests is exported three times by the command's entry point (float32,
float16, uint8, all of the same epoch) and each quantised bundle is held against:
  1. what the export promises: tempera.json's fields, the size of the weights, model.json;
  2. the Keras model of the run's checkpoint, weight by weight and prediction by prediction;
  3. TensorFlow.js's own decoding of the same bytes, bit for bit;
  4. the page in Chromium on every backend, against the NumPy reference on the same bundle;
  5. broken quantisation metadata, which both readers refuse in words.
"""

import base64
import contextlib
import io
import json
import math
import os
import shutil
import struct
import subprocess

import numpy as np
import pytest

from helpers import BOUNDARY, ROOT, Distributions, compared_length, open_page, run_cli
from harness import serving, serving_static
from tempera.bundle import QUANTIZED_SIZES, dequantized, load_bundle, read_weights
from tempera.generate import Generator
from tempera.quiet import import_quietly
from tempera.shard_digests import record_shard_digests

pytestmark = [pytest.mark.slow]
NODE = shutil.which("node")
PAGE_DIST = os.path.join(ROOT, "frontend", "dist")
SHARD = "group1-shard1of1.bin"
KINDS = ("float16", "uint8")
BACKENDS = ("wasm", "cpu", "webgl")
BYTES_PER_VALUE = {"float32": 4, "float16": 2, "uint8": 1}
# The held-out loss of the quantised weights, by the NumPy reference, may move from the
# float32 weights' by this much (nats/char) for the small run: its weights are small and its
# predictions soft, so 8 bits per weight cost it a few 1e-4 nats (measured: ~2e-4 for uint8,
# ~1e-5 for float16). More than this would mean the quantised weights are decoded wrongly.
HELD_OUT_TOLERANCE = 0.05
TEMPERATURES = [0, 0.5, 1.0, 1.2]
SEED = "the good will is noble. "
LONG_SEED = "the free spirit is deep. is the old will not noble? " * 2  # over maxlen (60)


def _manifest(folder):
    with open(os.path.join(folder, "model.json"), encoding="utf-8") as handle:
        return json.load(handle)["weightsManifest"]


def _entries(folder):
    return [entry for group in _manifest(folder) for entry in group["weights"]]


def _meta(folder):
    with open(os.path.join(folder, "tempera.json"), encoding="utf-8") as handle:
        return json.load(handle)


def _bin_bytes(folder):
    return sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder) if f.endswith(".bin"))


# ---- the exports -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def epoch(trained_run):
    """The run's last epoch (exported by number, so all three bundles hold the same one)."""
    from tempera.training.run_folder import RunFolder

    return RunFolder(trained_run[0]).history()[-1]["epoch"]


@pytest.fixture(scope="module")
def exports(trained_run, epoch, tmp_path_factory):
    """{kind: (bundle folder, the command's result)} for float32, float16 and uint8, all of
    the last epoch, exported by `tempera export`'s entry point in this process: TensorFlow loads
    once, not once per export (the real process exports the small_bundle fixture)."""
    from tempera.cli import main

    base = tmp_path_factory.mktemp("quantized")

    def export(kind):
        out = str(base / kind)
        extra = [] if kind == "float32" else ["--quantize", kind]
        args = ["export", trained_run[0], "--out", out, "--epoch", str(epoch), *extra]
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(args)
        return kind, (out, subprocess.CompletedProcess(args, code, stdout.getvalue(), stderr.getvalue()))

    done = dict(export(kind) for kind in ["float32", *KINDS])
    for kind, (_, result) in done.items():
        assert result.returncode == 0, (kind, result.stderr)
    return done


@pytest.fixture(scope="module")
def folders(exports, tmp_path_factory):
    """The three exports, and "mixed": see _mixed_bundle."""
    found = {kind: folder for kind, (folder, _) in exports.items()}
    found["mixed"] = _mixed_bundle(found["float32"], str(tmp_path_factory.mktemp("mixed") / "mixed"))
    return found


def _mixed_bundle(float32_folder, out):
    """The float32 bundle rewritten as a converter's mixed quantisation may store it: the
    output bias (one value per character, 46 here) as uint8 first, then every other weight as float32, which puts
    them at byte offsets that are not multiples of 4."""
    tfjs_quantization = import_quietly("tensorflowjs.quantization")
    os.makedirs(out)
    shutil.copy(os.path.join(float32_folder, "tempera.json"), out)
    with open(os.path.join(float32_folder, "model.json"), encoding="utf-8") as handle:
        model_json = json.load(handle)
    weights = read_weights(float32_folder, model_json["weightsManifest"])
    entries = model_json["weightsManifest"][0]["weights"]
    first = next(e for e in entries if e["name"] == "next_char/bias")
    codes, metadata = tfjs_quantization.quantize_weights(weights[first["name"]], np.uint8)
    assert codes.size % 4, "the uint8 weight must leave the next one unaligned"
    ordered = [{**first, "quantization": {"dtype": "uint8", **metadata, "original_dtype": "float32"}}]
    data = codes.tobytes()
    for entry in entries:
        if entry is not first:
            ordered.append(entry)
            data += weights[entry["name"]].astype("<f4").tobytes()
    model_json["weightsManifest"] = [{"paths": [SHARD], "weights": ordered}]
    with open(os.path.join(out, "model.json"), "w", encoding="utf-8") as handle:
        json.dump(model_json, handle)
    with open(os.path.join(out, SHARD), "wb") as handle:
        handle.write(data)
    record_shard_digests(out)  # the float32 bundle's digests are not this shard's
    return out


# ---- 1. what the export promises -----------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_tempera_json_names_the_quantization_and_both_held_out_figures(folders, exports, epoch, kind):
    meta, plain = _meta(folders[kind]), _meta(folders["float32"])
    assert meta["quantization"] == kind and "quantization" not in plain
    assert meta["epochs"] == plain["epochs"] == epoch
    held_out = meta["held_out"]
    assert "quantized_loss_note" not in held_out
    quantized, reference = held_out["quantized_loss_nats_per_char"], held_out["float32_loss_nats_per_char_reference"]
    assert all(isinstance(v, float) and 0 < v < math.log(meta["layers"]["vocab_size"]) + 1
               for v in (quantized, reference)), held_out
    # the training run's own figure (Keras, float32) is the reference's on the same windows
    assert held_out["loss_nats_per_char"] == plain["held_out"]["loss_nats_per_char"]
    assert abs(reference - held_out["loss_nats_per_char"]) < 1e-3, held_out
    assert abs(quantized - reference) <= HELD_OUT_TOLERANCE, held_out
    # the float32 export does not carry the quantised figures
    assert not {"quantized_loss_nats_per_char", "float32_loss_nats_per_char_reference",
                "quantized_loss_note"} & set(plain["held_out"])
    stdout = exports[kind][1].stdout
    assert f"{kind} weights: held-out {quantized:.4f} nats/char by the NumPy reference, " \
           f"float32 {reference:.4f}" in stdout, stdout


@pytest.mark.parametrize("kind", KINDS)
def test_the_held_out_figures_are_the_references_on_the_runs_held_out_windows(trained_run, folders, kind):
    """Measured again here on the bundles themselves: the quantised figure is the quantised
    bundle's, the float32 one the float32 bundle's (so neither is the other by mistake)."""
    from export.bundle_export import measure_held_out
    from tempera.training.run_folder import RunFolder

    run = RunFolder(trained_run[0])
    meta = _meta(folders[kind])
    losses = measure_held_out(run.config(), run.vocabulary(), [folders[kind], folders["float32"]], meta["maxlen"])
    assert losses is not None
    assert round(losses[0], 6) == meta["held_out"]["quantized_loss_nats_per_char"]
    assert round(losses[1], 6) == meta["held_out"]["float32_loss_nats_per_char_reference"]
    if kind == "uint8":  # 8 bits move the loss visibly; float16 may leave it unchanged
        assert losses[0] != losses[1]


@pytest.mark.parametrize("kind", KINDS)
def test_the_weights_take_a_half_or_a_quarter_of_the_bytes(folders, kind):
    plain, quantized = _bin_bytes(folders["float32"]), _bin_bytes(folders[kind])
    values = sum(math.prod(e["shape"]) for e in _entries(folders["float32"]))
    assert plain == 4 * values
    assert quantized == BYTES_PER_VALUE[kind] * values == plain * BYTES_PER_VALUE[kind] // 4
    assert _meta(folders[kind])["weights_bytes"] == quantized
    assert _meta(folders["float32"])["weights_bytes"] == plain


@pytest.mark.parametrize("kind", KINDS)
def test_model_json_carries_a_quantization_entry_for_every_weight(folders, kind):
    plain, entries = _entries(folders["float32"]), _entries(folders[kind])
    assert [(e["name"], e["shape"], e["dtype"]) for e in entries] == \
        [(e["name"], e["shape"], e["dtype"]) for e in plain]
    assert all(e["dtype"] == "float32" and "quantization" not in e for e in plain)
    for entry in entries:
        quantization = entry["quantization"]
        assert quantization["dtype"] == kind, entry
        if kind == "uint8":
            assert all(isinstance(quantization[k], float) and math.isfinite(quantization[k])
                       for k in ("min", "scale")), entry
            assert quantization["scale"] > 0
        else:
            assert not {"min", "scale"} & set(quantization), entry


def test_a_run_whose_corpus_changed_gets_a_note_instead_of_a_figure(trained_run, tmp_path, capfd):
    from tempera.cli import main

    run = shutil.copytree(trained_run[0], tmp_path / "run")
    config = json.loads((run / "config.json").read_text(encoding="utf-8"))
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(open(config["corpus_path"], encoding="utf-8").read() + "the will.\n", encoding="utf-8")
    config["corpus_path"] = config["corpus"] = str(corpus)
    (run / "config.json").write_text(json.dumps(config), encoding="utf-8")
    capfd.readouterr()
    assert main(["export", str(run), "--out", str(tmp_path / "b"), "--quantize", "uint8"]) == 0
    captured = capfd.readouterr()
    held_out = _meta(tmp_path / "b")["held_out"]
    assert held_out["quantized_loss_note"] == "the run's corpus was not found unchanged; not measured"
    assert "quantized_loss_nats_per_char" not in held_out
    assert "note: held-out loss of the uint8 weights: the run's corpus was not found unchanged" in captured.err


# ---- 2. against Keras ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def keras_model(trained_run, epoch):
    """The run's checkpoint of that epoch, rebuilt as export_run rebuilds it."""
    from tempera.training.model import build_model
    from tempera.training.recipes import Recipe
    from tempera.training.run_folder import RunFolder

    run = RunFolder(trained_run[0])
    row = next(r for r in run.history() if r["epoch"] == epoch)
    recipe = Recipe.from_dict(run.config()["recipe"])
    model = build_model(len(run.vocabulary()), recipe.units, recipe.layers, window=None, every_step=True)
    model.set_weights(run.load_checkpoint(row["checkpoint"], compile=False).get_weights())
    return model


def _keras_weights(model):
    return {w.name.split(":")[0]: w.numpy() for w in model.weights}


def _every_step(char_lstm, ids):
    """The reference's probabilities after each id, (batch, time, vocab)."""
    state, steps = char_lstm.zero_state(ids.shape[0]), []
    for t in range(ids.shape[1]):
        p, state = char_lstm.step(ids[:, t], state)
        steps.append(p)
    return np.stack(steps, axis=1)


def _keras_every_step(model, ids, vocab_size):
    return model.predict(np.eye(vocab_size, dtype=np.float32)[ids], verbose=0)


# Quantised predictions against the float32 Keras model: the weights moved, so predictions
# move, by roughly ½·|Δlogit| (a softmax moves no probability by more than half the largest
# change of a logit), and a logit moves by the weight errors summed over its ~100 inputs
# (|input| ≤ 1: one-hot characters, tanh outputs), compounded a little through the recurrence.
# Rounding errors have both signs, so they add up as √100 = 10 times one, not 100 times.
# float16 keeps 11 significant bits: each weight (|w| ≈ 0.2 typically here) moves by up to
# 2^-11·|w|, so |Δlogit| ≈ 10·2^-11·0.2 ≈ 1e-3 and |Δp| ≈ 5e-4: tolerance 1e-3 (measured
# ~5e-5). uint8 moves each weight by up to half a step, scale/2 ≈ range/510 ≈ 2e-3, uniformly:
# |Δlogit| ≈ 10·2e-3/√3 ≈ 1e-2, |Δp| ≈ 5e-3: tolerance 1e-2 (measured ~7e-4). Against Keras
# holding the *dequantised* weights both compute the same function and only float32 arithmetic
# differs: the float32 export's own self-check tolerance, 1e-5.
AGAINST_FLOAT32_KERAS = {"float16": 1e-3, "uint8": 1e-2}
AGAINST_DEQUANTISED_KERAS = 1e-5


@pytest.mark.parametrize("kind", ["float32", *KINDS])
def test_predictions_equal_keras_within_the_quantisation_effect(keras_model, folders, kind):
    bundle = load_bundle(folders[kind])
    vocab_size = bundle.model.vocab_size
    ids = np.random.default_rng(7).integers(vocab_size, size=(6, 70))
    ours = _every_step(bundle.model, ids)
    keras = _keras_every_step(keras_model, ids, vocab_size)
    difference = np.abs(ours - keras).max()
    tolerance = AGAINST_FLOAT32_KERAS.get(kind, AGAINST_DEQUANTISED_KERAS)
    assert difference <= tolerance, (kind, difference)
    if kind != "float32":
        # the quantisation must show: the bundle is not the float32 weights relabelled
        assert difference > 1e-7, (kind, difference)
        original = keras_model.get_weights()
        stored = read_weights(folders[kind], _manifest(folders[kind]))
        try:
            keras_model.set_weights([stored[w.name.split(":")[0]] for w in keras_model.weights])
            same_weights = _keras_every_step(keras_model, ids, vocab_size)
        finally:
            keras_model.set_weights(original)
        assert np.abs(ours - same_weights).max() <= AGAINST_DEQUANTISED_KERAS


def test_the_float32_bundle_holds_the_checkpoints_weights_exactly(keras_model, folders):
    stored = read_weights(folders["float32"], _manifest(folders["float32"]))
    keras = _keras_weights(keras_model)
    assert stored.keys() == keras.keys()
    assert all(np.array_equal(stored[name], keras[name]) for name in keras)


@pytest.mark.parametrize("kind", KINDS)
def test_dequantised_weights_lie_within_the_quantisation_step(keras_model, folders, kind):
    tfjs_quantization = import_quietly("tensorflowjs.quantization")
    entries = {e["name"]: e for e in _entries(folders[kind])}
    stored = read_weights(folders[kind], _manifest(folders[kind]))
    for name, original in _keras_weights(keras_model).items():
        decoded = stored[name]
        assert decoded.dtype == np.float32 and decoded.shape == original.shape
        error = np.abs(decoded.astype(np.float64) - original)
        if kind == "float16":
            # round to nearest half: half a unit in the last place (10 fraction bits), and
            # half the smallest subnormal (2^-24) near zero
            assert np.all(error <= np.abs(original) * 2.0 ** -11 + 2.0 ** -25), name
            assert np.array_equal(decoded, original.astype(np.float16).astype(np.float32)), name
        else:
            scale = entries[name]["quantization"]["scale"]
            # half a step from rounding (the range is nudged so 0 is a step, which clips the
            # ends by at most half a step too), then the rounding of the float32 result
            assert np.all(error <= scale / 2 * (1 + 1e-9) + np.abs(original) * 2.0 ** -24), \
                (name, error.max() / scale)
            # and the values are exactly the converter's codes decoded as TensorFlow.js does
            codes, metadata = tfjs_quantization.quantize_weights(original, np.uint8)
            assert metadata == {k: entries[name]["quantization"][k] for k in ("min", "scale")}
            expected = (codes.astype(np.float64) * metadata["scale"] + metadata["min"]).astype(np.float32)
            assert np.array_equal(decoded, expected), name


# ---- 3. against TensorFlow.js ------------------------------------------------------------------
# The exports, and a mixed quantisation whose weights lie at unaligned offsets (the page's
# finiteness check once failed on it with a RangeError where the NumPy reader read it).
DECODED = (*KINDS, "mixed")


def _f32(encoded):
    return np.frombuffer(base64.b64decode(encoded), "<f4")


def _synthetic_cases():
    """Every float16 pattern, every uint16 and uint8 code, with awkward mins and scales."""
    cases = [({"name": "all_halves", "shape": [65536], "dtype": "float32",
               "quantization": {"dtype": "float16"}}, np.arange(65536, dtype="<u2").tobytes())]
    for min_, scale in [(-1 / 3, 0.1), (-0.372271237, 0.0032092348), (1e-3, 7 / 255), (-2.0 ** -20, 1e-7)]:
        cases.append(({"name": f"uint8 {min_} {scale}", "shape": [256], "dtype": "float32",
                       "quantization": {"dtype": "uint8", "min": min_, "scale": scale}},
                      np.arange(256, dtype=np.uint8).tobytes()))
    cases.append(({"name": "uint16", "shape": [65536], "dtype": "float32",
                   "quantization": {"dtype": "uint16", "min": -0.7123456789, "scale": 2.1e-5}},
                  np.arange(65536, dtype="<u2").tobytes()))
    return cases


@pytest.fixture(scope="module")
def tfjs(folders):
    if NODE is None:
        pytest.skip("Node.js is not installed")
    request = {"bundles": [folders[k] for k in DECODED], "backends": ["cpu", "wasm"],
               "synthetic": [{"spec": spec, "bytes": base64.b64encode(data).decode()}
                             for spec, data in _synthetic_cases()]}
    result = subprocess.run([NODE, os.path.join(ROOT, "tests", "quantized_weights.mjs")], cwd=ROOT,
                            input=json.dumps(request), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    return {kind: answer["bundles"][i] for i, kind in enumerate(DECODED)} | {"synthetic": answer["synthetic"]}


@pytest.mark.parametrize("kind", DECODED)
def test_tfjs_decodes_the_shards_to_the_same_float32_bits(tfjs, folders, kind):
    ours = read_weights(folders[kind], _manifest(folders[kind]))
    decoded = {name: _f32(value) for name, value in tfjs[kind]["decoded"].items()}
    assert decoded.keys() == ours.keys()
    for name, values in ours.items():
        assert np.array_equal(decoded[name], values.ravel()), name


@pytest.mark.parametrize("kind", DECODED)
@pytest.mark.parametrize("backend", ["cpu", "wasm"])
def test_the_pages_loader_gives_tfjs_layers_the_same_weights(tfjs, folders, kind, backend):
    """The page's own loader (frontend/src/bundle.js) then tf.loadLayersModel: the model's
    variables hold what the NumPy reader reads (tfjs names LSTM weights without lstm_cell/)."""
    ours = {name.replace("/lstm_cell/", "/"): v for name, v in
            read_weights(folders[kind], _manifest(folders[kind])).items()}
    loaded = {name: _f32(value) for name, value in tfjs[kind]["loaded"][backend].items()}
    assert loaded.keys() == ours.keys()
    for name, values in ours.items():
        assert np.array_equal(loaded[name], values.ravel()), name
    assert tfjs[kind]["leaked"][backend] == 0


def test_every_code_decodes_as_tfjs_decodes_it(tfjs):
    """All 65,536 float16 patterns (subnormals, ±0, ±Inf and NaNs with their payloads) and
    every uint8/uint16 code with awkward mins and scales: the NumPy reader's decoding and
    tf.io.decodeWeights's agree to the bit."""
    for (spec, data), encoded in zip(_synthetic_cases(), tfjs["synthetic"]):
        count = math.prod(spec["shape"])
        ours = dequantized(data, 0, count, spec["quantization"])
        assert len(data) == count * QUANTIZED_SIZES[spec["quantization"]["dtype"]]
        assert np.array_equal(ours.view("<u4"), _f32(encoded).view("<u4")), spec["name"]


# ---- 4. the page ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def quantized_models(folders, tmp_path_factory):
    models = tmp_path_factory.mktemp("quantized-models")
    for kind in DECODED:
        shutil.copytree(folders[kind], models / f"small-{kind}")
    return str(models)


@pytest.fixture(scope="module")
def quantized_server(quantized_models):
    with serving(quantized_models, quiet=True) as url:
        yield url


def _compare_lanes(page, bundle, generator, seed, rng_seed, mode, length):
    seed_ids = bundle.vocab.encode_seed(seed).ids
    got = page.evaluate("(o) => window.tempera.generate(o)", {
        "seedText": seed, "temperatures": TEMPERATURES, "length": length, "rngSeed": rng_seed,
        "mode": mode})
    expected = generator.generate(seed_ids, TEMPERATURES, length, rng_seed, mode, records=True)
    assert len(got["lanes"]) == len(expected) == 4
    near = []
    for lane, (ours, reference) in enumerate(zip(got["lanes"], expected)):
        assert ours["temperature"] == reference.temperature
        assert len(reference.text) == length and len(ours["text"]) == length, (lane, ours["text"], reference.text)
        distributions = Distributions(generator, seed_ids, bundle.vocab.encode(reference.text), mode)
        compared_length(ours["text"], reference, distributions, f"{mode} lane {lane}", near)
    return near


@pytest.mark.browser
@pytest.mark.parametrize("kind, backend", [(k, b) for k in KINDS for b in BACKENDS] + [("mixed", "wasm")])
def test_the_page_on_a_quantised_bundle_equals_the_reference(browser, quantized_server, quantized_models,
                                                             kind, backend):
    model = f"small-{kind}"
    bundle = load_bundle(os.path.join(quantized_models, model))
    generator = Generator(bundle.model, bundle.vocab, bundle.maxlen)
    page = open_page(browser, f"{quantized_server}?model={model}&backend={backend}")
    try:
        assert page.text_content("[data-testid=error]") == ""
        assert page.evaluate("window.tempera.model") == model
        assert page.evaluate("window.tempera.backend") == backend
        idle = page.evaluate("window.tempera.memory().numTensors")
        for mode in ("stateful", "window"):
            for seed in (SEED, LONG_SEED):
                ours = np.array(page.evaluate("([t, m]) => window.tempera.probabilities(t, m)", [seed, mode]))
                reference = generator.probabilities(bundle.vocab.encode_seed(seed).ids, mode)
                assert ours.shape == reference.shape
                assert np.abs(ours - reference).max() <= 1e-4, (mode, seed)
        near = _compare_lanes(page, bundle, generator, SEED, 20261129, "stateful", 150)
        near += _compare_lanes(page, bundle, generator, LONG_SEED, 31, "window", 30)
        print(f"{kind} {backend}: {len(near)} draw(s) within {BOUNDARY} of a boundary {near}")
        assert page.evaluate("window.tempera.memory().numTensors") == idle
        assert not page.errors
    finally:
        page.close()


# ---- 5. broken quantisation metadata ---------------------------------------------------------
def _rewrite_manifest(change):
    def damage(folder):
        path = os.path.join(folder, "model.json")
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
        change(document["weightsManifest"][0]["weights"][0]["quantization"])
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(document, handle)
    return damage


def _infinite_float32(weight, index):
    """Writes +Inf as the index-th value of the named float32 weight of the mixed bundle."""
    def damage(folder):
        offset = 0
        for entry in _entries(folder):
            if entry["name"] == weight:
                break
            offset += math.prod(entry["shape"]) * (1 if "quantization" in entry else 4)
        assert offset % 4, "the poisoned weight must lie at an unaligned offset"
        with open(os.path.join(folder, SHARD), "r+b") as handle:
            handle.seek(offset + 4 * index)
            handle.write(struct.pack("<f", math.inf))
    return damage


def _infinite_half(weight, index):
    """Writes the half 0x7C00 (+Inf) as the index-th value of the named float16 weight."""
    def damage(folder):
        offset = 0
        for entry in _entries(folder):
            if entry["name"] == weight:
                break
            offset += 2 * math.prod(entry["shape"])
        with open(os.path.join(folder, SHARD), "r+b") as handle:
            handle.seek(offset + 2 * index)
            handle.write(struct.pack("<H", 0x7C00))
    return damage


FIRST = "lstm_1/lstm_cell/kernel"
POISONED = "lstm_2/lstm_cell/recurrent_kernel"
# name -> (quantised bundle it starts from, damage, NumPy reader's fragments, the page's words)
BROKEN = {
    "uint8 without scale": (
        "uint8", _rewrite_manifest(lambda q: q.pop("scale")),
        [f"weight {FIRST} is quantized as uint8 without a finite 'scale'"],
        f'model.json: weight "{FIRST}" is quantized as uint8 without a finite "scale"'),
    "int4": (
        "uint8", _rewrite_manifest(lambda q: q.update(dtype="int4")),
        [f"weight {FIRST} is quantized as 'int4'", "uint8, uint16, float16"],
        f'model.json: weight "{FIRST}" is quantized as "int4"; this page reads uint8, uint16, float16 quantization'),
    "dtype a list": (
        "uint8", _rewrite_manifest(lambda q: q.update(dtype=["uint8"])),
        [f"weight {FIRST} is quantized as ['uint8']; tempera reads"],
        f'model.json: weight "{FIRST}" is quantized as ["uint8"]; this page reads'),
    "dtype constructor": (
        "uint8", _rewrite_manifest(lambda q: q.update(dtype="constructor")),
        [f"weight {FIRST} is quantized as 'constructor'; tempera reads"],
        f'model.json: weight "{FIRST}" is quantized as "constructor"; this page reads'),
    "mixed Inf": (
        "mixed", _infinite_float32(POISONED, 100),
        [f"weight {POISONED}", "holds NaN or infinite values"],
        f'weight "{POISONED}" in {SHARD} holds Infinity (value 101 of 2,304)'),
    "float16 Inf": (
        "float16", _infinite_half(POISONED, 100),
        [f"weight {POISONED}", "holds NaN or infinite values"],
        f'weight "{POISONED}" in {SHARD} holds Infinity (value 101 of 2,304)'),
}


@pytest.fixture(scope="module")
def broken_site(folders, tmp_path_factory):
    """The page and a models folder: the working uint8 bundle first, then each broken one."""
    site = tmp_path_factory.mktemp("broken-quantized-site")
    shutil.copytree(PAGE_DIST, site, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.map"))
    shutil.copytree(folders["uint8"], site / "models" / "a-working")
    for name, (kind, damage, _, _) in BROKEN.items():
        folder = site / "models" / name.replace(" ", "-")
        shutil.copytree(folders[kind], folder)
        damage(str(folder))
    entries = [{"id": n, "name": n} for n in sorted(os.listdir(site / "models"))]
    (site / "models" / "index.json").write_text(json.dumps({"models": entries}), encoding="utf-8")
    return site


@pytest.mark.parametrize("name", BROKEN)
def test_tempera_sample_refuses_bad_quantisation_in_one_line(broken_site, name):
    _, _, fragments, _ = BROKEN[name]
    folder = broken_site / "models" / name.replace(" ", "-")
    result = run_cli("sample", str(folder), "--seed-text", "the", "--length", "5")
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1, (result.returncode, result.stderr)
    assert lines[0].startswith("tempera sample: error:") and "Traceback" not in result.stderr
    assert all(fragment in lines[0] for fragment in fragments), lines[0]
    assert not result.stdout


def test_the_pages_loader_refuses_bad_quantisation_in_words(broken_site):
    """The page's own loader (frontend/src/bundle.js) under Node, on every broken bundle: what
    the page says of it behind a static server."""
    if NODE is None:
        pytest.skip("Node.js is not installed")
    names = ["a-working", *(name.replace(" ", "-") for name in BROKEN)]
    result = subprocess.run([NODE, "tests/bundle_errors.mjs"], cwd=ROOT, capture_output=True, text=True,
                            input=json.dumps([str(broken_site / "models" / n) for n in names]), timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    said = dict(zip(names, json.loads(result.stdout)))
    assert said["a-working"]["loaded"], said["a-working"]
    for name, (_, _, _, page_words) in BROKEN.items():
        error = said[name.replace(" ", "-")]["error"]
        assert error.startswith("BundleError: ") and page_words in error, (name, error)
        assert "TypeError" not in error and "undefined" not in error, error


# The page shows a broken bundle's reason and starts on a working one: one breakage per host
# (the static host: the page's own words; `tempera serve`: the NumPy reader's).
IN_THE_PAGE = {"static": "mixed Inf", "serve": "uint8 without scale"}


@pytest.mark.browser
@pytest.mark.parametrize("host", IN_THE_PAGE)
def test_the_page_refuses_bad_quantisation_in_words(browser, broken_site, host):
    """Behind a static server the page finds the problem itself (its own words); behind
    `tempera serve` the server lists the bundle as unavailable with the NumPy reader's."""
    context = serving_static(broken_site) if host == "static" else serving(broken_site / "models", quiet=True)
    name = IN_THE_PAGE[host]
    _, _, fragments, page_words = BROKEN[name]
    with context as url:
        model = name.replace(" ", "-")
        page = open_page(browser, f"{url}?backend=wasm&model={model}")
        try:
            page.wait_for_function("() => window.tempera.model !== null")
            error = page.text_content("[data-testid=error]")
            assert f'model "{model}" (models/{model}/) is unavailable' in error, error
            expected = [page_words] if host == "static" else fragments
            assert all(words in error for words in expected), (name, error)
            assert "TypeError" not in error and "undefined" not in error, error
            assert page.evaluate("window.tempera.model") == "a-working"
            got = page.evaluate("(o) => window.tempera.generate(o)", {
                "seedText": "the", "temperatures": [0], "length": 10, "rngSeed": 1, "mode": "stateful"})
            assert len(got["lanes"][0]["text"]) == 10
            assert not page.errors
        finally:
            page.close()
