"""The Nietzsche bundle that ships in the repository.

These tests need nothing outside the repository: a committed excerpt of the held-out text
shows the model has learned the corpus. Where a copy of the whole corpus is found, its
fingerprint, vocabulary and the excerpt are checked against it too.
"""

import hashlib
import json
import os

import numpy as np
import pytest

from helpers import ROOT, SHIPPED_BUNDLE, nietzsche_copy
from tempera.bundle import load_bundle

EXCERPT = os.path.join(ROOT, "tests", "data", "nietzsche-held-out-excerpt.txt")
NO_COPY = ("no copy of the Nietzsche corpus here, so its fingerprint was not checked: set "
           "TEMPERA_NIETZSCHE=PATH, or run `tempera train --corpus nietzsche` once online "
           "to download it into Keras's cache")


def shipped_meta() -> dict:
    with open(os.path.join(SHIPPED_BUNDLE, "tempera.json"), encoding="utf-8") as handle:
        return json.load(handle)


def test_the_shipped_bundle_meets_its_targets():
    bundle = load_bundle(SHIPPED_BUNDLE)
    meta = bundle.meta
    assert meta["held_out"]["loss_nats_per_char"] <= 1.40
    assert meta["lowercase"] is True and len(bundle.vocab) == 57
    assert meta["corpus"]["name"] == "nietzsche" and meta["corpus"]["chars"] == 600893
    size = sum(os.path.getsize(os.path.join(SHIPPED_BUNDLE, f)) for f in os.listdir(SHIPPED_BUNDLE))
    assert size <= 5 * 1024 * 1024
    if meta.get("quantization"):  # shipped quantised only where it costs under 0.005 nats/char
        held_out = meta["held_out"]
        assert (held_out["quantized_loss_nats_per_char"]
                - held_out["float32_loss_nats_per_char_reference"]) <= 0.005


def test_the_shipped_model_has_learned_the_corpus():
    """Read statefully, 3,000 held-out characters cost about what tempera.json says."""
    bundle = load_bundle(SHIPPED_BUNDLE)
    with open(EXCERPT, encoding="utf-8") as handle:
        held_out = bundle.vocab.encode(handle.read().lower())
    state, losses = bundle.model.zero_state(1), []
    for current, following in zip(held_out[:-1], held_out[1:]):
        p, state = bundle.model.step([current], state)
        losses.append(-np.log(p[0, following]))
    assert np.mean(losses[60:]) < 1.6


def test_the_shipped_model_was_trained_on_this_corpus():
    """The fingerprint, vocabulary and excerpt match the whole corpus, where a copy exists."""
    path = nietzsche_copy()
    if path is None:
        pytest.skip(NO_COPY)
    data = open(path, "rb").read()
    corpus = shipped_meta()["corpus"]
    assert hashlib.sha256(data).hexdigest() == corpus["sha256"]
    text = data.decode("utf-8")
    assert len(text) == corpus["chars"]
    assert shipped_meta()["vocabulary"] == sorted(set(text.lower()))
    with open(EXCERPT, encoding="utf-8") as handle:
        assert handle.read() == text[-60000:][:3000]
