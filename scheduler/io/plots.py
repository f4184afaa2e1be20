"""Plots of the staffing planner and the simulator, as PNG bytes.

Matplotlib with the Agg backend (no screen needed); every function builds its own
figure, closes it and returns the PNG, which the caller writes (e.g. with
:func:`scheduler.io.export.write_private_tree`, owner-only and atomic). Nothing here reads
or writes files.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from scheduler.staffing.curve import StaffingCurve  # noqa: E402
from scheduler.staffing.restaff import StaffingError  # noqa: E402
from scheduler.staffing.result import TIERS, Measure, OfficerWeek, WeekRow  # noqa: E402

TIER_COLOURS = {"low": "#4daf4a", "medium": "#377eb8", "high": "#ff7f00", "very_high": "#e41a1c"}
DPI = 110


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    # Fixed metadata: the same figure gives the same bytes (no software/date stamp).
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def compliance_vs_staffing(curve: StaffingCurve, *, title: str | None = None) -> bytes:
    """Share of offender-weeks compliant (high + very high, and all tiers) against the
    number of officers, under both measures: attempted on time (an attempt at the door
    by the due date; solid) and on time (a successful visit; dashed). The mean over
    replications, the min-max band shaded for the target's measure, and 95% intervals of
    the mean as error bars when there are three or more replications. Horizontal lines:
    the target; dotted vertical lines: the lower bound(s) and the minimum found."""
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    x = [lv.officers for lv in curve.levels]
    target_measure = Measure(curve.target.measure)
    for measure, style, word in (
        (Measure.ATTEMPTED, "o-", "attempted"),
        (Measure.ON_TIME, "s--", "on time"),
    ):
        try:
            pairs = [lv.bands(measure) for lv in curve.levels]
        except StaffingError:
            continue
        series = (
            (0, "high + very high", "#e41a1c", curve.target.high_and_very_high),
            (1, "all tiers", "#377eb8", curve.target.all),
        )
        for k, label, colour, goal in series:
            bands = [p[k] for p in pairs]
            mean = [b.mean for b in bands]
            shown = measure is target_measure
            if shown:
                ax.fill_between(
                    x, [b.low for b in bands], [b.high for b in bands], color=colour, alpha=0.15
                )
                ax.axhline(goal, color=colour, linestyle=":", linewidth=0.8)
            ax.plot(
                x, mean, style, color=colour, alpha=1.0 if shown else 0.5, label=f"{label}, {word}"
            )
            if shown and all(b.ci_low is not None for b in bands):
                err_lo = [b.mean - (b.ci_low or 0.0) for b in bands]
                err_hi = [(b.ci_high or 0.0) - b.mean for b in bands]
                ax.errorbar(x, mean, yerr=[err_lo, err_hi], fmt="none", ecolor=colour, capsize=3)
    lb = curve.lower_bound
    if lb is not None:
        ax.axvline(lb.officers, color="grey", linestyle=":", label=f"workload bound {lb.officers}")
        if curve.bound is not None and curve.bound != lb.officers:
            ax.axvline(
                curve.bound, color="grey", linestyle="-.", label=f"bound for target {curve.bound}"
            )
    if curve.minimum is not None:
        ax.axvline(curve.minimum, color="black", linestyle=":", label=f"minimum {curve.minimum}")
    ax.set_xlabel("officers")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("offender-weeks compliant")
    ax.set_title(title or f"{curve.scenario}: compliance against staffing")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="x-small")
    fig.tight_layout()
    return _png(fig)


def overdue_by_tier(
    weeks: Sequence[WeekRow], *, title: str | None = None, warmup_weeks: int = 0
) -> bytes:
    """Offenders overdue at the end of each simulated week, one line per tier; the
    warm-up weeks (left out of compliance) are shaded."""
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    x = [w.week for w in weeks]
    for t in TIERS:
        ax.plot(
            x,
            [w.overdue[t] for w in weeks],
            "-",
            marker=".",
            color=TIER_COLOURS[t.value],
            label=t.value.replace("_", " "),
        )
    if warmup_weeks and weeks:
        ax.axvspan(0.5, warmup_weeks + 0.5, color="grey", alpha=0.12, label="warm-up")
    ax.set_xlabel("week")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("offenders overdue")
    ax.set_title(title or "Overdue offenders by risk tier")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return _png(fig)


def utilisation_distribution(
    officer_weeks: Sequence[OfficerWeek] | Sequence[float], *, title: str | None = None
) -> bytes:
    """Histogram of per-officer-week utilisation (busy hours over visit-hour budget;
    officer-weeks with no budget, i.e. a whole week away, are left out)."""
    values = [
        v.utilisation if isinstance(v, OfficerWeek) else float(v)
        for v in officer_weeks
        if not (isinstance(v, OfficerWeek) and v.budget_h <= 0)
    ]
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    if values:
        top = max(1.0, max(values))
        ax.hist(values, bins=40, range=(0.0, top), color="#377eb8", edgecolor="white")
        mean = sum(values) / len(values)
        ax.axvline(mean, color="black", linestyle="--", label=f"mean {mean:.0%}")
        ax.legend(fontsize="small")
    else:
        ax.text(0.5, 0.5, "no officer-weeks", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("utilisation (busy / visit-hour budget)")
    ax.set_ylabel("officer-weeks")
    ax.set_title(title or "Officer utilisation")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _png(fig)


#: The audit's attackers the chart shows: column prefix, title, which way is better.
ATTACKERS = (
    ("worst_week", "worst-week detection\n(higher is better)"),
    ("slot_attacker", "slot attacker hit rate\n(lower is better)"),
    ("gap_attacker", "gap attacker within 3 days\n(lower is better)"),
)


def _score(row: Mapping[str, Any], key: str) -> float:
    """A score of ``rota audit``'s tier table (CSV text or number); blank reads as NaN."""
    try:
        return float(row.get(key) or "nan")
    except (TypeError, ValueError):
        return float("nan")


def attacker_scores(groups: Sequence[Mapping[str, Any]], *, title: str | None = None) -> bytes:
    """The audit's attackers, one panel each: per tier (and overall) the score against
    the visits as made, beside the same attacker against the baseline (maximum-entropy)
    schedule. ``groups`` are rows of ``audit_tiers.csv`` (``AuditResult.tier_rows()``)."""
    fig, axes = plt.subplots(1, len(ATTACKERS), figsize=(10.5, 3.6), sharey=False)
    names = [str(g["group"]).replace("_", " ") for g in groups]
    x = range(len(groups))
    for ax, (key, label) in zip(axes, ATTACKERS, strict=True):
        scores = [_score(g, key) for g in groups]
        base = [_score(g, f"{key}_baseline") for g in groups]
        ax.bar([i - 0.2 for i in x], scores, 0.4, color="#377eb8", label="visits made")
        ax.bar([i + 0.2 for i in x], base, 0.4, color="#bbbbbb", label="baseline")
        ax.set_xticks(list(x), names, fontsize="small", rotation=30, ha="right")
        ax.set_title(label, fontsize="small")
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("share")
    axes[-1].legend(fontsize="x-small")
    fig.suptitle(title or "Predictability: attackers against the baseline", fontsize="medium")
    fig.tight_layout()
    return _png(fig)
