"""``scheduler.timing.audit``: each attacker on tiny hand-made histories (expected numbers
explained where asserted), the naive schedule at its known scores, a long history drawn
from the maximum-entropy schedule at the baseline's values within statistical tolerance,
flags for an offender always visited on Tuesday mornings, the manual-edit warning, and the
trade-off table."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest
from scipy import stats

from models import Policy, RiskTier, VisitOutcome
from scheduler.timing.audit import (
    TRADEOFF_SHARES,
    PlannedRecord,
    VisitRecord,
    audit,
    binomial_lower_tail,
    binomial_upper_tail,
    edits_reduce_randomness,
    gap_attacker_hits,
    km_worst_week,
    slot_attacker_hits,
    slot_distribution,
    tradeoff_table,
)
from scheduler.timing.gaps import max_entropy_gap_pmf, worst_week_detection

START = date(2020, 1, 6)  # a Monday
SLOTS = ("morning", "afternoon", "evening")
Out = VisitOutcome
T = RiskTier


def visit(oid: str, day: date, slot: str | None = "morning", outcome=Out.COMPLETED, tier=T.HIGH):
    return VisitRecord(oid, tier, day, slot, outcome)


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


# ---- the attackers on tiny histories ---------------------------------------------------


def test_slot_attacker_predicts_the_most_frequent_label_latest_on_ties() -> None:
    # a: nothing to predict from; b: predicts a (miss); a: tie a/b -> latest b (miss);
    # a: a leads (hit); b: a (miss); b: a 3 v b 2 (miss); b: tie 3/3 -> latest b (hit).
    assert slot_attacker_hits(list("abaabbb")) == (2, 6)
    assert slot_attacker_hits(["x"] * 5) == (4, 4)
    assert slot_attacker_hits([]) == (0, 0)


def test_gap_attacker_predicts_the_mean_of_earlier_gaps() -> None:
    # Gaps 10, 20, 14, 30: the 2nd gap is predicted 10 (miss by 10), the 3rd 15 (hit by
    # 1), the 4th 44/3 = 14.7 (miss by 15.3).
    assert gap_attacker_hits([10, 20, 14, 30]) == (1, 3)
    assert gap_attacker_hits([28] * 6) == (5, 5)
    assert gap_attacker_hits([28]) == (0, 0)
    assert gap_attacker_hits([10, 13]) == (1, 1)  # exactly 3 days off still hits


def test_km_worst_week_counts_open_gaps_at_risk() -> None:
    # Ten gaps of 10 days: no visit on days 1..9, every one on day 10. Within 2 days:
    # after 0..7 days 0; after 8 days certain. Worst: 0 at day 0 with 10 open.
    ww = km_worst_week([10] * 10, window=2, min_at_risk=5)
    assert (ww.detection, ww.day, ww.at_risk) == (0.0, 0, 10)
    # Half the gaps ended on day 1: the hazard on day 1 is 5/10, so within 1 day of a
    # visit detection is 0.5; from day 1 on the rest wait until day 10 (0).
    assert km_worst_week([1] * 5 + [10] * 5, window=1, min_at_risk=5).detection == 0.0
    assert km_worst_week([1] * 5 + [10] * 5, window=1, min_at_risk=6).detection == 0.5


def test_km_worst_week_treats_the_open_gap_as_censored() -> None:
    # Gaps of 3 days and open gaps of 30 days each: the open ones are at risk on days
    # 1..30 without a visit. Ignoring them would say a visit always comes within 7 days;
    # counting them, half of those waiting 0 days see a visit in the next 7 (0.5), and a
    # day-3 wait is never followed by one (0).
    ww = km_worst_week([3] * 20, [30] * 20, window=7, min_at_risk=10)
    assert ww.detection == 0.0
    assert km_worst_week([3] * 20, window=7, min_at_risk=10).detection == 1.0
    first_week = km_worst_week([3] * 20, [30] * 20, window=7, min_at_risk=21)
    assert first_week.detection == pytest.approx(0.5)
    assert first_week.day == 0


def test_km_worst_week_needs_enough_at_risk() -> None:
    ww = km_worst_week([5, 6], min_at_risk=30)
    assert ww.detection is None


@pytest.mark.parametrize(("hits", "n", "p"), [(0, 10, 0.1), (3, 10, 0.1), (60, 1000, 0.05)])
def test_binomial_tails_match_scipy(hits: int, n: int, p: float) -> None:
    assert binomial_upper_tail(hits, n, p) == pytest.approx(stats.binom.sf(hits - 1, n, p))
    assert binomial_lower_tail(hits, n, p) == pytest.approx(stats.binom.cdf(hits, n, p))
    # Tiny tails survive large n (a fixed cycle seen 3,000 times).
    assert binomial_lower_tail(0, 3000, 0.05) == pytest.approx(0.95**3000, rel=1e-9)


def test_slot_distribution_follows_shares_and_weekend_switch() -> None:
    dist = slot_distribution(Policy())
    assert len(dist) == 21 and all(p == pytest.approx(1 / 21) for p in dist.values())
    weekdays_only = Policy.model_validate({"weekends": False})
    assert len(slot_distribution(weekdays_only)) == 15
    evening_twice = Policy.model_validate(
        {
            "slots": [
                {"name": "day", "window": {"start": "08:00", "end": "17:00"}},
                {"name": "evening", "window": {"start": "17:00", "end": "21:00"}, "share": 2},
            ]
        }
    )
    dist = slot_distribution(evening_twice)
    assert dist[0, "evening"] == pytest.approx(2 * dist[0, "day"]) == pytest.approx(2 / 21)


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


# ---- manual edits ----------------------------------------------------------------------


def planned_and_recorded(move_every: int) -> tuple[list[PlannedRecord], list[VisitRecord]]:
    """40 offenders with 12 planned visits each at random days and slots; every
    ``move_every``-th visit was recorded on the Tuesday morning of its week instead."""
    rng = np.random.default_rng(11)
    planned, recorded = [], []
    for o in range(40):
        day = START + timedelta(days=int(rng.integers(0, 28)))
        for k in range(12):
            slot = SLOTS[rng.integers(3)]
            planned.append(PlannedRecord(f"O{o}", day, slot))
            if move_every and k % move_every == 0:
                tuesday = day - timedelta(days=day.weekday() - 1)
                recorded.append(visit(f"O{o}", tuesday, "morning"))
            else:
                recorded.append(visit(f"O{o}", day, slot))
            day += timedelta(days=int(rng.integers(14, 29)))
    return planned, recorded


def test_edits_moving_visits_to_one_slot_are_warned_about() -> None:
    planned, recorded = planned_and_recorded(move_every=2)
    check = edits_reduce_randomness(planned, recorded, Policy())
    assert check.matched == 480
    assert 200 <= check.moved <= 240  # half the visits, less those planned there already
    assert check.top_destination == ("tue morning", check.moved)
    assert check.slot_hit_rate_recorded > check.slot_hit_rate_planned + 0.2
    assert len(check.warnings) == 3  # hit rate up, weekday and slot entropy down
    assert all("went to tue morning" in w for w in check.warnings)
    # The same check runs inside the audit when planned visits are given.
    result = audit(recorded, Policy(), planned=planned)
    assert result.edits == check
    assert set(check.warnings) <= set(result.warnings)


def test_visits_as_planned_give_no_edit_warning() -> None:
    planned, recorded = planned_and_recorded(move_every=0)
    check = edits_reduce_randomness(planned, recorded, Policy())
    assert (check.matched, check.moved, check.warnings) == (480, 0, ())
    assert check.slot_hit_rate_planned == check.slot_hit_rate_recorded


# ---- trade-off -------------------------------------------------------------------------


def test_tradeoff_table_is_monotone_in_the_share() -> None:
    rows = tradeoff_table(Policy(), offenders={T.LOW: 150, T.HIGH: 54})
    assert len(rows) == 4 * len(TRADEOFF_SHARES)
    assert TRADEOFF_SHARES[0] == 0.55 and TRADEOFF_SHARES[-1] == 1.0
    for tier in T:
        mine = [r for r in rows if r.tier is tier]
        assert [r.share for r in mine] == list(TRADEOFF_SHARES)
        per_year = [r.visits_per_year for r in mine]
        worst = [r.worst_week for r in mine]
        assert all(a > b for a, b in zip(per_year, per_year[1:], strict=False)), tier
        assert all(a >= b for a, b in zip(worst, worst[1:], strict=False)), tier
        assert worst[0] > worst[-1] == 0.0
        # At share 1 the only schedule is the fixed cycle: once per interval, fully predicted.
        assert mine[-1].visits_vs_fixed == pytest.approx(1.0)
        assert mine[-1].gap_attacker == 1.0 and mine[-1].gap_entropy == 0.0
        assert len({r.slot_attacker for r in mine}) == 1  # the gap budget leaves slots alone
    low = next(r for r in rows if r.tier is T.LOW and r.share == 0.75)
    assert low.visits_per_year == pytest.approx(365.25 / (0.75 * 365))
    assert low.visits_per_year_total == pytest.approx(150 * low.visits_per_year)
    assert next(r for r in rows if r.tier is T.MEDIUM).offenders == 0


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
