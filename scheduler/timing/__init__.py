"""Unpredictability: the gap distributions, the (weekday, slot) mix the unit's shifts can
carry, secret seeds, and the audit that scores a visit history against the baseline
(``visits`` -> ``attackers`` -> ``baseline`` -> ``scores`` -> ``audit``, with ``edits``
and ``tradeoff``; see ``docs/design/predictability-audit.md``).

May import :mod:`scheduler.core` and :mod:`models`."""
