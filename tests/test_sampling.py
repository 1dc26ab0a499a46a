"""The sampling contract of docs/sampling.md, case by case."""

import math
from fractions import Fraction

import numpy as np
import pytest

from tempera.errors import TemperaError
from tempera.likelihood import lane_distribution
from tempera.sampling import (NO_FILTERS, Filters, check_min_p, check_rng_seed, check_temperature,
                             check_top_k, check_top_p, draw, filter_weights, lane_filters, reweight)


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


# ---- the filters: top-k, top-p and min-p (docs/sampling.md) --------------------------------

def plain_filter(q, k, p, m):
    """The contract's filters in plain Python: a list in, a new list out, sums added one by one."""
    q = [float(v) for v in q]
    if not (k > 0 or p < 1 or m > 0):
        return q
    order = sorted(range(len(q)), key=lambda i: (-q[i], i))
    kept = order
    if 0 < k < len(q):
        for i in order[k:]:
            q[i] = 0.0
        kept = order[:k]
    if p < 1:
        total = 0.0
        for value in q:  # S, in vocabulary-index order
            total += value
        before = 0.0  # the q before this character in the order, added one by one
        dropped = []
        for i in kept:
            if not before < p * total:
                dropped.append(i)
            before += q[i]
        for i in dropped:
            q[i] = 0.0
    if m > 0:
        top = max(q)
        q = [value if value >= m * top else 0.0 for value in q]
    return q


def plain_draw(q, u):
    """The smallest i whose running sum of q passes u × the total."""
    total = 0.0
    for value in q:
        total += value
    running = 0.0
    for i, value in enumerate(q):
        running += value
        if running > u * total:
            return i
    raise AssertionError("no index drawn")


NEAR_ONE = math.nextafter(1.0, 0)


def hard_distributions():
    """Distributions where the filters' ties and rounding matter."""
    cases = [np.array([1.0]), np.array([0.5, 0.5]), np.full(7, 1 / 7), np.full(64, 1 / 64),
             np.eye(9)[4], np.eye(9)[0], np.eye(9)[8],
             np.array([1e-300, 1 - 1e-300]), np.array([1e-300, 0.0, 1.0, 1e-300, 0.0]),
             np.array([5e-324, 1e-310, 0.5, 0.5 - 1e-310, 0.0, 2.2e-308]),
             np.array([0.25, 0.25, 0.25, 0.125, 0.125]), np.array([0.1, 0.4, 0.4, 0.1]),
             np.array([0.0, 0.3, 0.0, 0.3, 0.3, 0.1]),
             np.r_[np.full(10, 1e-16), 1.0],  # S in index order is above the running sum
             np.r_[1.0, np.full(10, 1e-16)]]
    rng = np.random.default_rng(21)
    for size in (2, 3, 5, 11, 40, 97):
        for _ in range(12):
            p = rng.dirichlet(np.full(size, float(rng.choice([0.05, 0.3, 1.0, 5.0]))))
            kind = rng.integers(5)
            if kind == 0:
                p = np.round(p, int(rng.integers(1, 3)))  # rounded: many ties, some zeros
                p = p if p.sum() > 0 else np.full(size, 1 / size)
            elif kind == 1:
                p[rng.integers(size, size=3)] = p[rng.integers(size)]  # ties
            elif kind == 2:
                p[rng.integers(size, size=2)] = rng.choice([0.0, 1e-300, 5e-324, 1e-310])
            cases.append(p / p.sum())
    return cases


FILTER_VALUES = {"k": [0, 1, 2, 3, 10, 96, 97, 98, 1000],
                 "p": [1.0, NEAR_ONE, 1 - 1e-16, 0.9999999, 0.95, 0.5, 0.1, 1e-300],
                 "m": [0.0, 1e-300, 0.05, 0.1, 0.5, 0.9999, NEAR_ONE]}


def filter_cases(count, seed):
    """(p, T, Filters) triples: every hard distribution, random temperatures and filter values."""
    rng = np.random.default_rng(seed)
    cases = []
    for p in hard_distributions():
        for _ in range(count):
            k, top_p, m = (FILTER_VALUES[name][rng.integers(len(FILTER_VALUES[name]))]
                           for name in ("k", "p", "m"))
            t = float(rng.choice([1e-3, 0.2, 0.5, 1.0, 1.2, 3.0, 1e6]))
            cases.append((p, t, Filters.checked(k, top_p, m)))
    return cases


def test_filter_weights_keep_what_the_contract_keeps():
    """The kept set and the weights left, against the plain implementation, on hard cases."""
    for p, t, filters in filter_cases(8, 22):
        q = reweight(p, t)
        got = filter_weights(q, filters)
        expected = plain_filter(q.tolist(), filters.top_k, filters.top_p, filters.min_p)
        assert got.tolist() == expected, (p.tolist(), t, filters)
        assert np.count_nonzero(got) >= 1, (p.tolist(), t, filters)
        assert got[int(np.argmax(q))] == q.max()  # the most likely character survives
        assert q.tolist() == reweight(p, t).tolist()  # the input is left as it was


def test_every_combination_of_filter_values_on_every_hard_case():
    """The full grid of filter values at T = 1, and min-p at each q: the kept set, a survivor."""
    for p in hard_distributions()[:30]:
        q = reweight(p, 1.0)
        for k in FILTER_VALUES["k"]:
            for top_p in FILTER_VALUES["p"]:
                for m in FILTER_VALUES["m"]:
                    got = filter_weights(q, Filters.checked(k, top_p, m))
                    assert got.tolist() == plain_filter(q.tolist(), k, top_p, m), (p.tolist(), k, top_p, m)
                    assert np.count_nonzero(got) >= 1
        for m in {value for value in q.tolist() if 0 <= value < 1}:  # ties with the threshold
            got = filter_weights(q, Filters.checked(0, 1, m))
            assert got.tolist() == plain_filter(q.tolist(), 0, 1, m) == [v if v >= m else 0.0 for v in q]


def test_filtered_draws_agree_with_the_plain_draw():
    """draw's index for many u, against the plain filters and the plain running sum."""
    rng = np.random.default_rng(23)
    for p, t, filters in filter_cases(3, 24):
        q = plain_filter(reweight(p, t).tolist(), filters.top_k, filters.top_p, filters.min_p)
        for u in [0.0, math.nextafter(1.0, 0), 0.5, *rng.random(6)]:
            assert draw(p, t, float(u), filters) == plain_draw(q, float(u)), (p.tolist(), t, filters, u)


def test_all_filters_off_is_exactly_the_unfiltered_draw():
    """Off values (k = 0 or k ≥ the vocabulary, p = 1, m = 0) change no weight and no draw."""
    rng = np.random.default_rng(25)
    for p in hard_distributions():
        size = len(p)
        for t in (0.2, 1.0, 1.2, 1e6):
            q = reweight(p, t)
            for off in (NO_FILTERS, Filters(), Filters.checked(size, 1, 0), Filters.checked(size + 7)):
                assert filter_weights(q, off).tolist() == q.tolist()
                for u in rng.random(5):
                    assert draw(p, t, float(u), off) == draw(p, t, float(u))


def test_greedy_ignores_the_filters():
    p = np.array([0.1, 0.4, 0.4, 0.1])
    for filters in (Filters.checked(1), Filters.checked(3, 0.01, 0.99), Filters.checked(0, 1e-300)):
        assert [draw(p, 0, u, filters) for u in (0.0, 0.5, 0.99)] == [1, 1, 1]
        assert lane_distribution(p, 0, filters).tolist() == [0.0, 1.0, 0.0, 0.0]


def test_a_tie_at_the_top_k_cut_keeps_exactly_k_lower_index_first():
    q = np.array([0.5, 1.0, 0.5, 0.5, 0.25])
    assert filter_weights(q, Filters.checked(2)).tolist() == [0.5, 1.0, 0.0, 0.0, 0.0]
    assert filter_weights(q, Filters.checked(3)).tolist() == [0.5, 1.0, 0.5, 0.0, 0.0]
    assert filter_weights(np.ones(6), Filters.checked(4)).tolist() == [1, 1, 1, 1, 0, 0]


def test_top_p_stops_at_the_first_character_that_reaches_p_times_the_sum():
    """r ≥ p × S keeps the character that reaches it, and not a later one tied with it."""
    assert filter_weights(np.ones(4), Filters.checked(0, 0.5)).tolist() == [1, 1, 0, 0]
    assert filter_weights(np.ones(4), Filters.checked(0, 0.5000001)).tolist() == [1, 1, 1, 0]
    q = np.array([0.25, 1.0, 0.5, 0.25])  # S = 2: the order is 1, 2, 0, 3
    assert filter_weights(q, Filters.checked(0, 0.5)).tolist() == [0.0, 1.0, 0.0, 0.0]
    assert filter_weights(q, Filters.checked(0, 0.75)).tolist() == [0.0, 1.0, 0.5, 0.0]
    assert filter_weights(q, Filters.checked(0, 0.8)).tolist() == [0.25, 1.0, 0.5, 0.0]
    # top-p sums only what top-k kept: S = 1.5, and 0.6 × 1.5 is reached by the first (0.6 × 2
    # would not be).
    assert filter_weights(q, Filters.checked(2, 0.6)).tolist() == [0.0, 1.0, 0.0, 0.0]


def test_top_p_keeps_all_when_rounding_leaves_the_running_sum_short():
    q = np.r_[np.full(10, 1e-16), 1.0]  # S = 1 + 1e-15 in index order; down the order, 1
    total = 0.0
    for value in q:
        total += value
    assert NEAR_ONE * total > 1.0  # never reached
    assert filter_weights(q, Filters.checked(0, NEAR_ONE)).tolist() == q.tolist()


def test_a_tie_at_the_min_p_threshold_is_kept():
    q = np.array([0.25, 1.0, 0.5, 0.5, 0.125])
    assert filter_weights(q, Filters.checked(0, 1, 0.5)).tolist() == [0.0, 1.0, 0.5, 0.5, 0.0]
    assert filter_weights(q, Filters.checked(0, 1, 0.25)).tolist() == [0.25, 1.0, 0.5, 0.5, 0.0]
    assert filter_weights(q, Filters.checked(0, 1, NEAR_ONE)).tolist() == [0.0, 1.0, 0.0, 0.0, 0.0]
    assert filter_weights(np.ones(3), Filters.checked(0, 1, NEAR_ONE)).tolist() == [1, 1, 1]


def test_a_vocabulary_of_one_always_draws_its_character():
    for filters in (Filters.checked(1, 1e-300, NEAR_ONE), Filters.checked(5), Filters.checked(0, 0.5)):
        assert filter_weights(np.array([1.0]), filters).tolist() == [1.0]
        assert {draw(np.array([1.0]), t, u, filters) for t in (0.2, 1.0) for u in (0, 0.5, NEAR_ONE)} == {0}


def test_the_lane_distribution_is_the_normalised_filtered_weights():
    for p, t, filters in filter_cases(2, 26):
        q = plain_filter(reweight(p, t).tolist(), filters.top_k, filters.top_p, filters.min_p)
        total = sum(q)
        np.testing.assert_allclose(lane_distribution(p, t, filters), [v / total for v in q],
                                   rtol=1e-12, atol=0)


@pytest.mark.parametrize("check, what, bad", [
    *[(check_top_k, "top-k", v) for v in (-1, 2.5, -0.5, float("nan"), float("inf"), float("-inf"),
                                          True, False, "abc", "", "2.5", None, [3])],
    *[(check_top_p, "top-p", v) for v in (0, -0.0, 1.5, -0.1, math.nextafter(1.0, 2), float("nan"),
                                          float("inf"), float("-inf"), True, "abc", "", None)],
    *[(check_min_p, "min-p", v) for v in (-0.1, 1, 1.0, 1.5, float("nan"), float("inf"),
                                          float("-inf"), True, False, "abc", "", None)],
])
def test_bad_filter_values_are_errors_naming_the_filter(check, what, bad):
    with pytest.raises(TemperaError, match=what):
        check(bad)


@pytest.mark.parametrize("check, good, expected", [
    (check_top_k, 0, 0), (check_top_k, 3, 3), (check_top_k, 3.0, 3), (check_top_k, "3", 3),
    (check_top_k, " 40 ", 40), (check_top_k, np.int64(7), 7), (check_top_k, 10**6, 10**6),
    (check_top_p, 1, 1.0), (check_top_p, 0.5, 0.5), (check_top_p, "0.9", 0.9), (check_top_p, 1e-300, 1e-300),
    (check_min_p, 0, 0.0), (check_min_p, 0.1, 0.1), (check_min_p, "0.05", 0.05),
    (check_min_p, NEAR_ONE, NEAR_ONE),
])
def test_good_filter_values_pass(check, good, expected):
    value = check(good)
    assert value == expected and type(value) is type(expected)


def test_a_huge_whole_top_k_is_off_not_a_crash():
    assert filter_weights(np.array([0.5, 1.0]), Filters.checked(10**400)).tolist() == [0.5, 1.0]


def test_lane_filters_broadcast_one_value_or_take_one_per_lane():
    assert lane_filters(3) == [NO_FILTERS] * 3
    assert lane_filters(3, top_k=5) == [Filters(5, 1.0, 0.0)] * 3
    assert lane_filters(2, top_k=["4"], min_p=[0.1, "0.2"]) == [Filters(4, 1.0, 0.1), Filters(4, 1.0, 0.2)]
    assert lane_filters(2, top_p=(0.9, 1)) == [Filters(0, 0.9, 0.0), Filters(0, 1.0, 0.0)]
    assert lane_filters(1, 2, 0.5, 0.3) == [Filters(2, 0.5, 0.3)]


@pytest.mark.parametrize("kwargs, message", [
    ({"top_k": [1, 2]}, "give one top-k for all lanes or one per temperature (3), got 2"),
    ({"top_p": [0.5] * 4}, "give one top-p for all lanes or one per temperature (3), got 4"),
    ({"min_p": []}, "give one min-p for all lanes or one per temperature (3), got 0"),
    ({"top_k": [1, 2.5, 3]}, "top-k must be a whole number"),
    ({"min_p": 1}, "min-p must be 0 (off) or more and below 1"),
])
def test_lane_filters_refuse_a_wrong_count_or_value(kwargs, message):
    with pytest.raises(TemperaError) as error:
        lane_filters(3, **kwargs)
    assert message in str(error.value)


def test_filters_label_and_json():
    assert NO_FILTERS.label() == "" and not NO_FILTERS.active
    assert Filters(40, 1.0, 0.1).label() == "top-k 40 · min-p 0.1"
    assert Filters(3, 0.9, 0.05).label() == "top-k 3 · top-p 0.9 · min-p 0.05"
    assert Filters(3, 0.9, 0.05).as_json() == {"top_k": 3, "top_p": 0.9, "min_p": 0.05}
