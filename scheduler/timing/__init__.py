"""Unpredictability: the gap distributions, the (weekday, slot) mix the unit's shifts can
carry, secret seeds, and the audit that scores a visit history against the baseline.

May import :mod:`scheduler.core` and :mod:`models`."""
