r"""Exact symbolic derivatives of model expressions (symbolic layer: no numerics).

Derivatives are taken with symengine (C++), one equation at a time and only with respect to
the symbols that equation contains, so the Jacobian is sparse from the start: for the
192-variable Ashwin–Postlethwaite design this takes well under a second where
``sympy.Matrix.jacobian`` takes minutes. :mod:`dynena.compile.codegen` prints them as code;
:meth:`dynena.model.Model.jacobian` returns them as sympy matrices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import symengine as se
import sympy as sp

__all__ = ["SparseDerivative", "derivatives", "almost_everywhere", "real_symbols"]


@dataclass
class SparseDerivative:
    """Non-zero entries ``values[k] = d exprs[rows[k]] / d wrt[cols[k]]`` (symengine)."""

    rows: list[int]
    cols: list[int]
    values: list[se.Basic]

    def to_sympy(self, shape: tuple[int, int]) -> sp.Matrix:
        m = sp.zeros(*shape)
        for r, c, v in zip(self.rows, self.cols, self.values):
            m[r, c] = real_symbols(sp.sympify(v))  # model symbols are real; symengine forgets it
        return m


def derivatives(exprs: Sequence[sp.Expr | se.Basic], wrt: Sequence[sp.Symbol | se.Basic],
                ) -> SparseDerivative:
    r"""Sparse exact derivative :math:`\partial e_i / \partial w_j` of each expression.

    Entries symengine cannot evaluate (``Abs``, ``sign``, ``Max`` have no derivative there)
    are differentiated by sympy with real symbols, which gives ``sign(x)`` for ``|x|``.
    """
    se_wrt = [se.sympify(w) for w in wrt]
    index = {w: j for j, w in enumerate(se_wrt)}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[se.Basic] = []
    for i, e in enumerate(exprs):
        se_e = se.sympify(e)
        js = sorted(index[s] for s in se_e.free_symbols if s in index)
        for j in js:
            d = se_e.diff(se_wrt[j])
            if d.atoms(se.Derivative):
                d = se.sympify(almost_everywhere(
                    sp.diff(real_symbols(sp.sympify(e)), real_symbols(sp.sympify(wrt[j])))))
            if d != 0:
                rows.append(i)
                cols.append(j)
                vals.append(d)
    return SparseDerivative(rows, cols, vals)


def almost_everywhere(d: sp.Expr) -> sp.Expr:
    r"""The derivative of a non-smooth right-hand side (``Abs``, ``sign``, ``Max``, ``Min``)
    away from its kinks: :math:`\delta(z) \to 0` and :math:`H(z) \to (1 + \mathrm{sign}\,z)/2`
    (so :math:`H(0) = 1/2`, the mean of the one-sided derivatives). Documented in the model
    format: at a kink the Jacobian is this convention, not a derivative.
    """
    if d.has(sp.DiracDelta):
        d = d.replace(sp.DiracDelta, lambda *a: sp.S.Zero)
    if d.has(sp.Heaviside):
        d = d.replace(sp.Heaviside, lambda z, *h: (1 + sp.sign(z)) / 2)
    return d


def real_symbols(e: sp.Expr) -> sp.Expr:
    """``e`` with every free symbol declared real (symengine forgets assumptions)."""
    return e.xreplace({s: sp.Symbol(s.name, real=True) for s in e.free_symbols})
