"""The Nietzsche bundle that ships in the repository."""

import json
import os

import numpy as np

from conftest import NIETZSCHE, SHIPPED_BUNDLE
from tempera.bundle import load_bundle


def test_the_shipped_bundle_meets_its_targets():
    bundle = load_bundle(SHIPPED_BUNDLE)
    meta = bundle.meta
    assert meta["held_out"]["loss_nats_per_char"] <= 1.40
    assert meta["lowercase"] is True and len(bundle.vocab) == 57
    assert meta["corpus"] == {"name": "nietzsche", "chars": 600893}
    size = sum(os.path.getsize(os.path.join(SHIPPED_BUNDLE, f)) for f in os.listdir(SHIPPED_BUNDLE))
    assert size <= 5 * 1024 * 1024


def test_the_shipped_vocabulary_is_the_lowercased_corpus():
    with open(NIETZSCHE, encoding="utf-8") as handle:
        text = handle.read().lower()
    meta = json.load(open(os.path.join(SHIPPED_BUNDLE, "tempera.json"), encoding="utf-8"))
    assert meta["vocabulary"] == sorted(set(text))


def test_the_shipped_model_has_learned_the_corpus():
    """Read statefully, a stretch of the held-out text costs about what tempera.json says."""
    bundle = load_bundle(SHIPPED_BUNDLE)
    with open(NIETZSCHE, encoding="utf-8") as handle:
        held_out = bundle.vocab.encode(handle.read().lower()[-60000:][:3000])
    state, losses = bundle.model.zero_state(1), []
    for current, following in zip(held_out[:-1], held_out[1:]):
        p, state = bundle.model.step([current], state)
        losses.append(-np.log(p[0, following]))
    assert np.mean(losses[60:]) < 1.6
