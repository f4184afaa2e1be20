"""``scheduler.io.html_report``, ``route_map`` and ``run_report``: the report page parses,
refers to nothing outside itself, holds every visit and every offender left out, and
never an address, a coordinate or a seed."""

from __future__ import annotations

import json
import os
import re
import stat
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from data.scenarios import generate
from models import (
    Policy,
    Register,
    RiskTier,
    Rota,
    Unscheduled,
    UnscheduledReason,
)
from scheduler.core.exceptions import RotaError
from scheduler.history.compliance import assess
from scheduler.io.export import write_private_file, write_rota
from scheduler.io.html_report import AuditTables, plan_report
from scheduler.io.route_map import Route, Stop, fit_projection, nice_length_m, route_map_svg
from scheduler.io.run_report import (
    FolderKind,
    folder_kind,
    read_audit,
    read_plan,
    run_folder_report,
    without_seeds,
)
from scheduler.plan.planner import plan_week
from tests.scheduler.conftest import WEEK, offender, officer

VOID = {"meta", "br", "col", "input", "img", "link", "hr", "wbr", "source", "area", "base"}
#: SVG elements written self-closed (``<path .../>``).
SELF_CLOSED = {"path", "rect", "circle", "line", "polyline"}


class Page(HTMLParser):
    """Every URL-carrying attribute and ``url(...)``, and whether the tags nest."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.stack: list[str] = []
        self.mismatched: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in {"src", "href", "action", "formaction", "poster", "srcset", "data"}:
                self.urls.append(value or "")
            if name == "style" and value:
                self.urls += re.findall(r"url\(([^)]*)\)", value)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in {"src", "href"}:
                self.urls.append(value or "")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.mismatched.append(tag)
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        self.urls += re.findall(r"url\(([^)]*)\)", data)


def parsed(html: str) -> Page:
    p = Page()
    p.feed(html)
    p.close()
    return p


def assert_self_contained(html: str) -> Page:
    """The page parses with every tag closed in order, and every URL in it is a
    ``data:`` URI or a ``#fragment``; no ``@import``, no protocol-relative URL."""
    page = parsed(html)
    assert page.mismatched == [], page.mismatched[:5]
    assert page.stack == []
    outside = [u for u in page.urls if not (u.startswith("data:") or u.startswith("#"))]
    assert outside == []
    assert "@import" not in html
    assert not {"link", "iframe", "object", "embed", "base"} & set(page.tags)
    assert "default-src 'none'" in html  # the CSP forbids fetches anyway
    return page


@pytest.fixture(scope="module")
def borough() -> tuple[Rota, Register]:
    sc = generate("borough", 20261130)
    rota = plan_week(sc.register, Policy(), sc.week_start, seed=314_159_265_358_979)
    return rota, sc.register


@pytest.fixture(scope="module")
def borough_html(borough: tuple[Rota, Register]) -> str:
    return plan_report(*borough, charts=False)


def test_the_borough_report_is_self_contained(borough_html: str) -> None:
    assert_self_contained(borough_html)


def test_the_borough_report_holds_every_visit_and_every_offender_not_visited(
    borough: tuple[Rota, Register], borough_html: str
) -> None:
    rota, register = borough
    assert rota.visits and rota.unscheduled
    for v in rota.visits:
        for oid in v.officer_ids:
            # each visit is in its officer's row of the week, with its arrival time
            assert f"{v.arrival:%H:%M} " in borough_html
            assert oid in borough_html
        assert v.offender_id in borough_html
    missing = [u.offender_id for u in rota.unscheduled if u.offender_id not in borough_html]
    assert missing == []
    # everyone on the register is on the page, once visited or with a reason
    assert len(set(rota.offender_ids())) == len(register.offenders)


def test_no_coordinate_address_or_seed_in_the_report(
    borough: tuple[Rota, Register], borough_html: str
) -> None:
    rota, register = borough
    assert rota.audit is not None
    assert str(rota.audit.seed) not in borough_html
    assert "seed" not in borough_html.replace("secret seed", "")
    for o in register.offenders[:50]:
        for value in (o.home.lat, o.home.lon):
            assert f"{value:.3f}" not in borough_html
    # the register holds coordinates only (models.Location): no postcode can reach the page
    text = " ".join(parsed(borough_html).text)
    assert re.search(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", text) is None


def test_the_sections_come_in_order(borough: tuple[Rota, Register]) -> None:
    rota, register = borough
    status = assess(register, Policy(), WEEK, None)
    html = plan_report(rota, register, status=status, audit=audit_tables(), charts=False)
    ids = re.findall(r'<section id="([a-z]+)"', html)
    assert ids == ["week", "maps", "officers", "shortfall", "status", "audit"]
    assert html.index("<h1>") < html.index('id="week"')


def test_the_borough_map_draws_every_officer_day_with_visits(
    borough: tuple[Rota, Register], borough_html: str
) -> None:
    rota, _ = borough
    days = {(oid, v.date) for v in rota.visits for oid in v.officer_ids}
    assert borough_html.count('<g class="route"') == len(days)
    assert borough_html.count("<svg") == 1  # one team
    assert 'class="scale"' in borough_html


def tiny_register(team: str = "north") -> Register:
    officers = [officer("OFF-1", team=team), officer("OFF-2", team=team)]
    offenders = [
        offender("RSO-LOW", "OFF-1", tier="low", days_since=400),
        offender("RSO-VH", "OFF-1", tier="very_high", days_since=40),
        offender("RSO-MED", "OFF-2", tier="medium", days_since=200),
    ]
    return Register(offenders=offenders, officers=officers)


def shortfall_rota() -> Rota:
    """Three visits due and none planned: very high, medium and low, given low first."""
    return Rota(
        week_start=WEEK,
        visits=(),
        unscheduled=(
            Unscheduled(
                offender_id="RSO-LOW",
                tier=RiskTier.LOW,
                reason=UnscheduledReason.CAPACITY,
                due_date=date(2026, 11, 20),
                detail="no visit hours left",
            ),
            Unscheduled(
                offender_id="RSO-MED",
                tier=RiskTier.MEDIUM,
                reason=UnscheduledReason.NO_OFFICER,
                due_date=date(2026, 12, 2),
            ),
            Unscheduled(
                offender_id="RSO-VH",
                tier=RiskTier.VERY_HIGH,
                reason=UnscheduledReason.NEEDS_TWO_OFFICERS,
                due_date=date(2026, 12, 3),
            ),
        ),
    )


def test_high_risk_left_out_heads_the_page_and_the_shortfall_list() -> None:
    html = plan_report(shortfall_rota(), tiny_register(), charts=False)
    assert_self_contained(html)
    alarm = html.index("HIGH-RISK VISITS LEFT OUT: 1")
    assert alarm < html.index('id="week"')
    shortfall = html[html.index('id="shortfall"') :]
    # very high first, then medium, then low (although low was due first)
    order = [shortfall.index(i) for i in ("RSO-VH", "RSO-MED", "RSO-LOW")]
    assert order == sorted(order)
    assert "2026-11-20 (10 d overdue)" in shortfall  # due 20 Nov, the week from 30 Nov
    assert "no visit hours left" in shortfall


def test_values_are_escaped() -> None:
    """A team name is free text: a tag in it is shown, never run or loaded."""
    evil = '<img src="http://x.invalid/a.png">'
    html = plan_report(shortfall_rota(), tiny_register(team=evil), charts=False)
    page = assert_self_contained(html)
    assert "img" not in page.tags
    assert "&lt;img src=&quot;http://x.invalid/a.png&quot;&gt;" in html


def test_a_team_of_many_folds_its_maps_and_weeks() -> None:
    officers = [officer(f"OFF-{i}", team=f"team-{i}") for i in range(5)]
    offenders = [offender(f"RSO-{i}", f"OFF-{i}") for i in range(5)]
    register = Register(offenders=offenders, officers=officers)
    rota = plan_week(register, Policy(), WEEK, seed=3)
    html = plan_report(rota, register, charts=False)
    assert_self_contained(html)
    assert html.count("<svg") == 5
    assert html.count("<details>") >= 10  # 5 weeks + 5 maps folded
    assert "of them high risk" in html  # the team totals table


def test_status_counts_by_tier_add_up_to_the_register() -> None:
    register = tiny_register()
    status = assess(register, Policy(), WEEK, None)
    html = plan_report(shortfall_rota(), register, status=status, charts=False)
    section = html[html.index('id="status"') :]
    assert "every offender in exactly one state" in section
    total = re.search(r"<td>total</td>((?:<td[^>]*>\d+</td>){5})", section)
    assert total is not None
    numbers = [int(n) for n in re.findall(r">(\d+)<", total.group(1))]
    assert numbers[-1] == len(register.offenders) == sum(numbers[:-1])


def audit_tables() -> AuditTables:
    row = {
        "group": "high",
        "offenders": "4",
        "gaps": "9",
        "worst_week": "0.05",
        "worst_week_baseline": "0.06",
        "slot_attacker": "0.2",
        "slot_attacker_baseline": "0.05",  # four times the baseline: marked
        "gap_attacker": "",
        "gap_attacker_baseline": "0.3",
        "gap_entropy": "0.7",
        "gap_entropy_baseline": "0.7",
        "weekday_entropy": "0.9",
        "weekday_entropy_baseline": "0.95",
        "slot_entropy": "0.9",
        "slot_entropy_baseline": "0.95",
    }
    return AuditTables((row, {**row, "group": "all"}), flagged=2)


def test_the_audit_section_marks_a_score_far_worse_than_its_baseline() -> None:
    html = plan_report(shortfall_rota(), tiny_register(), audit=audit_tables())
    assert_self_contained(html)
    section = html[html.index('id="audit"') :]
    assert section.count('<b style="color:#b3261e">0.200') == 2  # high and all
    assert "data:image/png;base64," in section
    assert "flagged as markedly more predictable than the baseline: 2" in section


@pytest.mark.parametrize(
    ("max_m", "expected"),
    [(0, 0), (0.9, 0.5), (1, 1), (1999, 1000), (2000, 2000), (7400, 5000), (12_000, 10_000)],
)
def test_the_scale_bar_is_a_round_length(max_m: float, expected: float) -> None:
    assert nice_length_m(max_m) == expected


def test_the_projection_keeps_every_point_in_the_box_with_one_scale() -> None:
    points = [(51.30, -0.20), (51.45, 0.05), (51.37, -0.10)]
    proj = fit_projection(points, 600, 400, pad=20)
    xy = [proj.xy(p) for p in points]
    assert all(20 - 1e-6 <= x <= 580 + 1e-6 and 20 - 1e-6 <= y <= 380 + 1e-6 for x, y in xy)
    # north is up: the northernmost point has the smallest y
    assert min(xy, key=lambda p: p[1]) == xy[1]


def test_the_map_carries_no_coordinates_and_draws_nothing_without_points() -> None:
    base = (51.372, -0.1)
    route = Route("OFF-1", 0, base, (Stop((51.3812, -0.0871), "RSO-1 (high)", True),))
    svg = route_map_svg([route], {"OFF-1": base}, {"OFF-1": ("#123456", "")}, map_id="m")
    assert "51.38" not in svg and "0.087" not in svg
    assert "<title>RSO-1 (high) (stop 1)</title>" in svg
    assert route_map_svg([], {}, {}, map_id="m").startswith("<p")


def test_write_private_file_is_owner_only_atomic_and_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "new" / "report.html"
    write_private_file("<p>one</p>", path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with pytest.raises(RotaError, match="already exists"):
        write_private_file("<p>two</p>", path)
    write_private_file("<p>two</p>", path, overwrite=True)
    assert path.read_text() == "<p>two</p>"
    assert os.listdir(path.parent) == ["report.html"]  # no staging file left behind
    with pytest.raises(RotaError, match="is a directory"):
        write_private_file("x", tmp_path)


def test_a_plan_folder_reads_back_with_its_audit_record(
    borough: tuple[Rota, Register], tmp_path: Path
) -> None:
    rota, register = borough
    write_rota(rota, register, tmp_path / "week", issued=datetime(2026, 12, 7, 8, tzinfo=UTC))
    assert folder_kind(tmp_path / "week") == (FolderKind.PLAN, tmp_path / "week")
    assert folder_kind(tmp_path / "week" / "manager")[1] == tmp_path / "week"
    back = read_plan(tmp_path / "week")
    assert back == rota


def test_a_broken_rota_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "manager").mkdir()
    (tmp_path / "manager" / "rota.json").write_text('{"week_start": "2026-11-30"}')
    with pytest.raises(RotaError, match=r"rota\.json: field 'visits'"):
        read_plan(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(RotaError, match="not a folder that rota plan"):
        folder_kind(tmp_path / "empty")
    with pytest.raises(RotaError, match="no such folder"):
        folder_kind(tmp_path / "nowhere")


def test_an_audit_folder_reads_its_tiers_and_flags(tmp_path: Path) -> None:
    (tmp_path / "audit_tiers.csv").write_text("group,offenders,gaps\nhigh,3,4\nall,3,4\n")
    (tmp_path / "audit_offenders.csv").write_text("offender_id,flags\nA,slot\nB,\nC,gap\n")
    tables = read_audit(tmp_path)
    assert [g["group"] for g in tables.groups] == ["high", "all"]
    assert tables.flagged == 2
    with pytest.raises(RotaError, match="no audit table"):
        read_audit(tmp_path / "nowhere")


SECRET = 987_654_321


def simulation_folder(path: Path) -> Path:
    from scheduler.io.plots import utilisation_distribution

    path.mkdir()
    summary = {
        "seed": SECRET,
        "warmup_weeks": 1,
        "totals": {"planned": 5, "completed": 4, "failed": 1, "shortfall": 0},
        "compliance": {"high": 1.0, "all": 0.9},
    }
    (path / "summary.json").write_text(json.dumps(summary))
    (path / "weekly.csv").write_text(
        "week,week_start,offenders,due,planned,completed,failed,shortfall,overdue_low,"
        "overdue_medium,overdue_high,overdue_very_high,travel_h,utilisation\n"
        "1,2026-11-30,3,2,2,2,0,0,0,0,0,0,1.5,0.4\n"
    )
    (path / "officer_weeks.csv").write_text(
        "week,officer_id,team,caseload,busy_h,budget_h,utilisation\n1,OFF-1,t,3,2,8,0.25\n"
    )
    (path / "utilisation.png").write_bytes(utilisation_distribution([0.25, 0.5]))
    return path


def test_a_simulation_folder_report_embeds_its_charts_and_no_seed(tmp_path: Path) -> None:
    folder = simulation_folder(tmp_path / "sim")
    kind, _ = folder_kind(folder)
    assert kind is FolderKind.SIMULATE
    html = run_folder_report(kind, folder)
    page = assert_self_contained(html)
    assert str(SECRET) not in html
    assert html.count("data:image/png;base64,") == 1  # the overdue PNG is absent
    assert "OFF-1" in html and "2026-11-30" in html
    assert "img" in page.tags


def test_a_staffing_folder_report_shows_the_bound_and_no_seed(tmp_path: Path) -> None:
    folder = tmp_path / "staffing"
    folder.mkdir()
    info = {
        "scenario": "borough-small@1",
        "description": f"30 offenders; week of 2026-11-30, seed {SECRET}, scale 0.1.",
        "seed": SECRET,
        "officers_now": 1,
        "minimum_staffing": 2,
        "bound_for_target": 2,
        "lower_bound": {"officers": 1, "teams": [{"team": "croydon", "officers": 1}]},
        "target": {"measure": "attempted", "high_and_very_high": 1.0, "all": 0.95},
    }
    (folder / "lower_bound.json").write_text(json.dumps(info))
    (folder / "curve.csv").write_text(
        "officers,attempted_all_mean,attempted_all_min,attempted_all_max,meets_target\n"
        "2,0.96,0.95,0.97,true\n"
    )
    kind, _ = folder_kind(folder)
    assert kind is FolderKind.STAFFING
    html = run_folder_report(kind, folder)
    assert_self_contained(html)
    assert str(SECRET) not in html
    assert "96.0% (95.0%-97.0%)" in html
    assert "croydon" in html
    assert without_seeds("week 1, seed 42, scale 2") == "week 1, scale 2"
