"""The held-out metric: the recipe's maxlen characters of context (from a zero state) -> the next.

Both shipped recipes keep maxlen at 60, so the notebook's model and ours are compared fairly.
"""

import math

from tempera.held_out import held_out_step

from .dataset import last_step_batches
from .model import build_model

EVAL_BATCH = 1024


class HeldOut:
    def __init__(self, val_ids, vocab_size: int, units: int, layers: int, maxlen: int):
        self.model = build_model(vocab_size, units, layers, window=maxlen, every_step=False)
        self.model.compile(loss="sparse_categorical_crossentropy")
        self.batches = last_step_batches(val_ids, maxlen, held_out_step(len(val_ids)),
                                         EVAL_BATCH, vocab_size, rng=None, cache=True)

    def loss(self, trained_model) -> float:
        """Mean held-out loss in nats/char of the trained model's weights."""
        self.model.set_weights(trained_model.get_weights())
        return float(self.model.evaluate(self.batches, verbose=0))


def bits(nats: float) -> float:
    return nats / math.log(2)
