"""``scheduler.timing.audit``: the naive schedule at its known scores, a long history drawn
from the maximum-entropy schedule at the baseline's values within statistical tolerance,
flags for an offender always visited on Tuesday mornings, and offenders held to the mix
over the pairs they are at home."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest

from models import Policy, RiskTier, VisitOutcome
from scheduler.timing.audit import audit
from scheduler.timing.gaps import max_entropy_gap_pmf, worst_week_detection
from scheduler.timing.visits import VisitRecord
from tests.scheduler.timing.audit_helpers import SLOTS, START, visit

Out = VisitOutcome
T = RiskTier


def naive_history(tier: RiskTier, offenders: int, years: int) -> list[VisitRecord]:
    """A visit on every due date (every I days), always in the morning: with I a whole
    number of weeks (28, 91, 182), always on the same weekday too."""
    interval = Policy().interval_days[tier]
    out = []
    for o in range(offenders):
        day = START + timedelta(days=o)
        while day < START + timedelta(days=365 * years):
            out.append(visit(f"N{tier.value}{o}", day, tier=tier))
            day += timedelta(days=interval)
    return out


def random_history(
    tier: RiskTier, offenders: int, years: int, rng: np.random.Generator, prefix: str = "R"
) -> tuple[list[VisitRecord], date]:
    """Gaps drawn from the tier's maximum-entropy distribution at the policy's share, time
    slots uniformly (the weekday is whatever the date gives)."""
    interval = Policy().interval_days[tier]
    pmf = max_entropy_gap_pmf(interval, 0.75 * interval)
    end = START + timedelta(days=365 * years)
    out = []
    for o in range(offenders):
        day = START + timedelta(days=int(rng.integers(0, interval)))
        while day <= end:
            out.append(visit(f"{prefix}{tier.value}{o}", day, SLOTS[rng.integers(3)], tier=tier))
            day += timedelta(days=int(rng.choice(np.arange(1, interval + 1), p=pmf)))
    return out, end


# ---- the reference schedules -----------------------------------------------------------


def test_naive_schedule_scores_zero_worst_week_and_is_fully_predicted() -> None:
    # 30 offenders of each tier visited on every due date, every Monday..Sunday morning.
    history = [v for t in (T.VERY_HIGH, T.HIGH) for v in naive_history(t, 30, 6)]
    result = audit(history, Policy())
    policy = Policy()
    for row in result.tiers:
        interval = policy.interval_days[T(row.group)]
        analytic = worst_week_detection(max_entropy_gap_pmf(interval, 0.75 * interval))
        assert row.worst_week.value == 0.0
        assert row.worst_week_baseline_long == pytest.approx(analytic)
        # The finite-history baseline: what the estimate reads from as many baseline gaps.
        assert row.worst_week.baseline == pytest.approx(analytic, rel=0.25)
        assert row.worst_week.naive == 0.0
        assert row.worst_week.ratio == 0.0
        assert row.slot_attacker.value == 1.0 == row.slot_attacker.naive
        assert row.slot_attacker.baseline == pytest.approx(1 / 21)  # 7 days x 3 slots
        assert row.gap_attacker.value == 1.0 == row.gap_attacker.naive
        assert row.gap_entropy.value == row.slot_entropy.value == 0.0
    assert result.tiers[0].worst_week_baseline_long == pytest.approx(0.0507, abs=1e-4)
    assert result.tiers[1].worst_week_baseline_long == pytest.approx(0.0097, abs=1e-4)
    # Every offender is flagged by both attackers, and every tier warned about.
    assert {(f.offender_id, f.attacker) for f in result.flags} == {
        (o.offender_id, a) for o in result.offenders for a in ("slot", "gap")
    }
    text = " ".join(result.warnings)
    assert "very_high: worst-week detection 0" in text and "high: the slot attacker" in text
    assert not result.is_clean()


def test_long_maximum_entropy_history_scores_like_the_baseline() -> None:
    # 150 offenders of each tier over 8 years, drawn from the baseline schedule itself
    # (high: ~32 gaps each, medium: ~16): every score within statistical tolerance of the
    # baseline's value, and nobody more flagged than chance allows.
    rng = np.random.default_rng(7)
    high, end = random_history(T.HIGH, 150, 8, rng)
    medium, _ = random_history(T.MEDIUM, 150, 8, rng)
    result = audit(high + medium, Policy(), as_of=end)
    for row in result.tiers:
        ww = row.worst_week
        assert ww.value is not None and ww.baseline is not None
        sd = math.sqrt(ww.baseline / row.worst_week_at_risk)
        # The baseline is what the estimate reads from as many baseline gaps, so a
        # history drawn from the baseline scores like it, on either side.
        assert abs(ww.value - ww.baseline) <= 3 * sd, row.group
        # The minimum over many days of a noisy estimate sits below the exact value.
        assert row.worst_week_baseline_long is not None
        assert ww.baseline < row.worst_week_baseline_long, row.group
        for score, n in (
            (row.slot_attacker, row.slot_predictions),
            (row.gap_attacker, row.gap_predictions),
        ):
            assert score.value is not None and score.baseline is not None
            sd = math.sqrt(score.baseline * (1 - score.baseline) / n)
            assert abs(score.value - score.baseline) <= 4 * sd, row.group
        assert row.slot_p_value > 1e-3 and row.gap_p_value > 1e-3
        for entropy in (row.gap_entropy, row.weekday_entropy, row.slot_entropy):
            assert entropy.value == pytest.approx(entropy.baseline, abs=0.02)
        assert row.observed_share == pytest.approx(0.75, abs=0.02)
    assert result.warnings == ()
    # alpha = 0.01 per attacker: ~6 of 300 offenders flagged by chance; 20 would not be.
    assert len(result.flags) < 20


def test_analytic_baseline_of_the_default_policy() -> None:
    result = audit(naive_history(T.VERY_HIGH, 2, 1), Policy())
    assert result.slot_baseline_asymptotic == pytest.approx(1 / 21)
    row = result.offenders[0]
    assert row.worst_week.baseline == pytest.approx(0.0507, abs=1e-4)


# ---- flags -------------------------------------------------------------------------------


def test_an_offender_always_visited_on_tuesday_mornings_is_flagged() -> None:
    rng = np.random.default_rng(3)
    others, end = random_history(T.HIGH, 40, 6, rng)
    tuesday = START + timedelta(days=1)
    pmf = max_entropy_gap_pmf(91, 68.25)
    fixed, day = [], tuesday
    while day <= end:  # random gaps, rounded to whole weeks: always a Tuesday
        fixed.append(visit("TUE", day))
        day += timedelta(weeks=max(1, round(rng.choice(np.arange(1, 92), p=pmf) / 7)))
    result = audit(others + fixed, Policy(), as_of=end)
    [flag] = [f for f in result.flags if f.offender_id == "TUE"]
    assert flag.attacker == "slot"
    assert flag.hits == flag.predictions == len(fixed) - 1
    assert flag.baseline == pytest.approx(1 / 21)
    assert flag.p_value < 1e-10
    row = next(o for o in result.offenders if o.offender_id == "TUE")
    assert row.flags == ("slot",) and row.weekday_entropy.value == 0.0
    assert "TUE" in flag.message() and "Tuesday" not in flag.message()


def test_an_offender_visited_every_60_days_is_flagged_by_the_gap_attacker() -> None:
    history = [visit("SIXTY", START + timedelta(days=60 * k), SLOTS[k % 3]) for k in range(12)]
    result = audit(history, Policy())
    assert [f.attacker for f in result.flags] == ["gap"]
    assert result.flags[0].hits == 10  # every gap from the 2nd predicted exactly


def test_failed_attempts_count_for_the_slot_attacker_not_for_gaps() -> None:
    # The offender sees the police at the door whatever the outcome, but only completed
    # visits end a gap.
    history = [
        visit("R", START, "morning"),
        visit("R", START + timedelta(days=7), "morning", Out.NO_ANSWER),
        visit("R", START + timedelta(days=14), "morning", Out.REFUSED_ENTRY),
        visit("R", START + timedelta(days=21), "evening", Out.CANCELLED_BY_POLICE),
        visit("R", START + timedelta(days=28), "morning"),
    ]
    [row] = audit(history, Policy()).offenders
    assert (row.attended, row.completed) == (4, 2)
    assert (row.slot_hits, row.slot_predictions) == (3, 3)
    assert row.longest_gap == 28


def test_empty_history() -> None:
    result = audit([], Policy())
    assert result.overall is None and result.warnings == ("the history holds no visits",)


def test_offenders_home_only_some_pairs_are_held_to_the_mix_over_those() -> None:
    """Someone away at work every weekday daytime is visited on evenings and Saturdays:
    against the whole mix that looks predictable, against the pairs they are at home
    it is as random as can be."""
    rng = np.random.default_rng(3)
    evenings = [(d, "evening") for d in range(5)] + [(5, "morning"), (5, "afternoon")]
    history = []
    for o in range(40):
        day = START + timedelta(days=int(rng.integers(0, 7)))
        for _ in range(10 + o):  # longer histories later: one model must serve them all
            d, slot = evenings[int(rng.integers(len(evenings)))]
            day += timedelta(days=int((d - day.weekday()) % 7) + 7 * int(rng.integers(1, 4)))
            history.append(visit(f"W{o}", day, slot=slot, tier=T.VERY_HIGH))
    plain = audit(history, Policy())
    home = {f"W{o}": frozenset(evenings) for o in range(40)}
    fair = audit(history, Policy(), available=home)
    (p_row,), (f_row,) = plain.tiers, fair.tiers
    assert f_row.slot_attacker.baseline == pytest.approx(1 / 7, abs=0.01)
    assert p_row.slot_attacker.baseline == pytest.approx(1 / 21, abs=0.01)
    assert p_row.slot_attacker.ratio > 2.0  # flagged against the whole mix
    assert 0.7 < f_row.slot_attacker.ratio < 1.3
    assert not [f for f in fair.flags if f.attacker == "slot"]
