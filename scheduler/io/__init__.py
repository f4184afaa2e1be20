"""Files in and out: the register loaders and their field parsers, outcome files,
visit-history files for the audit, rota export (owner-only, atomic), the printed
summary and the plots.

May import everything below the CLI; nothing here prints."""
