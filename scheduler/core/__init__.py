"""Pure helpers every layer may use: the exceptions, clock windows and shifts arithmetic,
and travel-time matrices.

Owns no planning decision. May import only :mod:`models`."""
