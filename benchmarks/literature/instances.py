"""Readers for the literature benchmark instances and their reference solutions.

Two families are supported, both as shipped in ``/work/shared/instances``:

* Cordeau's periodic VRP format (``pNN.txt`` / ``prNN.txt``) with ``.res``
  reference solutions;
* Solomon VRPTW instances in VRPLIB format (``.vrp``) with ``.sol``
  best-known solutions.

Everything is parsed by hand so that the benchmark harness needs nothing
beyond numpy, and every parse error names the file and line so a corrupted
download is diagnosed rather than silently mis-read.

Conventions (they decide whether a reference cost can be reproduced):

* Nodes are indexed 0..n with the depot at 0, in both families. Solomon
  ``.sol`` files already number customers this way (VRPLIB node ``k + 1`` is
  customer ``k``).
* PVRP distances are unrounded Euclidean.
* VRPTW arc lengths are truncated to one decimal, ``floor(10 * d) / 10``
  (DIMACS 2021 / PyVRP convention behind the ``.sol`` costs); travel time
  equals distance.
* PVRP days are 0-based in memory (day 1 of the files is day 0); a visit
  pattern is a t-bit mask with day 1 as the most significant bit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "PvrpInstance",
    "PvrpRoute",
    "PvrpSolution",
    "VrptwInstance",
    "VrptwSolution",
    "decode_pattern",
    "encode_pattern",
    "read_pvrp",
    "read_pvrp_solution",
    "read_solomon",
    "read_solomon_solution",
    "truncated_distances",
]


# --------------------------------------------------------------------------- helpers


def decode_pattern(mask: int, n_days: int) -> tuple[int, ...]:
    """Decode a Cordeau visit-combination mask into 0-based days.

    Day 1 is the most significant of ``n_days`` bits, so with five days
    ``10 = 0b01010`` decodes to ``(1, 3)`` (days 2 and 4 of the file).

    Raises
    ------
    ValueError
        If the mask has bits outside the ``n_days`` range; such a mask cannot
        come from a well-formed file and would otherwise decode to nonsense.
    """
    if n_days < 1:
        raise ValueError(f"n_days must be positive, got {n_days}")
    if not 0 <= mask < (1 << n_days):
        raise ValueError(f"pattern {mask} does not fit in {n_days} days")
    return tuple(d for d in range(n_days) if mask >> (n_days - 1 - d) & 1)


def encode_pattern(days: Iterable[int], n_days: int) -> int:
    """Inverse of :func:`decode_pattern`: 0-based days to a Cordeau mask.

    Used by the evaluator to compare the day set a solution actually uses
    against the allowed masks without decoding every allowed pattern.
    """
    mask = 0
    for d in days:
        if not 0 <= d < n_days:
            raise ValueError(f"day {d} outside 0..{n_days - 1}")
        mask |= 1 << (n_days - 1 - d)
    return mask


def _readonly(a: np.ndarray) -> np.ndarray:
    """Mark an array read-only so a frozen instance is frozen all the way down."""
    a.flags.writeable = False
    return a


def _euclidean(coords: np.ndarray) -> np.ndarray:
    diff = coords[:, None, :] - coords[None, :, :]
    return np.sqrt((diff**2).sum(axis=-1))


class _Lines:
    """Numbered, non-blank lines of a text file, for error messages with a line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            text = path.read_text()
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path}: not a text file ({exc})") from None
        self.items = [
            (no, line.split()) for no, line in enumerate(text.splitlines(), 1) if line.strip()
        ]
        self.pos = 0

    def error(self, lineno: int | None, message: str) -> ValueError:
        where = f"{self.path}:{lineno}" if lineno is not None else str(self.path)
        return ValueError(f"{where}: {message}")

    def next(self, what: str) -> tuple[int, list[str]]:
        if self.pos >= len(self.items):
            last = self.items[-1][0] if self.items else 0
            raise self.error(last, f"unexpected end of file, expected {what}")
        item = self.items[self.pos]
        self.pos += 1
        return item

    def rest(self) -> list[tuple[int, list[str]]]:
        out = self.items[self.pos :]
        self.pos = len(self.items)
        return out


def _num(lines: _Lines, lineno: int, token: str, what: str, kind: type = float) -> float | int:
    """Parse one token as ``kind``; an int field must hold an integral value."""
    try:
        value = float(token)
    except ValueError:
        raise lines.error(lineno, f"{what}: expected a number, got {token!r}") from None
    if not math.isfinite(value):
        raise lines.error(lineno, f"{what}: expected a finite number, got {token!r}")
    if kind is int:
        if value != int(value):
            raise lines.error(lineno, f"{what}: expected an integer, got {token!r}")
        return int(value)
    return value


# --------------------------------------------------------------------------- PVRP


@dataclass(frozen=True, eq=False)
class PvrpInstance:
    """A periodic VRP instance in Cordeau's format.

    Arrays are indexed by node with the depot at row 0 and are read-only.
    ``eq=False`` keeps identity hashing: element-wise array equality has no
    single truth value.

    Attributes
    ----------
    name
        File stem, e.g. ``"p01"``.
    n_vehicles
        Vehicles available on each day (the same fleet every day).
    n_days
        Days in the planning period.
    max_duration
        Per day, the route duration limit (travel + service), or ``None`` where
        the file says 0 (no limit).
    capacity
        Per day vehicle capacity, shape ``(n_days,)``.
    coords
        Shape ``(n + 1, 2)``.
    service, demand, frequency
        Per node; ``demand`` is per visit, ``frequency`` visits per period.
    patterns
        Per node, the allowed visit combinations as day bitmasks (the depot
        has none). Decode with :meth:`allowed_days`.
    distance
        Unrounded Euclidean distance matrix, derived from ``coords``.
    """

    name: str
    n_vehicles: int
    n_days: int
    max_duration: tuple[float | None, ...]
    capacity: np.ndarray
    coords: np.ndarray
    service: np.ndarray
    demand: np.ndarray
    frequency: np.ndarray
    patterns: tuple[tuple[int, ...], ...]
    distance: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n1 = len(self.coords)
        if self.coords.shape != (n1, 2):
            raise ValueError(f"coords must have shape (n + 1, 2), got {self.coords.shape}")
        for attr in ("service", "demand", "frequency"):
            if getattr(self, attr).shape != (n1,):
                raise ValueError(f"{attr} must have shape ({n1},)")
        if len(self.patterns) != n1:
            raise ValueError(f"patterns must have {n1} entries")
        if len(self.max_duration) != self.n_days or self.capacity.shape != (self.n_days,):
            raise ValueError(f"max_duration and capacity must have {self.n_days} entries")
        for attr in ("capacity", "coords", "service", "demand", "frequency"):
            _readonly(getattr(self, attr))
        object.__setattr__(self, "distance", _readonly(_euclidean(self.coords)))

    @property
    def n_customers(self) -> int:
        """Number of customers, excluding the depot."""
        return len(self.coords) - 1

    def allowed_days(self, customer: int) -> tuple[tuple[int, ...], ...]:
        """The allowed visit-day sets of ``customer``, each a tuple of 0-based days."""
        return tuple(decode_pattern(m, self.n_days) for m in self.patterns[customer])


@dataclass(frozen=True)
class PvrpRoute:
    """One vehicle's route on one day.

    ``day`` and ``vehicle`` are 0-based (the ``.res`` files count from 1);
    ``customers`` excludes the depot at both ends. ``duration`` and ``load``
    are the values printed in a ``.res`` file, kept so the evaluator's
    definition of duration can be checked against the published one; they
    are ``None`` for routes built in code and never trusted by the evaluator.
    """

    day: int
    vehicle: int
    customers: tuple[int, ...]
    duration: float | None = None
    load: float | None = None


@dataclass(frozen=True)
class PvrpSolution:
    """A ``.res`` reference solution: the published cost and its routes."""

    cost: float
    routes: tuple[PvrpRoute, ...]


def read_pvrp(path: str | Path) -> PvrpInstance:
    """Read a Cordeau PVRP instance (``type m n t`` header, type 1 only).

    Raises
    ------
    ValueError
        On any malformed line, naming file and line: the format is positional,
        so a single missing token would otherwise shift every later field.
    """
    path = Path(path)
    lines = _Lines(path)

    no, tok = lines.next("header 'type m n t'")
    if len(tok) != 4:
        raise lines.error(no, f"header: expected 'type m n t', got {len(tok)} fields")
    names = ("type", "m", "n", "t")
    ptype, m, n, t = (_num(lines, no, x, w, int) for x, w in zip(tok, names, strict=True))
    if ptype != 1:
        raise lines.error(no, f"problem type {ptype} is not 1 (PVRP)")
    if m < 1 or n < 1 or t < 1:
        raise lines.error(no, f"header: m, n and t must be positive, got {m} {n} {t}")

    durations: list[float | None] = []
    capacities: list[int] = []
    for day in range(1, t + 1):
        no, tok = lines.next(f"'D Q' line for day {day}")
        if len(tok) != 2:
            raise lines.error(no, f"day {day}: expected 'D Q', got {len(tok)} fields")
        dur = _num(lines, no, tok[0], f"day {day} max duration")
        cap = _num(lines, no, tok[1], f"day {day} capacity", int)
        if dur < 0 or cap <= 0:
            raise lines.error(no, f"day {day}: duration must be >= 0 and capacity > 0")
        durations.append(None if dur == 0 else float(dur))
        capacities.append(int(cap))

    coords = np.zeros((n + 1, 2))
    service = np.zeros(n + 1)
    demand = np.zeros(n + 1, dtype=np.int64)
    frequency = np.zeros(n + 1, dtype=np.int64)
    patterns: list[tuple[int, ...]] = []
    for i in range(n + 1):
        no, tok = lines.next(f"node line for node {i}")
        if len(tok) < 7:
            raise lines.error(
                no, f"node {i}: expected 'i x y d q f a c1..ca', got {len(tok)} fields"
            )
        idx = _num(lines, no, tok[0], "node index", int)
        if idx != i:
            raise lines.error(no, f"expected node {i}, found node {idx}")
        coords[i] = [_num(lines, no, tok[1], f"node {i} x"), _num(lines, no, tok[2], f"node {i} y")]
        service[i] = _num(lines, no, tok[3], f"node {i} service duration")
        demand[i] = _num(lines, no, tok[4], f"node {i} demand", int)
        frequency[i] = f = _num(lines, no, tok[5], f"node {i} frequency", int)
        a = _num(lines, no, tok[6], f"node {i} number of combinations", int)
        if len(tok) != 7 + a:
            raise lines.error(no, f"node {i}: announces {a} combinations, lists {len(tok) - 7}")
        if service[i] < 0 or demand[i] < 0:
            raise lines.error(no, f"node {i}: negative service duration or demand")
        masks = tuple(_num(lines, no, x, f"node {i} combination", int) for x in tok[7:])
        if i == 0:
            if f != 0 or a != 0:
                raise lines.error(no, "depot (node 0) must have frequency 0 and no combinations")
        else:
            if not 1 <= f <= t or a < 1:
                raise lines.error(no, f"customer {i}: frequency {f} and {a} combinations invalid")
            for mask in masks:
                if not 0 < mask < (1 << t):
                    raise lines.error(no, f"customer {i}: combination {mask} not a {t}-day mask")
                if mask.bit_count() != f:
                    raise lines.error(
                        no,
                        f"customer {i}: combination {mask} has {mask.bit_count()} days, "
                        f"frequency is {f}",
                    )
        patterns.append(masks)

    extra = lines.rest()
    if extra:
        raise lines.error(extra[0][0], f"unexpected content after the {n + 1} node lines")

    return PvrpInstance(
        name=path.stem,
        n_vehicles=m,
        n_days=t,
        max_duration=tuple(durations),
        capacity=np.array(capacities, dtype=np.int64),
        coords=coords,
        service=service,
        demand=demand,
        frequency=frequency,
        patterns=tuple(patterns),
    )


def read_pvrp_solution(path: str | Path) -> PvrpSolution:
    """Read a Cordeau ``.res`` file: the cost, then ``day vehicle duration load 0 .. 0``.

    Customer indices are not checked against an instance here (the reader
    has none); the evaluator reports out-of-range customers as violations.
    """
    path = Path(path)
    lines = _Lines(path)
    no, tok = lines.next("total cost on line 1")
    if len(tok) != 1:
        raise lines.error(no, f"expected the total cost alone, got {len(tok)} fields")
    cost = float(_num(lines, no, tok[0], "total cost"))

    routes: list[PvrpRoute] = []
    for no, tok in lines.rest():
        if len(tok) < 6:
            raise lines.error(
                no, f"route: expected 'day vehicle duration load 0 ... 0', got {len(tok)} fields"
            )
        day = _num(lines, no, tok[0], "day", int)
        vehicle = _num(lines, no, tok[1], "vehicle", int)
        if day < 1 or vehicle < 1:
            raise lines.error(no, "day and vehicle are numbered from 1")
        duration = _num(lines, no, tok[2], "duration")
        load = _num(lines, no, tok[3], "load")
        nodes = [_num(lines, no, x, "node", int) for x in tok[4:]]
        if nodes[0] != 0 or nodes[-1] != 0:
            raise lines.error(no, "route must start and end at the depot (0)")
        customers = tuple(nodes[1:-1])
        if 0 in customers:
            raise lines.error(no, "depot (0) inside a route")
        routes.append(PvrpRoute(day - 1, vehicle - 1, customers, float(duration), float(load)))
    if not routes:
        raise lines.error(None, "no routes after the cost line")
    return PvrpSolution(cost=cost, routes=tuple(routes))


# --------------------------------------------------------------------------- VRPTW


def truncated_distances(coords: np.ndarray) -> np.ndarray:
    """Euclidean distances truncated to one decimal, ``floor(10 * d) / 10``.

    This is the convention of the Solomon best-known costs used here (DIMACS
    2021, PyVRP); unrounded or two-decimal distances give different optima.
    """
    return np.floor(10.0 * _euclidean(coords)) / 10.0


@dataclass(frozen=True, eq=False)
class VrptwInstance:
    """A capacitated VRP with time windows (Solomon via VRPLIB).

    Arrays are indexed by node, depot at 0, and read-only. ``distance`` is
    derived from ``coords`` by :func:`truncated_distances` and doubles as the
    travel-time matrix. ``n_vehicles`` is an upper bound, not a requirement.
    """

    name: str
    coords: np.ndarray
    demand: np.ndarray
    capacity: int
    n_vehicles: int
    ready: np.ndarray
    due: np.ndarray
    service: np.ndarray
    distance: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n1 = len(self.coords)
        if self.coords.shape != (n1, 2):
            raise ValueError(f"coords must have shape (n + 1, 2), got {self.coords.shape}")
        for attr in ("demand", "ready", "due", "service"):
            if getattr(self, attr).shape != (n1,):
                raise ValueError(f"{attr} must have shape ({n1},)")
            _readonly(getattr(self, attr))
        _readonly(self.coords)
        object.__setattr__(self, "distance", _readonly(truncated_distances(self.coords)))

    @property
    def n_customers(self) -> int:
        """Number of customers, excluding the depot."""
        return len(self.coords) - 1


@dataclass(frozen=True)
class VrptwSolution:
    """A ``.sol`` solution: routes of customers (depot excluded) and the stated cost."""

    routes: tuple[tuple[int, ...], ...]
    cost: float


_SECTION_WIDTH = {
    "NODE_COORD_SECTION": 3,
    "DEMAND_SECTION": 2,
    "TIME_WINDOW_SECTION": 3,
    "SERVICE_TIME_SECTION": 2,
}


def read_solomon(path: str | Path) -> VrptwInstance:
    """Read a CVRPTW instance in VRPLIB format (``KEY : value`` header, sections).

    Supports what the Solomon files use: ``NODE_COORD_SECTION``,
    ``DEMAND_SECTION``, ``TIME_WINDOW_SECTION``, ``DEPOT_SECTION`` (single
    depot, node 1), a uniform ``SERVICE_TIME`` header or a
    ``SERVICE_TIME_SECTION``, ``EDGE_WEIGHT_TYPE : EUC_2D``. ``VEHICLES`` is
    optional in VRPLIB; without it the bound is one vehicle per customer.
    The depot's service time is 0 unless a section says otherwise.

    Raises
    ------
    ValueError
        On a missing header or section, a wrong row count or duplicate id,
        naming file and line: a silently defaulted capacity or time window
        would make every benchmark number meaningless.
    """
    path = Path(path)
    lines = _Lines(path)
    header: dict[str, tuple[int, str]] = {}
    sections: dict[str, dict[int, tuple[int, list[str]]]] = {}
    depots: list[int] = []
    first_section_line: int | None = None
    current: str | None = None
    saw_eof = False

    for no, tok in lines.rest():
        line = " ".join(tok)
        if saw_eof:
            raise lines.error(no, "content after EOF")
        if line == "EOF":
            saw_eof = True
            continue
        if ":" in line:  # data rows are numbers only, so a colon marks a header line
            key, _, value = line.partition(":")
            key = key.strip().upper()
            if first_section_line is not None:
                raise lines.error(no, f"header {key} after the data sections")
            if key in header:
                raise lines.error(no, f"header {key} repeated")
            header[key] = (no, value.strip())
            continue
        if len(tok) == 1 and tok[0].upper().endswith("_SECTION"):
            current = tok[0].upper()
            if current not in _SECTION_WIDTH and current != "DEPOT_SECTION":
                raise lines.error(no, f"unsupported section {current}")
            if current in sections or (current == "DEPOT_SECTION" and depots):
                raise lines.error(no, f"section {current} repeated")
            if current != "DEPOT_SECTION":
                sections[current] = {}
            first_section_line = first_section_line or no
            continue
        if current is None:
            raise lines.error(no, f"expected 'KEY : value' or a section name, got {line!r}")
        if current == "DEPOT_SECTION":
            if len(tok) != 1:
                raise lines.error(no, "DEPOT_SECTION: expected one node id per line")
            node = _num(lines, no, tok[0], "depot id", int)
            if node == -1:
                current = None
            else:
                depots.append(node)
            continue
        width = _SECTION_WIDTH[current]
        if len(tok) != width:
            raise lines.error(no, f"{current}: expected {width} fields, got {len(tok)}")
        node = _num(lines, no, tok[0], f"{current} node id", int)
        if node in sections[current]:
            raise lines.error(no, f"{current}: node {node} listed twice")
        sections[current][node] = (no, tok[1:])

    before = f"before line {first_section_line}" if first_section_line else "in the header"

    def head(key: str, kind: type = int) -> float | int | str:
        if key not in header:
            raise lines.error(None, f"header {key} missing (expected '{key} : <value>' {before})")
        no, value = header[key]
        return value if kind is str else _num(lines, no, value, key, kind)

    dim = head("DIMENSION")
    capacity = head("CAPACITY")
    if dim < 2:
        raise lines.error(header["DIMENSION"][0], f"DIMENSION {dim} leaves no customers")
    if capacity <= 0:
        raise lines.error(header["CAPACITY"][0], f"CAPACITY must be positive, got {capacity}")
    n_vehicles = head("VEHICLES") if "VEHICLES" in header else dim - 1
    if n_vehicles < 1:
        raise lines.error(header["VEHICLES"][0], f"VEHICLES must be positive, got {n_vehicles}")
    ewt = head("EDGE_WEIGHT_TYPE", str) if "EDGE_WEIGHT_TYPE" in header else "EUC_2D"
    if ewt.upper() != "EUC_2D":
        raise lines.error(header["EDGE_WEIGHT_TYPE"][0], f"EDGE_WEIGHT_TYPE {ewt} not supported")
    if "TYPE" in header and head("TYPE", str).upper() not in ("CVRPTW", "VRPTW"):
        raise lines.error(header["TYPE"][0], f"TYPE {head('TYPE', str)} is not CVRPTW")
    if depots != [1]:
        raise lines.error(None, f"DEPOT_SECTION must list exactly node 1, got {depots or 'none'}")

    def column(section: str, j: int, kind: type = float) -> np.ndarray:
        rows = sections.get(section)
        if rows is None:
            raise lines.error(None, f"section {section} missing")
        ids = set(rows)
        if ids != set(range(1, dim + 1)):
            missing = sorted(set(range(1, dim + 1)) - ids)
            stray = sorted(ids - set(range(1, dim + 1)))
            raise lines.error(
                None,
                f"{section}: node ids must be 1..{dim}; "
                f"missing {missing[:5]}, unexpected {stray[:5]}",
            )
        dtype = np.int64 if kind is int else np.float64
        return np.array(
            [
                _num(lines, rows[k][0], rows[k][1][j], f"{section} node {k}", kind)
                for k in range(1, dim + 1)
            ],
            dtype=dtype,
        )

    coords = np.column_stack([column("NODE_COORD_SECTION", 0), column("NODE_COORD_SECTION", 1)])
    demand = column("DEMAND_SECTION", 0, int)
    ready = column("TIME_WINDOW_SECTION", 0)
    due = column("TIME_WINDOW_SECTION", 1)
    if "SERVICE_TIME_SECTION" in sections:
        service = column("SERVICE_TIME_SECTION", 0)
    else:
        service = np.full(dim, float(head("SERVICE_TIME", float)))
        service[0] = 0.0
    rows = sections["TIME_WINDOW_SECTION"]
    for k in range(dim):
        if ready[k] > due[k]:
            raise lines.error(rows[k + 1][0], f"node {k + 1}: ready time after due time")
    if demand[0] != 0:
        raise lines.error(sections["DEMAND_SECTION"][1][0], "depot demand must be 0")
    if (demand < 0).any() or (service < 0).any():
        raise lines.error(None, "negative demand or service time")

    return VrptwInstance(
        name=str(head("NAME", str)) if "NAME" in header else path.stem,
        coords=coords,
        demand=demand,
        capacity=int(capacity),
        n_vehicles=int(n_vehicles),
        ready=ready,
        due=due,
        service=service,
    )


def read_solomon_solution(path: str | Path) -> VrptwSolution:
    """Read a VRPLIB ``.sol`` file: ``Route #k: c1 c2 ...`` lines, then ``Cost X``.

    Other ``Key value`` lines some solvers append (e.g. ``Time``) are ignored;
    a missing cost or a route without customers is an error, because the
    file is then not a complete reference solution.
    """
    path = Path(path)
    lines = _Lines(path)
    routes: list[tuple[int, ...]] = []
    cost: float | None = None
    for no, tok in lines.rest():
        if tok[0].lower() == "route":
            if len(tok) < 2 or not tok[1].startswith("#") or not tok[1].endswith(":"):
                raise lines.error(no, "expected 'Route #k: c1 c2 ...'")
            if len(tok) == 2:
                raise lines.error(no, "route lists no customers")
            customers = tuple(_num(lines, no, x, "customer", int) for x in tok[2:])
            if any(c <= 0 for c in customers):
                raise lines.error(no, "customers are numbered from 1 (0 is the depot)")
            routes.append(customers)
        elif tok[0].lower() == "cost":
            if len(tok) != 2:
                raise lines.error(no, "expected 'Cost <value>'")
            if cost is not None:
                raise lines.error(no, "Cost repeated")
            cost = float(_num(lines, no, tok[1], "cost"))
        elif len(tok) == 2 and tok[0].isalpha():
            continue
        else:
            raise lines.error(no, f"expected a route or 'Cost', got {' '.join(tok)!r}")
    if cost is None:
        raise lines.error(None, "no 'Cost' line")
    if not routes:
        raise lines.error(None, "no routes")
    return VrptwSolution(routes=tuple(routes), cost=cost)
