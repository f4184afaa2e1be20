"""``scheduler.io.plots``: every plot is a valid PNG, whatever it is given."""

from __future__ import annotations

from datetime import date

from models import RiskTier
from scheduler.io.plots import compliance_vs_staffing, overdue_by_tier, utilisation_distribution
from scheduler.staffing.curve import Target, summarise
from scheduler.staffing.lower_bound import LowerBound
from scheduler.staffing.result import TIERS, Measure, OfficerWeek, WeekRow
from tests.scheduler.staffing.test_sweep import row

PNG = b"\x89PNG\r\n\x1a\n"


def week(n: int, overdue: int) -> WeekRow:
    return WeekRow(
        week=n,
        week_start=date(2026, 11, 30),
        offenders=10,
        active=9,
        officers=2,
        officer_days_absent=0,
        due=3,
        planned=3,
        revisits=0,
        completed=3,
        failed=0,
        shortfall=0,
        overdue={t: overdue if t is RiskTier.HIGH else 0 for t in TIERS},
        longest_gap={t: 10 for t in TIERS},
        missing=0,
        away=0,
        travel_h=1.0,
        busy_h=4.0,
        budget_h=8.0,
    )


def test_compliance_vs_staffing_is_a_png() -> None:
    rows = [
        row(n, r, 0.9 + 0.03 * n, 0.9 + 0.02 * n + 0.001 * r) for n in (1, 2, 3) for r in (0, 1, 2)
    ]
    bound = LowerBound(2, 2, 1.0, 1.2, 1.5, 0.1, 5.0)
    png = compliance_vs_staffing(summarise(rows, lower_bound=bound))
    assert png.startswith(PNG) and len(png) > 1000
    on_time = summarise(rows, Target(measure=Measure.ON_TIME), bound)
    assert compliance_vs_staffing(on_time) != png  # the target's measure is the one shaded
    # Without bands (one replication) and without a bound or a minimum, still a PNG.
    assert compliance_vs_staffing(summarise([row(1, 0, 0.5, 0.5)])).startswith(PNG)
    # Rows without attempted figures (older sweeps) plot the on-time measure alone.
    old = [row(n, 0, 0.9, 0.9, attempted={}) for n in (1, 2)]
    assert compliance_vs_staffing(summarise(old, Target(measure=Measure.ON_TIME))).startswith(PNG)


def test_overdue_by_tier_is_a_png() -> None:
    png = overdue_by_tier([week(n, n // 2) for n in range(1, 9)], warmup_weeks=2)
    assert png.startswith(PNG)
    assert overdue_by_tier([]).startswith(PNG)


def test_utilisation_distribution_is_a_png() -> None:
    weeks = [OfficerWeek(w, f"O{k}", "t", 10, 0.5 * k, 8.0) for w in range(4) for k in range(4)]
    weeks.append(OfficerWeek(0, "O9", "t", 10, 0.0, 0.0))  # a week away: left out
    assert utilisation_distribution(weeks).startswith(PNG)
    assert utilisation_distribution([0.2, 0.5, 1.3]).startswith(PNG)
    assert utilisation_distribution([]).startswith(PNG)


def test_same_figure_same_bytes() -> None:
    weeks = [week(n, n) for n in range(1, 5)]
    assert overdue_by_tier(weeks) == overdue_by_tier(weeks)
