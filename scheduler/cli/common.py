"""What every ``rota`` command shares: error handling, option bundles and parsers, the
clock, bundled scenarios and settings files.

Commands import this module and never :mod:`scheduler.cli.main` or each other, so the
CLI's imports run one way (main -> commands -> common -> the library)."""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from pydantic import BaseModel, ValidationError

from models import Policy, Register
from models.simulation import EventRates
from scheduler.core.exceptions import InputFileError, PolicyError, RotaError, UnknownScenarioError

if TYPE_CHECKING:
    from data.scenarios import Scenario

M = TypeVar("M", bound=BaseModel)


def load_settings(model: type[M], path: Path | None) -> M:
    """A TOML settings file (policy, event rates) validated into ``model``; its defaults
    when no file is given. Errors name the file and the first bad field."""
    if path is None:
        return model()
    try:
        with open(path, "rb") as fh:
            return model.model_validate(tomllib.load(fh))
    except (OSError, ValueError) as exc:
        detail = str(exc)
        if isinstance(exc, ValidationError):
            e = exc.errors()[0]
            where = ".".join(str(p) for p in e["loc"])
            detail = f"field '{where}': {e['msg']}" if where else e["msg"]
        raise PolicyError(f"{path}: {detail}") from None


def register_read_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--postcodes``, ``--columns`` and ``--geocoder``: how a unit's files are read
    (kept for :func:`load_unit_register`, not passed to the command)."""
    fn = click.option(
        "--availability",
        type=click.Path(path_type=Path),
        multiple=True,
        expose_value=False,
        callback=_remember,
        help="Officers' time away this week: a CSV (officer_id, date, until, start, end, "
        "reason) or iCalendar files (one per officer, or X-ROTA-OFFICER). Repeatable.",
    )(fn)
    fn = click.option(
        "--geocoder",
        metavar="URL",
        expose_value=False,
        callback=_remember,
        help="Opt in to geocoding an 'address' column through this Nominatim server "
        "(addresses are SENT to it; results cached owner-only). Default: never.",
    )(fn)
    fn = click.option(
        "--columns",
        type=click.Path(path_type=Path),
        expose_value=False,
        callback=_remember,
        help='TOML of your own column names, e.g. [offenders] "Risk Score" = "tier".',
    )(fn)
    fn = click.option(
        "--postcodes",
        type=click.Path(path_type=Path),
        expose_value=False,
        callback=_remember,
        help="Postcode index that 'rota postcodes import' built (default: "
        "$ROTA_POSTCODES or ~/.local/share/rota/postcodes.npz).",
    )(fn)
    return fn


def register_source_options(
    verb: str, default: str | None = "borough"
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--scenario``, ``--offenders`` and ``--officers``: a bundled scenario or your files
    (``default`` None: neither unless asked for)."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn = click.option(
            "--officers", type=click.Path(path_type=Path), help="Officers CSV or JSON."
        )(fn)
        fn = click.option(
            "--offenders", type=click.Path(path_type=Path), help="Offenders CSV or JSON."
        )(fn)
        fn = register_read_options(fn)
        when = "when no CSVs are given " if default else ""
        return click.option(
            "--scenario",
            default=default,
            show_default=default is not None,
            help=f"Bundled scenario to {verb} {when}(borough, met, national).",
        )(fn)

    return decorate


def errors_to_exit(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Library errors become a clear message and exit status 1, never a traceback (database
    errors arrive as the store's ``StoreError``, a ``RotaError``)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InputFileError as exc:
            for line in exc.report().splitlines():
                click.echo(f"Error: {line}", err=True)
            if len(exc.problems) > 1:
                click.echo(f"{exc.summary()}: fix them all, then run again.", err=True)
            raise SystemExit(1) from None
        except RotaError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


def now() -> datetime:
    """The clock, read only here (tests replace it)."""
    return datetime.now()


def parse_week(value: str | None) -> date | None:
    """``--week``: a Monday YYYY-MM-DD, or None when not given."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None
    if day.weekday() != 0:
        raise click.BadParameter(f"{value} is a {day:%A}; the planning week starts on a Monday")
    return day


def parse_date(value: str | None, option: str) -> date | None:
    """A date option YYYY-MM-DD, or None when not given; errors name ``option``."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD", param_hint=option) from None


def next_monday(today: date) -> date:
    """The Monday after ``today`` (a week ahead when today is a Monday)."""
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


def load_policy(path: Path | None) -> Policy:
    """The policy TOML at ``path`` over the defaults (the defaults when None)."""
    return load_settings(Policy, path)


def load_rates(path: Path | None) -> EventRates:
    """The simulator's event rates TOML at ``path`` over the defaults."""
    return load_settings(EventRates, path)


def bundled_scenario(name: str, seed: int) -> Scenario:
    """A bundled synthetic scenario by name: a generated one (``borough``, ``met``,
    ``national``, drawn with ``seed``) or a benchmark version (``borough-small``,
    ``met-bcu@1``, ..., which carry their own seed); an unknown name is a clear error
    listing them all."""
    from data.scenarios import SCENARIOS, generate
    from scheduler.staffing.scenarios import BENCHMARK_SCENARIOS, build

    if name in SCENARIOS:
        return generate(name, seed)
    try:
        return build(name)
    except ValueError:
        names = [*SCENARIOS, *sorted({b.split("@")[0] for b in BENCHMARK_SCENARIOS})]
        raise UnknownScenarioError(
            f"unknown scenario {name!r}; bundled scenarios: {', '.join(dict.fromkeys(names))}"
        ) from None


STORE_HELP = (
    "History store that 'rota plan --store' created: a SQLite file, or a PostgreSQL URL "
    "postgresql+psycopg://USER@HOST[:PORT]/DB."
)


class StoreOption(click.ParamType):
    """``--store``: a SQLite file's path (a :class:`Path`) or a database URL (a
    :class:`~scheduler.history.store.StoreURL`, printed with its password hidden); both
    answer ``is_file()`` and open with :class:`~scheduler.history.store.HistoryStore`."""

    name = "path|url"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from scheduler.history.store import StoreError, store_location

        try:
            return store_location(value)
        except StoreError as exc:
            self.fail(str(exc), param, ctx)


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Keep a register-reading option for :func:`load_unit_register` (not a command
    argument, so every command that reads a register takes it the same way)."""
    ctx.meta.setdefault("rota.register", {})[param.name] = value
    return value


def load_unit_register(offenders: Path, officers: Path, as_of: date | None) -> Register:
    """Read a unit's register files with the command's ``--postcodes``, ``--columns`` and
    ``--geocoder`` options: every problem of both files at once (an ``InputFileError``),
    and a note on stderr for each column that is ignored."""
    from scheduler.io.columns import load_aliases
    from scheduler.io.loaders import OFFENDER_COLUMNS, OFFICER_COLUMNS, read_register
    from scheduler.io.locate import Locator

    ctx = click.get_current_context(silent=True)
    opts = ctx.meta.get("rota.register", {}) if ctx is not None else {}
    aliases = load_aliases(
        opts.get("columns"), {"offenders": OFFENDER_COLUMNS, "officers": OFFICER_COLUMNS}
    )
    locator = Locator(index=opts.get("postcodes"), geocoder=_geocoder(opts.get("geocoder")))
    result = read_register(offenders, officers, as_of, locator, aliases)
    for note in result.notes:
        click.echo(f"Note: {note}", err=True)
    if result.register is None:
        raise InputFileError(list(result.problems))
    return _with_availability(result.register, opts.get("availability") or (), as_of)


def unit_addresses(offenders: Path) -> dict[str, str]:
    """Offender id -> address from the offenders file's ``address`` column, read with the
    command's ``--columns``, for officers' files only (``--with-addresses``)."""
    from scheduler.io.columns import load_aliases
    from scheduler.io.loaders import OFFENDER_COLUMNS, OFFICER_COLUMNS
    from scheduler.io.officer_files import read_addresses

    ctx = click.get_current_context(silent=True)
    opts = ctx.meta.get("rota.register", {}) if ctx is not None else {}
    known = {"offenders": OFFENDER_COLUMNS, "officers": OFFICER_COLUMNS}
    aliases = load_aliases(opts.get("columns"), known)
    return read_addresses(offenders, aliases)


def _with_availability(register: Register, paths: Sequence[Path], as_of: date | None) -> Register:
    """The register with ``--availability`` files' time away added to its officers."""
    if not paths:
        return register
    from scheduler.io.availability import read_availability, with_availability

    officer_ids = [o.id for o in register.officers]
    entries = read_availability(paths, officer_ids, as_of or date.today())
    return with_availability(register, entries)


def _geocoder(url: str | None) -> Any:
    if not url:
        return None
    from scheduler.io.geocode import GeocodeCache, Geocoder, default_cache_path

    click.echo(
        f"Warning: addresses in the register are sent to {url} to be geocoded "
        "(only rows without lat/lon or postcode); results are cached owner-only in "
        f"{default_cache_path()}",
        err=True,
    )
    return Geocoder(url, cache=GeocodeCache(default_cache_path()))
