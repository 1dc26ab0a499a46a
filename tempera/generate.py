"""Reference text generation: several temperature lanes advancing together.

Two modes (docs/sampling.md):
- stateful: prime the LSTM on the seed's last PRIME_CHARS characters, then feed one character
            per step;
- window:   for every character re-run the last `maxlen` characters from a zero state,
            as the original notebook does.
"""

from dataclasses import dataclass

import numpy as np

from .errors import TemperaError
from .rng import Mulberry32, lane_seed
from .sampling import check_rng_seed, check_temperature, draw

MODES = ("stateful", "window")
MAX_LENGTH = 100_000
# The models learn from sequences of a few hundred characters at most, so a longer seed adds
# priming time, not context; both samplers read only the seed's end.
PRIME_CHARS = 2_000


@dataclass
class Lane:
    temperature: float
    text: str  # the generated characters only, without the seed


def check_length(length) -> int:
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)):
        raise TemperaError(f"length must be a whole number, got {length!r}")
    if length < 0:
        raise TemperaError(f"length must be 0 or more, got {length}")
    return int(length)


def length_note(length: int) -> str:
    """What to tell the user when generation caps `length` at MAX_LENGTH ("" when it does not)."""
    if length <= MAX_LENGTH:
        return ""
    return f"length {length:,} is over the limit: capped at {MAX_LENGTH:,} characters"


class Generator:
    """Generates from a CharLstm and its Vocabulary, batched over lanes."""

    def __init__(self, model, vocab, maxlen: int):
        self.model = model
        self.vocab = vocab
        self.maxlen = maxlen

    def probabilities(self, seed_ids, mode: str = "stateful") -> np.ndarray:
        """Next-character probabilities after the seed, in vocabulary order."""
        ids = np.asarray(seed_ids)
        ids = ids[-self.maxlen:] if mode == "window" else ids[-PRIME_CHARS:]
        probabilities, _ = self.model.run(ids[None, :])
        return probabilities[0]

    def generate(self, seed_ids, temperatures, length: int, rng_seed: int,
                 mode: str = "stateful") -> list:
        if mode not in MODES:
            raise TemperaError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        temperatures = [check_temperature(t) for t in temperatures]
        if not temperatures:
            raise TemperaError("give at least one temperature")
        length = min(check_length(length), MAX_LENGTH)
        rng_seed = check_rng_seed(rng_seed)
        lanes = len(temperatures)
        rngs = [Mulberry32(lane_seed(rng_seed, lane)) for lane in range(lanes)]
        seed_ids = np.asarray(seed_ids, dtype=np.int64)
        if seed_ids.size == 0:
            raise TemperaError("the seed text is empty: type at least one character")

        if mode == "window":
            history = np.tile(seed_ids[-self.maxlen:], (lanes, 1))
        else:
            probabilities, state = self.model.run(seed_ids[None, -PRIME_CHARS:])
            probabilities = np.repeat(probabilities, lanes, axis=0)
            state = [(np.repeat(h, lanes, axis=0), np.repeat(c, lanes, axis=0)) for h, c in state]
        generated = np.zeros((lanes, length), dtype=np.int64)
        for step in range(length):
            if mode == "window":
                probabilities, _ = self.model.run(history)
            chosen = np.array([draw(probabilities[lane], temperatures[lane], rngs[lane].uniform())
                               for lane in range(lanes)])
            generated[:, step] = chosen
            if step + 1 == length:
                break
            if mode == "window":
                keep = min(history.shape[1], self.maxlen - 1)
                history = np.concatenate([history[:, history.shape[1] - keep:], chosen[:, None]],
                                         axis=1)
            else:
                probabilities, state = self.model.step(chosen, state)
        return [Lane(t, self.vocab.decode(row)) for t, row in zip(temperatures, generated)]
