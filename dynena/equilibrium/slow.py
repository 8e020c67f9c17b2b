r"""Slow points (Sussillo & Barak 2013): local minima of the speed
:math:`q(x) = \tfrac12\|F(x)\|^2` with :math:`q > 0`, where :math:`F` is the equilibrium
condition (:math:`f(x)` for an ode, :math:`f(x) - x` for a map). They are not equilibria;
dynena reports them apart."""

from __future__ import annotations

import numpy as np

from .._typing import Array
from ..compile.system import CompiledSystem

__all__ = ["minimise_speed", "speed"]


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
