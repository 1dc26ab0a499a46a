"""The learning rate over a run.

Without a time budget it falls by the recipe's lr_decay at each epoch. With one, the run knows
when it ends, so the rate falls with the time used instead: in a straight line from the
recipe's rate to FINAL_SHARE of it when the budget runs out. A model that settles with a small
rate at the end holds out better than one stopped at full speed ("The learning rate over a time
budget" in BENCHMARKS.md).
"""

import tf_keras as keras

FINAL_SHARE = 0.05
SET_EVERY = 10  # batches between updates of the rate: the time moves little in ten batches


def budget_rate(base: float, progress: float) -> float:
    """The learning rate once `progress` (0 to 1) of the budget has passed."""
    progress = min(1.0, max(0.0, progress))
    return base * (1.0 - (1.0 - FINAL_SHARE) * progress)


def describe(budget_minutes: float | None, lr_decay: float) -> str:
    """The schedule in words, for the run's config.json."""
    if budget_minutes:
        return f"falling in a straight line to {FINAL_SHARE:.0%} of that by the end of the time budget"
    return f"times {lr_decay:g} each epoch"


class TimeSchedule(keras.callbacks.Callback):
    """Sets the optimizer's rate from the share of the budget the clock has used."""

    def __init__(self, base: float, clock):
        super().__init__()
        self.base, self.clock = base, clock

    def rate_now(self) -> float:
        return budget_rate(self.base, self.clock.elapsed() / self.clock.budget)

    def on_train_batch_begin(self, batch, logs=None):
        if batch % SET_EVERY == 0:
            keras.backend.set_value(self.model.optimizer.learning_rate, self.rate_now())
