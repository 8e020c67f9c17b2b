"""Plain, JSON-serialisable result objects. They import no analysis."""
