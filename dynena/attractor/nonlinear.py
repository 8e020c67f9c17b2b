r"""Stability of a non-hyperbolic equilibrium, decided by the flow rather than by linearisation.

An equilibrium with eigenvalues on the stability boundary (:math:`\dot x = -x^3`) and none
outside it may attract (algebraically slowly) or not; linearisation cannot say. Here probes
at distance :math:`r` in :math:`2n` coordinate directions and 8 random ones are followed
until each comes within :math:`r/4` (attracted), leaves to :math:`10r` (not attracting), or
the budget ends (undecided). Only "every probe attracted" makes the equilibrium a node; the
verdict carries its evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._typing import Array, IntArray
from ..compile.system import CompiledSystem
from ..flow.integrate import integrate_batch

__all__ = ["NonlinearStability", "nonlinear_stability"]

_ATTRACTED, _ESCAPED = 1, 2


@dataclass(frozen=True)
class NonlinearStability:
    """``verdict``: ``attracting``, ``not attracting`` or ``undecided``; with the evidence."""

    verdict: str
    radius: float
    probes: int
    attracted: int
    escaped: int
    horizon: float

    def describe(self) -> str:
        return (f"{self.verdict}: {self.attracted} of {self.probes} probes at distance "
                f"{self.radius:.3g} came within {self.radius / 4:.3g}, {self.escaped} left to "
                f"{10 * self.radius:.3g} (horizon {self.horizon:g})")


def nonlinear_stability(c: CompiledSystem, x_star: Array, *, radius: float, seed: int = 0,
                        horizon: float | None = None, max_steps: int = 20_000
                        ) -> NonlinearStability:
    """Follow probes around ``x_star`` of the compiled model ``c`` (see module docstring)."""
    n = len(x_star)
    rng = np.random.default_rng(seed)
    D = np.vstack([np.eye(n), -np.eye(n), rng.standard_normal((8, n))])
    D /= np.linalg.norm(D, axis=1, keepdims=True)
    X0 = x_star + radius * D

    def check(X: Array, rows: IntArray) -> IntArray:
        d = np.linalg.norm(X - x_star, axis=1)
        out = np.full(len(X), -1000, dtype=int)
        out[d < radius / 4] = _ATTRACTED
        out[~(d < 10 * radius)] = _ESCAPED  # NaN counts as escaped
        return out

    f_batch = c.f_batch
    if c.dynamics.is_map:
        T = int(horizon or 100_000)
        X, code = X0.copy(), np.full(len(X0), -1000, dtype=int)
        with np.errstate(all="ignore"):
            for _ in range(T):
                live = code == -1000
                if not live.any():
                    break
                X[live] = f_batch(X[live])
                code[live] = check(X[live], np.flatnonzero(live))
        codes, T_used = code, float(T)
    else:
        T_used = float(horizon or 1e3 / radius**2)  # x' = -x^3 needs 7.5 / r^2 to reach r/4
        res = integrate_batch(lambda X, rows: f_batch(X), X0, T_used, check=check,
                              max_steps=max_steps)
        codes = res.code
    attracted = int(np.sum(codes == _ATTRACTED))
    escaped = int(np.sum(codes == _ESCAPED))
    verdict = ("attracting" if attracted == len(X0) else
               "not attracting" if escaped else "undecided")
    return NonlinearStability(verdict, float(radius), len(X0), attracted, escaped, T_used)
