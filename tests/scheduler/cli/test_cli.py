"""The ``rota`` command line, driven through click's CliRunner with the hand-made input
files in ``tests/data/inputs``: help for every command, a full plan written privately,
broken input refused before anything is written, seed replay and seed secrecy, scenarios,
policy files and the format listing."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from data.scenarios import generate
from models import UnscheduledReason, Weekday
from scheduler.cli.main import main
from scheduler.io.export import UNSCHEDULED_COLUMNS, VISIT_COLUMNS
from scheduler.io.loaders import OFFENDER_COLUMNS, OFFICER_COLUMNS, load_register
from scheduler.io.outcomes import OUTCOME_COLUMNS
from tests.conftest import WEEK
from tests.scheduler.io.test_loaders import BROKEN, Broken

#: The manager's folder of ``--out``: the whole week, the audit (secret seed), the template.
MANAGER_FILES = {
    "visits.csv",
    "unscheduled.csv",
    "rota.json",
    "summary.json",
    "audit.json",
    "outcomes.csv",
}
OUTPUT_DIRS = {"manager", "officers"}
FAST = ["--week", WEEK.isoformat(), "--time-limit", "0.2"]


def rota(*args: str | os.PathLike[str]) -> Result:
    """Run ``rota ARGS``; an exception other than an exit fails the test (no tracebacks)."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def plan_args(offenders: Path, officers: Path, *more: str | os.PathLike[str]) -> list:
    return ["plan", "--offenders", offenders, "--officers", officers, *FAST, *more]


def tree(root: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every path under ``root`` with its permission bits and, for files, its bytes."""
    out: dict[str, tuple[int, bytes | None]] = {}
    for p in sorted(root.rglob("*")):
        mode = stat.S_IMODE(p.stat().st_mode)
        out[str(p.relative_to(root))] = (mode, p.read_bytes() if p.is_file() else None)
    return out


@pytest.fixture(scope="module")
def planned(
    tmp_path_factory: pytest.TempPathFactory, offenders_csv: Path, officers_csv: Path
) -> Iterator[tuple[Result, Path]]:
    """One ``rota plan --seed 1`` of the valid fixtures, run under a permissive umask so
    the file modes come from the code, not from the environment."""
    out = tmp_path_factory.mktemp("plan") / "rota"
    old = os.umask(0)
    try:
        result = rota(*plan_args(offenders_csv, officers_csv, "--seed", "1", "--out", out))
    finally:
        os.umask(old)
    yield result, out


# ---- help -----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", main.list_commands(click.Context(main)))
def test_every_command_has_help(command: str) -> None:
    result = rota(command, "--help")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: main {command}")
    assert (main.get_command(click.Context(main), command).help or "").strip()
    assert command in rota("--help").output


def test_group_help_lists_commands() -> None:
    result = rota("-h")
    assert result.exit_code == 0
    for command in ("plan", "scenario", "formats"):
        assert command in result.output


# ---- a full plan ----------------------------------------------------------------------------


def test_plan_writes_every_output(planned: tuple[Result, Path], valid_register) -> None:
    result, out = planned
    assert result.exit_code == 0, result.output
    assert f"Wrote rota to {out}/" in result.output
    assert {p.name for p in out.iterdir()} == OUTPUT_DIRS
    assert {p.name for p in (out / "manager").iterdir()} == MANAGER_FILES
    assert {p.name for p in (out / "officers").iterdir()} == {
        f"{o}.{ext}" for o in ("OM-A", "OM-B", "OM-C") for ext in ("csv", "ics")
    }

    visits = (out / "manager" / "visits.csv").read_text().splitlines()
    unscheduled = (out / "manager" / "unscheduled.csv").read_text().splitlines()
    assert visits[0] == ",".join(VISIT_COLUMNS)
    assert unscheduled[0] == ",".join(UNSCHEDULED_COLUMNS)
    visited = [line.split(",")[0] for line in visits[1:]]
    left = {line.split(",")[0]: line.split(",")[2] for line in unscheduled[1:]}
    # every offender once: the reactive one and the one visited 10 days ago are left out
    assert sorted(visited + list(left)) == sorted(o.id for o in valid_register.offenders)
    assert left["RSO-000006"] == UnscheduledReason.REACTIVE.value
    assert left["RSO-000008"] == UnscheduledReason.NOT_DUE.value
    assert "RSO-000003" in visited  # the two-officer visit
    joint = next(line for line in visits[1:] if line.startswith("RSO-000003,"))
    assert len(joint.split(",")[1].split(";")) == 2

    summary = json.loads((out / "manager" / "summary.json").read_text())
    assert summary["feasible"] is True
    assert summary["week_start"] == WEEK.isoformat()
    assert summary["scheduled"] == len(visited)
    rota_json = json.loads((out / "manager" / "rota.json").read_text())
    assert "audit" not in rota_json
    assert len(rota_json["visits"]) == len(visited)
    audit = json.loads((out / "manager" / "audit.json").read_text())
    assert audit["seed"] == 1
    assert audit["week_start"] == WEEK.isoformat()
    assert audit["policy"]["solver"]["time_limit_s"] == 0.2

    # each officer's sheet holds exactly their visits, joint visits on both sheets
    for officer in ("OM-A", "OM-B", "OM-C"):
        sheet = (out / "officers" / f"{officer}.csv").read_text().splitlines()
        assert sheet[0] == ",".join(VISIT_COLUMNS)
        mine = [v for v in visits[1:] if officer in v.split(",")[1].split(";")]
        assert sorted(sheet[1:]) == sorted(mine)


def test_plan_output_is_private(planned: tuple[Result, Path]) -> None:
    result, out = planned
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for rel, (mode, content) in tree(out).items():
        if content is None:
            assert mode == 0o700, rel
        else:
            assert mode == 0o600, rel
    # no staging or backup directory is left beside it
    assert [p.name for p in out.parent.iterdir()] == [out.name]


def test_seed_replays_identical_files(
    planned: tuple[Result, Path], tmp_path: Path, offenders_csv: Path, officers_csv: Path
) -> None:
    first, out = planned
    again = rota(
        *plan_args(
            offenders_csv, officers_csv, "--seed", "1", "--out", tmp_path / "again", "--json"
        )
    )
    assert again.exit_code == 0, again.output
    summary = json.loads(again.output[: again.output.index("\nWrote rota")])
    assert summary["feasible"] is True
    for rel in [
        "manager/visits.csv",
        "manager/unscheduled.csv",
        "officers/OM-A.csv",
        "officers/OM-B.csv",
        "officers/OM-C.csv",
    ]:
        assert (tmp_path / "again" / rel).read_bytes() == (out / rel).read_bytes(), rel


@pytest.mark.parametrize("seed", [None, 8_675_309_123_456])
def test_seed_only_in_the_audit_file(
    seed: int | None, tmp_path: Path, offenders_csv: Path, officers_csv: Path
) -> None:
    out = tmp_path / "rota"
    extra = [] if seed is None else ["--seed", str(seed)]
    result = rota(*plan_args(offenders_csv, officers_csv, "--out", out, *extra))
    assert result.exit_code == 0, result.output
    audit = json.loads((out / "manager" / "audit.json").read_text())
    if seed is not None:
        assert audit["seed"] == seed
    secret = str(audit["seed"])
    assert len(secret) >= 10  # long enough not to turn up by chance
    shared = [
        out / "manager" / "visits.csv",
        out / "manager" / "unscheduled.csv",
        out / "manager" / "rota.json",
        out / "manager" / "summary.json",
        *sorted((out / "officers").glob("*.csv")),
        *sorted((out / "officers").glob("*.ics")),
    ]
    assert len(shared) == 10
    for path in shared:
        text = path.read_text()
        assert secret not in text, path.name
        assert "seed" not in text.lower(), path.name


# ---- broken input: refused, named, and nothing written ----------------------------------


@pytest.mark.parametrize("case", BROKEN, ids=str)
def test_broken_input_is_refused_before_writing(
    case: Broken,
    input_path: Callable[[str], Path],
    offenders_csv: Path,
    officers_csv: Path,
    tmp_path: Path,
) -> None:
    path = input_path(case.file)
    out = tmp_path / "rota"
    if case.is_officers:
        result = rota(*plan_args(offenders_csv, path, "--out", out))
    else:
        result = rota(*plan_args(path, officers_csv, "--out", out))
    assert result.exit_code == 1
    # both files are checked in one pass: the other file may show only what follows from
    # this one's defect (an offender whose manager's row is a duplicate)
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    errors = [line for line in lines if line.startswith(f"Error: {path}")]
    assert all("field 'manager_id'" in line for line in lines if line not in errors)
    assert len(errors) == len(case.expected)
    for line, (row, field, phrase) in zip(errors, case.expected, strict=True):
        assert line.startswith(f"Error: {path}")
        if row is not None:
            assert f", row {row}," in line or f", row {row}:" in line
        if field is not None:
            assert f"field '{field}': " in line
        assert phrase in line
    assert "Traceback" not in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_all_problems_of_a_file_are_printed(
    offenders_multiple_problems_csv: Path, officers_csv: Path, tmp_path: Path
) -> None:
    result = rota(
        *plan_args(offenders_multiple_problems_csv, officers_csv, "--out", tmp_path / "rota")
    )
    assert result.exit_code == 1
    *lines, closing = result.stderr.splitlines()
    assert closing.startswith("6 problems in 1 file")
    assert [line.split(", field ")[1].split(":")[0] for line in lines] == [
        "'lat'",
        "'tier'",
        "'last_visit'",
        "'interval_days'",
        "'mappa_level'",
        "'manager_id'",
    ]
    assert list(tmp_path.iterdir()) == []


def test_missing_input_file(tmp_path: Path, officers_csv: Path) -> None:
    result = rota(*plan_args(tmp_path / "nope.csv", officers_csv))
    assert result.exit_code == 1
    assert f"{tmp_path / 'nope.csv'}: file not found" in result.stderr


def test_offenders_and_officers_go_together(offenders_csv: Path) -> None:
    result = rota("plan", "--offenders", offenders_csv, *FAST)
    assert result.exit_code == 2
    assert "--offenders and --officers go together" in result.output


@pytest.mark.parametrize(
    ("week", "message"),
    [
        ("2026-12-01", "2026-12-01 is a Tuesday; the planning week starts on a Monday"),
        ("2026-12-06", "2026-12-06 is a Sunday; the planning week starts on a Monday"),
        ("2026-13-01", "'2026-13-01' is not a date YYYY-MM-DD"),
        ("next monday", "'next monday' is not a date YYYY-MM-DD"),
    ],
)
def test_week_must_be_a_monday(
    week: str, message: str, offenders_csv: Path, officers_csv: Path, tmp_path: Path
) -> None:
    out = tmp_path / "rota"
    result = rota(
        "plan",
        "--offenders",
        offenders_csv,
        "--officers",
        officers_csv,
        "--week",
        week,
        "--out",
        out,
    )
    assert result.exit_code == 2
    assert message in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("option", "value"),
    [("--time-limit", "0"), ("--time-limit", "-1"), ("--workers", "0"), ("--engine", "gurobi")],
)
def test_bad_solver_option_is_a_clear_error(
    option: str, value: str, offenders_csv: Path, officers_csv: Path, tmp_path: Path
) -> None:
    result = rota(
        "plan",
        "--offenders",
        offenders_csv,
        "--officers",
        officers_csv,
        "--week",
        WEEK.isoformat(),
        option,
        value,
        "--out",
        tmp_path / "rota",
    )
    assert result.exit_code == 2
    assert option in result.output
    assert list(tmp_path.iterdir()) == []


# ---- existing output ----------------------------------------------------------------------


@pytest.fixture
def existing(tmp_path: Path) -> Path:
    """A directory that already holds somebody's work."""
    out = tmp_path / "rota"
    (out / "officers").mkdir(parents=True)
    (out / "visits.csv").write_bytes(b"last week's rota\r\nkeep me\n")
    (out / "officers" / "OM-A.csv").write_bytes(b"\x00\x01 not even text")
    (out / "notes.txt").write_text("manager's notes\n")
    return out


def test_existing_output_is_not_touched(
    existing: Path, offenders_csv: Path, officers_csv: Path
) -> None:
    before = tree(existing.parent)
    result = rota(*plan_args(offenders_csv, officers_csv, "--seed", "1", "--out", existing))
    assert result.exit_code == 1
    assert f"{existing} already exists; choose another --out or pass --overwrite" in (result.output)
    assert tree(existing.parent) == before


def test_scenario_does_not_touch_existing_output(existing: Path) -> None:
    before = tree(existing.parent)
    result = rota("scenario", "borough", "--out", existing)
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert tree(existing.parent) == before


def test_overwrite_replaces_the_whole_directory(
    existing: Path, offenders_csv: Path, officers_csv: Path
) -> None:
    result = rota(
        *plan_args(offenders_csv, officers_csv, "--seed", "1", "--out", existing, "--overwrite")
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in existing.iterdir()} == OUTPUT_DIRS
    assert (existing / "manager" / "visits.csv").read_text().startswith("offender_id,")
    assert [p.name for p in existing.parent.iterdir()] == ["rota"]


def test_empty_existing_directory_is_used(
    tmp_path: Path, offenders_csv: Path, officers_csv: Path
) -> None:
    out = tmp_path / "rota"
    out.mkdir()
    result = rota(*plan_args(offenders_csv, officers_csv, "--out", out))
    assert result.exit_code == 0, result.output
    assert (out / "manager" / "visits.csv").is_file()
    assert stat.S_IMODE(out.stat().st_mode) == 0o700


def test_out_is_an_existing_file(tmp_path: Path, offenders_csv: Path, officers_csv: Path) -> None:
    out = tmp_path / "rota.csv"
    out.write_text("not a directory\n")
    for extra in ([], ["--overwrite"]):
        result = rota(*plan_args(offenders_csv, officers_csv, "--out", out, *extra))
        assert result.exit_code == 1
        assert str(out) in result.output
        assert out.read_text() == "not a directory\n"
        assert [p.name for p in tmp_path.iterdir()] == ["rota.csv"]


# ---- scenarios ------------------------------------------------------------------------------


def test_scenario_files_are_accepted_by_plan(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs"
    result = rota("scenario", "borough", "--out", inputs)
    assert result.exit_code == 0, result.output
    assert "Wrote 300 offenders and 6 officers (borough, week of 2026-11-30)" in result.output
    assert tree(inputs).keys() == {"offenders.csv", "officers.csv"}
    assert all(mode == 0o600 for mode, _ in tree(inputs).values())
    assert stat.S_IMODE(inputs.stat().st_mode) == 0o700
    assert (inputs / "offenders.csv").read_text().splitlines()[0] == ",".join(OFFENDER_COLUMNS)
    assert (inputs / "officers.csv").read_text().splitlines()[0] == ",".join(OFFICER_COLUMNS)
    # the files hold exactly the generated register
    assert (
        load_register(inputs / "offenders.csv", inputs / "officers.csv", as_of=WEEK)
        == generate("borough").register
    )

    result = rota(
        "plan",
        "--offenders",
        inputs / "offenders.csv",
        "--officers",
        inputs / "officers.csv",
        *FAST,
        "--seed",
        "3",
        "--json",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["register"] == 300
    assert summary["feasible"] is True


@pytest.mark.parametrize(
    "args",
    [
        ["scenario", "atlantis", "--out", "{out}"],
        ["plan", "--scenario", "atlantis", "--out", "{out}"],
    ],
)
def test_unknown_scenario_is_a_clear_error(args: list[str], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = rota(*[a.format(out=out) for a in args])
    assert result.exit_code == 1
    assert "unknown scenario 'atlantis'; bundled scenarios: borough, met, national" in result.output
    assert not out.exists()


# ---- policy files ---------------------------------------------------------------------------


def test_policy_file_is_applied(
    policy_toml: Path, offenders_csv: Path, officers_csv: Path, tmp_path: Path
) -> None:
    out = tmp_path / "rota"
    result = rota(
        "plan",
        "--offenders",
        offenders_csv,
        "--officers",
        officers_csv,
        "--week",
        WEEK.isoformat(),
        "--policy",
        policy_toml,
        "--seed",
        "1",
        "--out",
        out,
    )
    # weekends off leaves the very-high visit out: the plan is written, and the documented
    # exit status 3 says high-risk visits were left out
    assert result.exit_code == 3, result.output
    policy = json.loads((out / "manager" / "audit.json").read_text())["policy"]
    assert policy["grace_days"] == 3
    assert policy["weekends"] is False
    assert policy["interval_days"]["medium"] == 120
    assert policy["solver"]["time_limit_s"] == 0.2
    days = [
        line.split(",")[3] for line in (out / "manager" / "visits.csv").read_text().splitlines()[1:]
    ]
    assert days
    assert all(date.fromisoformat(d).weekday() < Weekday.SAT for d in days)


@pytest.mark.parametrize(
    ("file", "phrases"),
    [
        ("policy_unknown_key.toml", ["field 'grace_day'", "Extra inputs are not permitted"]),
        ("policy_bad_value.toml", ["field 'solver.time_limit_s'", "greater than 0"]),
        ("policy_weights_not_increasing.toml", ["urgency_weight must increase with risk tier"]),
        ("policy_bad_toml.toml", ["line 1"]),
        ("no_such_policy.toml", ["No such file"]),
    ],
)
def test_bad_policy_names_file_and_field(
    file: str,
    phrases: list[str],
    inputs_dir: Path,
    offenders_csv: Path,
    officers_csv: Path,
    tmp_path: Path,
) -> None:
    path = inputs_dir / file
    result = rota(
        *plan_args(offenders_csv, officers_csv, "--policy", path, "--out", tmp_path / "rota")
    )
    assert result.exit_code == 1
    assert f"Error: {path}: " in result.stderr
    for phrase in phrases:
        assert phrase in result.stderr
    assert "field ''" not in result.stderr
    assert list(tmp_path.iterdir()) == []


# ---- formats ------------------------------------------------------------------------------


def test_formats_lists_every_column() -> None:
    result = rota("formats")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    tables = (
        ("offenders.csv", OFFENDER_COLUMNS),
        ("officers.csv", OFFICER_COLUMNS),
        ("outcomes.csv", OUTCOME_COLUMNS),
    )
    start = [lines.index(title) for title, _ in tables] + [len(lines)]
    sections = {title: lines[start[i] + 1 : start[i + 1]] for i, (title, _) in enumerate(tables)}
    for title, columns in tables:
        # a column's description may wrap to 80 columns on indented continuation lines
        entries: dict[str, str] = {}
        for line in sections[title]:
            if line.startswith("  ") and not line.startswith("   "):
                name, _, text = line.strip().partition(" ")
                entries[name] = text.strip()
            elif line.strip():
                entries[name] += " " + line.strip()
        assert list(entries) == list(columns), title
        for name, text in columns.items():
            assert entries[name] == " ".join(text.split()), name


def test_plan_with_the_pyvrp_engine_records_it_and_replays(tmp_path: Path) -> None:
    """--engine pyvrp plans borough with every rule kept, records the engine in the
    audit's policy, and the audit's seed with the same engine replays the visits."""
    import json

    from models import Policy, Rota
    from scheduler.plan.rules import all_violations

    runs = []
    for name in ("one", "two"):
        out = tmp_path / name
        seed = ("--seed", "41") if name == "two" else ()
        args = ("plan", "--scenario", "borough", "--engine", "pyvrp", *seed, "--out", out)
        assert rota(*args).exit_code in (0, 3)
        runs.append(out)
    audit = json.loads((runs[0] / "manager" / "audit.json").read_text())
    assert audit["policy"]["solver"]["engine"] == "pyvrp"
    again = rota(
        "plan",
        "--scenario",
        "borough",
        "--engine",
        "pyvrp",
        "--seed",
        str(audit["seed"]),
        "--out",
        tmp_path / "three",
    )
    assert again.exit_code in (0, 3)
    first = (runs[0] / "manager" / "visits.csv").read_text()
    assert (tmp_path / "three" / "manager" / "visits.csv").read_text() == first
    rota_obj = Rota.model_validate_json((runs[0] / "manager" / "rota.json").read_text())
    from data.scenarios import generate

    sc = generate("borough")
    assert all_violations(rota_obj, sc.register, Policy()) == []
