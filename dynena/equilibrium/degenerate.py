r"""Degenerate (non-hyperbolic) roots: one equilibrium, not a cloud; a continuum only if it is.

At a root of multiplicity :math:`m` Newton converges linearly, and every iterate within
:math:`\varepsilon \sim \text{tol}^{1/m}` passes the residual test: a batch of starts then
returns dozens of distinct "roots" around one degenerate equilibrium. Near-singular roots are
therefore polished by a long plain Newton run (the rate is :math:`(m-1)/m`), and so is every
root from which Newton's next step is not negligible (the residual test alone accepts points
where the residual is merely flat); they are merged when they
lie within a relative distance ``merge`` of each other, and tested for being part of a
continuum: from the root moved by :math:`h` along the Jacobian's null direction, Newton
returns to the root (isolated) or stops at another root about :math:`h` away (a continuum).
"""

from __future__ import annotations

import numpy as np

from .._typing import Array
from ..compile.system import CompiledSystem

__all__ = ["merge_degenerate", "is_continuum", "has_kinks", "kinked"]


def _condition_jac(c: CompiledSystem, x: Array) -> Array:
    return c.residual_jac(x)


def _near_singular(c: CompiledSystem, x: Array, rel: float = 1e-5) -> bool:
    J = _condition_jac(c, x)
    if not np.all(np.isfinite(J)):  # f not differentiable there (atan2 at the origin)
        return False
    sv = np.linalg.svd(J, compute_uv=False)
    return bool(sv[-1] <= rel * max(float(sv[0]), 1.0))


def _slow(c: CompiledSystem, x: Array, rel: float = 1e-9) -> bool:
    """Newton's next step from ``x`` is not negligible: a root that passed the residual test
    only because the residual is flat there (near a double root of ``x^2 (1 - x)``, points
    7e-6 away have residual 5e-11 but a Newton step of half their distance), or no root."""
    F, J = c.residual(x), _condition_jac(c, x)
    if not (np.all(np.isfinite(F)) and np.all(np.isfinite(J))):
        return False
    step, *_ = np.linalg.lstsq(J, F, rcond=None)
    return bool(np.linalg.norm(step) > rel * (1.0 + float(np.linalg.norm(x))))


def _newton(c: CompiledSystem, x: Array, iters: int = 400) -> Array:
    x = x.copy()
    for _ in range(iters):
        F = c.residual(x)
        if not np.all(np.isfinite(F)) or np.max(np.abs(F)) == 0.0:
            break
        step, *_ = np.linalg.lstsq(_condition_jac(c, x), F, rcond=None)
        if not np.all(np.isfinite(step)) or np.linalg.norm(step) < 1e-17 * (1 + np.linalg.norm(x)):
            break
        x = x - step
    return x


def merge_degenerate(c: CompiledSystem, roots: Array, merge: float = 1e-4,
                     unit: Array | None = None) -> tuple[Array, int]:
    """Polish near-singular roots and merge those closer than ``merge * (1 + |x|)`` (with
    ``unit``: the roots are scaled coordinates z = x / unit, merged only if that close in both
    z and x, as in :func:`~dynena.equilibrium.api.distinct_points`).

    Returns the roots and how many were merged away.
    """
    u = np.ones(c.n) if unit is None else unit

    def close(x: Array, y: Array) -> bool:
        return bool(np.linalg.norm(x - y) <= merge * (1 + np.linalg.norm(y)) and
                    np.linalg.norm((x - y) * u) <= merge * (1 + np.linalg.norm(y * u)))

    if c.n > 60 or not len(roots):
        return roots, 0
    sing = np.array([_near_singular(c, x) or _slow(c, x) for x in roots])
    if not sing.any():
        return roots, 0
    keep = list(roots[~sing])
    polished = [_newton(c, x) for x in roots[sing]]
    merged: list[Array] = []
    for x in polished:
        if any(close(x, y) for y in merged + keep):
            continue
        merged.append(x)
    # a root polished onto a clean one (a single Newton start that stopped early) is that
    # root; where slow points were kept as clean roots, the polished degenerate root among
    # them was the one merged away before (x^2 (1 - x): 0 dropped, three points 1e-5 off kept)
    out = np.array(keep + merged).reshape(-1, c.n)
    return out, len(roots) - len(out)


def is_continuum(c: CompiledSystem, x: Array, h: float = 1e-2) -> bool:
    """Does a curve of equilibria pass through ``x``? (Newton from ``x ± h v``, ``v`` the null
    direction, stays about ``h`` away on a continuum and returns to ``x`` at an isolated
    degenerate root.)"""
    _, s, Vt = np.linalg.svd(_condition_jac(c, x))
    v = Vt[-1]
    step = h * (1 + float(np.linalg.norm(x)))
    for sgn in (1.0, -1.0):
        y = _newton(c, x + sgn * step * v, iters=200)
        F = c.residual(y)
        if np.all(np.isfinite(F)) and np.max(np.abs(F)) < 1e-12 * (1 + np.linalg.norm(y)) and \
                np.linalg.norm(y - x) > 0.3 * step:
            return True
    return False


_NON_SMOOTH = ("Abs", "sign", "Max", "Min", "Heaviside", "Piecewise", "floor", "ceiling")


def has_kinks(c: CompiledSystem) -> bool:
    """The model's equations contain a function whose derivative jumps (``Abs``, ``Max``, a
    piecewise definition, ...): only then are roots tested by :func:`kinked`."""
    rhs = getattr(c.model, "rhs", None)
    if rhs is None:
        return False
    import sympy as sp

    kinds = tuple(getattr(sp, name) for name in _NON_SMOOTH)
    return bool(sp.Matrix(rhs).has(*kinds))


def kinked(c: CompiledSystem, x: Array, rel: float = 1e-4) -> bool:
    r"""The Jacobian jumps at ``x``: for some coordinate k,
    :math:`\|J(x + \varepsilon e_k) - J(x - \varepsilon e_k)\| > rel\,(1 + \|J(x)\|)`,
    :math:`\varepsilon = 10^{-7} (1 + |x_k|)` (a smooth field changes by
    :math:`O(\varepsilon \|f''\|)`). At such a root the linearisation at the point (sympy's
    derivative of ``Abs`` there is 0) is neither side's: x' = -|x| - x/2 + x^3 was a 'stable
    node' (eigenvalue -1/2, the mean of the one-sided -3/2 and 1/2) although every kick to the
    left escapes."""
    with np.errstate(all="ignore"):
        J0 = np.asarray(c.jac(x), float)
        size = 1.0 + float(np.linalg.norm(J0))
        for k in range(len(x)):
            e = np.zeros(len(x))
            e[k] = 1e-7 * (1.0 + abs(float(x[k])))
            d = np.asarray(c.jac(x + e), float) - np.asarray(c.jac(x - e), float)
            if not np.all(np.isfinite(d)) or float(np.linalg.norm(d)) > rel * size:
                return True
    return False
