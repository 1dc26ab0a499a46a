"""The sampling contract (docs/sampling.md): temperature, the filters, then one inverse-CDF draw.

Everything here is float64 NumPy and mirrors frontend/src/sampling.js line for line.
"""

import math
import re
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from .errors import TemperaError

MAX_RNG_SEED = 2**32 - 1
# The course notebook's temperatures: the default lanes of `tempera sample`, of training's
# samples and of the page (frontend/src/run-options.js holds the same list, and
# tests/test_js_contract.py compares them).
NOTEBOOK_TEMPERATURES = (0.2, 0.5, 1.0, 1.2)


def check_temperature(temperature) -> float:
    """Return the temperature as a float; 0 means greedy, negative/NaN/inf are errors."""
    try:
        value = float(temperature)
    except (TypeError, ValueError):
        raise TemperaError(f"temperature must be a number, got {temperature!r}") from None
    if math.isnan(value) or math.isinf(value):
        raise TemperaError(f"temperature must be a finite number, got {value}")
    if value < 0:
        raise TemperaError(f"temperature must be 0 (greedy) or positive, got {value}")
    return value


def check_rng_seed(rng_seed) -> int:
    if isinstance(rng_seed, bool) or not isinstance(rng_seed, (int, np.integer)):
        raise TemperaError(f"rng seed must be an integer, got {rng_seed!r}")
    if not 0 <= int(rng_seed) <= MAX_RNG_SEED:
        raise TemperaError(f"rng seed must be between 0 and {MAX_RNG_SEED}, got {rng_seed}")
    return int(rng_seed)


def reweight(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """q_i = exp((log p_i - max_j log p_j) / T), unnormalised, in float64 (T > 0)."""
    # log(0) = -inf gives q = 0, and a tiny T overflows (x / T) to -inf, which gives q = 0 too:
    # both are intended.
    with np.errstate(divide="ignore", over="ignore"):
        log_p = np.log(np.asarray(probabilities, dtype=np.float64))
        return np.exp((log_p - log_p.max()) / temperature)


# How a filter value may be written as text, on the command line and in the page's address:
# plain decimal notation, as both float() and JavaScript's Number() read it (so not "0x10",
# "1_000" or other digits, which one of the two would take and the other refuse).
DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
NOT_FINITE = re.compile(r"[+-]?(inf|infinity|nan)", re.IGNORECASE)


def _number(value, what: str) -> float:
    """A filter value as a finite number; text must be plain decimal notation."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, np.integer, np.floating)):
        raise TemperaError(f"{what} must be a number, got {value!r}")
    if isinstance(value, str) and NOT_FINITE.fullmatch(value.strip()):
        raise TemperaError(f"{what} must be a finite number, got {value!r}")
    if isinstance(value, str) and not DECIMAL.fullmatch(value.strip()):
        raise TemperaError(f"{what} must be a number, got {value!r}")
    if isinstance(value, (int, np.integer)):
        return value  # exact, however large
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise TemperaError(f"{what} must be a finite number, got {value!r}")
    return number


def js_number(value: float) -> str:
    """A number as JavaScript's String() writes it, so labels read the same on the page and
    in the terminal: the shortest digits that give the number back, in plain notation from
    1e-6 up to 1e21 and in exponent notation outside it."""
    if value == 0:
        return "0"
    sign, digits, exponent = Decimal(repr(float(value))).normalize().as_tuple()
    digits = "".join(map(str, digits))
    point = len(digits) + exponent  # where the decimal point falls among the digits
    text = ""
    if len(digits) <= point <= 21:
        text = digits + "0" * (point - len(digits))
    elif 0 < point <= 21:
        text = f"{digits[:point]}.{digits[point:]}"
    elif -6 < point <= 0:
        text = f"0.{'0' * -point}{digits}"
    else:
        mantissa = digits[0] + (f".{digits[1:]}" if len(digits) > 1 else "")
        text = f"{mantissa}e{'+' if point - 1 > 0 else '-'}{abs(point - 1)}"
    return ("-" if sign else "") + text


def check_top_k(value) -> int:
    """A whole number >= 0; 0 is off (and so is any k at least the vocabulary's size)."""
    number = _number(value, "top-k")
    if number < 0 or number != int(number):
        raise TemperaError(f"top-k must be a whole number, 0 (off) or more, got {value!r}")
    return int(number)


def check_top_p(value) -> float:
    """0 < p <= 1; 1 is off."""
    number = _number(value, "top-p")
    if not 0 < number <= 1:
        raise TemperaError(f"top-p must be above 0 and at most 1 (off), got {value!r}")
    return float(number)


def check_min_p(value) -> float:
    """0 <= m < 1; 0 is off."""
    number = _number(value, "min-p")
    if not 0 <= number < 1:
        raise TemperaError(f"min-p must be 0 (off) or more and below 1, got {value!r}")
    return float(number)


@dataclass(frozen=True)
class Filters:
    """A lane's filters (docs/sampling.md); the defaults are off."""

    top_k: int = 0
    top_p: float = 1.0
    min_p: float = 0.0

    @classmethod
    def checked(cls, top_k=0, top_p=1.0, min_p=0.0) -> "Filters":
        return cls(check_top_k(top_k), check_top_p(top_p), check_min_p(min_p))

    @property
    def active(self) -> bool:
        return self.top_k > 0 or self.top_p < 1 or self.min_p > 0

    def label(self) -> str:
        """What is on, as the page's lane labels say it: "top-k 40 · min-p 0.1" ("" when none)."""
        parts = [f"top-k {self.top_k}" if self.top_k > 0 else "",
                 f"top-p {js_number(self.top_p)}" if self.top_p < 1 else "",
                 f"min-p {js_number(self.min_p)}" if self.min_p > 0 else ""]
        return " · ".join(filter(None, parts))

    def as_json(self) -> dict:
        return {"top_k": self.top_k, "top_p": self.top_p, "min_p": self.min_p}


NO_FILTERS = Filters()


def per_lane(values, lanes: int, check, what: str) -> list:
    """One value for every lane, or one per lane, each checked; None gives the off value."""
    if values is None:
        return [None] * lanes
    values = list(values) if isinstance(values, (list, tuple)) else [values]
    if len(values) == 1:
        values = values * lanes
    if len(values) != lanes:
        raise TemperaError(f"give one {what} for all lanes or one per temperature "
                           f"({lanes}), got {len(values)}")
    return [check(value) for value in values]


def lane_filters(lanes: int, top_k=None, top_p=None, min_p=None) -> list:
    """Filters per lane from one value each (for every lane) or one per lane."""
    ks = per_lane(top_k, lanes, check_top_k, "top-k")
    ps = per_lane(top_p, lanes, check_top_p, "top-p")
    ms = per_lane(min_p, lanes, check_min_p, "min-p")
    return [Filters(0 if k is None else k, 1.0 if p is None else p, 0.0 if m is None else m)
            for k, p, m in zip(ks, ps, ms)]


def filter_weights(q: np.ndarray, filters: Filters) -> np.ndarray:
    """q with the characters the filters remove set to 0 (a new array; q is unnormalised)."""
    q = np.array(q, dtype=np.float64)
    if not filters.active:
        return q
    # Largest q first, the lower index first among equals (a stable sort of -q).
    order = np.argsort(-q, kind="stable")
    kept = len(q)
    if 0 < filters.top_k < kept:
        q[order[filters.top_k:]] = 0.0
        kept = filters.top_k
    if filters.top_p < 1:
        target = filters.top_p * np.cumsum(q)[-1]  # S: added one by one in index order
        running = np.cumsum(q[order[:kept]])  # added one by one down the order
        reached = running >= target
        # Rounding can leave the running sum just short of p × S when p is near 1: keep all.
        cut = int(np.argmax(reached)) if reached.any() else kept - 1
        q[order[cut + 1:kept]] = 0.0
    if filters.min_p > 0:
        q[q < filters.min_p * q.max()] = 0.0
    return q


def lane_weights(probabilities: np.ndarray, temperature: float,
                 filters: Filters = NO_FILTERS) -> np.ndarray:
    """What a lane draws from, unnormalised: reweighted by T, then filtered (T > 0)."""
    return filter_weights(reweight(probabilities, temperature), filters)


def draw(probabilities: np.ndarray, temperature: float, u: float,
         filters: Filters = NO_FILTERS) -> int:
    """The index drawn by uniform u in [0, 1) at this temperature, after the filters.

    T = 0 is greedy: the argmax, lowest index on ties (u is drawn anyway so
    lanes stay aligned), and the filters are ignored. Otherwise the smallest i
    with cumsum(q)_i > u * sum(q), where sum(q) is the last element of that
    running sum.
    """
    if temperature == 0:
        return int(np.argmax(probabilities))
    cumulative = np.cumsum(lane_weights(probabilities, temperature, filters))
    target = u * cumulative[-1]
    return int(np.searchsorted(cumulative, target, side="right"))
