"""`tempera quantize`: a float32 bundle -> the same model with quantised weights.

For a bundle whose training run is gone (the shipped model's, for one): the weights are read
back into the tf_keras model they came from and saved again through the tensorflowjs
converter's own quantisation, as `tempera export --quantize` does from a run.
"""

import json
import os

from tempera.atomic import staged_folder, write_json
from tempera.bundle import DIGESTS_KEY, load_bundle, read_weights
from tempera.errors import TemperaError
from tempera.outputs import bundle_folder_problem, check_output_folder
from tempera.shard_digests import shard_digests
from tempera.training.model import build_model

from .bundle_export import QUANTIZATIONS, quantized_held_out, self_check


def keras_model_of(folder: str):
    """The bundle's model rebuilt in tf_keras, with its weights."""
    with open(os.path.join(folder, "model.json"), encoding="utf-8") as handle:
        model_json = json.load(handle)
    weights = read_weights(folder, model_json["weightsManifest"])
    bundle = load_bundle(folder)
    units = [layer.units for layer in bundle.model.layers]
    if len(set(units)) != 1:
        raise TemperaError(f"{folder}: layers of different sizes ({units}) are not a tempera recipe")
    model = build_model(len(bundle.vocab.chars), units[0], len(units), window=None, every_step=True)
    try:
        model.set_weights([weights[w.name.split(":")[0]] for w in model.weights])
    except (KeyError, ValueError) as error:
        raise TemperaError(f"{folder}: its weights do not fit a tempera model ({error})") from None
    return model, bundle


def quantize_bundle(folder: str, out: str, dtype: str, corpus: str | None = None,
                    force: bool = False) -> dict:
    import tensorflowjs

    if dtype not in QUANTIZATIONS:
        raise TemperaError(f"--to must be one of {', '.join(QUANTIZATIONS)}, got {dtype!r}")
    model, bundle = keras_model_of(folder)
    if bundle.meta.get("quantization"):
        raise TemperaError(f"{folder} is quantised already ({bundle.meta['quantization']}): "
                           "quantise the float32 bundle")
    check_output_folder(out, force, inputs=[folder], problem=bundle_folder_problem, inside_inputs=True)
    meta = dict(bundle.meta)
    held_out = dict(meta.get("held_out", {}))
    # What the held-out measure needs, as a run's config says it.
    config = {"corpus": corpus, "corpus_path": corpus, "lowercase": meta["lowercase"],
              "val_fraction": held_out.get("fraction", 0.1),
              "corpus_sha256": meta.get("corpus", {}).get("sha256")}
    try:
        with staged_folder(out) as staging:
            tensorflowjs.converters.save_keras_model(model, staging,
                                                     quantization_dtype_map=QUANTIZATIONS[dtype])
            meta["weights_bytes"] = sum(os.path.getsize(os.path.join(staging, f))
                                        for f in os.listdir(staging) if f.endswith(".bin"))
            meta["quantization"] = dtype
            meta[DIGESTS_KEY] = shard_digests(staging)  # the new shards', not the float32 ones
            write_json(os.path.join(staging, "tempera.json"), meta)
            if corpus is None:
                held_out["quantized_loss_note"] = "not measured: pass --corpus, the text the model was trained on"
            else:
                held_out.update(quantized_held_out(model, config, meta["vocabulary"], staging, meta["maxlen"]))
            meta["held_out"] = held_out
            write_json(os.path.join(staging, "tempera.json"), meta)
            meta["self_check_max_dp"] = self_check(model, staging, len(bundle.vocab.chars), dtype)
    except OSError as error:
        raise TemperaError(f"cannot write the bundle to {out}: {error.strerror or error}") from None
    return meta
