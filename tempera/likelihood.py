"""How likely each character was under the model: rank, probability, entropy, lane statistics.

The definitions are in docs/sampling.md ("How likely each character was"); frontend/src/likelihood.js
computes the same numbers in the browser, and the tests hold the two together.
"""

import math
from dataclasses import dataclass

import numpy as np

from .sampling import NO_FILTERS, Filters, lane_weights

LOG2 = math.log(2)


def rank_of(p: np.ndarray, index: int) -> int:
    """1 for the most likely character; ties go to the lower vocabulary index."""
    return int(1 + np.count_nonzero(p > p[index]) + np.count_nonzero(p[:index] == p[index]))


def lane_distribution(p: np.ndarray, temperature: float, filters: Filters = NO_FILTERS) -> np.ndarray:
    """The distribution a lane draws from: reweighted by T, filtered and normalised; T = 0 is
    one-hot."""
    if temperature == 0:
        q = np.zeros_like(p, dtype=np.float64)
        q[int(np.argmax(p))] = 1.0
        return q
    q = lane_weights(p, temperature, filters)
    return q / q.sum()


def entropy_bits(q: np.ndarray) -> float:
    """-Σ q log2 q over the characters with q > 0."""
    q = np.asarray(q, dtype=np.float64)
    q = q[q > 0]
    return float(-(q * np.log(q)).sum() / LOG2) + 0.0  # + 0.0: a certain pick is 0, not -0


@dataclass
class StepRecords:
    """One entry per character, in flat arrays (a long run is millions of numbers)."""

    p: np.ndarray  # the character's probability under the model (T = 1)
    rank: np.ndarray  # its rank in that distribution, 1 = most likely
    entropy_bits: np.ndarray  # entropy of the distribution it was drawn from (or scored under)
    u: np.ndarray | None = None  # the uniform that drew it (generation only)

    @classmethod
    def empty(cls, length: int, with_u: bool) -> "StepRecords":
        return cls(np.zeros(length), np.zeros(length, dtype=np.int64), np.zeros(length),
                   np.zeros(length) if with_u else None)

    def record(self, step: int, p: np.ndarray, chosen: int, drawn_from: np.ndarray, u=None):
        self.p[step] = p[chosen]
        self.rank[step] = rank_of(p, chosen)
        self.entropy_bits[step] = entropy_bits(drawn_from)
        if self.u is not None:
            self.u[step] = u

    def record_scored(self, start: int, p: np.ndarray, chosen: np.ndarray):
        """Rows start, start + 1, … of a scored text at once: p holds one distribution per row
        (rows, vocabulary) and chosen the character each scores. The same numbers as record()
        with drawn_from = p, computed over the whole block."""
        rows = slice(start, start + len(chosen))
        mine = p[np.arange(len(chosen)), chosen]
        above = np.count_nonzero(p > mine[:, None], axis=1)
        tied_before = np.count_nonzero((p == mine[:, None])
                                       & (np.arange(p.shape[1])[None, :] < chosen[:, None]), axis=1)
        self.p[rows] = mine
        self.rank[rows] = 1 + above + tied_before
        q_log_q = p * np.log(np.where(p > 0, p, 1.0))  # q log q is 0 where q is 0
        self.entropy_bits[rows] = -q_log_q.sum(axis=1) / LOG2 + 0.0

    def as_json(self, chars: str) -> list:
        keys = ["char", "p", "rank", "entropy_bits"] + (["u"] if self.u is not None else [])
        columns = [list(chars), self.p.tolist(), self.rank.tolist(), self.entropy_bits.tolist()]
        if self.u is not None:
            columns.append(self.u.tolist())
        return [dict(zip(keys, row)) for row in zip(*columns)]


def bits_per_char(p: np.ndarray) -> float | None:
    """Mean -log2 p: how surprising the characters are to the model (None for no character)."""
    # A probability that underflowed to 0 counts as the smallest float: 1022 bits, not ∞.
    return float(-np.log(np.maximum(p, np.finfo(np.float64).tiny)).mean() / LOG2) if len(p) else None


def distinct4(text: str) -> float | None:
    """Distinct 4-character substrings / all 4-character substrings (None below 4 characters)."""
    grams = [text[i:i + 4] for i in range(len(text) - 3)]
    return len(set(grams)) / len(grams) if grams else None


def lane_statistics(records: StepRecords, text: str) -> dict:
    """What lets lanes be compared by number (docs/sampling.md)."""
    count = len(records.p)
    return {"chars": count,
            "bits_per_char": bits_per_char(records.p),
            "entropy_bits": float(records.entropy_bits.mean()) if count else None,
            "top1_share": float(np.count_nonzero(records.rank == 1) / count) if count else None,
            "distinct4": distinct4(text)}
