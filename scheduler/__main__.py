"""``python -m scheduler``: the ``rota`` command line, for a checkout that is not installed."""

from scheduler.cli.main import main

main(prog_name="rota")
