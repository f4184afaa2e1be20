"""Predictability audit: how well can an offender who knows their own visit history and
the rules predict the next visit? Each attacker's score, per offender, per tier and overall,
beside the same attacker against the baseline (maximum-entropy) schedule and the naive
one (every due date, one slot); the attackers and the baseline are described in
``docs/design/predictability-audit.md``.

Everything here is a pure function: no printing, no files, no clock.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from models import Policy, RiskTier
from scheduler.timing.attackers import (
    GAP_TOLERANCE_DAYS,
    MIN_AT_RISK,
    gap_attacker_hits,
    hit_rate,
    km_worst_week,
    plugin_entropy,
    slot_attacker_hits,
)
from scheduler.timing.baseline import AuditBaseline, expected_shortest_gap
from scheduler.timing.edits import edits_reduce_randomness
from scheduler.timing.gaps import WEEK_DAYS, worst_week_detection
from scheduler.timing.scores import AuditResult, Flag, GroupAudit, OffenderAudit, Score
from scheduler.timing.visits import (
    Label,
    OffenderSequence,
    PlannedRecord,
    VisitRecord,
    offender_sequences,
)

#: Fewest open gaps at a day for one offender's own worst-week figure to consider it
#: (:data:`~scheduler.timing.attackers.MIN_AT_RISK` for a tier's).
OFFENDER_MIN_AT_RISK = 10
#: Below this many baseline detections expected at the worst day, the estimate cannot be
#: told from the baseline (a low-risk baseline of 0.002 needs ~5,000 open gaps): it is
#: marked so.
MIN_EXPECTED_DETECTIONS = 10.0
#: An offender (or a tier: warning) is *markedly* more predictable than the baseline when
#: an attacker's hits are at least MARKED_RATIO times the baseline's expected hits for the
#: same number of predictions and that many hits would come by chance with probability
#: below ALPHA (one-sided: exact binomial, or the simulated baseline histories where the
#: attacker's predictions depend on each other; normal approximation for tiers). About 1
#: in 100 offenders on a truly random schedule is flagged by chance: a flag is a prompt to
#: look, not proof.
ALPHA = 0.01
MARKED_RATIO = 1.25
#: Entropy this far below its baseline, or a worst-week detection below this share of
#: its baseline, gives a tier warning.
ENTROPY_MARGIN = 0.1
WORST_WEEK_WARN_SHARE = 0.5
#: Public, fixed seed of the baseline Monte Carlo (reports are reproducible; not secret).
BASELINE_SEED = 20261130
MC_RUNS = 2000


def audit(
    visits: Iterable[VisitRecord],
    policy: Policy,
    as_of: dt.date | None = None,
    *,
    planned: Sequence[PlannedRecord] = (),
    available: Mapping[str, frozenset[Label]] | None = None,
    rng: np.random.Generator | None = None,
    runs: int = MC_RUNS,
    alpha: float = ALPHA,
    min_at_risk: int = MIN_AT_RISK,
) -> AuditResult:
    """Score a visit history against the attackers, per offender, per tier and overall.

    Parameters
    ----------
    visits
        Every recorded attempt; those after ``as_of`` are left out. An offender's tier
        and interval override are those of their latest record.
    as_of
        End of the history, where gaps still open are censored. Default: its last date.
    planned
        Planned visits, to warn when visits moved by hand reduced randomness
        (:func:`edits_reduce_randomness`).
    available
        Per offender id, the (weekday, slot)s at which they are at home
        (:func:`scheduler.timing.slot_mix.available_pairs`, from their weekly unavailability).
        An offender away at work every weekday daytime can only be visited on evenings
        and Saturdays, and knows it: their slot baseline is the baseline's mix over
        those pairs, not over every pair. Offenders not listed get the whole mix.
    rng
        Generator of the baseline's Monte Carlo (default: the fixed public
        :data:`BASELINE_SEED`).
    runs
        Monte Carlo histories per baseline figure.
    alpha
        One-sided significance of the per-offender flags.
    min_at_risk
        Fewest open gaps for a day to count in a tier's worst-week estimate.
    """
    visits = list(visits)
    rng = rng if rng is not None else np.random.default_rng(BASELINE_SEED)
    settings = _settings(policy, runs, alpha, min_at_risk)
    if not visits:
        return AuditResult(
            None, (), (), None, (), ("the history holds no visits",), settings=settings
        )
    end = as_of or max(v.date for v in visits)
    seqs = offender_sequences(visits, policy, end)
    base = AuditBaseline(policy, seqs, rng, runs, available or {})
    rows, flags = [], []
    for s in seqs:
        row, found = _offender_row(s, base, alpha)
        rows.append(row)
        flags += found
    tiers = _tier_rows(seqs, rows, base, min_at_risk)
    overall = _overall_row(seqs, rows, tiers, base)
    warnings = [w for g in tiers for w in group_warnings(g, alpha)]
    if len(tiers) > 1:  # the overall worst week is a tier's, already warned about
        warnings += [w for w in group_warnings(overall, alpha) if "worst-week" not in w]
    edits = None
    if planned:
        edits = edits_reduce_randomness(planned, [v for v in visits if v.date <= end], policy)
        warnings += edits.warnings
    return AuditResult(
        as_of=end,
        offenders=tuple(rows),
        tiers=tuple(tiers),
        overall=overall,
        flags=tuple(flags),
        warnings=tuple(warnings),
        edits=edits,
        slot_baseline_asymptotic=base.slot_max,
        settings=settings,
    )


def _settings(policy: Policy, runs: int, alpha: float, min_at_risk: int) -> dict[str, Any]:
    """The audit's parameters, reported with its results."""
    return {
        "window_days": WEEK_DAYS,
        "gap_tolerance_days": GAP_TOLERANCE_DAYS,
        "min_at_risk": min_at_risk,
        "offender_min_at_risk": OFFENDER_MIN_AT_RISK,
        "alpha": alpha,
        "baseline_seed": BASELINE_SEED if runs else None,
        "gap_mean_share": {t.value: policy.gap_mean_share[t] for t in RiskTier},
    }


def _tier_rows(
    seqs: Sequence[OffenderSequence],
    rows: Sequence[OffenderAudit],
    base: AuditBaseline,
    min_at_risk: int,
) -> list[GroupAudit]:
    """One row per tier with offenders, highest risk first."""
    tiers = []
    for tier in sorted(RiskTier, key=lambda t: -t.rank):
        mine = [i for i, s in enumerate(seqs) if s.tier is tier]
        if mine:
            tiers.append(
                _tier_row(tier, [seqs[i] for i in mine], [rows[i] for i in mine], base, min_at_risk)
            )
    return tiers


def _gap_counts(gaps: Sequence[int], interval: int) -> np.ndarray:
    """Gaps binned over 1..I; an overdue gap counts as I."""
    return np.bincount(np.clip(np.asarray(gaps, dtype=int), 1, interval) - 1, minlength=interval)


def _counts(values: Sequence[Hashable], categories: Sequence[Hashable]) -> list[int]:
    seen = Counter(values)
    return [seen[c] for c in categories]


def _entropy_score(counts: Sequence[int] | np.ndarray, baseline: float | None) -> Score:
    has = sum(counts) > 0
    return Score(plugin_entropy(counts), baseline, 0.0 if has else None)


def _offender_row(
    s: OffenderSequence, base: AuditBaseline, alpha: float
) -> tuple[OffenderAudit, list[Flag]]:
    interval, share = base.key(s)
    pmf = base.pmf(interval, share)
    slot_hits, slot_n = slot_attacker_hits(s.labels)
    gap_hits, gap_n = gap_attacker_hits(s.gaps)
    slot_model, gap_model = base.slot_of(s), base.gap[interval, share]
    slot_expected = slot_model.expected(slot_n)
    gap_expected = gap_model.expected(gap_n)
    flags = []
    for attacker, model, hits, n, expected in (
        ("slot", slot_model, slot_hits, slot_n, slot_expected),
        ("gap", gap_model, gap_hits, gap_n, gap_expected),
    ):
        if n and hits >= MARKED_RATIO * expected:
            p_value = model.p_value(hits, n)
            if p_value < alpha:
                flags.append(Flag(s.offender_id, s.tier, attacker, hits, n, expected / n, p_value))
    ww = km_worst_week(
        s.gaps, () if s.censored is None else (s.censored,), min_at_risk=OFFENDER_MIN_AT_RISK
    )
    n_gaps = len(s.gaps)
    row = OffenderAudit(
        offender_id=s.offender_id,
        tier=s.tier,
        interval_days=interval,
        attended=len(s.weekdays),
        completed=s.completed,
        slot_hits=slot_hits,
        slot_predictions=slot_n,
        slot_attacker=Score(hit_rate(slot_hits, slot_n), hit_rate(slot_expected, slot_n), 1.0),
        gap_hits=gap_hits,
        gap_predictions=gap_n,
        gap_attacker=Score(hit_rate(gap_hits, gap_n), hit_rate(gap_expected, gap_n), 1.0),
        worst_week=Score(ww.detection, base.worst_week(interval, share), 0.0),
        shortest_gap=Score(
            float(min(s.gaps)) if s.gaps else None,
            expected_shortest_gap(pmf, n_gaps),
            float(interval),
        ),
        longest_gap=max(s.gaps) if s.gaps else None,
        gap_entropy=_entropy_score(
            _gap_counts(s.gaps, interval), base.entropy("gap", n_gaps, interval, share)
        ),
        weekday_entropy=_entropy_score(
            _counts(s.weekdays, base.weekdays), base.entropy("weekday", len(s.weekdays))
        ),
        slot_entropy=_entropy_score(
            _counts(s.slots, base.slots), base.entropy("slot", len(s.slots))
        ),
        flags=tuple(f.attacker for f in flags),
    )
    return row, flags


def _pooled(
    seqs: Sequence[OffenderSequence],
    rows: Sequence[OffenderAudit],
    base: AuditBaseline,
    attacker: str,
) -> tuple[Score, int, float]:
    """An attacker's hits summed over offenders, beside the baseline's expected hits, and
    the chance of at least as many against the baseline (normal approximation to the sum
    of the offenders' independent baseline hit counts)."""
    hits = n = 0
    expected = variance = 0.0
    for s, r in zip(seqs, rows, strict=True):
        k = getattr(r, f"{attacker}_predictions")
        model = base.slot_of(s) if attacker == "slot" else base.gap[base.key(s)]
        n += k
        hits += getattr(r, f"{attacker}_hits")
        expected += model.expected(k)
        variance += model.variance(k)
    if hits <= expected:
        p_value = 1.0
    elif variance <= 0:
        p_value = 0.0
    else:
        p_value = 0.5 * math.erfc((hits - 0.5 - expected) / math.sqrt(2 * variance))
    return Score(hit_rate(hits, n), hit_rate(expected, n), 1.0), n, min(p_value, 1.0)


def _tier_row(
    tier: RiskTier,
    seqs: Sequence[OffenderSequence],
    rows: Sequence[OffenderAudit],
    base: AuditBaseline,
    min_at_risk: int,
) -> GroupAudit:
    """A tier's rows pooled; gap-based figures use the tier's interval from the policy
    (an offender's own override only changes their own row)."""
    interval = base.policy.interval_days[tier]
    share = base.policy.gap_mean_share[tier]
    pmf = base.pmf(interval, share)
    gaps = [g for s in seqs for g in s.gaps]
    censored = [s.censored for s in seqs if s.censored is not None]
    ww = km_worst_week(gaps, censored, min_at_risk=min_at_risk)
    ww_base = worst_week_detection(pmf)
    enough = ww.detection is not None and (
        ww_base <= 0 or ww.at_risk * ww_base >= MIN_EXPECTED_DETECTIONS
    )
    ww_finite = base.worst_week_finite(interval, share, len(gaps), censored, min_at_risk)
    relative = [g / s.interval for s in seqs for g in s.gaps]
    slot, slot_n, slot_p = _pooled(seqs, rows, base, "slot")
    gap, gap_n, gap_p = _pooled(seqs, rows, base, "gap")
    weekdays = [d for s in seqs for d in s.weekdays]
    slots = [x for s in seqs for x in s.slots]
    return GroupAudit(
        group=tier.value,
        interval_days=interval,
        offenders=len(seqs),
        attended=len(weekdays),
        completed=sum(s.completed for s in seqs),
        gaps=len(gaps),
        target_share=share,
        observed_share=float(np.mean(relative)) if relative else None,
        worst_week=Score(ww.detection, ww_base if ww_finite is None else ww_finite, 0.0),
        worst_week_baseline_long=ww_base,
        worst_week_day=ww.day,
        worst_week_at_risk=ww.at_risk,
        worst_week_enough_data=enough,
        worst_week_p_value=ww.p_value(ww_base),
        slot_attacker=slot,
        slot_predictions=slot_n,
        slot_p_value=slot_p,
        gap_attacker=gap,
        gap_predictions=gap_n,
        gap_p_value=gap_p,
        gap_entropy=_entropy_score(
            _gap_counts(gaps, interval), base.entropy("gap", len(gaps), interval, share)
        ),
        weekday_entropy=_entropy_score(
            _counts(weekdays, base.weekdays), base.entropy("weekday", len(weekdays))
        ),
        slot_entropy=_entropy_score(_counts(slots, base.slots), base.entropy("slot", len(slots))),
    )


def _overall_row(
    seqs: Sequence[OffenderSequence],
    rows: Sequence[OffenderAudit],
    tiers: Sequence[GroupAudit],
    base: AuditBaseline,
) -> GroupAudit:
    """Everything pooled. Gaps of different intervals do not pool: worst-week detection is
    the weakest tier's (lowest score with enough data, else lowest score) and gap entropy
    the gap-weighted mean of the tiers'."""
    slot, slot_n, slot_p = _pooled(seqs, rows, base, "slot")
    gap, gap_n, gap_p = _pooled(seqs, rows, base, "gap")
    weekdays = [d for s in seqs for d in s.weekdays]
    slots = [x for s in seqs for x in s.slots]
    estimated = [t for t in tiers if t.worst_week.value is not None]
    weakest = min(
        estimated,
        key=lambda t: (not t.worst_week_enough_data, t.worst_week.value or 0.0),
        default=None,
    )
    n_gaps = sum(t.gaps for t in tiers)

    def weighted(pick: str) -> float | None:
        pairs = [(getattr(t.gap_entropy, pick), t.gaps) for t in tiers if t.gaps]
        if not pairs or any(v is None for v, _ in pairs):
            return None
        return sum(float(v) * n for v, n in pairs) / n_gaps

    return GroupAudit(
        group="all",
        interval_days=None,
        offenders=len(seqs),
        attended=len(weekdays),
        completed=sum(s.completed for s in seqs),
        gaps=n_gaps,
        target_share=None,
        observed_share=None,
        worst_week=weakest.worst_week if weakest else Score(None, None, 0.0),
        worst_week_baseline_long=weakest.worst_week_baseline_long if weakest else None,
        worst_week_day=weakest.worst_week_day if weakest else None,
        worst_week_at_risk=weakest.worst_week_at_risk if weakest else 0,
        worst_week_enough_data=weakest.worst_week_enough_data if weakest else False,
        worst_week_p_value=weakest.worst_week_p_value if weakest else 1.0,
        slot_attacker=slot,
        slot_predictions=slot_n,
        slot_p_value=slot_p,
        gap_attacker=gap,
        gap_predictions=gap_n,
        gap_p_value=gap_p,
        gap_entropy=Score(weighted("value"), weighted("baseline"), 0.0 if n_gaps else None),
        weekday_entropy=_entropy_score(
            _counts(weekdays, base.weekdays), base.entropy("weekday", len(weekdays))
        ),
        slot_entropy=_entropy_score(_counts(slots, base.slots), base.entropy("slot", len(slots))),
        detail=f"worst-week detection of the weakest tier ({weakest.group})" if weakest else "",
    )


def group_warnings(g: GroupAudit, alpha: float = ALPHA) -> list[str]:
    """A tier (or the whole history) markedly more predictable than the baseline: an
    attacker markedly better than against the baseline (see :data:`MARKED_RATIO`), a
    worst-week detection below :data:`WORST_WEEK_WARN_SHARE` of the baseline's and
    significantly so (:meth:`~scheduler.timing.attackers.WorstWeek.p_value` below
    ``alpha``), or an entropy more than :data:`ENTROPY_MARGIN` below the baseline's."""
    out = []
    for name, score, n, p_value in (
        ("slot", g.slot_attacker, g.slot_predictions, g.slot_p_value),
        ("gap", g.gap_attacker, g.gap_predictions, g.gap_p_value),
    ):
        ratio = score.ratio
        if ratio is not None and ratio >= MARKED_RATIO and p_value < alpha:
            out.append(
                f"{g.group}: the {name} attacker predicts {score.value:.1%} of {n} visits "
                f"(baseline {score.baseline:.1%})"
            )
    ww = g.worst_week
    if (
        ww.value is not None
        and ww.baseline
        and ww.value < WORST_WEEK_WARN_SHARE * ww.baseline
        and g.worst_week_p_value < alpha
    ):
        out.append(
            f"{g.group}: worst-week detection {ww.value:.3f} (baseline {ww.baseline:.3f}): "
            f"{g.worst_week_day} days after a visit, a visit within the next 7 days is "
            f"{ww.baseline / max(ww.value, 1e-9):.0f}x less likely than it should be"
            if ww.value > 0
            else f"{g.group}: worst-week detection 0 (baseline {ww.baseline:.3f}): "
            f"{g.worst_week_day} days after a visit, no visit has ever come in the next 7 days"
        )
    for name, score in (
        ("gap", g.gap_entropy),
        ("weekday", g.weekday_entropy),
        ("time-slot", g.slot_entropy),
    ):
        value, baseline = score.value, score.baseline
        if value is not None and baseline is not None and value < baseline - ENTROPY_MARGIN:
            out.append(
                f"{g.group}: {name} entropy {value:.2f} (baseline {baseline:.2f}): "
                f"{name}s are concentrated"
            )
    return out
