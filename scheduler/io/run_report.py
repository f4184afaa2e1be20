"""What ``rota report`` reads: the folders that ``rota plan --out``, ``rota simulate
--out``, ``rota staffing --out`` and ``rota audit --out`` write, told apart by their
files; and the report page of a simulation's or staffing sweep's folder, with its
charts (the PNGs those commands drew with :mod:`scheduler.io.plots`) inside the page.

A folder's seeds are never shown: a report may travel further than the folder."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from models import AuditRecord, Rota
from scheduler.core.exceptions import RotaError
from scheduler.io.export import MANAGER_DIR
from scheduler.io.html_page import cards, esc, page, png_figure, table
from scheduler.io.html_report import AuditTables

TIERS = ("very_high", "high", "medium", "low")


class FolderKind(StrEnum):
    PLAN = "plan"
    SIMULATE = "simulate"
    STAFFING = "staffing"


#: The files that tell each kind of folder apart.
MARKERS: dict[FolderKind, tuple[str, ...]] = {
    FolderKind.PLAN: (f"{MANAGER_DIR}/rota.json",),
    FolderKind.STAFFING: ("curve.csv", "lower_bound.json"),
    FolderKind.SIMULATE: ("weekly.csv", "officer_weeks.csv", "summary.json"),
}


def folder_kind(folder: Path) -> tuple[FolderKind, Path]:
    """Which command wrote ``folder``, and the folder itself (a plan's ``manager/``
    given directly stands for its parent)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RotaError(f"{folder}: no such folder")
    if folder.name == MANAGER_DIR and (folder / "rota.json").is_file():
        folder = folder.parent
    for kind, files in MARKERS.items():
        if all((folder / f).is_file() for f in files):
            return kind, folder
    raise RotaError(
        f"{folder}: not a folder that rota plan, simulate or staffing --out wrote "
        "(expected manager/rota.json, or weekly.csv and summary.json, or curve.csv and "
        "lower_bound.json)"
    )


def read_plan(folder: Path) -> Rota:
    """The rota of a ``rota plan --out`` folder, its audit record (``audit.json``) put
    back so the report can name the inputs' fingerprint."""
    manager = Path(folder) / MANAGER_DIR
    path = manager / "rota.json"
    try:
        rota = Rota.model_validate_json(path.read_bytes())
        audit_path = manager / "audit.json"
        if audit_path.is_file():
            path = audit_path
            record = AuditRecord.model_validate_json(audit_path.read_bytes())
            rota = rota.model_copy(update={"audit": record})
    except OSError as exc:
        raise RotaError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(p) for p in e["loc"]) or "file"
        raise RotaError(f"{path}: field '{where}': {e['msg']}") from None
    return rota


def read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RotaError(f"{path}: cannot read: {exc}") from None


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RotaError(f"{path}: cannot read: {exc}") from None
    if not isinstance(data, dict):
        raise RotaError(f"{path}: expected a JSON object")
    return data


def read_audit(folder: Path) -> AuditTables:
    """``rota audit --out``'s tier table (and how many offenders it flagged), from the
    folder or its ``audit_tiers.csv`` given directly."""
    folder = Path(folder)
    tiers = folder if folder.is_file() else folder / "audit_tiers.csv"
    if not tiers.is_file():
        raise RotaError(f"{tiers}: no audit table here (rota audit --out writes it)")
    header = tiers.read_text(encoding="utf-8").partition("\n")[0].split(",")
    if "group" not in header:
        raise RotaError(f"{tiers}: not the tier table of rota audit (no 'group' column)")
    groups = read_csv(tiers)
    offenders = tiers.with_name("audit_offenders.csv")
    flagged = 0
    if offenders.is_file():
        flagged = sum(bool(r.get("flags")) for r in read_csv(offenders))
    return AuditTables(tuple(groups), flagged)


def _charts(folder: Path, names: Sequence[tuple[str, str]]) -> str:
    """The folder's PNG charts inside the page, those present of (file, caption)."""
    figures = [
        png_figure((folder / f).read_bytes(), caption, caption)
        for f, caption in names
        if (folder / f).is_file()
    ]
    if not figures:
        return '<p class="muted">No charts in this folder (matplotlib was missing?).</p>'
    return f'<div class="charts">{"".join(figures)}</div>'


def _pct(value: Any) -> str:
    try:
        return f"{float(value):.1%}"
    except (TypeError, ValueError):
        return "-"


def _f(value: Any, places: int = 1) -> str:
    try:
        return f"{float(value):.{places}f}"
    except (TypeError, ValueError):
        return "-"


def without_seeds(text: str) -> str:
    """``text`` with any 'seed N' phrase taken out."""
    return re.sub(r",?\s*\bseed\s+\d+", "", text)


FOOTER = (
    "Made by rota from {folder}. Pseudonymous ids only; seeds left out. Synthetic or "
    "not, keep this file as you keep the folder."
)


def run_folder_report(kind: FolderKind, folder: Path) -> str:
    """The report page of a simulation's or staffing sweep's output folder."""
    folder = Path(folder)
    if kind is FolderKind.SIMULATE:
        return simulation_report(folder)
    if kind is FolderKind.STAFFING:
        return staffing_report(folder)
    raise RotaError(f"{folder}: a plan folder needs the register: use plan_report")


def simulation_report(folder: Path) -> str:
    """A ``rota simulate --out`` folder: totals and compliance by tier, the charts
    (overdue by tier week by week, utilisation), the weeks and the officers."""
    summary = read_json(folder / "summary.json")
    weeks = read_csv(folder / "weekly.csv")
    totals = summary.get("totals", {})
    head = (
        f"<h1>Simulation: {len(weeks)} weeks</h1>"
        f'<p class="muted">{summary.get("warmup_weeks", 0)} warm-up week(s) left out of '
        "the compliance figures.</p>"
        + cards(
            [
                ("visits planned", totals.get("planned", "-"), False),
                ("completed", totals.get("completed", "-"), False),
                ("failed", totals.get("failed", "-"), False),
                ("shortfall", totals.get("shortfall", "-"), bool(totals.get("shortfall"))),
                ("travel hours", _f(totals.get("travel_h")), False),
                ("utilisation", _pct(totals.get("utilisation")), False),
                ("overdue at the end", totals.get("overdue_end", "-"), False),
            ]
        )
    )
    compliance = table(
        ("measure", "very high", "high", "medium", "low", "high + very high", "all"),
        [
            (
                label,
                *(_pct(summary.get(key, {}).get(t)) for t in (*TIERS, "high_and_very_high", "all")),
            )
            for key, label in (
                ("compliance", "on time (visited)"),
                ("compliance_attempted", "attempted on time"),
            )
        ],
        numeric=range(1, 7),
    )
    charts = _charts(
        folder,
        (
            ("overdue_by_tier.png", "Offenders overdue by tier, week by week"),
            ("utilisation.png", "Officer utilisation per officer-week"),
        ),
    )
    sections = [
        ("compliance", "Compliance after the warm-up", compliance),
        ("charts", "Charts", charts),
        ("weeks", "Week by week", _weeks_table(weeks)),
        ("officers", "Officers", _officer_weeks(read_csv(folder / "officer_weeks.csv"))),
    ]
    return page("rota: simulation", sections, head, FOOTER.format(folder=esc(folder.name)))


def _weeks_table(weeks: Sequence[Mapping[str, str]]) -> str:
    head = (
        "week",
        "start",
        "offenders",
        "due",
        "planned",
        "done",
        "failed",
        "short",
        "overdue VH/H/M/L",
        "travel h",
        "util",
    )
    rows = [
        (
            w.get("week"),
            w.get("week_start"),
            w.get("offenders"),
            w.get("due"),
            w.get("planned"),
            w.get("completed"),
            w.get("failed"),
            w.get("shortfall"),
            "/".join(w.get(f"overdue_{t}", "-") for t in TIERS),
            _f(w.get("travel_h")),
            _pct(w.get("utilisation")),
        )
        for w in weeks
    ]
    return table(head, rows, numeric=(0, 2, 3, 4, 5, 6, 7, 9, 10))


def _officer_weeks(rows: Sequence[Mapping[str, str]]) -> str:
    """Each officer's weeks: mean caseload, hours busy against budget, utilisation."""
    acc: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0.0, 0.0])
    for r in rows:
        a = acc[(r.get("team", ""), r.get("officer_id", ""))]
        a[0] += 1
        a[1] += float(r.get("caseload") or 0)
        a[2] += float(r.get("busy_h") or 0)
        a[3] += float(r.get("budget_h") or 0)
    body = [
        (
            oid,
            team,
            int(n),
            f"{case / n:.0f}",
            f"{busy:.1f} / {budget:.1f}",
            _pct(busy / budget if budget else 0),
        )
        for (team, oid), (n, case, busy, budget) in sorted(acc.items())
    ]
    return table(
        ("officer", "team", "weeks", "mean caseload", "busy / budget h", "utilisation"),
        body,
        numeric=(2, 3, 4, 5),
    )


def staffing_report(folder: Path) -> str:
    """A ``rota staffing --out`` folder: the minimum found against the workload bound,
    the curve level by level, the charts and the bound team by team."""
    info = read_json(folder / "lower_bound.json")
    curve = read_csv(folder / "curve.csv")
    target = info.get("target", {})
    bound = info.get("lower_bound", {}) if isinstance(info.get("lower_bound"), dict) else {}
    minimum = info.get("minimum_staffing")
    head = (
        f"<h1>Staffing: {esc(info.get('scenario', folder.name))}</h1>"
        f"<p>{esc(without_seeds(str(info.get('description', ''))))}</p>"
        + cards(
            [
                ("officers now", info.get("officers_now", "-"), False),
                ("minimum found", minimum if minimum is not None else "none", minimum is None),
                ("workload bound", bound.get("officers", "-"), False),
                ("bound for target", info.get("bound_for_target", "-"), False),
                ("offenders", info.get("offenders", "-"), False),
                ("teams", info.get("teams", "-"), False),
                ("replications", info.get("replications", "-"), False),
                ("weeks (warm-up)", f"{info.get('weeks')} ({info.get('warmup_weeks')})", False),
            ]
        )
        + f"<p>Target ({esc(target.get('measure', '?'))}): high + very high at least "
        f"{_pct(target.get('high_and_very_high'))}, all at least {_pct(target.get('all'))}"
        f"{', every replication' if target.get('every_replication') else ', on the mean'}.</p>"
    )
    sections = [
        ("curve", "Compliance by staffing level", _curve_table(curve)),
        (
            "charts",
            "Charts",
            _charts(
                folder,
                (
                    ("compliance_vs_staffing.png", "Compliance against staffing, with the bound"),
                    ("overdue_by_tier.png", "Overdue by tier at the level shown"),
                    ("utilisation.png", "Utilisation per officer-week at the level shown"),
                ),
            ),
        ),
        ("teams", "Workload bound by team", _teams_table(bound.get("teams", []))),
    ]
    return page("rota: staffing", sections, head, FOOTER.format(folder=esc(folder.name)))


def _band(row: Mapping[str, str], name: str) -> str:
    return f"{_pct(row.get(f'{name}_mean'))} ({_pct(row.get(f'{name}_min'))}-" + (
        f"{_pct(row.get(f'{name}_max'))})"
    )


def _curve_table(curve: Sequence[Mapping[str, str]]) -> str:
    head = (
        "officers",
        "high + VH attempted",
        "all attempted",
        "high + VH on time",
        "all on time",
        "overdue",
        "utilisation",
        "max caseload",
        "meets target",
    )
    rows = [
        (
            r.get("officers"),
            _band(r, "attempted_high_and_very_high"),
            _band(r, "attempted_all"),
            _pct(r.get("high_and_very_high_mean")),
            _pct(r.get("all_mean")),
            _f(r.get("overdue_mean")),
            _pct(r.get("utilisation_mean")),
            r.get("max_caseload"),
            "yes" if r.get("meets_target") == "true" else "no",
        )
        for r in curve
    ]
    return table(head, rows, numeric=(0, 5, 6, 7))


def _teams_table(teams: Sequence[Mapping[str, Any]]) -> str:
    if not teams:
        return '<p class="muted">No team figures in lower_bound.json.</p>'
    rows = [
        (
            t.get("team"),
            t.get("officers_now"),
            t.get("active"),
            _f(t.get("visits_per_week")),
            _f(t.get("hours_per_officer")),
            t.get("officers"),
            t.get("binding", ""),
            t.get("unservable", 0),
        )
        for t in teams
    ]
    head = (
        "team",
        "officers now",
        "active offenders",
        "visits a week",
        "visit hours per officer",
        "bound",
        "binding",
        "no officer can visit",
    )
    return table(head, rows, numeric=(1, 2, 3, 4, 5, 7))


__all__ = [
    "FolderKind",
    "folder_kind",
    "read_audit",
    "read_json",
    "read_plan",
    "run_folder_report",
]
