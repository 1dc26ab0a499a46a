"""The held-out metric: the recipe's maxlen characters of context (from a zero state) -> the next.

Both shipped recipes keep maxlen at 60, so the notebook's model and ours are compared fairly.
Between epochs a fixed, evenly spread part of the held-out windows is measured (the whole set
can cost more than an epoch of training); the whole set is measured for the run's best epoch.
"""

import math

import numpy as np

from tempera.held_out import held_out_step

from .dataset import last_step_batches
from .model import build_model

EVAL_BATCH = 1024
MIN_SUBSET_WINDOWS = 256  # fewer make the epochs' figures too noisy to choose the best by


def spread(count: int, chosen: int) -> np.ndarray:
    """`chosen` indices of range(count), evenly spread from first to last."""
    if chosen >= count:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, chosen).round().astype(np.int64))


class HeldOut:
    def __init__(self, val_ids, vocab_size: int, units: int, layers: int, maxlen: int):
        self.model = build_model(vocab_size, units, layers, window=maxlen, every_step=False)
        self.model.compile(loss="sparse_categorical_crossentropy")
        self.val_ids, self.vocab_size, self.maxlen = val_ids, vocab_size, maxlen
        self.starts = np.arange(0, len(val_ids) - maxlen, held_out_step(len(val_ids)))
        self.windows = len(self.starts)
        self.subset_windows = self.windows
        self._batches = {}

    def use_subset(self, windows: int) -> int:
        """Measure `windows` of the windows (at least MIN_SUBSET_WINDOWS) between epochs."""
        self.subset_windows = min(self.windows, max(MIN_SUBSET_WINDOWS, int(windows)))
        return self.subset_windows

    def batches(self, windows: int):
        if windows not in self._batches:
            starts = self.starts[spread(self.windows, windows)]
            self._batches[windows] = last_step_batches(
                self.val_ids, self.maxlen, 1, EVAL_BATCH, self.vocab_size, rng=None, cache=True,
                starts=starts)
        return self._batches[windows]

    def loss(self, trained_model=None, weights=None, whole=False) -> float:
        """Mean held-out loss in nats/char of the trained model's weights (or `weights`): on
        the subset, or on every window."""
        self.model.set_weights(weights if weights is not None else trained_model.get_weights())
        windows = self.windows if whole else self.subset_windows
        return float(self.model.evaluate(self.batches(windows), verbose=0))


def bits(nats: float) -> float:
    return nats / math.log(2)


def run_held_out_ids(config: dict, vocab: list):
    """The ids of a run's held-out text, read again from its corpus; None when the corpus is no
    longer where it was, or has changed."""
    from tempera.errors import TemperaError
    from tempera.held_out import split_held_out

    from .corpus import load_corpus

    try:
        corpus = load_corpus(config.get("corpus_path") or config["corpus"], config["lowercase"], 0)
    except (TemperaError, OSError):
        return None
    if config.get("corpus_sha256") not in (None, corpus.sha256) or set(corpus.chars) - set(vocab):
        return None
    return split_held_out(corpus.reindexed(vocab).ids, config["val_fraction"])[1]


def whole_held_out_loss(config: dict, vocab: list, weights) -> float | None:
    """The held-out loss on every window, as training measures it, of a run's `weights`; None
    when the run's corpus is no longer where it was, or has changed."""
    from .recipes import Recipe

    val_ids = run_held_out_ids(config, vocab)
    if val_ids is None:
        return None
    recipe = Recipe.from_dict(config["recipe"])
    held_out = HeldOut(val_ids, len(vocab), recipe.units, recipe.layers, recipe.maxlen)
    return held_out.loss(weights=weights, whole=True)


def measured_on_part(row: dict, held_out_windows: int) -> bool:
    """Was this history row's held-out loss measured on only part of the windows?"""
    return row.get("val_windows", held_out_windows) < held_out_windows
