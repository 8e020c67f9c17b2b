"""Where things are in a model document, and the names it declares (shared by both builders)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import sympy as sp

from ..errors import ModelError
from .parse import Where, check_identifier, parse_expression
from .source import LineDict

__all__ = ["Context", "Declarations", "entries", "value_range", "check_keys"]


class Context:
    """Location helper: file plus the line of each key in the document."""

    def __init__(self, doc: Mapping[str, Any], file: str | None) -> None:
        self.doc, self.file = doc, file

    def where(self, section: str, key: str | None = None, node: Any = None) -> Where:
        line = None
        container = node if node is not None else self.doc.get(section)
        if key is not None and isinstance(container, LineDict):
            line = container.lines.get(key)
        if line is None and isinstance(self.doc, LineDict):
            line = self.doc.lines.get(section)
        path = section if key is None else f"{section}.{key}"
        return Where(self.file, line, path)


class Declarations:
    """The names a document has declared so far; a second declaration is a located error."""

    def __init__(self, ctx: Context, seen: dict[str, str] | None = None) -> None:
        self.ctx = ctx
        self.seen: dict[str, str] = dict(seen or {})

    def __call__(self, name: str, what: str, section: str) -> str:
        w = self.ctx.where(section, name)
        check_identifier(name, w, what)
        if name in self.seen:
            raise w.error(f"duplicate name {name!r}: already declared as a {self.seen[name]}",
                          name=name)
        self.seen[name] = what
        return name


def entries(ctx: Context, section: str, *, required: bool = False) -> list[tuple[str, Any]]:
    """A section as (name, value) pairs; lists of names are accepted for variables/inputs."""
    raw = ctx.doc.get(section)
    if raw is None:
        if required:
            raise ctx.where(section).error(f"the section '{section}:' is required")
        return []
    if isinstance(raw, list) and section in ("variables", "inputs"):
        return [(str(v), None) for v in raw]
    if not isinstance(raw, Mapping):
        raise ctx.where(section).error(f"'{section}:' must be a mapping of names")
    return list(raw.items())


def value_range(ctx: Context, section: str, name: str, spec: Any) -> tuple[float, float] | None:
    if not isinstance(spec, Mapping) or "range" not in spec:
        return None
    r = spec["range"]
    w = ctx.where(section, name)
    if not (isinstance(r, list) and len(r) == 2):
        raise w.error(f"range of {name!r} must be [low, high], got {r!r}", name=name)
    try:
        lo, hi = (float(sp.N(parse_expression(v, {}, w))) for v in r)
    except ModelError:
        raise
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise w.error(f"range of {name!r} must be finite with low < high, got {r!r}", name=name)
    return (lo, hi)


def check_keys(ctx: Context, section: str, name: str, spec: Any, allowed: set[str]) -> None:
    if spec is None:
        return
    if not isinstance(spec, Mapping):
        raise ctx.where(section, name).error(
            f"{name!r} must be given as a mapping ({', '.join(sorted(allowed))}), got {spec!r}",
            name=name)
    bad = set(spec) - allowed
    if bad:
        raise ctx.where(section, name).error(
            f"unknown key(s) {sorted(bad)} for {name!r}; allowed: {sorted(allowed)}", name=name)
