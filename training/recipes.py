"""Training recipes: the notebook's, and the default one chosen by measurement (BENCHMARKS.md)."""

import math
from dataclasses import asdict, dataclass, fields

from tempera.errors import TemperaError

# What a recipe may ask for: beyond these a model does not fit this kind of machine, or the
# number is meaningless (no layers, an empty batch).
WHOLE_LIMITS = {"units": (1, 4096), "layers": (1, 8), "batch": (1, 65536), "seq_len": (1, 10_000),
                "window_step": (1, 10_000), "maxlen": (1, 10_000)}


@dataclass
class Recipe:
    name: str
    units: int
    layers: int
    batch: int
    optimizer: str
    learning_rate: float
    every_step: bool  # predict the next char at every position, or only after the window
    seq_len: int  # characters per training sequence (the window, for the notebook recipe)
    window_step: int = 3  # notebook recipe: a new window every `window_step` chars
    clipnorm: float | None = None
    lr_decay: float = 1.0  # the learning rate of epoch e is learning_rate * lr_decay ** (e - 1)
    maxlen: int = 60  # context of window-mode generation and of the held-out metric
    dropout: float = 0.0  # share of each LSTM layer's outputs dropped while training

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Recipe":
        """A recipe from a dict (a run's config.json, or a recipe with overrides), checked."""
        if not isinstance(data, dict):
            raise TemperaError("a recipe must be an object of named numbers")
        known = {f.name for f in fields(cls)}
        try:
            recipe = cls(**{k: v for k, v in data.items() if k in known})
        except TypeError as error:
            raise TemperaError(f"the recipe is incomplete ({error})") from None
        recipe.check()
        return recipe

    def check(self) -> None:
        """Refuse impossible numbers, naming the command-line option that sets each."""
        for name, (low, high) in WHOLE_LIMITS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise TemperaError(f"{option(name)} must be a whole number from {low:,} to "
                                   f"{high:,}, got {value!r}")
        if not is_positive_number(self.learning_rate):
            raise TemperaError(f"--learning-rate must be a finite number above 0, got {self.learning_rate!r}")
        if self.optimizer not in OPTIMIZERS:
            raise TemperaError(f"the recipe's optimizer must be one of {', '.join(OPTIMIZERS)}, "
                               f"got {self.optimizer!r}")
        if self.clipnorm is not None and not is_positive_number(self.clipnorm):
            raise TemperaError(f"the recipe's clipnorm must be a number above 0, got {self.clipnorm!r}")
        if not is_positive_number(self.lr_decay):
            raise TemperaError(f"the recipe's lr_decay must be a number above 0, got {self.lr_decay!r}")
        if (isinstance(self.dropout, bool) or not isinstance(self.dropout, (int, float))
                or not math.isfinite(self.dropout) or not 0 <= self.dropout < 1):
            raise TemperaError(f"--dropout must be a number from 0 up to (not including) 1, got {self.dropout!r}")
        if not isinstance(self.every_step, bool):
            raise TemperaError(f"the recipe's every_step must be true or false, got {self.every_step!r}")


def option(field: str) -> str:
    return "--" + field.replace("_", "-")


def is_positive_number(value) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and value > 0)


OPTIMIZERS = ("adam", "rmsprop")
RECIPES = {
    # The course notebook: LSTM(128) on 60-char windows taken every 3 chars, one target each.
    "notebook": Recipe(name="notebook", units=128, layers=1, batch=128, optimizer="rmsprop",
                       learning_rate=0.01, every_step=False, seq_len=60),
    # Every character is a target; Adam with clipping; two layers, each dropping 30 % of its
    # outputs while training, which held out best on two corpora. Chosen by the runs in
    # BENCHMARKS.md.
    "default": Recipe(name="default", units=256, layers=2, batch=64, optimizer="adam",
                      learning_rate=0.01, every_step=True, seq_len=100, clipnorm=5.0,
                      lr_decay=0.97, dropout=0.3),
}
# Earlier runs and the CLI call the notebook's recipe "seed" too.
RECIPE_ALIASES = {"seed": "notebook"}
