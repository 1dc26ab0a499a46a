"""`tempera export`: a run's checkpoint -> a TensorFlow.js layers-model bundle + tempera.json.

The model is rebuilt in tf_keras (Keras 2) with a free time dimension and a prediction
after every character, so one bundle serves both window and stateful generation, and
saved by the real tensorflowjs converter.
"""

import datetime
import json
import os
import shutil
import tempfile

import numpy as np

from tempera import __version__
from tempera.atomic import staged_folder, write_json
from tempera.baselines import corpus_baselines, read_baselines
from tempera.bundle import DIGESTS_KEY, FORMAT_VERSION, load_bundle, read_weights
from tempera.errors import TemperaError
from tempera.generate import MODES
from tempera.held_out import held_out_loss, held_out_step, held_out_windows
from tempera.outputs import bundle_folder_problem, check_output_folder
from tempera.shard_digests import record_shard_digests, shard_digests
from tempera.training.evaluate import bits, measured_on_part, run_held_out_ids, whole_held_out_loss
from tempera.training.model import build_model
from tempera.training.options import check_config
from tempera.training.recipes import Recipe
from tempera.training.run_folder import RunFolder

SELF_CHECK_TOLERANCE = 1e-5
# The converter's weight quantisations, by the name `--quantize` takes: every weight stored as
# float16, or as uint8 with a min and scale per weight (TensorFlow.js decodes both on load).
QUANTIZATIONS = {"float16": {"float16": "*"}, "uint8": {"uint8": "*"}}


def choose_epoch(run: RunFolder, epoch: int | None) -> dict:
    history = run.history()
    if not history:
        raise TemperaError(f"run folder {run.path} has no checkpoint yet: train it first")
    if epoch is None:
        return run.best_epoch()
    for row in history:
        if row["epoch"] == epoch:
            return row
    raise TemperaError(f"run folder {run.path} has no epoch {epoch}; "
                       f"epochs 1..{history[-1]['epoch']} exist")


def held_out_chars(config: dict) -> int:
    return int(round(config.get("corpus_chars", 0) * config["val_fraction"]))


def metadata(config: dict, vocab: list, recipe: Recipe, row: dict, weights_bytes: int) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "name": config.get("corpus_name", "model"),
        "vocabulary": vocab,
        "lowercase": config["lowercase"],
        "maxlen": recipe.maxlen,
        "layers": {"lstm_units": [recipe.units] * recipe.layers, "vocab_size": len(vocab)},
        "modes": list(MODES),
        "corpus": {"name": config.get("corpus_name"), "chars": config.get("corpus_chars"),
                   **({"sha256": config["corpus_sha256"]} if "corpus_sha256" in config else {})},
        "held_out": {
            "loss_nats_per_char": row["val_loss"], "loss_bits_per_char": round(bits(row["val_loss"]), 5),
            "fraction": config["val_fraction"],
            "metric": f"{recipe.maxlen} chars of context from a zero state -> next char, "
                      f"a window every {held_out_step(held_out_chars(config))} chars of the "
                      "held-out text"},
        "recipe": recipe.name,
        # The trained model the run started from, by its folder's name (no local path).
        **({"start_from": os.path.basename(os.path.normpath(config["start_from"]["name"]))}
           if config.get("start_from") else {}),
        "epochs": row["epoch"],
        "training_seconds": row["train_seconds"],
        "weights_bytes": weights_bytes,
        "exported": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "tempera_version": __version__,
    }


def self_check(model, folder: str, vocab_size: int, quantize: str | None) -> float:
    """The bundle, read back by the NumPy reader, must predict what Keras predicts; a quantised
    one must hold the Keras weights to within its quantisation step."""
    if quantize:
        check_quantized_weights(model, folder)
    ids = np.random.default_rng(0).integers(vocab_size, size=(2, 24))
    keras_probabilities = model.predict(np.eye(vocab_size, dtype=np.float32)[ids], verbose=0)[:, -1]
    bundle = load_bundle(folder)
    numpy_probabilities, _ = bundle.model.run(ids)
    difference = float(np.abs(keras_probabilities - numpy_probabilities).max())
    if not quantize and difference > SELF_CHECK_TOLERANCE:
        raise TemperaError(f"exported bundle disagrees with the Keras model (max |dp| = {difference:.2e})")
    return difference


def check_quantized_weights(model, folder: str) -> None:
    """uint8: within one step (scale) of the original; float16: within float16's rounding."""
    with open(os.path.join(folder, "model.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)["weightsManifest"]
    stored = read_weights(folder, manifest)
    entries = {entry["name"]: entry for group in manifest for entry in group["weights"]}
    for weight in model.weights:
        name = weight.name.split(":")[0]
        original, decoded = weight.numpy(), stored[name]
        quantization = entries[name].get("quantization", {})
        bound = (quantization["scale"] if quantization.get("dtype") == "uint8"
                 else np.abs(original) * 2.0 ** -10 + 2.0 ** -24)
        if np.any(np.abs(decoded - original) > bound + 1e-7):
            raise TemperaError(f"the quantised bundle's weight {name} is further from the "
                               "model's than its quantisation allows")


def measure_held_out(config: dict, vocab: list, folders: list, maxlen: int) -> list | None:
    """The held-out loss of each bundle folder by the NumPy reference, on the run's own held-out
    windows; None when the run's corpus is no longer where it was, or has changed."""
    val_ids = run_held_out_ids(config, vocab)
    if val_ids is None:
        return None
    windows = held_out_windows(val_ids, maxlen)
    return [held_out_loss(load_bundle(folder).model, windows) for folder in folders]


def export_run(run_path: str, out: str, epoch: int | None = None, force: bool = False,
               quantize: str | None = None) -> dict:
    import tensorflowjs

    if quantize is not None and quantize not in QUANTIZATIONS:
        raise TemperaError(f"--quantize must be one of {', '.join(QUANTIZATIONS)}, got {quantize!r}")
    run = RunFolder(run_path)
    if not run.exists():
        raise TemperaError(f"{run_path} is not a tempera run folder (no config.json)")
    config, vocab = check_config(run.config(), run.path), run.vocabulary()
    recipe = Recipe.from_dict(config["recipe"])
    row = choose_epoch(run, epoch)
    check_output_folder(out, force, inputs=[run.path], problem=bundle_folder_problem,
                        inside_inputs=True)

    trained = run.load_checkpoint(row["checkpoint"], compile=False)
    model = build_model(len(vocab), recipe.units, recipe.layers, window=None, every_step=True)
    try:
        model.set_weights(trained.get_weights())
    except ValueError:
        raise TemperaError(f"checkpoint {row['checkpoint']} does not hold the model that "
                           f"{run.path}/config.json describes") from None
    check_finite(model, row)

    try:
        with staged_folder(out) as staging:
            tensorflowjs.converters.save_keras_model(
                model, staging, quantization_dtype_map=QUANTIZATIONS.get(quantize))
            weights_bytes = sum(os.path.getsize(os.path.join(staging, f))
                                for f in os.listdir(staging) if f.endswith(".bin"))
            if measured_on_part(row, len(range(0, max(0, held_out_chars(config) - recipe.maxlen),
                                               held_out_step(held_out_chars(config))))):
                # training measured this epoch on part of the held-out windows: all of them now
                whole = whole_held_out_loss(config, vocab, model.get_weights())
                row = {**row, "val_loss": round(whole, 5)} if whole is not None else row
            meta = metadata(config, vocab, recipe, row, weights_bytes)
            quality = read_baselines(config) or corpus_baselines(config, vocab, recipe.maxlen)
            if quality:  # older runs without them: measured again where the corpus is
                meta["baselines"] = quality
            meta[DIGESTS_KEY] = shard_digests(staging)  # ties the weights to this tempera.json
            if quantize:
                meta["quantization"] = quantize
            write_json(os.path.join(staging, "tempera.json"), meta)
            if quantize:
                meta["held_out"].update(quantized_held_out(model, config, vocab, staging, recipe.maxlen))
                write_json(os.path.join(staging, "tempera.json"), meta)
            meta["self_check_max_dp"] = self_check(model, staging, len(vocab), quantize)
    except OSError as error:
        raise TemperaError(f"cannot write the bundle to {out}: {error.strerror or error}") from None
    return meta


def quantized_held_out(model, config: dict, vocab: list, staging: str, maxlen: int) -> dict:
    """Beside the training run's float32 figure: the held-out loss of the quantised weights and
    of the float32 ones, both by the NumPy reference on the same windows."""
    import tensorflowjs

    with tempfile.TemporaryDirectory(prefix=".tempera-tmp-") as float32_folder:
        tensorflowjs.converters.save_keras_model(model, float32_folder)
        shutil.copy(os.path.join(staging, "tempera.json"), float32_folder)
        record_shard_digests(float32_folder)  # its shards are not the quantised bundle's
        losses = measure_held_out(config, vocab, [staging, float32_folder], maxlen)
    if losses is None:
        return {"quantized_loss_note": "the run's corpus was not found unchanged; not measured"}
    return {"quantized_loss_nats_per_char": round(losses[0], 6),
            "float32_loss_nats_per_char_reference": round(losses[1], 6)}


def check_finite(model, row: dict) -> None:
    """A diverged epoch's NaN weights would write a bundle that generates nothing."""
    for weight in model.weights:
        if not np.isfinite(weight.numpy()).all():
            raise TemperaError(f"epoch {row['epoch']}'s weight {weight.name} holds NaN or "
                               "infinite values (the training diverged); export an earlier "
                               "epoch with --epoch N")
