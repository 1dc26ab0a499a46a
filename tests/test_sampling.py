"""The sampling contract of docs/sampling.md, case by case."""

import math
from fractions import Fraction

import numpy as np
import pytest

from tempera.errors import TemperaError
from tempera.sampling import check_rng_seed, check_temperature, draw, reweight


@pytest.mark.parametrize("bad", [-0.5, float("nan"), float("inf"), float("-inf"), "warm", None])
def test_bad_temperatures_are_errors(bad):
    with pytest.raises(TemperaError, match="temperature"):
        check_temperature(bad)


@pytest.mark.parametrize("good", [0, 0.2, 1, 1e6])
def test_good_temperatures_pass(good):
    assert check_temperature(good) == good


def test_reweight_is_the_notebook_formula():
    p = np.array([0.1, 0.2, 0.3, 0.4])
    for t in (0.2, 0.5, 1.0, 1.2):
        q = reweight(p, t)
        notebook = np.exp(np.log(p) / t) / np.exp(np.log(p) / t).sum()
        np.testing.assert_allclose(q / q.sum(), notebook, rtol=1e-12)
        assert q.max() == 1.0  # the top character is scaled to exactly 1


def test_greedy_takes_the_lowest_index_of_a_tie():
    assert draw(np.array([0.1, 0.4, 0.4, 0.1]), 0, u=0.99) == 1


def test_draw_is_the_smallest_index_whose_running_sum_passes_u():
    rng = np.random.default_rng(3)
    for _ in range(300):
        p = rng.dirichlet(np.ones(7))
        t = float(rng.choice([0.2, 0.5, 1.0, 1.2]))
        u = float(rng.random())
        q = reweight(p, t)
        total = 0.0
        for value in q:  # plain sequential float64 sums, as in JavaScript
            total += value
        running, expected = 0.0, None
        for i, value in enumerate(q):
            running += value
            if running > u * total:
                expected = i
                break
        assert draw(p, t, u) == expected


def test_a_zero_probability_character_is_never_drawn():
    p = np.array([0.5, 0.0, 0.5])
    assert {draw(p, 1.0, u) for u in np.linspace(0, 0.999999, 1001)} == {0, 2}


def test_huge_temperature_is_near_uniform():
    p = np.array([0.97, 0.01, 0.01, 0.01])
    counts = np.bincount([draw(p, 1e6, u) for u in np.linspace(0, 1, 4000, endpoint=False)],
                         minlength=4)
    assert np.all(np.abs(counts - 1000) <= 2)


def test_draw_boundaries_are_exact():
    p = np.array([0.25, 0.25, 0.5])
    assert draw(p, 1.0, 0.0) == 0
    assert draw(p, 1.0, float(Fraction(1, 4))) == 1  # cumsum must be strictly greater than u*sum
    assert draw(p, 1.0, 0.5) == 2
    assert draw(p, 1.0, math.nextafter(1.0, 0)) == 2


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "7", True])
def test_bad_rng_seeds_are_errors(bad):
    with pytest.raises(TemperaError, match="rng seed"):
        check_rng_seed(bad)
