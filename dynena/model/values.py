"""Exact parameter values: what a user writes (``8/3``, ``sqrt(2)``, ``1.5``) as sympy numbers."""

from __future__ import annotations

from typing import Any

import sympy as sp

from ..errors import ModelError, ParameterError
from .parse import Where, parse_expression

__all__ = ["format_value", "exact_value"]


def format_value(v: Any) -> str:
    """An exact value as the user would write it (``8/3``, ``sqrt(2)``, ``1.5``)."""
    if isinstance(v, sp.Float):
        return repr(float(v))
    return str(v)


def exact_value(v: Any, name: str) -> sp.Expr:
    """A parameter value as an exact sympy number; refuses non-finite or symbolic values."""
    if isinstance(v, sp.Basic):
        val = v
    elif isinstance(v, bool):
        raise ParameterError(f"parameter {name!r}: {v!r} is not a number")
    elif isinstance(v, int):
        val = sp.Integer(v)
    elif isinstance(v, float):
        val = sp.Float(repr(v))
    else:
        try:
            val = parse_expression(str(v), {}, Where())
        except ModelError as exc:
            raise ParameterError(f"parameter {name!r}: cannot read value {v!r}: {exc.message}"
                                 ) from None
    if val.free_symbols or not val.is_number:
        raise ParameterError(f"parameter {name!r}: value {v!r} is not a number")
    f = complex(sp.N(val))
    if f.imag != 0 or f.real != f.real or abs(f.real) == float("inf"):
        raise ParameterError(f"parameter {name!r}: value {v!r} is not a finite real number")
    return val
