"""Exact count of equilibria for small polynomial (or rational) systems, by sympy."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

__all__ = ["symbolic_equilibria"]


def symbolic_equilibria(model: Any, box_lo: np.ndarray, box_hi: np.ndarray,
                        max_bezout: int = 27) -> np.ndarray | None:
    """Real equilibria inside the box from an exact polynomial solve, or None.

    Applies to scalar-form models with at most 3 variables whose equilibrium conditions are
    rational in the state (numerators taken) with a Bézout bound of at most ``max_bezout``.
    """
    m = getattr(model, "model", model)
    if not hasattr(m, "expanded_equations") or m.n > 3:
        return None
    # exact arithmetic throughout: floats such as 3.0 become rationals
    subs = {sp.Symbol(k, real=True): sp.nsimplify(v, rational=True)
            for k, v in m.parameters.items()}
    subs.update({s: sp.Integer(0) for s in m.u})  # autonomous: inputs are zero
    xs = m.x
    polys = []
    bezout = 1
    try:
        for x, e in zip(xs, m.expanded_equations()):
            e = sp.nsimplify(e.xreplace(subs), rational=True)
            if m.kind == "map":
                e = e - x
            num, _ = sp.fraction(sp.together(e))
            num = sp.expand(num)
            if not num.is_polynomial(*xs):
                return None
            if num == 0:
                return None  # an identity: every point is an equilibrium
            P = sp.Poly(num, *xs)
            bezout *= max(P.total_degree(), 1)
            polys.append(P)
    except (sp.PolynomialError, TypeError, ValueError):
        return None
    if bezout > max_bezout:
        return None
    try:
        sols = sp.solve_poly_system(polys, *xs)
    # sympy signals a positive-dimensional (infinitely many roots) system by raising its
    # NotImplementedError; no exact count exists then and the numerical search stands alone
    except (NotImplementedError, sp.PolynomialError, ValueError):
        return None
    if sols is None:
        return None
    pts = []
    for s in sols:
        try:
            vals = [complex(sp.N(v, 30)) for v in s]
        except (TypeError, ValueError):
            return None  # a root sympy cannot evaluate: no exact count
        if all(abs(v.imag) < 1e-12 for v in vals):
            pts.append([v.real for v in vals])
    # keep roots that are real equilibria of the original (denominators non-zero) in the box
    out = []
    for p in pts:
        arr = np.array(p)
        if np.all(arr >= box_lo - 1e-9) and np.all(arr <= box_hi + 1e-9):
            out.append(arr)
    return np.array(out).reshape(-1, m.n)
