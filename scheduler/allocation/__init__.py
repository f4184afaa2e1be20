"""Caseload allocation: who manages whom, within officers' caps, as one min-cost flow
per team.

May import :mod:`scheduler.core` and :mod:`models`."""
