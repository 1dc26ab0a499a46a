"""Mulberry32: the tiny 32-bit generator that Python and the browser share.

Both sides must draw the very same uniforms, so the algorithm is written out
bit for bit as the well-known JavaScript version (Math.imul, >>> and ^).
"""

MASK32 = 0xFFFFFFFF
GOLDEN_GAMMA = 0x9E3779B9  # spreads the per-lane seeds apart


def _imul(a: int, b: int) -> int:
    return (a * b) & MASK32


class Mulberry32:
    def __init__(self, seed: int):
        self.state = seed & MASK32

    def next_uint32(self) -> int:
        self.state = (self.state + 0x6D2B79F5) & MASK32
        t = self.state
        t = _imul(t ^ (t >> 15), t | 1)
        t = ((t + _imul(t ^ (t >> 7), t | 61)) & MASK32) ^ t
        return (t ^ (t >> 14)) & MASK32

    def uniform(self) -> float:
        """A float in [0, 1): next_uint32 / 2**32."""
        return self.next_uint32() / 4294967296.0


def lane_seed(rng_seed: int, lane: int) -> int:
    """Seed of lane `lane`: (rng_seed + lane * 0x9E3779B9) mod 2**32."""
    return (rng_seed + lane * GOLDEN_GAMMA) & MASK32
