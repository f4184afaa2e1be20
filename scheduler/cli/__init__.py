"""The ``rota`` command line: :mod:`scheduler.cli.main` builds the group, one module per
command, and :mod:`scheduler.cli.common` holds what they share (error handling,
options, the clock). Commands load, call the library, and format; they import
``common`` and the library, never ``main`` or each other."""
