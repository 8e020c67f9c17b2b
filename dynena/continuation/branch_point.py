r"""A branch point located as a regular zero of Moore's extended system.

At a simple branch point :math:`y^*` of :math:`F: \mathbb{R}^{n+1} \to \mathbb{R}^n` (two
curves of :math:`F = 0` cross: a pitchfork, a transcritical point) the Jacobian
:math:`DF(y^*) = [F_x\ F_p]` has rank :math:`n - 1`. Points of the curve near it are then
ill-determined by their residual: a residual :math:`r` admits an error of order
:math:`\sqrt{r}` along the curve, and the bound "residual over the smallest singular value
of :math:`DF`", right at regular points, is arbitrarily large (the toggle switch's pitchfork,
found to 1e-9, was printed as ±11 in units of 1/100). The extended system (G. Moore, *The
numerical treatment of non-trivial bifurcation points*, Numer. Funct. Anal. Optim. 2, 1980)

.. math::

    G(y, \psi, \beta) = \begin{pmatrix} F(y) + \beta\,\psi \\ DF(y)^\top \psi \\
    (\psi^\top \psi - 1)/2 \end{pmatrix} = 0,

:math:`2n + 2` equations in :math:`y \in \mathbb{R}^{n+1}`, :math:`\psi \in \mathbb{R}^n`,
:math:`\beta \in \mathbb{R}`, has :math:`(y^*, \psi^*, 0)` (:math:`\psi^*` the left null
vector of :math:`DF(y^*)`) as a *regular* zero when the branch point is simple: the quadratic
form :math:`\psi^{*\top} D^2F(y^*)` restricted to the two-dimensional kernel of
:math:`DF(y^*)` is nondegenerate. Newton's method on it converges quadratically, and the
distance to the zero is bounded, to first order, by :math:`\|G\| / \sigma_{\min}(DG)`.
A zero with :math:`\beta \ne 0` is a branch point of the perturbed problem
:math:`F + \beta\psi = 0`, not of :math:`F`: an imperfect bifurcation, not a crossing.

The second derivatives in :math:`DG` (the :math:`y`-block :math:`\sum_i \psi_i \nabla^2
F_i`) are central differences of the exact Jacobian: their error changes Newton's rate, not
the zero, which is decided by :math:`G` alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._typing import Array

__all__ = ["BranchPoint", "refine_branch_point", "MAX_VARIABLES"]

MAX_VARIABLES = 400
"""Largest state dimension refined (the extended Jacobian is (2n + 2)² and its second
derivatives cost 2n + 2 Jacobians)."""


@dataclass(frozen=True)
class BranchPoint:
    """The zero of the extended system: the point ``y`` = (x, p), the left null vector
    ``psi``, the unfolding ``beta`` (zero at a branch point of F), ``bound`` on the distance
    of ``y`` from the exact zero (first order: 2 ‖G‖ / σ_min(DG)), and whether Newton
    converged."""

    y: Array
    psi: Array
    beta: float
    bound: float
    converged: bool


def _system(F: Callable[[Array], Array], DF: Callable[[Array], Array], z: Array, n: int,
            h_rel: float) -> tuple[Array, Array]:
    """G(z) and its Jacobian at z = (y, ψ, β)."""
    y, psi, beta = z[:n + 1], z[n + 1:2 * n + 1], float(z[-1])
    A = DF(y)
    G = np.concatenate([F(y) + beta * psi, A.T @ psi, [0.5 * (psi @ psi - 1.0)]])
    Hpsi = np.empty((n + 1, n + 1))
    for j in range(n + 1):
        h = h_rel * max(1.0, abs(float(y[j])))
        e = np.zeros(n + 1)
        e[j] = h
        Hpsi[:, j] = (DF(y + e) - DF(y - e)).T @ psi / (2.0 * h)
    J = np.zeros((2 * n + 2, 2 * n + 2))
    J[:n, :n + 1] = A
    J[:n, n + 1:2 * n + 1] = beta * np.eye(n)
    J[:n, -1] = psi
    J[n:2 * n + 1, :n + 1] = 0.5 * (Hpsi + Hpsi.T)  # symmetric in exact arithmetic
    J[n:2 * n + 1, n + 1:2 * n + 1] = A.T
    J[-1, n + 1:2 * n + 1] = psi
    return G, J


def refine_branch_point(F: Callable[[Array], Array], DF: Callable[[Array], Array], y0: Array,
                        *, map_residual: bool = False, max_iter: int = 20,
                        h_rel: float = 1e-5) -> BranchPoint:
    r"""Newton's method on Moore's extended system from ``y0`` (a point near the branch point:
    the located zero of a test function), with :math:`\psi` started at the left singular
    vector of :math:`DF(y_0)` for its smallest singular value and :math:`\beta = -\psi^\top
    F(y_0)`. ``F`` and ``DF`` are the branch's equations and their exact Jacobian
    :math:`[F_x\ F_p]`, shape (n, n + 1); ``map_residual``: F is a map's :math:`f(x) - x`.

    The bound is :math:`2 (\|G\| + \rho) / \sigma_{\min}(DG)` at the best iterate, where
    :math:`\rho = 4 \epsilon\, a\, (1 + \|y\|)` estimates the rounding error of evaluating
    :math:`G` (:math:`a` the size of the Jacobian's entries before the identity is subtracted
    for a map: :math:`f(x) - x` at :math:`f' \approx 1` loses the parameter below
    :math:`\epsilon`, and :math:`G` evaluates to zero 1e-17 away from the zero)."""
    y0 = np.asarray(y0, float)
    n = y0.size - 1
    U, _, _ = np.linalg.svd(DF(y0))
    psi = U[:, -1]
    z = np.concatenate([y0, psi, [-float(psi @ F(y0))]])
    best: tuple[float, Array, float] | None = None  # (‖G‖, z, σ_min) of the best iterate
    for _ in range(max_iter + 1):
        G, J = _system(F, DF, z, n, h_rel)
        if not np.all(np.isfinite(G)) or not np.all(np.isfinite(J)):
            break
        g = float(np.linalg.norm(G))
        if best is None or g < best[0]:
            best = (g, z.copy(), float(np.linalg.svd(J, compute_uv=False)[-1]))
        elif g > 4.0 * best[0]:
            break  # rounding level reached: the residual only wanders from here
        try:
            dz = np.linalg.solve(J, -G)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(dz)):
            break
        z = z + dz
        if np.linalg.norm(dz) <= 1e-15 * (1.0 + np.linalg.norm(z)):
            break
    if best is None:
        return BranchPoint(y0, psi, float("nan"), float("inf"), False)
    g, zb, smin = best
    a = float(np.max(np.abs(DF(zb[:n + 1])))) + (1.0 if map_residual else 0.0)
    rounding = 4.0 * np.finfo(float).eps * a * (1.0 + float(np.linalg.norm(zb[:n + 1])))
    bound = 2.0 * (g + rounding) / smin if smin > 0 else float("inf")
    # converged: the bound is within a millionth of the point's scale
    scale = 1.0 + float(np.linalg.norm(zb[:n + 1]))
    return BranchPoint(zb[:n + 1].copy(), zb[n + 1:2 * n + 1].copy(), float(zb[-1]), bound,
                       bool(np.isfinite(bound) and bound <= 1e-6 * scale))
