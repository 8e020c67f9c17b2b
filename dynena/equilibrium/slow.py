r"""Slow points (Sussillo & Barak 2013): local minima of the speed
:math:`q(x) = \tfrac12\|F(x)\|^2` with :math:`q > 0`, where :math:`F` is the equilibrium
condition (:math:`f(x)` for an ode, :math:`f(x) - x` for a map). They are not equilibria;
dynena reports them apart."""

from __future__ import annotations

import numpy as np

from .._typing import Array
from ..compile.system import CompiledSystem

__all__ = ["minimise_speed", "minimise_speed_batch", "speed"]


def speed(c: CompiledSystem, X: Array) -> Array:
    r""":math:`q` at each row of ``X``."""
    F = c.dynamics.residual(c.f_batch(X), X)
    return np.asarray(0.5 * np.sum(F * F, axis=1), dtype=float)


def minimise_speed(c: CompiledSystem, x0: Array, *, max_nfev: int, xtol: float
                   ) -> tuple[Array, float]:
    """Levenberg–Marquardt on :math:`F` from ``x0`` with the exact Jacobian; the minimiser
    and :math:`q` there (0 up to rounding at an equilibrium)."""
    from scipy.optimize import least_squares

    sol = least_squares(c.residual, x0, jac=c.residual_jac, method="lm", xtol=xtol, ftol=xtol,
                        gtol=xtol, max_nfev=max_nfev)
    return np.asarray(sol.x, dtype=float), 0.5 * float(sol.fun @ sol.fun)


def minimise_speed_batch(c: CompiledSystem, X0: Array, *, iterations: int = 400,
                         xtol: float = 1e-15) -> tuple[Array, Array]:
    r"""Levenberg–Marquardt on :math:`F` from every row of ``X0`` at once (batched Jacobians
    and solves): :math:`(J^\top J + \lambda D) d = -J^\top F` with
    :math:`D = \mathrm{diag}(J^\top J)`, a step kept when it lowers :math:`q` (then
    :math:`\lambda / 3`, else :math:`2\lambda`), each row stopping when its step is below
    ``xtol`` relative. The minimisers and :math:`q` there."""
    X = np.array(X0, dtype=float)
    B, n = X.shape
    lam = np.full(B, 1e-3)
    with np.errstate(all="ignore"):
        F = c.dynamics.residual(c.f_batch(X), X)
        q = 0.5 * np.sum(F * F, axis=1)
        live = np.isfinite(q)
        for _ in range(iterations):
            idx = np.flatnonzero(live)
            if not len(idx):
                break
            J = c.dynamics.condition_jacobian(c.jac_batch(X[idx]))
            JtJ = np.einsum("bki,bkj->bij", J, J)
            g = np.einsum("bki,bk->bi", J, F[idx])
            D = np.einsum("bii->bi", JtJ) + 1e-300
            A = JtJ + lam[idx, None, None] * D[:, :, None] * np.eye(n)
            try:
                d = -np.linalg.solve(A, g[..., None])[..., 0]
            except np.linalg.LinAlgError:
                d = -np.array([np.linalg.lstsq(a, b, rcond=None)[0] for a, b in zip(A, g)])
            Y = X[idx] + d
            FY = c.dynamics.residual(c.f_batch(Y), Y)
            qY = 0.5 * np.sum(FY * FY, axis=1)
            better = np.isfinite(qY) & (qY < q[idx])
            ok = idx[better]
            X[ok], F[ok], q[ok] = Y[better], FY[better], qY[better]
            lam[ok] /= 3.0
            lam[idx[~better]] *= 2.0
            small = np.linalg.norm(d, axis=1) <= xtol * (1.0 + np.linalg.norm(X[idx], axis=1))
            live[idx[small | (q[idx] == 0.0) | (lam[idx] > 1e16)]] = False
    return X, q
