r"""Cycles of maps as fixed points of an iterate, for continuation and period doubling.

A k-cycle of :math:`x \mapsto f(x, p)` is a fixed point of :math:`g = f^k`; along the orbit
:math:`x_{j+1} = f(x_j)`,

.. math:: D_x g = \prod_{j=k-1}^{0} D_x f(x_j), \qquad
          D_p g = D_p f(x_{k-1}) + D_x f(x_{k-1})\, D_p g_{k-1}

(the chain rule, with the exact Jacobians of the generated code; :math:`D_p g_1 = D_p f(x_0)`).
The multipliers of the cycle are the eigenvalues of :math:`D_x g`. At a period doubling of the
k-cycle (a multiplier −1 of :math:`D_x f^k`), :math:`f^{2k}` has a pitchfork: the 2k-cycle
branches off along the critical eigenvector, which is where :func:`continue_equilibrium`
switches.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._typing import Array
from ..compile.system import CompiledSystem

__all__ = ["IteratedMap"]


class IteratedMap:
    """:math:`f^k` of a compiled map, with the parts of the compiled-system interface that
    continuation uses (f, its Jacobians in x and p, the parameters, the kind)."""

    def __init__(self, c: CompiledSystem, period: int) -> None:
        if not c.dynamics.is_map:
            raise ValueError("only a map has cycles to iterate")
        self.base = c
        self.period = int(period)
        self.kind = c.kind
        self.dynamics = c.dynamics
        self.n = c.n
        self.names = c.names
        self.parameter_names = c.parameter_names
        self.input_names = c.input_names

    @property
    def model(self) -> Any:
        return self.base.model

    @property
    def p(self) -> Array:
        return self.base.p

    @p.setter
    def p(self, value: Array) -> None:
        self.base.p = value

    def with_parameters(self, values: Mapping[str, Any] | None = None, **kw: Any
                        ) -> IteratedMap:
        return IteratedMap(self.base.with_parameters(values, **kw), self.period)

    def parameter_values(self) -> dict[str, float]:
        return self.base.parameter_values()

    def orbit(self, x: Any) -> Array:
        """The k points of the orbit from ``x`` (``x`` first)."""
        pts = [np.asarray(x, float)]
        for _ in range(self.period - 1):
            pts.append(self.base.f(pts[-1]))
        return np.array(pts)

    # an orbit that leaves the region where f is tame overflows: the non-finite value makes
    # the corrector reject the step, which is all that is needed (no warning to the user)
    def f(self, x: Any, u: Any = None) -> Array:
        y = np.asarray(x, float)
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(self.period):
                y = self.base.f(y)
        return y

    def jac(self, x: Any, u: Any = None) -> Array:
        J = np.eye(self.n)
        with np.errstate(over="ignore", invalid="ignore"):
            for xj in self.orbit(x):
                J = self.base.jac(xj) @ J
        return J

    def dfdp(self, x: Any, u: Any = None) -> Array:
        D = np.zeros((self.n, len(self.parameter_names)))
        with np.errstate(over="ignore", invalid="ignore"):
            for xj in self.orbit(x):
                D = self.base.jac(xj) @ D + self.base.dfdp(xj)
        return D

    def lower_period(self, x: Any, tol: float = 1e-7) -> int | None:
        """The smallest proper divisor d of the period with f^d(x) = x (to ``tol``, relative):
        the point is then on a cycle of lower period, not a k-cycle. None otherwise."""
        orbit = self.orbit(x)
        scale = 1.0 + float(np.linalg.norm(orbit[0]))
        with np.errstate(over="ignore", invalid="ignore"):
            for d in range(1, self.period):
                if self.period % d == 0:
                    y = orbit[d] if d < len(orbit) else self.base.f(orbit[-1])
                    if np.linalg.norm(y - orbit[0]) < tol * scale:
                        return d
        return None

    def same_cycle(self, x: Any, y: Any, tol: float = 1e-6) -> bool:
        """``y`` is a point of the orbit of ``x`` (the same cycle, another of its points)."""
        scale = 1.0 + float(np.linalg.norm(np.asarray(x, float)))
        return bool(np.min(np.linalg.norm(self.orbit(x) - np.asarray(y, float), axis=1))
                    < tol * scale)

    def residual(self, x: Any) -> Array:
        return self.f(x) - np.asarray(x, float)

    def residual_jac(self, x: Any) -> Array:
        return self.jac(x) - np.eye(self.n)
