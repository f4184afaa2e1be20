"""The multi-week simulation: reproducible, on time with room to spare, and growing
overdue counts when there is none."""

from __future__ import annotations

import numpy as np
import pytest

from models import Policy, RiskTier
from models.simulation import EventRates
from scheduler.gaps import gap_pmf
from scheduler.simulate import TIERS, simulate, visit_rows
from tests.scheduler.conftest import WEEK, offender, officer, register

CALM = EventRates(
    no_answer=0,
    refused_entry=0,
    cancelled_by_police=0,
    registrations_per_year=0,
    deregistrations_per_year=0,
    moves_per_year=0,
    custody_per_year=0,
    hospital_per_year=0,
    abroad_per_year=0,
    abscond_per_year=0,
    leave_share=0,
    sickness_share=0,
    abstraction_share=0,
)
FAST = Policy.model_validate({"solver": {"time_per_visit_s": 0.01, "min_team_time_s": 0.05}})


def small_unit(n: int, officers: int, hours: float, spread: float = 0.004):
    tiers = ["very_high", "high", "medium", "low"]
    offs = [
        offender(
            f"R{i:03d}",
            f"O{i % officers}",
            tier=tiers[i % 4],
            days_since=1 + (i * 7) % 25,
            dlat=spread * (i % 7),
            dlon=spread * (i // 7),
        )
        for i in range(n)
    ]
    ofs = [officer(f"O{k}", shifts="mon-sat 08:00-21:00", hours=hours) for k in range(officers)]
    return register(offs, ofs)


def test_a_seeded_simulation_replays_exactly() -> None:
    reg = small_unit(20, 2, 6)
    a = simulate(reg, FAST, WEEK, 4, seed=11)
    b = simulate(reg, FAST, WEEK, 4, seed=11)
    assert [w.flat() for w in a.weeks] == [w.flat() for w in b.weeks]
    assert visit_rows(a) == visit_rows(b)
    c = simulate(reg, FAST, WEEK, 4, seed=12)
    assert visit_rows(a) != visit_rows(c)


def test_generous_staffing_keeps_everyone_on_time() -> None:
    reg = small_unit(24, 3, 8)
    result = simulate(reg, FAST, WEEK, 10, seed=3, rates=CALM, warmup_weeks=1)
    assert len(result.visits) >= 20
    assert all(sum(w.overdue.values()) == 0 for w in result.weeks)
    assert result.compliance()["all"] == 1.0
    assert all(w.shortfall == 0 for w in result.weeks)
    # Successful gaps never exceed the interval when capacity allows.
    last: dict[str, object] = {}
    for v in sorted(result.visits, key=lambda v: v.date):
        if v.outcome.is_success:
            if v.offender_id in last:
                assert (v.date - last[v.offender_id]).days <= FAST.interval_days[v.tier]
            last[v.offender_id] = v.date


def test_with_no_spare_capacity_overdue_counts_grow() -> None:
    reg = small_unit(60, 1, 0.75, spread=0.02)
    result = simulate(reg, FAST, WEEK, 8, seed=5, rates=CALM)
    overdue = [sum(w.overdue.values()) for w in result.weeks]
    assert overdue[-1] > overdue[0]
    assert overdue == sorted(overdue)
    assert result.compliance()["all"] < 0.9


def test_failed_visits_and_events_are_drawn_at_their_rates() -> None:
    reg = small_unit(40, 3, 8)
    rates = CALM.model_copy(update={"no_answer": 0.3})
    result = simulate(reg, FAST, WEEK, 12, seed=9, rates=rates)
    attempts = [v for v in result.visits]
    failed = sum(v.outcome.value == "no_answer" for v in attempts)
    assert failed / len(attempts) == pytest.approx(0.3, abs=0.1)
    # Nobody is lost: every offender is still counted each week.
    assert all(w.offenders == 40 for w in result.weeks)


def test_register_growth_adds_new_offenders_who_get_visited() -> None:
    reg = small_unit(40, 3, 8)
    rates = CALM.model_copy(update={"registrations_per_year": 3.0})
    result = simulate(reg, FAST, WEEK, 6, seed=2, rates=rates)
    assert result.weeks[-1].offenders > 40
    new = {v.offender_id for v in result.visits if v.offender_id.startswith("SIM-")}
    assert new, "new registrations are visited"


def test_officer_absence_removes_working_days() -> None:
    reg = small_unit(20, 3, 6)
    rates = CALM.model_copy(update={"leave_share": 0.5})
    result = simulate(reg, FAST, WEEK, 6, seed=4, rates=rates)
    assert sum(w.officer_days_absent for w in result.weeks) > 0
    assert all(w.busy_h <= w.budget_h + 1e-6 for w in result.weeks)


def test_simulated_gaps_are_close_to_the_policy_mean() -> None:
    """With capacity to spare and no failures, the very-high gaps average near mu."""
    reg = small_unit(16, 2, 8)
    only_vh = reg.model_copy(
        update={
            "offenders": tuple(
                o.model_copy(update={"tier": RiskTier.VERY_HIGH}) for o in reg.offenders
            )
        }
    )
    result = simulate(only_vh, FAST, WEEK, 26, seed=8, rates=CALM)
    by: dict[str, list] = {}
    for v in sorted(result.visits, key=lambda v: v.date):
        by.setdefault(v.offender_id, []).append(v.date)
    gaps = [(b - a).days for d in by.values() for a, b in zip(d, d[1:], strict=False)]
    mu = float(gap_pmf(FAST.gap_shape, 28, 0.75) @ np.arange(1, 29))
    assert max(gaps) <= 28
    assert np.mean(gaps) == pytest.approx(mu, rel=0.12)
    assert set(TIERS) >= {RiskTier.VERY_HIGH}
