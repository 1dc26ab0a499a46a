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
from .likelihood import LOG2, StepRecords, bits_per_char, lane_distribution, lane_statistics
from .sampling import NO_FILTERS, Filters, check_rng_seed, check_temperature, draw

MODES = ("stateful", "window")
MAX_LENGTH = 100_000
# The models learn from sequences of a few hundred characters at most, so a longer seed adds
# priming time, not context; both samplers read only the seed's end.
PRIME_CHARS = 2_000
WINDOW_BATCH = 4096  # window-mode scoring: positions run through the model together
SCORE_BLOCK = 2048  # stateful scoring: positions whose output layer and records go together


@dataclass
class Lane:
    temperature: float
    text: str  # the generated characters only, without the seed
    records: StepRecords | None  # how likely each character was (None when not asked for)
    filters: Filters = NO_FILTERS

    def statistics(self) -> dict:
        return lane_statistics(self.records, self.text)

    def as_json(self) -> dict:
        return {"temperature": self.temperature, **self.filters.as_json(), "text": self.text,
                "steps": self.records.as_json(self.text), "stats": self.statistics()}


@dataclass
class Score:
    """A text scored by the model: each character after the first, under what came before."""

    text: str  # the text as the model reads it (folded, unknown characters dropped)
    records: StepRecords  # one per scored character: text[1:]

    @property
    def nats_per_char(self) -> float | None:
        bits = bits_per_char(self.records.p)
        return None if bits is None else bits * LOG2

    def as_json(self, dropped: list, dropped_count: int) -> dict:
        return {"text": self.text, "scored": len(self.records.p), "dropped": dropped_count,
                "dropped_chars": dropped, "bits_per_char": bits_per_char(self.records.p),
                "nats_per_char": self.nats_per_char, "chars": self.records.as_json(self.text[1:])}


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


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise TemperaError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")


def prime_note(seed_chars: int, mode: str) -> str:
    """What to tell the user when stateful priming reads only the seed's end ("" otherwise)."""
    if mode != "stateful" or seed_chars <= PRIME_CHARS:
        return ""
    return f"the seed has {seed_chars:,} characters; the model reads its last {PRIME_CHARS:,}"


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
                 mode: str = "stateful", records: bool = True, filters=None) -> list:
        """The lanes' texts; with `records`, each character's p, rank, entropy and u too
        (which costs a few numpy calls per character and lane). `filters`: one Filters per
        lane (sampling.lane_filters), or None for none."""
        steps = self.steps(seed_ids, temperatures, length, rng_seed, mode, records, filters)
        while True:
            try:
                next(steps)
            except StopIteration as finished:
                return finished.value

    def steps(self, seed_ids, temperatures, length: int, rng_seed: int,
              mode: str = "stateful", records: bool = True, filters=None):
        """generate() one character at a time: yields (step, the ids drawn in each lane, the
        lanes' StepRecords or None) as soon as a step's characters are drawn, and returns
        generate()'s lanes."""
        check_mode(mode)
        temperatures = [check_temperature(t) for t in temperatures]
        if not temperatures:
            raise TemperaError("give at least one temperature")
        filters = [NO_FILTERS] * len(temperatures) if filters is None else list(filters)
        if len(filters) != len(temperatures):
            raise TemperaError(f"give filters for each of the {len(temperatures)} lanes")
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
        steps = [StepRecords.empty(length, with_u=True) for _ in range(lanes)] if records else None
        for step in range(length):
            if mode == "window":
                probabilities, _ = self.model.run(history)
            uniforms = [rng.uniform() for rng in rngs]
            chosen = np.array([draw(probabilities[lane], temperatures[lane], uniforms[lane],
                                    filters[lane]) for lane in range(lanes)])
            if records:
                for lane, p in enumerate(probabilities):
                    drawn_from = lane_distribution(p, temperatures[lane], filters[lane])
                    steps[lane].record(step, p, chosen[lane], drawn_from, uniforms[lane])
            generated[:, step] = chosen
            yield step, chosen, steps
            if step + 1 == length:
                break
            if mode == "window":
                keep = min(history.shape[1], self.maxlen - 1)
                history = np.concatenate([history[:, history.shape[1] - keep:], chosen[:, None]],
                                         axis=1)
            else:
                probabilities, state = self.model.step(chosen, state)
        return [Lane(t, self.vocab.decode(row), steps[lane] if records else None, filters[lane])
                for lane, (t, row) in enumerate(zip(temperatures, generated))]

    def score(self, ids, mode: str = "stateful", progress=None) -> Score:
        """Each character after the first, under the model's distribution after the ones before.

        Stateful: one pass over the whole text. Window: each distribution from the last
        `maxlen` characters before it, from a zero state, positions batched. The records of a
        block of positions are computed together. progress(scored, total), if given, is
        called after each block.
        """
        check_mode(mode)
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size < 2:
            raise TemperaError("a text to score needs at least two characters the model knows: "
                               "the first is the context of the second")
        total = ids.size - 1
        records = StepRecords.empty(total, with_u=False)
        for start, probabilities in self.predictions(ids, mode):
            records.record_scored(start, probabilities, ids[start + 1:start + 1 + len(probabilities)])
            if progress:
                progress(start + len(probabilities), total)
        return Score(self.vocab.decode(ids), records)

    def predictions(self, ids: np.ndarray, mode: str):
        """The distributions after each prefix ids[:1], ids[:2], … ids[:-1], in blocks:
        (position of the block's first, its distributions (rows, vocabulary))."""
        if mode == "stateful":
            state = self.model.zero_state(1)
            for start in range(0, ids.size - 1, SCORE_BLOCK):
                hidden, state = self.model.sequence(ids[start:min(start + SCORE_BLOCK, ids.size - 1)], state)
                yield start, self.model.softmax(hidden)
            return
        for start in range(1, ids.size, WINDOW_BATCH):
            ends = np.arange(start, min(start + WINDOW_BATCH, ids.size))
            lengths = np.minimum(ends, self.maxlen)
            # Left-padded windows would feed padding: group positions by their window length.
            # Lengths never fall as positions rise, so the groups come out in text order.
            for length in np.unique(lengths):
                group = ends[lengths == length]
                windows = ids[group[:, None] - length + np.arange(length)[None, :]]
                probabilities, _ = self.model.run(windows)
                yield int(group[0]) - 1, probabilities
