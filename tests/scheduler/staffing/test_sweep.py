"""The staffing planner (``scheduler.staffing.restaff``, ``.sweep``, ``.curve``):
restaffing, the workload lower bound, the sweep (serial, local processes, Dask) and its
summary, on tiny hand-made registers with few weeks."""

from __future__ import annotations

import math
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models import Gender, Policy, Register
from scheduler.staffing.bound import workload_lower_bound
from scheduler.staffing.curve import Band, Target, refine_minimum, summarise
from scheduler.staffing.restaff import (
    StaffingError,
    balanced_order,
    largest_remainder_counts,
    restaff,
    roster,
    team_counts,
)
from scheduler.staffing.result import Measure
from scheduler.staffing.sweep import (
    InlineExecutor,
    SweepRow,
    make_tasks,
    parse_levels,
    run_sweep,
    run_task,
    sweep_executor,
)
from tests.scheduler.conftest import NO_EVENTS, WEEK, offender, officer, register


@pytest.fixture
def quick() -> Policy:
    return Policy.model_validate({"solver": {"time_limit_s": 0.3}})


def two_teams() -> Register:
    """Team a: 3 officers, 18 offenders; team b: 1 officer, 6 offenders. One offender
    of team a needs a female officer and only officer A2 is female."""
    officers = [
        officer("A1", team="a", gender=Gender.MALE),
        officer("A2", team="a", gender=Gender.FEMALE),
        officer("A3", team="a", gender=Gender.MALE, hours=3.0),
        officer("B1", team="b"),
    ]
    offenders = [
        offender(f"RA{k:02d}", f"A{k % 3 + 1}", dlat=0.002 * k, days_since=10 + k)
        for k in range(18)
    ]
    offenders[1] = offenders[1].model_copy(
        update={"officer_gender": Gender.FEMALE, "manager_id": "A2"}
    )
    offenders += [offender(f"RB{k:02d}", "B1", dlon=0.002 * k, days_since=20) for k in range(6)]
    return register(offenders, officers)


def very_high_unit(n: int = 24, hours: float = 2.0) -> Register:
    """One officer with ``hours`` visit hours a day and ``n`` very-high-risk offenders
    last visited 1..n days ago (staggered, so there is no starting backlog)."""
    offs = [
        offender(f"R{k:02d}", "O1", tier="very_high", days_since=1 + k * 27 // n, dlat=0.001 * k)
        for k in range(n)
    ]
    return register(offs, [officer("O1", hours=hours)])


# ------------------------------------------------------------------ restaffing


@pytest.mark.parametrize(
    ("sizes", "total", "expected"),
    [
        ({"a": 3, "b": 1}, 4, {"a": 3, "b": 1}),  # unchanged
        ({"a": 3, "b": 1}, 8, {"a": 6, "b": 2}),  # exact quotas 6 and 2
        ({"a": 3, "b": 1}, 2, {"a": 1, "b": 1}),  # quota 1.5 / 0.5, at least one each
        ({"a": 3, "b": 1}, 5, {"a": 4, "b": 1}),  # quotas 3.75 / 1.25: remainder to a
        ({"a": 1, "b": 1, "c": 8}, 4, {"a": 1, "b": 1, "c": 2}),  # minimum of one pushes over
    ],
)
def test_team_counts_split_in_proportion_with_one_each(
    sizes: dict[str, int], total: int, expected: dict[str, int]
) -> None:
    counts = team_counts(sizes, total)
    assert counts == expected
    assert sum(counts.values()) == total


@given(
    sizes=st.lists(st.integers(1, 12), min_size=1, max_size=8).map(
        lambda xs: {f"t{i}": x for i, x in enumerate(xs)}
    ),
    extra=st.integers(0, 60),
)
def test_team_counts_never_take_an_officer_from_a_team_as_the_total_grows(
    sizes: dict[str, int], extra: int
) -> None:
    total = len(sizes) + extra
    counts = team_counts(sizes, total)
    more = team_counts(sizes, total + 1)
    assert sum(counts.values()) == total and min(counts.values()) >= 1
    assert all(more[t] >= counts[t] for t in sizes)  # house monotone: levels are nested
    assert team_counts(sizes, sum(sizes.values())) == sizes  # today's total: today's teams


def test_the_old_split_took_officers_from_teams_as_the_met_grew() -> None:
    # Largest remainder with one each (kept for the published cut scenarios) gives three
    # met boroughs fewer officers at 80 than at 79; the split sweeps use never does.
    from scheduler.staffing.scenarios import build

    sizes = dict(Counter(o.team for o in build("met@1").register.officers))
    old79, old80 = largest_remainder_counts(sizes, 79), largest_remainder_counts(sizes, 80)
    assert [t for t in sizes if old80[t] < old79[t]]
    new79, new80 = team_counts(sizes, 79), team_counts(sizes, 80)
    assert all(new80[t] >= new79[t] for t in sizes)


def test_team_counts_refuses_fewer_officers_than_teams() -> None:
    with pytest.raises(StaffingError, match="at least one per team"):
        team_counts({"a": 3, "b": 1}, 1)


@pytest.mark.parametrize("total", [2, 3, 4, 5, 8, 11])
def test_restaff_keeps_everyone_managed_in_their_team(total: int, quick: Policy) -> None:
    reg = two_teams()
    out = restaff(reg, total, quick)
    assert len(out.officers) == total
    per_team = Counter(o.team for o in out.officers)
    assert per_team == Counter(team_counts({"a": 3, "b": 1}, total))
    ids = {o.id for o in out.officers}
    team_of = {o.id: o.team for o in out.officers}
    old_team = {o.id: o.team for o in reg.officers}
    assert [o.id for o in out.offenders] == [o.id for o in reg.offenders]  # same offenders
    for before, after in zip(reg.offenders, out.offenders, strict=True):
        assert after.manager_id in ids
        assert team_of[after.manager_id] == old_team[before.manager_id]


def test_restaff_clones_officers_round_robin_with_new_ids(quick: Policy) -> None:
    out = restaff(two_teams(), 8, quick, order="balanced")  # a: 3 -> 6, b: 1 -> 2
    a = [o for o in out.officers if o.team == "a"]
    assert [o.id for o in a] == ["A1", "A2", "A3", "A-S001", "A-S002", "A-S003"]
    # Clones copy their model: A-S003 is a copy of A3 (3 visit hours), A-S002 of A2.
    clone = {o.id: o for o in a}
    assert clone["A-S003"].visit_hours == 3.0
    assert clone["A-S002"].gender is Gender.FEMALE
    assert [o.id for o in out.officers if o.team == "b"] == ["B1", "B-S001"]


def test_restaff_cut_keeps_the_first_in_balanced_order_and_raises_caps(quick: Policy) -> None:
    out = restaff(two_teams(), 2, quick, order="balanced")  # a: 3 -> 1 (A1 only), b: 1
    assert [o.id for o in out.officers] == ["A1", "B1"]
    load = Counter(o.manager_id for o in out.offenders)
    # A1 manages all 18 of team a: the cap was raised to ceil(18 / 1).
    assert load == {"A1": 18, "B1": 6}
    # The female-officer requirement cannot be met by A1: still managed (the planner will
    # list the visit as a shortfall), never dropped.
    assert out.offenders[1].manager_id == "A1"


def test_restaff_overrides_visit_hours_and_caps(quick: Policy) -> None:
    out = restaff(two_teams(), 4, quick, caseload_cap=7, visit_hours=2.5)
    assert {o.visit_hours for o in out.officers} == {2.5}
    # Team a: 18 offenders / 3 officers = 6 <= 7, so the cap holds; team b's single
    # officer has 6 offenders, under the cap too.
    assert {o.caseload_cap for o in out.officers} == {7}
    assert max(Counter(o.manager_id for o in out.offenders).values()) <= 7


def test_restaff_rejects_fewer_officers_than_teams(quick: Policy) -> None:
    with pytest.raises(StaffingError, match="2 teams"):
        restaff(two_teams(), 1, quick)


def mixed_team() -> list:
    """Six officers listed with the late (Thursday) and Saturday shifts at the end, as
    the scenario generator often lists them."""
    day = "mon-fri 08:00-16:00"
    return [
        officer("D1", day, gender=Gender.MALE),
        officer("D2", day, gender=Gender.MALE),
        officer("D3", day, gender=Gender.FEMALE),
        officer("D4", day, gender=Gender.MALE),
        officer(
            "L1", "mon-wed 08:00-16:00; thu 12:00-20:00; fri 08:00-16:00", gender=Gender.FEMALE
        ),
        officer("S1", "mon-thu 08:00-16:00; sat 10:00-18:00", gender=Gender.MALE),
    ]


def test_balanced_order_keeps_late_and_saturday_shifts_in_proportion(quick: Policy) -> None:
    team = mixed_team()
    order = balanced_order(team, quick)
    assert sorted(order) == list(range(6))
    late = {4}
    sat = {5}
    for k in range(1, 19):
        picks = roster(order, k)
        # Every prefix holds about k/6 late and k/6 Saturday officers (within one).
        assert abs(sum(p in late for p in picks) - k / 6) < 1
        assert abs(sum(p in sat for p in picks) - k / 6) < 1
    # The list order would keep neither at three officers.
    assert roster(list(range(6)), 3) == [0, 1, 2]
    assert {4, 5} & set(roster(order, 3))


def test_restaff_spreads_late_shifts_as_the_team_grows_and_shrinks(quick: Policy) -> None:
    offs = [offender(f"R{k}", "D1", dlat=0.001 * k) for k in range(12)]
    reg = register(offs, mixed_team())

    def lates(r: Register) -> int:
        return sum(any(s.window.end_s == 20 * 3600 for s in o.shifts) for o in r.officers)

    def saturdays(r: Register) -> int:
        return sum(any(s.day == 5 for s in o.shifts) for o in r.officers)

    three = restaff(reg, 3, quick)
    assert lates(three) + saturdays(three) >= 1
    listed = restaff(reg, 3, quick, order="listed")
    assert [o.id for o in listed.officers] == ["D1", "D2", "D3"]  # the old rule
    assert lates(listed) == saturdays(listed) == 0
    grown = restaff(reg, 12, quick)
    # Everyone kept plus one clone of each, the late officer's with her Thursday late.
    assert lates(grown) == 2 and saturdays(grown) == 2
    assert {o.id for o in grown.officers} >= {o.id for o in mixed_team()}
    assert sum(o.id.startswith("T-S") for o in grown.officers) == 6


# ------------------------------------------------------------------ levels


@pytest.mark.parametrize(
    ("text", "levels"),
    [("4:7", [4, 5, 6, 7]), ("4:10:3", [4, 7, 10]), ("6,4,5,4", [4, 5, 6]), ("3", [3])],
)
def test_parse_levels(text: str, levels: list[int]) -> None:
    assert parse_levels(text) == levels


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("7:4", "end is below the start"),
        ("4:7:0", "step must be at least 1"),
        ("a:b", "use a range like"),
        ("4:5:6:7", "use a range like"),
        ("0:3", "0 is not between"),
        (",", "no level given"),
    ],
)
def test_parse_levels_rejects(text: str, message: str) -> None:
    with pytest.raises(StaffingError, match=message):
        parse_levels(text)


# ------------------------------------------------------------------ the sweep


def tiny_tasks(reg: Register, levels: list[int], policy: Policy, **kw: object) -> list:
    options = {"replications": 2, "weeks": 6, "warmup_weeks": 2, "seed": 7, **kw}
    return make_tasks(
        "tiny", levels, policy=policy, register=reg, start=WEEK, rates=NO_EVENTS, **options
    )


def test_generous_staffing_keeps_every_visit_on_time(quick: Policy) -> None:
    # Six offenders of every tier, none overdue at the start, three officers with a full
    # day of visit hours each and nothing going wrong: everyone is on time every week.
    offs = [
        offender("R1", "O1", tier="very_high", days_since=20),
        offender("R2", "O1", tier="very_high", days_since=5, dlat=0.02),
        offender("R3", "O2", tier="high", days_since=80),
        offender("R4", "O2", tier="medium", days_since=170, dlon=0.02),
        offender("R5", "O3", tier="low", days_since=350),
        offender("R6", "O3", tier="high", days_since=30, dlat=-0.01),
    ]
    reg = register(offs, [officer(f"O{k}", hours=8.0) for k in (1, 2, 3)])
    (row,) = [run_task(t) for t in tiny_tasks(reg, [3], quick, replications=1)]
    assert row.compliance["all"] == 1.0
    assert row.compliance["high_and_very_high"] == 1.0
    assert all(sum(w.overdue.values()) == 0 for w in row.week_rows if w.week > 2)
    assert row.overdue_mean == 0.0


def test_no_spare_capacity_lets_overdue_grow(quick: Policy) -> None:
    # One officer with 15 minutes of visit hours a day: no visit (75 min for high risk)
    # ever fits. Ten high-risk offenders last visited 60..87 days ago (interval 91) fall
    # overdue one after another and stay overdue.
    offs = [offender(f"R{k}", "O1", days_since=60 + 3 * k, dlat=0.001 * k) for k in range(10)]
    reg = register(offs, [officer("O1", hours=0.25)])
    (row,) = [run_task(t) for t in tiny_tasks(reg, [1], quick, replications=1)]
    overdue = [sum(w.overdue.values()) for w in row.week_rows]
    assert all(b >= a for a, b in zip(overdue, overdue[1:], strict=False))
    assert overdue[-1] > overdue[0]
    assert overdue[-1] == 10  # 87 + 42 days > 91 for every one by the sixth week
    assert row.compliance["all"] < 0.5


def test_lower_bound_never_above_the_minimum_found(quick: Policy) -> None:
    # 24 very-high-risk offenders (~8 visits a week, 90 min each: 12 h) and officers with
    # two visit hours a day (10 a week): the bound is 2 officers.
    reg = very_high_unit()
    lb = workload_lower_bound(reg, quick, NO_EVENTS)
    assert lb.officers == 2
    tasks = tiny_tasks(reg, [1, 2, 3, 4, 5], quick, weeks=8, warmup_weeks=3)
    curve = summarise(run_sweep(tasks, InlineExecutor(), progress=False), Target(), lb)
    assert curve.minimum is not None
    assert lb.officers <= curve.minimum
    assert curve.bound is not None and curve.bound <= curve.minimum
    assert not curve.levels[0].meets_target  # one officer: at most 5 visits a week
    assert curve.ratio == curve.minimum / curve.bound


def test_sweep_is_the_same_serially_and_in_parallel(quick: Policy) -> None:
    tasks = tiny_tasks(very_high_unit(8), [1, 2, 3], quick)
    serial = run_sweep(tasks, InlineExecutor(), progress=False)
    with ProcessPoolExecutor(max_workers=2) as pool:
        parallel = run_sweep(tasks, pool, progress=False)
    assert [(r.officers, r.replication) for r in serial] == [
        (t.officers, t.replication) for t in tasks
    ]
    assert parallel == serial


def test_a_benchmark_task_gives_the_same_row_in_fresh_processes() -> None:
    # Borough at two officers, 18 weeks: each week's team problems are solved in a
    # new interpreter. Two things made rows differ from one process to the next: the
    # global-cheapest-insertion LNS (week 10 routed differently) and repair passes
    # whose halved time limit fell to 10 ms and cut the search (week 15).
    import multiprocessing

    (task,) = make_tasks("borough@1", [2], replications=1, weeks=18, warmup_weeks=2, seed=1)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        rows = list(pool.map(run_task, [task] * 6))
    assert all(r == rows[0] for r in rows[1:])
    assert [w.travel_h for w in rows[0].week_rows] == [w.travel_h for w in rows[5].week_rows]


def test_sweep_on_dask_is_the_same_as_serial(quick: Policy) -> None:
    distributed = pytest.importorskip("dask.distributed")
    tasks = tiny_tasks(very_high_unit(8), [1, 2], quick, replications=1)
    serial = run_sweep(tasks, InlineExecutor(), progress=False)
    cluster = distributed.LocalCluster(
        n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None
    )
    # The --cluster path: connect to a running scheduler by its address.
    with cluster, sweep_executor(cluster=cluster.scheduler_address) as executor:
        on_dask = run_sweep(tasks, executor, progress=False)
    assert on_dask == serial


def test_replications_differ_and_levels_share_seeds(quick: Policy) -> None:
    tasks = tiny_tasks(very_high_unit(4), [1, 2], quick)
    seeds = {(t.officers, t.replication): t.sim_seed for t in tasks}
    assert seeds[(1, 0)] == seeds[(2, 0)] != seeds[(1, 1)] == seeds[(2, 1)]


def test_run_task_on_a_named_scenario() -> None:
    (task,) = make_tasks("borough-small@1", [1], replications=1, weeks=2, warmup_weeks=0, seed=1)
    row = run_task(task)
    assert row.scenario == "borough-small@1" and row.officers == 1
    assert len(row.week_rows) == 2 and row.max_caseload == 30
    assert set(row.compliance) >= {"high_and_very_high", "all", "low", "very_high"}


def test_run_task_unknown_scenario() -> None:
    (task,) = make_tasks("nowhere@1", [1], replications=1, weeks=2, warmup_weeks=0, seed=1)
    with pytest.raises(StaffingError, match="unknown benchmark scenario 'nowhere@1'"):
        run_task(task)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"replications": 0}, "replications"),
        ({"weeks": 0, "warmup_weeks": 0}, "weeks must be at least 1"),
        ({"weeks": 4, "warmup_weeks": 4}, "warm-up"),
    ],
)
def test_make_tasks_rejects(kw: dict[str, int], message: str) -> None:
    options = {"replications": 1, "weeks": 4, "warmup_weeks": 1, "seed": 1, **kw}
    with pytest.raises(StaffingError, match=message):
        make_tasks("borough@1", [1], **options)


# ------------------------------------------------------------------ summary


def row(officers: int, rep: int, hi: float, every: float, **kw: object) -> SweepRow:
    values: dict[str, object] = {
        "scenario": "s",
        "officers": officers,
        "replication": rep,
        "seed": 1,
        "weeks": 4,
        "warmup_weeks": 1,
        "compliance": {"high_and_very_high": hi, "all": every},
        "attempted": {"high_and_very_high": hi, "all": every},
        "overdue_mean": 1.0 - every,
        "overdue_end": 0,
        "utilisation": 0.5,
        "travel_h_per_week": 1.0,
        "visits_per_week": 3.0,
        "shortfall_per_week": 0.0,
        "max_caseload": 10,
        "caseload_cap": None,
        "totals": {},
        "week_rows": (),
        "utilisation_sample": (),
        **kw,
    }
    return SweepRow(**values)  # type: ignore[arg-type]


def test_summary_bands_and_minimum() -> None:
    rows = [
        row(2, 0, 0.90, 0.90),
        row(2, 1, 0.92, 0.93),
        row(2, 2, 0.94, 0.92),
        row(3, 0, 1.0, 0.97),
        row(3, 1, 1.0, 0.94),  # one replication misses "all >= 0.95"
        row(3, 2, 1.0, 0.99),
        row(4, 0, 1.0, 0.99),
        row(4, 1, 1.0, 0.98),
        row(4, 2, 1.0, 0.97),
    ]
    curve = summarise(rows, Target())
    assert [lv.officers for lv in curve.levels] == [2, 3, 4]
    assert [lv.meets_target for lv in curve.levels] == [False, False, True]
    assert curve.minimum == 4
    # Held to the mean (0.9667 at 3 officers), 3 is enough.
    assert summarise(rows, Target(every_replication=False)).minimum == 3
    band = curve.levels[0].high_and_very_high
    assert (band.low, band.high) == (0.90, 0.94)
    assert band.mean == pytest.approx(0.92)
    half = 1.96 * 0.02 / math.sqrt(3)  # sd of 0.90, 0.92, 0.94 is 0.02
    assert band.ci_low == pytest.approx(0.92 - half)
    assert band.ci_high == pytest.approx(0.92 + half)


def test_summary_minimum_ignores_a_lucky_level_below_a_failing_one() -> None:
    rows = [row(2, 0, 1.0, 0.96), row(3, 0, 0.98, 0.96), row(4, 0, 1.0, 0.99)]
    assert summarise(rows).minimum == 4
    assert summarise(rows[:1]).minimum == 2


def test_summary_no_level_meets_the_target() -> None:
    curve = summarise([row(2, 0, 0.9, 0.9), row(3, 0, 0.95, 0.96)])
    assert curve.minimum is None and curve.ratio is None


def test_summary_respects_a_caseload_cap() -> None:
    rows = [row(2, 0, 1.0, 1.0, max_caseload=40, caseload_cap=30), row(3, 0, 1.0, 1.0)]
    assert summarise(rows).minimum == 3


def test_a_target_with_a_caseload_cap_fails_levels_over_it() -> None:
    rows = [row(2, 0, 1.0, 1.0, max_caseload=40), row(3, 0, 1.0, 1.0, max_caseload=28)]
    assert summarise(rows).minimum == 2
    assert summarise(rows, Target(caseload_cap=30)).minimum == 3


def test_the_target_applies_to_its_measure() -> None:
    # Attempted on time everywhere, on time short of 100% for high risk (failed entries).
    rows = [
        row(2, 0, 0.97, 0.97, attempted={"high_and_very_high": 0.99, "all": 0.99}),
        row(3, 0, 0.98, 0.99, attempted={"high_and_very_high": 1.0, "all": 1.0}),
    ]
    assert Target().measure is Measure.ATTEMPTED
    assert summarise(rows).minimum == 3
    assert summarise(rows, Target(measure=Measure.ON_TIME)).minimum is None
    lv = summarise(rows).levels[1]
    assert lv.bands(Measure.ATTEMPTED)[0].mean == 1.0 and lv.bands(Measure.ON_TIME)[0].mean == 0.98


def test_refine_minimum_bisects_to_one_officer() -> None:
    # Compliance reaches the target from 13 officers; the grid swept 4, 8, 16 and 32.
    def at(level: int) -> list[SweepRow]:
        ok = 1.0 if level >= 13 else 0.9
        return [row(level, r, ok, ok) for r in range(2)]

    ran: list[list[int]] = []

    def run_levels(levels: list[int]) -> list[SweepRow]:
        ran.append(levels)
        return [r for n in levels for r in at(n)]

    grid = [r for n in (4, 8, 16, 32) for r in at(n)]
    assert summarise(grid).minimum == 16 and summarise(grid).failing_below == 8
    out = refine_minimum(grid, Target(), run_levels)
    curve = summarise(out)
    assert curve.minimum == 13 and curve.failing_below == 12
    assert ran == [[12], [14], [13]]  # bisection: 8..16 -> 12..16 -> 12..14 -> 12..13
    # Two levels a round split the bracket in three.
    ran.clear()
    assert summarise(refine_minimum(grid, Target(), run_levels, per_round=2)).minimum == 13
    assert ran[0] == [11, 13]
    # Nothing to refine when the smallest level already meets it, or none does.
    assert refine_minimum(grid[4:], Target(), run_levels) == grid[4:]
    assert refine_minimum(grid[:4], Target(), run_levels) == grid[:4]


def test_band_without_three_replications_has_no_interval() -> None:
    assert Band.of([0.5, 0.7]) == Band(0.6, 0.5, 0.7)


def test_curve_rows_and_summary_are_plain_data() -> None:
    curve = summarise([row(2, 0, 1.0, 0.99)])
    (r,) = curve.rows()
    assert r["officers"] == 2 and r["meets_target"] == "true"
    assert r["attempted_all_mean"] == 0.99 and r["all_mean"] == 0.99
    summary = curve.summary()
    assert summary["minimum_staffing"] == 2 and summary["target"]["measure"] == "attempted"
