"""Secret random visit dates and times: gaps follow the policy's distribution and never
exceed the interval, slots follow the policy's shares, and the seed replays."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from models import GapShape, Policy, RiskTier
from scheduler.history.state import History, OutcomeEvent
from scheduler.plan.due import select_due
from scheduler.plan.planner import plan_week
from scheduler.timing.gaps import gap_pmf
from tests.scheduler.conftest import WEEK, offender, officer, register

SLOT_PATTERN = {"morning": 1.0, "afternoon": 1.0, "evening": 2.0}


def _with_slot_shares(policy: Policy, shares: dict[str, float]) -> Policy:
    slots = tuple(s.model_copy(update={"share": shares[s.name]}) for s in policy.slots)
    return policy.model_copy(update={"slots": slots})


def drawn_gaps(policy: Policy, tier: str, weeks: int, seed: int, fail: float = 0.0) -> list[int]:
    """Visit one offender exactly when due selection says (first visit on its drawn date,
    any short-notice revisit on its date), week after week: the gaps between successful
    visits it produces when each visit fails with probability ``fail`` (a failed visit
    leaves the gap open)."""
    rng = np.random.default_rng(seed)
    outcome_rng = np.random.default_rng(seed + 1)
    interval = policy.interval_days[RiskTier(tier)]
    off = offender("R", "A", tier=tier, days_since=interval)  # due on Monday
    gaps: list[int] = []
    last = off.last_visit
    assert last is not None
    for w in range(weeks):
        monday = WEEK + timedelta(days=7 * w)
        current = off.model_copy(update={"last_visit": last})
        due, _ = select_due([current], policy, monday, rng=rng)
        for dv in sorted(due, key=lambda d: d.revisit):
            day = dv.target if dv.target is not None else monday
            if outcome_rng.random() < fail:
                continue
            gaps.append((day - last).days)
            last = day
    return gaps[1:]  # the first gap starts from the register's date


def assert_gaps_follow(gaps: list[int], pmf: np.ndarray) -> None:
    """Chi-square goodness of fit of whole-day gaps to ``pmf`` (on ~12 equal-mass bins,
    so every bin has enough expected counts)."""
    interval = len(pmf)
    observed = np.bincount(gaps, minlength=interval + 1)[1 : interval + 1]
    expected = pmf * len(gaps)
    bins = np.cumsum(expected) // max(expected.sum() / 12, 1)  # ~12 equal-mass bins
    obs = np.bincount(bins.astype(int), weights=observed)
    exp = np.bincount(bins.astype(int), weights=expected)
    keep = exp > 0
    _, p = stats.chisquare(obs[keep], exp[keep] * obs[keep].sum() / exp[keep].sum())
    assert p > 0.001, (obs, exp)


@pytest.mark.parametrize("tier", ["very_high", "high"])
def test_gaps_follow_the_policy_distribution_and_never_exceed_the_interval(tier: str) -> None:
    policy = Policy(revisit_share_cap=0.5, visit_options=1, failed_visit_share=0.0)
    interval = policy.interval_days[RiskTier(tier)]
    gaps = drawn_gaps(policy, tier, weeks=3000 if tier == "very_high" else 6000, seed=7)
    assert max(gaps) <= interval and min(gaps) >= 1
    assert_gaps_follow(gaps, gap_pmf(policy.gap_shape, interval, 0.75))
    assert np.mean(gaps) == pytest.approx(0.75 * interval, rel=0.05)


@pytest.mark.parametrize("fail", [0.1, 0.25])
def test_successful_visits_follow_the_distribution_despite_failed_visits(fail: float) -> None:
    """Draws allow for the visits that will fail: successful gaps still follow the
    policy's distribution and mean (drawing as if every visit succeeded would make a
    visit soon after the last one rarer than the baseline's)."""
    interval = 28
    pmf = gap_pmf(GapShape.MAX_ENTROPY, interval, 0.75)
    compensated = Policy(revisit_share_cap=0.5, visit_options=1, failed_visit_share=fail)
    gaps = drawn_gaps(compensated, "very_high", weeks=4000, seed=5, fail=fail)
    # A failure in the gap's last week can push it past the deadline (a weekly plan
    # cannot re-attempt within the week): at most the failures of that last week.
    assert sum(g > interval for g in gaps) / len(gaps) < fail / 2
    assert_gaps_follow([g for g in gaps if g <= interval], pmf)
    assert np.mean(gaps) == pytest.approx(0.75 * interval, rel=0.05)


def test_short_notice_revisits_keep_short_gaps_possible() -> None:
    """Without same-week revisits a visit would buy the rest of its week."""
    policy = Policy(revisit_share_cap=0.5, visit_options=1)
    gaps = drawn_gaps(policy, "very_high", weeks=2000, seed=3)
    assert min(gaps) <= 2
    off = Policy(revisit_share_cap=0.0, visit_options=1)
    # Revisits off: a gap of 1 day needs a Sunday visit and a Monday draw, so short
    # gaps get much rarer.
    assert sum(g <= 3 for g in drawn_gaps(off, "very_high", 2000, 3)) < sum(g <= 3 for g in gaps)


def test_fixed_shape_is_the_naive_cycle() -> None:
    policy = Policy(gap_shape=GapShape.FIXED, visit_options=1)
    gaps = drawn_gaps(policy, "very_high", weeks=60, seed=1)
    assert set(gaps) == {28}


def test_time_slots_follow_the_policy_shares() -> None:
    policy = _with_slot_shares(Policy(visit_options=1), SLOT_PATTERN)
    offenders = [offender(f"R{i}", "A", tier="very_high", days_since=27) for i in range(4000)]
    due, _ = select_due(offenders, policy, WEEK, rng=np.random.default_rng(11))
    counts = Counter(dv.options[0][1] for dv in due if not dv.revisit)
    total = sum(counts.values())
    observed = [counts[n] for n in SLOT_PATTERN]
    expected = [total * w / 4 for w in SLOT_PATTERN.values()]
    assert stats.chisquare(observed, expected).pvalue > 0.001


def test_the_offenders_most_frequent_slot_is_avoided() -> None:
    policy = Policy(visit_options=1)
    offenders = [offender(f"R{i}", "A", tier="very_high", days_since=27) for i in range(3000)]
    # Everyone's last three visits were Tuesday mornings.
    events = [
        OutcomeEvent(o.id, WEEK - timedelta(days=d), _completed(), slot="morning")
        for o in offenders
        for d in (27 + 28, 27 + 56, 27 + 84)
    ]
    history = History.from_events(events, policy)
    due, _ = select_due(offenders, policy, WEEK, history, rng=np.random.default_rng(2))
    share = sum(dv.options[0][1] == "morning" for dv in due) / len(due)
    # Plain shares would give 1/3; the frequent slot keeps a quarter of its weight.
    assert share == pytest.approx(0.25 / 2.25, abs=0.03)


def _completed():
    from models import VisitOutcome

    return VisitOutcome.COMPLETED


@settings(max_examples=25, deadline=None)
@given(
    share=st.floats(0.55, 1.0),
    days_since=st.integers(1, 400),
    tier=st.sampled_from(["low", "medium", "high", "very_high"]),
    seed=st.integers(0, 2**32),
)
def test_a_drawn_visit_is_never_after_the_deadline(share, days_since, tier, seed) -> None:
    t = RiskTier(tier)
    policy = Policy(gap_mean_share={**Policy().gap_mean_share, t: share})
    off = offender("R", "A", tier=tier, days_since=days_since)
    due, _ = select_due([off], policy, WEEK, rng=np.random.default_rng(seed))
    deadline = off.last_visit + timedelta(days=policy.interval_days[t])
    first = [dv for dv in due if not dv.revisit]
    assert len(first) <= 1
    for dv in due:
        assert all(0 <= d < 7 for d, _ in dv.options)
        if dv.revisit:  # after the first visit: its own interval counts from there
            assert first[0].target is not None and first[0].target < dv.target
            assert (dv.target - first[0].target).days <= policy.interval_days[t]
        else:
            assert dv.target is None or dv.target <= deadline
    if deadline <= WEEK + timedelta(days=6):
        assert due, "an offender whose interval ends this week (or already has) is due"


def test_same_seed_same_plan_other_seed_other_plan() -> None:
    officers = [officer("A", shifts="mon-sat 08:00-21:00", hours=8)]
    offenders = [
        offender(f"R{i}", "A", tier="very_high", days_since=20, dlat=0.002 * i) for i in range(8)
    ]
    reg = register(offenders, officers)
    policy = Policy.model_validate({"solver": {"time_limit_s": 0.3}})

    def timing(seed: int) -> list[tuple[str, date, str]]:
        rota = plan_week(reg, policy, WEEK, seed=seed)
        return sorted((v.offender_id, v.date, v.slot) for v in rota.visits)

    assert timing(5) == timing(5)
    assert any(timing(5) != timing(s) for s in (6, 7, 8))


@settings(max_examples=30, deadline=None)
@given(
    failed_days_ago=st.integers(1, 12),
    slot=st.sampled_from(["morning", "afternoon", "evening"]),
    seed=st.integers(0, 2**32 - 1),
    mates_n=st.integers(0, 5),
)
def test_reattempts_get_secret_options_away_from_the_failed_weekday_and_slot(
    failed_days_ago: int, slot: str, seed: int, mates_n: int
) -> None:
    """A re-attempt is drawn like any visit (not left to the optimiser's cheapest slot),
    by its deadline, on another weekday and at another time of day than the failure."""
    from models import VisitOutcome

    policy = Policy()
    off = offender("R", "A", tier="high", days_since=40)
    # The manager's other visits this week: the re-attempt's later options are pulled
    # to their days, never onto the failed weekday or slot.
    mates = [offender(f"M{i}", "A", tier="very_high", days_since=27) for i in range(mates_n)]
    failed_on = WEEK - timedelta(days=failed_days_ago)
    history = History.from_events(
        [OutcomeEvent("R", failed_on, VisitOutcome.NO_ANSWER, slot=slot)], policy
    )
    due, _ = select_due([off, *mates], policy, WEEK, history, rng=np.random.default_rng(seed))
    (dv,) = [d for d in due if d.offender_id == "R"]
    assert dv.failed_attempts == 1 and dv.options
    deadline = (dv.due_date - WEEK).days
    for day, name in dv.options:
        assert day <= deadline
        assert (WEEK + timedelta(days=day)).weekday() != failed_on.weekday()
        assert name != slot


def _shared_day_share(pull: float, seed: int) -> float:
    """Share of visits with an extra option on a day another visit of the same manager
    has an option: what lets the optimiser chain them into one trip."""
    policy = Policy(visit_options=2, option_day_pull=pull)
    hits = total = 0
    rng = np.random.default_rng(seed)
    for k in range(150):
        offs = [
            offender(f"R{k}-{i}", "A", tier="very_high", days_since=int(rng.integers(18, 28)))
            for i in range(4)
        ]
        due, _ = select_due(offs, policy, WEEK, rng=rng)
        for dv in due:
            others = {d for o in due if o is not dv for d, _ in o.options}
            extra = [d for d, _ in dv.options if dv.target is None or d != (dv.target - WEEK).days]
            hits += any(d in others for d in extra)
            total += 1
    return hits / total


def test_extra_options_are_pulled_to_the_managers_other_visit_days() -> None:
    independent = _shared_day_share(0.0, seed=3)
    pulled = _shared_day_share(2.0, seed=3)
    assert pulled > 0.75 and pulled > 2 * independent, (independent, pulled)


def _reattempt_shared_days(pull: float, seed: int) -> tuple[float, Counter[int]]:
    """For re-attempts and overdue visits (no drawn date: every option drawn alike),
    the share of their options on days another visit of the manager has an option, and
    the days of all their options."""
    from models import VisitOutcome

    policy = Policy(visit_options=2, option_day_pull=pull)
    rng = np.random.default_rng(seed)
    shared = total = 0
    days: Counter[int] = Counter()
    for k in range(200):
        late = offender(f"L{k}", "A", tier="high", days_since=200)  # overdue
        failed = offender(f"F{k}", "A", tier="high", days_since=40)
        mates = [offender(f"M{k}", "A", tier="very_high", days_since=24)]
        history = History.from_events(
            [OutcomeEvent(f"F{k}", WEEK - timedelta(days=3), VisitOutcome.NO_ANSWER)], policy
        )
        due, _ = select_due([late, failed, *mates], policy, WEEK, history, rng=rng)
        for dv in due:
            if dv.offender_id[0] not in "LF":
                continue
            others = {d for o in due if o is not dv for d, _ in o.options}
            shared += sum(d in others for d, _ in dv.options)
            days.update(d for d, _ in dv.options)
            total += len(dv.options)
    return shared / total, days


def test_reattempt_and_overdue_options_are_pulled_but_one_stays_independent() -> None:
    """A re-attempt's or an overdue visit's options are drawn alike; all but one are
    redrawn on the manager's busy days, and the one kept is still spread over the days
    it may take (the overdue visit's first four days, the re-attempt's days by its
    deadline other than the failed weekday)."""
    independent, _ = _reattempt_shared_days(0.0, seed=4)
    pulled, days = _reattempt_shared_days(4.0, seed=4)
    assert pulled > independent + 0.2, (independent, pulled)
    assert set(days) <= set(range(7)) and min(days.values()) > 20, days


@settings(max_examples=30, deadline=None)
@given(pull=st.floats(0.0, 8.0), seed=st.integers(0, 2**32), n=st.integers(1, 6))
def test_pulled_options_keep_the_drawn_date_first_and_stay_within_the_deadline(
    pull: float, seed: int, n: int
) -> None:
    """Pulling changes only the alternatives: the secret drawn date is always an option
    (so drawn dates keep the tier's gap distribution), and no option passes the due date."""
    policy = Policy(visit_options=3, option_day_pull=pull)
    rng = np.random.default_rng(seed)
    offs = [
        offender(f"R{i}", "A", tier="very_high", days_since=int(rng.integers(14, 28)))
        for i in range(n)
    ]
    due, _ = select_due(offs, policy, WEEK, rng=rng)
    for dv in due:
        assert 1 <= len(dv.options) <= 3
        assert all(WEEK + timedelta(days=d) <= dv.due_date for d, _ in dv.options)
        if dv.target is not None:
            assert (dv.target - WEEK).days in {d for d, _ in dv.options}


def test_options_fall_when_the_offender_is_at_home() -> None:
    """An offender at work on weekday daytimes gets options in the evening or on Saturday:
    an option drawn while they are out is one the optimiser cannot use."""
    policy = Policy(visit_options=2)
    offs = [
        offender(f"R{i}", "A", tier="high", days_since=80, unavailable="mon-fri 08:00-18:00")
        for i in range(300)
    ]
    due, _ = select_due(offs, policy, WEEK, rng=np.random.default_rng(5))
    options = [(d, s) for dv in due for d, s in dv.options]
    assert options
    assert all(s == "evening" or d >= 5 for d, s in options), Counter(options)
