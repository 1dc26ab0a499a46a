"""The sampling contract (docs/sampling.md): temperature, then one inverse-CDF draw.

Everything here is float64 NumPy and mirrors frontend/src/sampling.js line for line.
"""

import math

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


def draw(probabilities: np.ndarray, temperature: float, u: float) -> int:
    """The index drawn by uniform u in [0, 1) at this temperature.

    T = 0 is greedy: the argmax, lowest index on ties (u is drawn anyway so
    lanes stay aligned). Otherwise the smallest i with cumsum(q)_i > u * sum(q),
    where sum(q) is the last element of that running sum.
    """
    if temperature == 0:
        return int(np.argmax(probabilities))
    cumulative = np.cumsum(reweight(probabilities, temperature))
    target = u * cumulative[-1]
    return int(np.searchsorted(cumulative, target, side="right"))
