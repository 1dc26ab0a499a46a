"""Training recipes: the notebook's, and the default one chosen by measurement (BENCHMARKS.md)."""

from dataclasses import asdict, dataclass, fields


@dataclass
class Recipe:
    name: str
    units: int
    layers: int
    batch: int
    optimizer: str
    learning_rate: float
    every_step: bool  # predict the next char at every position, or only after the window
    seq_len: int  # characters per training sequence (the window, for the seed recipe)
    window_step: int = 3  # seed recipe: a new window every `window_step` chars
    clipnorm: float | None = None
    lr_decay: float = 1.0  # the learning rate of epoch e is learning_rate * lr_decay ** (e - 1)
    maxlen: int = 60  # context of window-mode generation and of the held-out metric

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Recipe":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


RECIPES = {
    # The course notebook: LSTM(128) on 60-char windows taken every 3 chars, one target each.
    "seed": Recipe(name="seed", units=128, layers=1, batch=128, optimizer="rmsprop",
                   learning_rate=0.01, every_step=False, seq_len=60),
    # Every character is a target; Adam with clipping. Chosen by the runs in BENCHMARKS.md.
    "default": Recipe(name="default", units=256, layers=1, batch=64, optimizer="adam",
                      learning_rate=0.01, every_step=True, seq_len=100, clipnorm=5.0,
                      lr_decay=0.97),
}
