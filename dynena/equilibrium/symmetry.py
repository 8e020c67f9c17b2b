r"""Sign-flip symmetries :math:`f(Sx) = S f(x)` with :math:`S` diagonal of ±1.

Checked numerically at generic points: the global flip :math:`x \mapsto -x` (odd systems such
as tanh networks without bias) and each single-coordinate flip.
"""

from __future__ import annotations

import numpy as np

from .._typing import Array
from ..compile.system import CompiledSystem

__all__ = ["detect_symmetries", "apply_generators"]


def detect_symmetries(model: CompiledSystem, box_lo: Array, box_hi: Array, *, tol: float = 1e-10,
                      max_single: int = 400) -> list[tuple[str, Array]]:
    """Generators as ``(description, S)`` with ``S`` the diagonal of ±1."""
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

    def holds(S: Array) -> bool:
        with np.errstate(all="ignore"):
            return bool(np.max(np.abs(model.f_batch(X * S) - FX * S)) <= tol * scale)

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
