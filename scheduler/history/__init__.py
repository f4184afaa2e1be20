"""What happened at visits and what it means: the outcome state machine, every offender's
compliance state, and the history store (SQLite or PostgreSQL) that keeps plans, audit
records and outcomes.

May import :mod:`scheduler.core` and :mod:`models`; never the planner, the CLI or the
file formats."""
