"""A team's week drawn as an inline SVG map: officers' bases, visit points and one route
line per officer-day, a colour per officer and a scale bar, from the coordinates alone.

No tiles, fonts or scripts are fetched: the report that holds the map must open on an
offline machine and send nothing anywhere. Points are projected to map units here, so the
SVG carries no latitude or longitude either. Nothing here reads or writes files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

#: One colour per officer of a team (Tableau 10: distinct on screen and in print).
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
#: Dash patterns that tell apart officers whose colour the palette repeats.
DASHES = ("", "6 3", "2 3")
#: Metres in a degree of latitude (and of longitude at the equator).
M_PER_DEG_LAT = 110_540.0
M_PER_DEG_LON = 111_320.0

LatLon = tuple[float, float]


@dataclass(frozen=True)
class Stop:
    """A visit on a route: where, and the words its tooltip shows (pseudonymous ids,
    day and time, tier: never an address)."""

    at: LatLon
    label: str
    high_risk: bool = False
    joint: bool = False


@dataclass(frozen=True)
class Route:
    """One officer's day: from the base, through the visits in order, back to base."""

    officer_id: str
    day: int
    base: LatLon
    stops: tuple[Stop, ...]


def officer_colour(index: int) -> tuple[str, str]:
    """The colour and dash pattern of a team's ``index``-th officer."""
    return PALETTE[index % len(PALETTE)], DASHES[(index // len(PALETTE)) % len(DASHES)]


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection about the points' middle, scaled to fit a box: at a
    team's scale (tens of km) its error is far below what a map of routes can show."""

    lat0: float
    lon0: float
    px_per_m: float
    x0_m: float
    y1_m: float
    pad: float

    def xy(self, at: LatLon) -> tuple[float, float]:
        x_m, y_m = _metres(at, self.lat0, self.lon0)
        return (
            round(self.pad + (x_m - self.x0_m) * self.px_per_m, 1),
            round(self.pad + (self.y1_m - y_m) * self.px_per_m, 1),
        )


def _metres(at: LatLon, lat0: float, lon0: float) -> tuple[float, float]:
    lat, lon = at
    return (
        (lon - lon0) * M_PER_DEG_LON * math.cos(math.radians(lat0)),
        (lat - lat0) * M_PER_DEG_LAT,
    )


def fit_projection(
    points: Sequence[LatLon], width: float, height: float, pad: float = 28.0
) -> Projection:
    """The projection that fits ``points`` in ``width`` x ``height`` with the same scale
    on both axes (at least 1 km across, so a single point still gets a map)."""
    lat0 = (min(p[0] for p in points) + max(p[0] for p in points)) / 2
    lon0 = (min(p[1] for p in points) + max(p[1] for p in points)) / 2
    xs, ys = zip(*(_metres(p, lat0, lon0) for p in points), strict=True)
    span_x = max(max(xs) - min(xs), 1000.0)
    span_y = max(max(ys) - min(ys), 1000.0)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    # Centre the points in the box.
    x0 = (min(xs) + max(xs)) / 2 - (width - 2 * pad) / scale / 2
    y1 = (min(ys) + max(ys)) / 2 + (height - 2 * pad) / scale / 2
    return Projection(lat0, lon0, scale, x0, y1, pad)


def nice_length_m(max_m: float) -> float:
    """The longest 1, 2 or 5 x 10^k metres not above ``max_m``: a scale bar's length."""
    if max_m <= 0:
        return 0.0
    k = 10 ** math.floor(math.log10(max_m))
    return max(f * k for f in (1, 2, 5) if f * k <= max_m)


def _length_text(m: float) -> str:
    return f"{m / 1000:g} km" if m >= 1000 else f"{m:g} m"


def scale_bar(proj: Projection, width: float, height: float) -> str:
    """A bar at most a quarter of the map's width, bottom left, labelled in km or m."""
    length = nice_length_m(0.25 * width / proj.px_per_m)
    width_px = length * proj.px_per_m
    x, y = proj.pad, height - 12
    return (
        f'<g class="scale"><rect x="{x - 4}" y="{y - 20}" width="{width_px + 8:.1f}" '
        f'height="26" fill="#fff" opacity="0.85"/>'
        f'<path d="M{x} {y - 5}V{y}H{x + width_px:.1f}V{y - 5}" fill="none" '
        f'stroke="#222" stroke-width="1.5"/>'
        f'<text x="{x + width_px / 2:.1f}" y="{y - 8}" text-anchor="middle">'
        f"{_length_text(length)}</text></g>"
    )


def _route_group(route: Route, proj: Projection, colour: str, dash: str) -> str:
    """The route line and its visit points, in one group the page's filter can hide."""
    path = [proj.xy(route.base), *(proj.xy(s.at) for s in route.stops), proj.xy(route.base)]
    d = "M" + " L".join(f"{x} {y}" for x, y in path)
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    parts = [
        f'<g class="route" data-officer="{escape(route.officer_id)}" data-day="{route.day}">',
        f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2" '
        f'stroke-opacity="0.75" stroke-linejoin="round"{dash_attr}/>',
    ]
    for n, stop in enumerate(route.stops, 1):
        x, y = proj.xy(stop.at)
        r = 6 if stop.high_risk else 4
        ring = ' stroke="#000" stroke-width="1.5"' if stop.high_risk else ' stroke="#fff"'
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="{r}" fill="{colour}"{ring}>'
            f"<title>{escape(stop.label)} (stop {n})</title></circle>"
        )
        if stop.joint:
            parts.append(
                f'<circle cx="{x}" cy="{y}" r="{r + 3}" fill="none" stroke="{colour}" '
                'stroke-width="1"/>'
            )
    parts.append("</g>")
    return "".join(parts)


def _bases(bases: Mapping[str, LatLon], proj: Projection) -> str:
    """A black square per base, its tooltip naming the officers working from it."""
    at: dict[tuple[float, float], list[str]] = {}
    for officer_id, where in bases.items():
        at.setdefault(proj.xy(where), []).append(officer_id)
    parts = []
    for (x, y), officers in at.items():
        names = escape(", ".join(sorted(officers)))
        parts.append(
            f'<g class="base"><rect x="{x - 6}" y="{y - 6}" width="12" height="12" '
            f'fill="#111" stroke="#fff" stroke-width="1.5"><title>base of {names}</title>'
            f'</rect><text x="{x + 9}" y="{y + 4}" class="halo">base</text>'
            f'<text x="{x + 9}" y="{y + 4}">base</text></g>'
        )
    return "".join(parts)


def route_map_svg(
    routes: Sequence[Route],
    bases: Mapping[str, LatLon],
    colours: Mapping[str, tuple[str, str]],
    *,
    map_id: str,
    width: int = 960,
    height: int = 600,
) -> str:
    """A team's map as an ``<svg>`` element: bases, routes (``colours`` gives each
    officer's colour and dash pattern) and a scale bar; empty-handed when there is
    nothing to draw."""
    points = [*bases.values(), *(s.at for r in routes for s in r.stops)]
    if not points:
        return '<p class="muted">No locations to draw.</p>'
    proj = fit_projection(points, width, height)
    body = [
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f7f7f4"/>',
        _grid(proj, width, height),
        *(_route_group(r, proj, *colours[r.officer_id]) for r in routes),
        _bases(bases, proj),
        scale_bar(proj, width, height),
        _north(width),
    ]
    return (
        f'<svg id="{escape(map_id)}" class="map" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="routes map">{"".join(body)}</svg>'
    )


def _grid(proj: Projection, width: float, height: float) -> str:
    """Faint lines one scale step apart, so distances can be read anywhere on the map."""
    step_m = nice_length_m(width / 4 / proj.px_per_m)
    if step_m <= 0:
        return ""
    step = step_m * proj.px_per_m
    lines = [f"M{x:.1f} 0V{height}" for x in _ticks(proj.pad, width, step)]
    lines += [f"M0 {y:.1f}H{width}" for y in _ticks(proj.pad, height, step)]
    return f'<path d="{"".join(lines)}" stroke="#e2e2dc" stroke-width="1" fill="none"/>'


def _ticks(start: float, end: float, step: float) -> list[float]:
    first = start - math.floor(start / step) * step
    return [first + i * step for i in range(int((end - first) / step) + 1)]


def _north(width: float) -> str:
    x = width - 22
    return (
        f'<g class="north"><path d="M{x} 12L{x + 6} 30L{x} 26L{x - 6} 30Z" fill="#222"/>'
        f'<text x="{x}" y="44" text-anchor="middle">N</text></g>'
    )
