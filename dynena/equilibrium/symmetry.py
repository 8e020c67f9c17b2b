r"""Sign-flip symmetries :math:`f(Sx) = S f(x)` with :math:`S` diagonal of ±1.

Checked numerically at generic points: the global flip :math:`x \mapsto -x` (odd systems such
as tanh networks without bias) and each single-coordinate flip; and at the equilibria found
so far, on their own scale (a model whose states are 1e-6 in a box [0, 1] is odd to 1e-10 of
the box's scale wherever its nonlinear terms have died out, and was said to have every flip).
"""

from __future__ import annotations

import numpy as np

from .._typing import Array
from ..compile.system import CompiledSystem

__all__ = ["detect_symmetries", "apply_generators"]


def detect_symmetries(model: CompiledSystem, box_lo: Array, box_hi: Array, *, tol: float = 1e-10,
                      max_single: int = 400, roots: Array | None = None
                      ) -> list[tuple[str, Array]]:
    r"""Generators as ``(description, S)`` with ``S`` the diagonal of ±1. At the ``roots``
    (equilibria found already) :math:`|f(Sx) - S f(x)| \le tol\, |J(x)|\, |x|` too (sup
    norms: the size of f's linear terms there)."""
    n = model.n
    rng = np.random.default_rng(12345)
    X = box_lo + (box_hi - box_lo) * rng.random((64, n))
    X += 0.01 * rng.standard_normal((64, n))
    with np.errstate(all="ignore"):
        FX = model.f_batch(X)
    # three points where the equations are defined (x' = -x sqrt(1 - x^2) on [-2, 2]: NaN
    # at half the box, and a NaN scale had hidden its symmetry x -> -x)
    ok = np.flatnonzero(np.all(np.isfinite(FX), axis=1))[:3]
    if not len(ok):
        return []
    X, FX = X[ok], FX[ok]
    scale = 1.0 + np.max(np.abs(FX))

    R = np.zeros((0, n)) if roots is None else np.asarray(roots, float).reshape(-1, n)[:16]
    with np.errstate(all="ignore"):
        FR = model.f_batch(R) if len(R) else R
        local = (np.max(np.sum(np.abs(model.jac_batch(R)), axis=2), axis=1)
                 * np.max(np.abs(R), axis=1)) if len(R) else np.zeros(0)

    def holds(S: Array) -> bool:
        with np.errstate(all="ignore"):
            if np.max(np.abs(model.f_batch(X * S) - FX * S)) > tol * scale:
                return False
            if not len(R):
                return True
            gap = np.max(np.abs(model.f_batch(R * S) - FR * S), axis=1)
            return bool(np.all(gap <= tol * local))

    gens: list[tuple[str, Array]] = []
    S = -np.ones(n)
    if holds(S):
        gens.append(("x -> -x", S))
    if n <= max_single:
        for j in range(n):
            S = np.ones(n)
            S[j] = -1.0
            if holds(S) and not any(np.array_equal(S, G) for _, G in gens):
                # the label must never read as the global flip "x -> -x" (a variable named x)
                nm = model.names[j]
                gens.append((f"{nm} -> -{nm}" if nm != "x" else "x -> -x (x only)", S))
    return gens


def apply_generators(points: Array, gens: list[tuple[str, Array]]) -> Array:
    """Images of every point under every generator (one application)."""
    if not gens or not len(points):
        return np.zeros((0, points.shape[1] if points.ndim == 2 else 0))
    return np.concatenate([points * S for _, S in gens])
