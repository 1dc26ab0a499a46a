"""Training recipes: the notebook's, the fixed default one, and the one chosen for a text's size
and a time budget, each chosen by measurement (BENCHMARKS.md)."""

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
# The recipe `tempera train` uses unless told otherwise: chosen for the text and the time.
CHOSEN = "auto"

# The rule, from the grid of BENCHMARKS.md ("A recipe for the text and the time"): what held out
# best, by the minutes of training per 100,000 characters of training text (how often the time
# lets a model see the text). A text too big for its time wants a small, fast model; a text seen
# many times (a small text, a long budget) is learnt by heart unless much of it is dropped.
CHOICES = (  # (below this many minutes per 100,000 characters, the numbers)
    (0.6, {"units": 128, "layers": 1, "dropout": 0.1, "batch": 64, "seq_len": 100}),
    (17.0, {"units": 256, "layers": 1, "dropout": 0.2, "batch": 64, "seq_len": 100}),
    (None, {"units": 256, "layers": 1, "dropout": 0.5, "batch": 64, "seq_len": 100}),
)
# Depth pays on a big text given the time to see it a few times: two layers held out best on
# 1m in 30 minutes (3.3 minutes per 100,000 characters), and epoch by epoch without a budget,
# where time is not what is short, on Nietzsche's 540,000 training characters and the Bible's
# 900,000 ("Recipes that generalise"); not on 1m in 10 minutes (1.1) nor on 300k in 10 (3.7).
DEEP_CHARS = 500_000
DEEP_MINUTES_PER_100K = 1.9
DEEP = {"units": 256, "layers": 2, "dropout": 0.3, "batch": 64, "seq_len": 100}
# Smaller texts without a budget: the epochs stand for one, at the rate at which 2 × LSTM(256)
# trains on this project's 2-core machine (bench/train_speed.py).
REFERENCE_CHARS_PER_SECOND = 5_000
# A small text adapts the shipped model better than it teaches a new one from scratch: 0.17 to
# 0.41 nats/char better on every text of 30,000 and 300,000 characters tried, in 3 and 10
# minutes, case kept or not, down to a text the model knew 96.8 % of (a manual with characters
# new to it; upper case counts as known, through its lower case's weights); on 1,000,000
# characters in 10 minutes it was not (BENCHMARKS.md, "Starting from the shipped model"). Below
# this many training characters, when the shipped model knows this share of the text's
# characters, a run starts from it.
START_BELOW_CHARS = 500_000
START_MIN_COVERAGE = 0.95
# Fine-tuning keeps the start model's shape, at a fifth of the learning rate that trained it
# (half of that, 0.001, held out worse), and drops half of each layer's outputs: a small text is
# learnt by heart within a minute, and dropout 0.5 held out 0.01 to 0.04 better than the start
# model's own 0.3 in three comparisons of four (BENCHMARKS.md, "Starting from the shipped model").
FINE_TUNE = {"dropout": 0.5, "learning_rate": 0.002, "batch": 64, "seq_len": 100}
# A big text starts from it too where the time lets two layers see the text a few times (where
# the rule above chooses 2 × LSTM(256) anyway), trained at half the rate a new model is and with
# its dropout: on Shakespeare (1,003,855 training characters, case kept) in 30 minutes this held
# out better than random weights (BENCHMARKS.md, "The learning rate over a time budget, and a big
# text's start"). With less time a big text still gets a small model from random weights.
FINE_TUNE_BIG = {"dropout": 0.3, "learning_rate": 0.005, "batch": 64, "seq_len": 100}


@dataclass(frozen=True)
class StartOffer:
    """A trained model a run may start from, as the rule sees it."""
    name: str
    units: int
    layers: int
    coverage: float  # the share of the text's characters it has weights for (upper case: its lower case's)
    by_hand: bool  # named by --start-from, not offered by default


@dataclass(frozen=True)
class Choice:
    recipe: Recipe
    reason: str  # why, in words: the config's "recipe_reason"
    line: str  # what `tempera train` prints
    inputs: dict  # what it was chosen from: the config's "recipe_choice"
    start: str | None = None  # the model the run starts from (None: random weights)


def equivalent_minutes(train_chars: int, budget_minutes: float | None, epochs: int) -> float:
    """The budget, or the time `epochs` passes over the text take at the reference speed."""
    if budget_minutes is not None:
        return budget_minutes
    return epochs * train_chars / REFERENCE_CHARS_PER_SECOND / 60


def minutes_per_100k(train_chars: int, minutes: float) -> float:
    return minutes * 100_000 / max(1, train_chars)


def is_deep(train_chars: int, minutes: float, budget: bool = True) -> bool:
    """Is the text big enough, and the time long enough, for two layers?"""
    return train_chars >= DEEP_CHARS and (
        not budget or minutes_per_100k(train_chars, minutes) >= DEEP_MINUTES_PER_100K)


def chosen_numbers(train_chars: int, minutes: float, budget: bool = True) -> dict:
    """The rule: a text's training characters and the minutes to train (a budget's, or those the
    epochs stand for) → the recipe's numbers."""
    if is_deep(train_chars, minutes, budget):
        return dict(DEEP)
    per_100k = minutes_per_100k(train_chars, minutes)
    return dict(next(numbers for below, numbers in CHOICES if below is None or per_100k < below))


def starts_from(offer: StartOffer | None, train_chars: int, deep: bool, by_hand: dict) -> bool:
    """The rule's second half: start from a trained model when one is named, or by default on a
    text whose characters it knows when the text is small, or big with time for two layers
    (unless the model's shape was set by hand)."""
    if offer is None:
        return False
    if offer.by_hand:
        return True
    return ((train_chars < START_BELOW_CHARS or deep) and offer.coverage >= START_MIN_COVERAGE
            and not {"units", "layers"} & set(by_hand))


def choose_recipe(train_chars: int, budget_minutes: float | None, epochs: int,
                  by_hand: dict | None = None, offer: StartOffer | None = None) -> Choice:
    """The recipe for a text of `train_chars` training characters and a budget (or, without
    one, `epochs` passes over it); numbers given `by_hand` are kept as given. `offer`: a trained
    model the run may start from (the shipped one unless --start-from names another or none)."""
    by_hand = {k: v for k, v in (by_hand or {}).items() if v is not None}
    minutes = equivalent_minutes(train_chars, budget_minutes, epochs)
    deep = is_deep(train_chars, minutes, budget_minutes is not None)
    start = offer if starts_from(offer, train_chars, deep, by_hand) else None
    small = train_chars < START_BELOW_CHARS
    tuning = FINE_TUNE if small else FINE_TUNE_BIG
    chosen = ({**tuning, "units": start.units, "layers": start.layers} if start else
              chosen_numbers(train_chars, minutes, budget_minutes is not None))
    numbers = {**chosen, **by_hand}
    recipe = Recipe.from_dict({**RECIPES["default"].to_dict(), **numbers, "name": CHOSEN})
    time = (f"a {budget_minutes:g}-minute budget" if budget_minutes is not None else
            f"{epochs:,} epoch{'s' if epochs != 1 else ''} ({round_minutes(minutes)} here)")
    reason = f"chosen for {train_chars:,} characters of training text and {time}"
    if start and start.by_hand:
        reason += f", starting from {start.name} (--start-from)"
    elif start:
        reason += (f", starting from the shipped model {start.name}, which knows "
                   f"{percent(start.coverage)} of the text's characters: "
                   + ("a text this small adapts it better than it teaches a new model"
                      if small else
                      "adapting it holds out better than a new model in the same time"))
    if by_hand:
        reason += f"; set by hand: {', '.join(option(k) for k in by_hand)}"
    settable = "--units, --layers, --dropout, --batch, --seq-len" + (
        ", --start-from" if offer is not None or start else "")
    line = (f"Recipe: {describe(recipe)}{' from ' + start.name if start else ''} — {reason}; "
            f"set {settable} or --recipe to choose yourself")
    inputs = {"train_chars": train_chars, "budget_minutes": budget_minutes, "epochs": epochs,
              "minutes": round(minutes, 2),
              "minutes_per_100k_chars": round(minutes_per_100k(train_chars, minutes), 3),
              "by_hand": sorted(by_hand)}
    if offer is not None:
        inputs["start_offered"] = offer.name
        inputs["start_coverage"] = round(offer.coverage, 4)
    return Choice(recipe, reason, line, inputs, start.name if start else None)


def percent(share: float) -> str:
    """0.9991 → '99.9 %'; never rounds a share below 1 up to 100 %."""
    value = math.floor(share * 1000) / 10
    return f"{value:g} %"


def round_minutes(minutes: float) -> str:
    if minutes < 1:
        return "under a minute"
    if minutes < 120:
        whole = round(minutes)
        return f"about {whole} minute{'s' if whole != 1 else ''}"
    return f"about {minutes / 60:.0f} hours"


def describe(recipe: Recipe) -> str:
    """1 × LSTM(256), dropout 0.5, batch 64, 100-char sequences"""
    return (f"{recipe.layers} × LSTM({recipe.units}), dropout {recipe.dropout:g}, batch "
            f"{recipe.batch}, {recipe.seq_len}-char sequences")
