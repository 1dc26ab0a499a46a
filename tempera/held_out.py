"""The held-out metric in NumPy: maxlen characters of context from a zero state -> the next one.

The same windows as the training loop's (training/evaluate.py), so a bundle read by the
reference, float32 or quantised, is measured exactly as its training run was.
"""

import numpy as np

HELD_OUT_STEP = 3  # a window every 3 chars of the held-out text, as the notebook samples
MAX_WINDOWS = 25_000  # beyond this (a held-out text over 75k chars) windows are spread wider
BATCH = 4096  # windows through the NumPy LSTM at once


def held_out_step(val_chars: int) -> int:
    return max(HELD_OUT_STEP, -(-val_chars // MAX_WINDOWS))


def split_held_out(ids: np.ndarray, val_fraction: float):
    """The last `val_fraction` of the text is held out, as one contiguous piece."""
    cut = len(ids) - int(round(len(ids) * val_fraction))
    return ids[:cut], ids[cut:]


def held_out_windows(val_ids: np.ndarray, maxlen: int) -> np.ndarray:
    """Rows of maxlen + 1 ids: the context, then the character to predict."""
    starts = np.arange(0, len(val_ids) - maxlen, held_out_step(len(val_ids)))
    return np.asarray(val_ids, dtype=np.int64)[starts[:, None] + np.arange(maxlen + 1)[None, :]]


def held_out_loss(model, windows: np.ndarray) -> float:
    """Mean −ln p of each window's last id after the ones before it, in nats per character."""
    total = 0.0
    for start in range(0, len(windows), BATCH):
        rows = windows[start:start + BATCH]
        probabilities, _ = model.run(rows[:, :-1])
        chosen = probabilities[np.arange(len(rows)), rows[:, -1]]
        total -= float(np.log(np.maximum(chosen, np.finfo(np.float64).tiny)).sum())
    return total / len(windows)
