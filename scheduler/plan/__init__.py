"""Planning one week: due selection and its secret draws, where each visit could go
(candidates, drawn day-slot options), two-officer bookings (pairs), the team problem
(arrays), routing, repair, the solution back to domain objects, the planner that merges
teams into a rota, rebooking and the rules a rota must satisfy.

May import :mod:`scheduler.history`, :mod:`scheduler.timing`, :mod:`scheduler.core`
and :mod:`models`."""
