"""The shell every HTML report shares: one self-contained page (CSS in a ``<style>``
block, a few lines of plain script, images as ``data:`` URIs) and the small builders
its sections use, each escaping every value it is given.

A report is read on machines that may be offline and holds sensitive data, so the page
never refers to anything outside itself: no scripts, fonts, styles or images from
elsewhere, and no link but to its own ``#`` sections.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from html import escape

#: Tier colours, as in the plots (:data:`scheduler.io.plots.TIER_COLOURS`).
TIER_COLOURS = {"low": "#4daf4a", "medium": "#377eb8", "high": "#ff7f00", "very_high": "#e41a1c"}
TIER_SHORT = {"very_high": "VH", "high": "H", "medium": "M", "low": "L"}

CSS = """
:root { --ink: #1d1d1f; --muted: #666; --line: #d8d8d2; --bad: #b3261e; --warn: #8a5a00; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); margin: 0 auto; padding: 16px 24px 48px; max-width: 1240px; }
h1 { font-size: 24px; margin: 4px 0 8px; }
h2 { font-size: 19px; margin: 28px 0 8px; padding-top: 8px; border-top: 2px solid var(--ink); }
h3 { font-size: 15px; margin: 16px 0 6px; }
nav { font-size: 13px; margin: 0 0 12px; }
nav a { color: #1f5fa8; margin-right: 14px; text-decoration: none; }
.muted { color: var(--muted); }
.alarm { background: #fde8e6; border: 2px solid var(--bad); color: var(--bad);
  font-weight: 700; padding: 10px 14px; margin: 10px 0; border-radius: 4px; }
.warn { background: #fff4dc; border: 1px solid #e0b252; color: var(--warn);
  padding: 8px 12px; margin: 8px 0; border-radius: 4px; }
.cards { display: flex; flex-wrap: wrap; gap: 8px; margin: 10px 0; }
.card { border: 1px solid var(--line); border-radius: 4px; padding: 6px 12px; min-width: 108px; }
.card b { display: block; font-size: 20px; }
.card span { font-size: 12px; color: var(--muted); }
.card.bad { border-color: var(--bad); color: var(--bad); }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: left;
  vertical-align: top; }
th { background: #f1f1ec; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.team th { background: #e4e4dc; text-align: left; }
tr.over td { color: var(--bad); }
.week { table-layout: fixed; width: 100%; }
.week td { font-size: 11px; padding: 2px 3px; }
.week col.who { width: 84px; }
.week th { white-space: nowrap; }
.week col.tot { width: 52px; }
.week td.off { background: #f4f4f0; }
.v { line-height: 1.45; }
.v .tier { min-width: 16px; font-size: 10px; padding: 0 2px; }
.day-travel { color: var(--muted); font-size: 11px; }
.tier { display: inline-block; min-width: 22px; padding: 0 3px; border-radius: 3px;
  color: #fff; font-size: 11px; font-weight: 600; text-align: center; }
.bar { display: inline-block; height: 9px; background: #377eb8; vertical-align: middle; }
.bar.full { background: var(--bad); }
.barbox { display: inline-block; width: 80px; background: #eee; margin-right: 4px; }
.maps { display: flex; flex-wrap: wrap; gap: 16px; }
.mapbox { max-width: 100%; }
svg.map { width: 100%; max-width: 960px; height: auto; border: 1px solid var(--line);
  display: block; }
svg.map text { font-size: 11px; fill: #222; }
svg.map text.halo { stroke: #fff; stroke-width: 3; }
.legend { font-size: 12px; margin: 4px 0 8px; }
.legend label { margin-right: 10px; white-space: nowrap; }
.swatch { display: inline-block; width: 18px; height: 4px; vertical-align: middle;
  margin: 0 3px; }
details > summary { cursor: pointer; font-weight: 600; margin: 6px 0; }
img.chart { max-width: 100%; height: auto; border: 1px solid var(--line); }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.charts figure { margin: 0; flex: 0 1 calc(50% - 6px); min-width: 420px; }
.charts figure.wide { flex-basis: 100%; max-width: 1160px; }
figcaption { font-size: 12px; color: var(--muted); }
.ids { font-size: 12px; line-height: 1.6; }
footer { margin-top: 32px; font-size: 12px; color: var(--muted); }
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  body { max-width: none; padding: 0; font-size: 11px; }
  nav, .legend input { display: none; }
  h2 { break-before: page; }
  h2.first { break-before: auto; }
  table, svg.map, figure { break-inside: avoid; }
  details { display: block; }
}
"""

#: The map filter: hide an officer's or a day's routes by unticking it. Inline, plain
#: DOM calls; the page works (everything shown) without it.
SCRIPT = """
document.querySelectorAll('.legend').forEach(function (legend) {
  var map = document.getElementById(legend.dataset.map);
  function apply() {
    var off = {}, day = {};
    legend.querySelectorAll('input').forEach(function (box) {
      if (!box.checked) { (box.dataset.officer ? off : day)[box.dataset.officer ||
        box.dataset.day] = true; }
    });
    map.querySelectorAll('g.route').forEach(function (g) {
      g.style.display = off[g.dataset.officer] || day[g.dataset.day] ? 'none' : '';
    });
  }
  legend.addEventListener('change', apply);
});
"""


def esc(value: object) -> str:
    """Any value as HTML text (quotes escaped too, so it is safe in attributes)."""
    return escape(str(value), quote=True)


def tier_badge(tier: str) -> str:
    colour = TIER_COLOURS.get(tier, "#777")
    name = tier.replace("_", " ")
    return (
        f'<span class="tier" style="background:{colour}" title="{esc(name)}">'
        f"{esc(TIER_SHORT.get(tier, tier))}</span>"
    )


def table(
    head: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    numeric: Iterable[int] = (),
    raw: Iterable[int] = (),
    cls: str = "",
) -> str:
    """A table; columns in ``numeric`` are right-aligned and those in ``raw`` hold HTML
    the caller built (every other cell is escaped here)."""
    num, html_cols = set(numeric), set(raw)
    cls_attr = f' class="{esc(cls)}"' if cls else ""
    out = [f"<table{cls_attr}><thead><tr>"]
    out += [f"<th{_n(i, num)}>{esc(h)}</th>" for i, h in enumerate(head)]
    out.append("</tr></thead><tbody>")
    for row in rows:
        cells = (
            f"<td{_n(i, num)}>{c if i in html_cols else esc(c)}</td>" for i, c in enumerate(row)
        )
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _n(i: int, numeric: set[int]) -> str:
    return ' class="n"' if i in numeric else ""


def cards(items: Iterable[tuple[str, object, bool]]) -> str:
    """Headline figures: (label, value, alarming) each."""
    out = ['<div class="cards">']
    for label, value, bad in items:
        cls = "card bad" if bad else "card"
        out.append(f'<div class="{cls}"><b>{esc(value)}</b><span>{esc(label)}</span></div>')
    out.append("</div>")
    return "".join(out)


def png_figure(png: bytes, alt: str, caption: str = "", wide: bool = False) -> str:
    """A PNG chart inside the page, as a ``data:`` URI (``wide``: the page's width)."""
    data = base64.b64encode(png).decode("ascii")
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    cls = ' class="wide"' if wide else ""
    return (
        f'<figure{cls}><img class="chart" alt="{esc(alt)}" '
        f'src="data:image/png;base64,{data}">{cap}</figure>'
    )


def section(anchor: str, title: str, body: str, first: bool = False) -> str:
    cls = ' class="first"' if first else ""
    return f'<section id="{esc(anchor)}"><h2{cls}>{esc(title)}</h2>{body}</section>'


def page(title: str, sections: Sequence[tuple[str, str, str]], head: str, footer: str) -> str:
    """The whole document: ``head`` (headline HTML), a contents line linking each
    section (anchor, title, body) and the sections in order, then ``footer``."""
    nav = " ".join(f'<a href="#{esc(a)}">{esc(t)}</a>' for a, t, _ in sections)
    body = "".join(section(a, t, b, first=i == 0) for i, (a, t, b) in enumerate(sections))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # Forbid every fetch: a value that slipped past the escaping still loads nothing.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f"{head}<nav>{nav}</nav>{body}<footer>{footer}</footer>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )
