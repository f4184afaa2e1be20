"""Planning one week: due selection, the team problem (officer-days, day and slot
options, two-officer visits), routing, repair, the planner that merges teams into a
rota, rebooking and the rules a rota must satisfy.

May import :mod:`scheduler.history`, :mod:`scheduler.timing`, :mod:`scheduler.core`
and :mod:`models`."""
