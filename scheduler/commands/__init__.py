"""Commands of the ``rota`` CLI that live in their own modules; ``scheduler.cli``
registers them on its group."""

from scheduler.commands.allocate import allocate_cmd
from scheduler.commands.record import record_cmd
from scheduler.commands.simulate import simulate_cmd
from scheduler.commands.status import status_cmd

__all__ = ["allocate_cmd", "record_cmd", "simulate_cmd", "status_cmd"]
