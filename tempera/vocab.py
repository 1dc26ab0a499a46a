"""The character vocabulary and the policy for seed characters it does not know."""

from dataclasses import dataclass, field

import numpy as np

from .errors import TemperaError

SHOWN_DROPPED = 20  # distinct dropped characters named in a message; the rest are counted


def show_char(c: str) -> str:
    """A character for a message: quoted if visible, else its code point (U+202E)."""
    return f"'{c}'" if c.isprintable() else f"U+{ord(c):04X}"


def show_chars(chars: list) -> str:
    """The first SHOWN_DROPPED characters for a message, and how many more there are."""
    shown = ", ".join(show_char(c) for c in chars[:SHOWN_DROPPED])
    more = len(chars) - SHOWN_DROPPED
    return shown + (f" and {more:,} more" if more > 0 else "")


@dataclass(frozen=True)
class SeedEncoding:
    """A seed turned into ids, and what had to change to get there."""

    text: str  # the seed as the model sees it (folded, unknown characters dropped)
    ids: np.ndarray
    folded: bool  # case was folded because the model is lowercase
    dropped: list = field(default_factory=list)  # the distinct characters dropped, in order
    dropped_count: int = 0  # how many characters of the seed were dropped
    what: str = "seed"  # what the text is, for messages: a seed, or a text to score

    def report(self) -> str:
        """One line for the user about what changed, or '' when nothing did."""
        parts = []
        if self.folded:
            parts.append(f"{self.what} lowercased (the model was trained on lowercase text)")
        if self.dropped:
            shown = show_chars(self.dropped)
            count = self.dropped_count
            parts.append(f"dropped {count} unknown character{'s' if count != 1 else ''}: {shown}")
        return "; ".join(parts)


class Vocabulary:
    """Characters in index order; a character is one Unicode code point."""

    def __init__(self, chars, lowercase: bool):
        self.chars = list(chars)
        self.lowercase = bool(lowercase)
        self.index = {c: i for i, c in enumerate(self.chars)}
        if len(self.index) != len(self.chars):
            raise TemperaError("vocabulary has repeated characters")

    def __len__(self):
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """Ids of a text made only of known characters (the corpus itself)."""
        return np.fromiter((self.index[c] for c in text), dtype=np.int32, count=len(text))

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)

    def encode_seed(self, seed: str, what: str = "seed") -> SeedEncoding:
        """Apply the shared policy: fold case for a lowercase model, drop the rest.

        An empty seed, or one with no known character, is an error.
        """
        if not seed:
            named = "seed text" if what == "seed" else what
            raise TemperaError(f"the {named} is empty: type at least one character")
        folded = self.lowercase and seed.lower() != seed
        text = seed.lower() if self.lowercase else seed
        kept = [c for c in text if c in self.index]
        dropped = list(dict.fromkeys(c for c in text if c not in self.index))  # first-seen order
        encoding = SeedEncoding("".join(kept), self.encode("".join(kept)), folded, dropped,
                                len(text) - len(kept), what)
        if not kept:
            raise TemperaError(f"the {what} has no character the model knows: {show_chars(dropped)}")
        return encoding
