r"""Constant sub-expressions that cannot be evaluated in double precision.

A right-hand side may only mean a real, finite function. Parts of it that do not depend on
the state — ``1/0``, ``log(-1)``, ``sqrt(-a)`` with ``a = 2``, ``exp(1000)`` — are evaluated
here, in IEEE doubles exactly as the generated code would, and a part that is infinite,
undefined (NaN) or complex is reported with its text. Evaluation is by a small float
interpreter, never by sympy's exact arithmetic, so ``a**a**a**a`` with ``a = 9`` cannot hang.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable, Mapping

import sympy as sp

__all__ = ["constant_fault", "float_value", "parameter_fault"]

_DOUBLE_MAX = 1.7976931348623157e308

_UNARY: dict[type, Callable[[complex], complex]] = {
    sp.exp: cmath.exp, sp.log: cmath.log, sp.sin: cmath.sin, sp.cos: cmath.cos,
    sp.tan: cmath.tan, sp.asin: cmath.asin, sp.acos: cmath.acos, sp.atan: cmath.atan,
    sp.sinh: cmath.sinh, sp.cosh: cmath.cosh, sp.tanh: cmath.tanh,
    sp.Abs: lambda z: complex(abs(z)),
    sp.sign: lambda z: complex((z.real > 0) - (z.real < 0)) if z.imag == 0 else z / abs(z),
    sp.erf: lambda z: complex(math.erf(z.real)) if z.imag == 0 else complex("nan"),
}


class _Bad(Exception):
    """A value outside the doubles: ``kind`` is 'infinite', 'undefined' or 'complex'."""

    def __init__(self, kind: str) -> None:
        self.kind = kind


def _check(z: complex) -> complex:
    if z.real != z.real or z.imag != z.imag:
        raise _Bad("undefined (NaN)")
    if abs(z.real) > _DOUBLE_MAX or abs(z.imag) > _DOUBLE_MAX:
        raise _Bad("beyond the double range")
    return z


def float_value(e: sp.Basic, values: Mapping[sp.Symbol, complex] | None = None) -> complex:
    """Evaluate a symbol-free (after ``values``) expression in complex doubles.

    Raises ``_Bad`` on a non-finite intermediate; the result may be complex.
    """
    values = values or {}
    if e in values:
        return values[e]
    if e is sp.zoo or e is sp.oo or e is sp.S.NegativeInfinity or e is sp.S.ComplexInfinity:
        raise _Bad("infinite (a division by zero or a pole)")
    if e is sp.nan:
        raise _Bad("undefined (NaN, such as 0/0)")
    if e is sp.I:
        return 1j
    if isinstance(e, sp.Integer):
        if abs(int(e)) > _DOUBLE_MAX:
            raise _Bad("beyond the double range")
        return complex(int(e))
    if isinstance(e, sp.Rational):
        try:
            return complex(int(e.p) / int(e.q))
        except OverflowError:
            raise _Bad("beyond the double range") from None
    if isinstance(e, sp.Float):
        return _check(complex(float(e)))
    if isinstance(e, sp.NumberSymbol):
        return complex(float(e))
    args = [float_value(a, values) for a in e.args]
    try:
        if isinstance(e, sp.Add):
            return _check(sum(args, 0j))
        if isinstance(e, sp.Mul):
            out = 1 + 0j
            for a in args:
                out *= a
            return _check(out)
        if isinstance(e, sp.Pow):
            b, x = args
            if b == 0 and x.real < 0:
                raise _Bad("infinite (a division by zero or a pole)")
            if x.imag == 0 and x.real == int(x.real) and b.imag == 0:
                return _check(complex(math.pow(b.real, x.real)))
            return _check(b**x)
        if isinstance(e, (sp.Min, sp.Max)):
            if any(a.imag for a in args):
                raise _Bad("complex")
            pick = min if isinstance(e, sp.Min) else max
            return complex(pick(a.real for a in args))
        if isinstance(e, sp.atan2):
            y, x = args
            if y == 0 and x == 0:
                raise _Bad("undefined (atan2(0, 0))")
            return complex(math.atan2(y.real, x.real))
        fn = _UNARY.get(type(e))
        if fn is not None and len(args) == 1:
            return _check(fn(args[0]))
    except (OverflowError, ZeroDivisionError):
        raise _Bad("beyond the double range") from None
    except ValueError:
        raise _Bad("undefined (outside the function's domain)") from None
    # an unusual head: sympy's own numerics, with the same checks
    return _check(complex(sp.N(e.xreplace({k: sp.Float(v.real) for k, v in values.items()}))))


def constant_fault(expr: sp.Basic, values: Mapping[sp.Symbol, sp.Expr] | None = None
                   ) -> str | None:
    """Describe the first sub-expression of ``expr`` that is constant (free of symbols other
    than the keys of ``values``) and is not a finite real double; None when there is none.
    """
    known = {k: complex(float_value(v)) for k, v in (values or {}).items()}
    stack = [expr]
    while stack:
        e = stack.pop()
        if not isinstance(e, sp.Basic) or isinstance(e, sp.Symbol):
            continue
        if isinstance(e, sp.Integer) and abs(int(e)) <= _DOUBLE_MAX:
            continue  # the common case, decided without evaluation
        if e.free_symbols <= set(known):
            try:
                z = float_value(e, known)
            except _Bad as bad:
                return f"{_text(e)} is {bad.kind}"
            if z.imag != 0:
                return f"{_text(e)} is complex ({z.real:.6g}{z.imag:+.6g}i), not real"
            continue
        stack.extend(e.args)
    return None


def _text(e: sp.Basic) -> str:
    s = str(sp.Float(e, 6)) if isinstance(e, sp.Float) else str(e)
    if s in ("zoo", "oo", "-oo"):
        return "a term"  # sympy has already folded the culprit (1/0) away
    if s == "nan":
        return "a term"
    return f"'{s}'" if len(s) < 80 else f"'{s[:77]}...'"


def parameter_fault(exprs: Mapping[str, sp.Basic], parameters: Mapping[str, sp.Expr]
                    ) -> tuple[str, str] | None:
    """``(key, description)`` of the first expression (keyed by e.g. ``equations.x``) with a
    part that, at these parameter values, is not a finite real double; None when all are fine.
    """
    values = {sp.Symbol(k, real=True): v for k, v in parameters.items()}
    for key, e in exprs.items():
        fault = constant_fault(e, values)
        if fault:
            return key, fault
    return None
