"""``scheduler.timing.gaps``: the gap distributions have the target mean, the maximum-entropy one
really is the most uncertain, and draws (once, or week by week conditional on the days
already passed, as the planner draws them) follow the distribution: checked with a
chi-square test over many seeded draws, not a single sample."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats

from models import GapShape
from scheduler.timing.gaps import (
    attempt_gap_pmf,
    conditional_gap_pmf,
    detection_within,
    fixed_gap_pmf,
    gap_pmf,
    hazard,
    max_entropy_gap_pmf,
    mean_gap,
    normalised_entropy,
    survival,
    uniform_gap_pmf,
    visits_per_year,
    worst_week_detection,
)


def entropy(p: np.ndarray) -> float:
    q = p[p > 0]
    return float(-(q * np.log(q)).sum())


# ---- shape and mean ----------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(interval=st.integers(2, 3650), share=st.floats(0.05, 0.95))
def test_max_entropy_pmf_sums_to_one_with_the_target_mean(interval: int, share: float) -> None:
    mean = max(1.0, share * interval)
    pmf = max_entropy_gap_pmf(interval, mean)
    assert pmf.shape == (interval,)
    assert (pmf >= 0).all()
    assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
    assert mean_gap(pmf) == pytest.approx(mean, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize(("interval", "share"), [(365, 0.99), (3650, 0.999), (365, 0.005)])
def test_max_entropy_pmf_reaches_means_near_the_ends(interval: int, share: float) -> None:
    mean = max(1.0, share * interval)
    assert mean_gap(max_entropy_gap_pmf(interval, mean)) == pytest.approx(mean, rel=1e-6)


@settings(max_examples=40, deadline=None)
@given(interval=st.integers(3, 400), share=st.floats(0.2, 0.95), seed=st.integers(0, 2**32 - 1))
def test_max_entropy_beats_every_perturbation_with_the_same_mean(
    interval: int, share: float, seed: int
) -> None:
    # Moving mass between three gaps a < b < c by eps * (c - b, a - c, b - a) keeps the
    # total (the weights add to 0) and the mean (a(c-b) + b(a-c) + c(b-a) = 0): any such
    # change of the maximum-entropy distribution must lower its entropy.
    pmf = max_entropy_gap_pmf(interval, max(1.0, share * interval))
    rng = np.random.default_rng(seed)
    best = entropy(pmf)
    for _ in range(5):
        a, b, c = np.sort(rng.choice(interval, size=3, replace=False))
        v = np.zeros(interval)
        v[[a, b, c]] = (c - b, a - c, b - a)
        room = min(pmf[i] / abs(v[i]) for i in (a, b, c))
        for eps in (0.5 * room, -0.5 * room):
            other = pmf + eps * v
            assert mean_gap(other) == pytest.approx(mean_gap(pmf), abs=1e-9)
            assert entropy(other) < best + 1e-12


def test_max_entropy_is_uniform_at_the_midpoint_and_a_point_mass_at_the_ends() -> None:
    assert max_entropy_gap_pmf(28, 14.5) == pytest.approx(np.full(28, 1 / 28), abs=1e-9)
    assert max_entropy_gap_pmf(28, 28) == pytest.approx(fixed_gap_pmf(28))
    assert max_entropy_gap_pmf(28, 1)[0] == 1.0


def test_max_entropy_mass_rises_towards_the_interval_above_the_midpoint() -> None:
    pmf = max_entropy_gap_pmf(91, 0.75 * 91)
    assert (np.diff(pmf) > 0).all()
    assert pmf[0] > 0  # a visit can come the day after the last one: no safe period


@pytest.mark.parametrize(("interval", "mean"), [(28, 21.0), (91, 68.25), (365, 200.0), (10, 9.9)])
def test_uniform_shape_has_the_target_mean_on_a_tail_of_the_interval(
    interval: int, mean: float
) -> None:
    pmf = uniform_gap_pmf(interval, mean)
    assert pmf.sum() == pytest.approx(1.0)
    assert mean_gap(pmf) == pytest.approx(mean)
    support = np.flatnonzero(pmf) + 1
    # Uniform on a..I with a = 2 * mean - I (mixed over the two nearest integers).
    assert support.max() == interval
    assert support.min() == math.floor(2 * mean - interval)


def test_fixed_shape_is_the_interval_every_time() -> None:
    pmf = gap_pmf(GapShape.FIXED, 28, 0.75)
    assert mean_gap(pmf) == 28
    assert normalised_entropy(pmf) == 0
    # A fixed cycle longer than a week leaves the week after each visit safe.
    assert worst_week_detection(pmf) == 0


@pytest.mark.parametrize("shape", list(GapShape))
def test_gap_pmf_shapes(shape: GapShape) -> None:
    pmf = gap_pmf(shape, 91, 0.75)
    assert pmf.sum() == pytest.approx(1.0)
    expected = 91 if shape is GapShape.FIXED else 0.75 * 91
    assert mean_gap(pmf) == pytest.approx(expected)


def test_max_entropy_is_the_most_uncertain_shape() -> None:
    ent = {s: normalised_entropy(gap_pmf(s, 91, 0.75)) for s in GapShape}
    assert ent[GapShape.MAX_ENTROPY] > ent[GapShape.UNIFORM] > ent[GapShape.FIXED]


def test_very_small_share_is_at_least_one_day() -> None:
    assert mean_gap(gap_pmf(GapShape.MAX_ENTROPY, 28, 0.01)) == pytest.approx(1.0)


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="interval"):
        max_entropy_gap_pmf(0, 1.0)
    with pytest.raises(ValueError, match="mean gap"):
        max_entropy_gap_pmf(28, 29.0)


# ---- derived quantities --------------------------------------------------------------------


def test_survival_and_detection_of_a_small_example() -> None:
    # Gaps 1, 2, 3 with chances 0.2, 0.3, 0.5: P(G > d) = 1, 0.8, 0.5, 0.
    pmf = np.array([0.2, 0.3, 0.5])
    assert survival(pmf) == pytest.approx([1.0, 0.8, 0.5, 0.0])
    # Within one day: after 0 days 0.2; after 1, 0.3 / 0.8; after 2, certain.
    assert detection_within(pmf, 1) == pytest.approx([0.2, 0.375, 1.0])
    assert worst_week_detection(pmf, 1) == pytest.approx(0.2)


def test_worst_week_detection_falls_with_the_share() -> None:
    values = [worst_week_detection(gap_pmf(GapShape.MAX_ENTROPY, 91, s)) for s in (0.55, 0.75)]
    assert values[0] > values[1] > 0


def test_visits_per_year() -> None:
    assert visits_per_year(365, 1.0) == pytest.approx(365.25 / 365)
    assert visits_per_year(28, 0.75) == pytest.approx(365.25 / 21)


def test_conditional_pmf() -> None:
    pmf = max_entropy_gap_pmf(28, 21.0)
    cond = conditional_gap_pmf(pmf, 10)
    assert cond.sum() == pytest.approx(1.0)
    assert (cond[:9] == 0).all()
    assert cond[9:] == pytest.approx(pmf[9:] / pmf[9:].sum())
    assert conditional_gap_pmf(pmf, 1) == pytest.approx(pmf)
    # Past the interval the visit is overdue: all mass on the interval.
    assert conditional_gap_pmf(pmf, 40)[-1] == 1.0


# ---- draws follow the distribution ---------------------------------------------------------


def chi_square_p(gaps: np.ndarray, pmf: np.ndarray) -> float:
    """Goodness of fit of drawn gaps to ``pmf``; gaps with fewer than 5 expected draws are
    pooled with their neighbours so the test's approximation holds."""
    observed = np.bincount(gaps - 1, minlength=len(pmf)).astype(float)
    expected = pmf * len(gaps)
    obs_bins, exp_bins, o, e = [], [], 0.0, 0.0
    for ob, ex in zip(observed, expected, strict=True):
        o, e = o + ob, e + ex
        if e >= 5:
            obs_bins.append(o)
            exp_bins.append(e)
            o = e = 0.0
    obs_bins[-1] += o
    exp_bins[-1] += e
    return float(stats.chisquare(obs_bins, exp_bins).pvalue)


def week_by_week(pmf: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Gaps drawn as the planner draws them. Right after a visit a gap is drawn from the
    pmf: if it ends in the same week, that is a short-notice revisit. Otherwise each later
    week draws afresh, conditional on the gap being at least the days already passed,
    until a drawn date falls inside the week. Composed, that is exactly the pmf."""
    cdfs: dict[int, np.ndarray] = {}

    def draw(at_least: int, size: int) -> np.ndarray:
        if at_least not in cdfs:
            cdfs[at_least] = np.cumsum(conditional_gap_pmf(pmf, at_least))
        cdf = cdfs[at_least]
        u = rng.random(size) * cdf[-1]
        return 1 + np.minimum(np.searchsorted(cdf, u, side="right"), len(pmf) - 1)

    passed = rng.integers(1, 8, size=n)  # days from the visit to the next Monday
    gaps = draw(1, n)
    gaps[gaps >= passed] = 0  # not this week: planned afresh from next Monday
    active = np.flatnonzero(gaps == 0)
    while len(active):
        for p in np.unique(passed[active]):
            who = active[passed[active] == p]
            drawn = draw(int(p), len(who))
            inside = drawn < p + 7
            gaps[who[inside]] = drawn[inside]
        active = active[gaps[active] == 0]
        passed[active] += 7
    return gaps


@pytest.mark.parametrize(("interval", "share"), [(28, 0.75), (91, 0.6), (182, 0.9)])
def test_many_seeded_draws_follow_the_pmf(interval: int, share: float) -> None:
    pmf = gap_pmf(GapShape.MAX_ENTROPY, interval, share)
    rng = np.random.default_rng(interval)
    once = rng.choice(np.arange(1, interval + 1), size=20_000, p=pmf)
    weekly = week_by_week(pmf, 20_000, rng)
    assert chi_square_p(once, pmf) > 1e-3
    assert chi_square_p(weekly, pmf) > 1e-3
    assert weekly.max() <= interval  # the interval stays the hard deadline


def test_the_chi_square_check_rejects_another_distribution() -> None:
    # The same test has the power to tell the uniform shape from the maximum-entropy one.
    rng = np.random.default_rng(1)
    other = gap_pmf(GapShape.UNIFORM, 28, 0.75)
    draws = rng.choice(np.arange(1, 29), size=20_000, p=other)
    assert chi_square_p(draws, gap_pmf(GapShape.MAX_ENTROPY, 28, 0.75)) < 1e-6


@settings(max_examples=60, deadline=None)
@given(
    interval=st.integers(2, 400),
    share=st.floats(0.5, 0.95),
    fail=st.floats(0.0, 0.5),
)
@example(interval=332, share=0.625, fail=0.5)  # a far tail lost to rounding in 1 - cumsum
def test_attempts_thinned_by_failures_give_the_target_gaps(
    interval: int, share: float, fail: float
) -> None:
    """Successful-visit hazard = attempt hazard x (1 - fail) wherever the attempt hazard
    is below 1: so on those days the successful gaps have the target's hazard."""
    target = max_entropy_gap_pmf(interval, max(1.0, share * interval))
    attempts = attempt_gap_pmf(target, fail)
    assert attempts.sum() == pytest.approx(1.0)
    assert np.all(attempts >= 0)
    a = hazard(attempts)
    h = hazard(target)
    free = a < 1 - 1e-9
    np.testing.assert_allclose((a * (1 - fail))[free], h[free], rtol=1e-6, atol=1e-12)
    # Attempts come no later than the successes they aim at.
    assert mean_gap(attempts) <= mean_gap(target) + 1e-9


def test_attempt_gaps_without_failures_are_the_target() -> None:
    target = max_entropy_gap_pmf(28, 21)
    assert attempt_gap_pmf(target, 0.0) is target
    with pytest.raises(ValueError, match="failure share"):
        attempt_gap_pmf(target, 1.0)
