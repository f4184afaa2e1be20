"""Weeks of work and how many officers they need: the simulator (plan, draw outcomes,
record, advance), the staffing sweep and its curve, the workload lower bound and the
reach of each team, and the benchmark scenarios built for sweeps.

May import the planner, allocation, history, timing, core, :mod:`data` and
:mod:`models`; never the file formats or the CLI."""
