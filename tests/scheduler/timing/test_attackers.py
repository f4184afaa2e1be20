"""``scheduler.timing.attackers``: each attacker and statistic on tiny hand-made
histories (expected numbers explained where asserted)."""

from __future__ import annotations

import pytest
from scipy import stats

from scheduler.timing.attackers import (
    binomial_lower_tail,
    binomial_upper_tail,
    gap_attacker_hits,
    km_worst_week,
    slot_attacker_hits,
)


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
