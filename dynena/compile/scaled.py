r"""A compiled system in scaled coordinates :math:`z = D^{-1} x`, :math:`D = \mathrm{diag}(d)`.

The conjugate of :math:`x' = f(x)` (or :math:`x \mapsto f(x)`) is

.. math:: z' = g(z) = D^{-1} f(D z), \qquad D_z g = D^{-1}\, D_x f(D z)\, D,

so equilibria map to equilibria, eigenvalues are unchanged (a similarity), and the
equilibrium condition :math:`g(z)` (ode) or :math:`g(z) - z` (map) is the original one divided
by :math:`D`. Tolerances written for states of order one (roots closer than 1e-6 are one,
:math:`|F| < 10^{-10}` is a root) then mean the same thing for a variable that lives on a
scale of 1e-8 as for one that lives on a scale of 1. With :math:`d` powers of two the change
of coordinates is exact in floating point.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._typing import Array, KindName
from ..model.protocol import SystemModel
from .kind import Kind
from .system import CompiledSystem

__all__ = ["ScaledSystem", "range_unit", "model_unit", "state_scale",
           "range_extent"]


def range_unit(lo: Array, hi: Array, wide: float = 2.0 ** 10) -> Array:
    r"""Per variable, the power of two :math:`d_k` in which its range is measured: where the
    width :math:`w = hi_k - lo_k` is below :math:`2^{-1/2}`, the power of two nearest
    :math:`w` (the range becomes about 1 wide); where it is above :math:`2^{10}`, the one
    nearest :math:`w /` ``wide`` (by default about 1000 wide, as wide as ranges that need no
    scaling: a generous box around states of order one keeps roots 1e-5 apart distinct; a
    continuation, whose arclength weighs states against a parameter, asks for 1); 1 in
    between, so nothing changes for the ranges most models have."""
    w = np.asarray(hi, float) - np.asarray(lo, float)
    with np.errstate(all="ignore"):
        small = 2.0 ** np.round(np.log2(w))
        large = 2.0 ** np.round(np.log2(w / wide))
    d = np.where(w <= 2.0 ** -0.5, small, np.where(w >= 2.0 ** 10, large, 1.0))
    # within 2^±900: tolerances times d stay normal numbers (a range 1e-320 wide made the
    # integration's atol 1e-10 d underflow to 0)
    return np.asarray(np.clip(np.where(np.isfinite(d) & (d > 0), d, 1.0), 2.0 ** -900,
                              2.0 ** 900), float)


def model_unit(c: CompiledSystem, wide: float = 2.0 ** 10) -> Array:
    """:func:`range_unit` of each variable's declared range (1 for a variable without one)."""
    ranges = c.model.ranges
    w = np.array([float(ranges[nm][1]) - float(ranges[nm][0]) if nm in ranges else 1.0
                  for nm in c.names])
    return range_unit(np.zeros(c.n), np.where(w > 0, w, 1.0), wide)


def range_extent(c: CompiledSystem) -> float:
    """The largest absolute bound among the variables' declared ranges (0 when none)."""
    vals = [abs(float(b)) for nm in c.names if nm in c.model.ranges for b in c.model.ranges[nm]]
    return max(vals, default=0.0)


def state_scale(c: CompiledSystem) -> float:
    """The smallest :func:`model_unit` (1 for the ranges most models have): the factor on
    absolute tolerances (an integration's ``atol``) written for states of order one."""
    return float(np.min(model_unit(c))) if c.n else 1.0


class ScaledSystem:
    r"""``c`` in the coordinates :math:`z = x / d` (see the module docstring)."""

    def __init__(self, c: CompiledSystem, unit: Array) -> None:
        self.original = c
        self.unit = np.asarray(unit, float)
        self.kind: KindName = c.kind
        self.dynamics: Kind = c.dynamics
        self.n = c.n
        self.names = c.names
        self.parameter_names = c.parameter_names
        self.input_names = c.input_names
        self.stats = c.stats
        self.backend = c.backend

    @property
    def p(self) -> Array:
        """The parameters: the original system's (a continuation moves them in place)."""
        return self.original.p

    @p.setter
    def p(self, value: Array) -> None:
        self.original.p = value

    @property
    def model(self) -> SystemModel:
        return self.original.model

    @property
    def state_names(self) -> tuple[str, ...]:
        return self.original.state_names

    def f(self, x: Any, u: Any = None) -> Array:
        out: Array = self.original.f(self.unit * np.asarray(x, float), u) / self.unit
        return out

    def jac(self, x: Any, u: Any = None) -> Array:
        d = self.unit
        out: Array = self.original.jac(d * np.asarray(x, float), u) * d[None, :] / d[:, None]
        return out

    def dfdp(self, x: Any, u: Any = None) -> Array:
        out: Array = self.original.dfdp(self.unit * np.asarray(x, float), u) / self.unit[:, None]
        return out

    def dfdu(self, x: Any, u: Any = None) -> Array:
        out: Array = self.original.dfdu(self.unit * np.asarray(x, float), u) / self.unit[:, None]
        return out

    def f_batch(self, X: Any, U: Any = None) -> Array:
        out: Array = self.original.f_batch(np.asarray(X, float) * self.unit, U) / self.unit
        return out

    def jac_batch(self, X: Any, U: Any = None) -> Array:
        d = self.unit
        out: Array = self.original.jac_batch(np.asarray(X, float) * d, U) * d[None, None, :] \
            / d[None, :, None]
        return out

    def dfdp_batch(self, X: Any, U: Any = None) -> Array:
        d = self.unit
        out: Array = self.original.dfdp_batch(np.asarray(X, float) * d, U) / d[None, :, None]
        return out

    def residual(self, x: Any) -> Array:
        return self.dynamics.residual(self.f(x), np.asarray(x, dtype=float))

    def residual_jac(self, x: Any) -> Array:
        return self.dynamics.condition_jacobian(self.jac(x))

    def parameter_values(self) -> dict[str, float]:
        return self.original.parameter_values()

    def with_parameters(self, values: Mapping[str, Any] | None = None, **kw: Any
                        ) -> ScaledSystem:
        return ScaledSystem(self.original.with_parameters(values, **kw), self.unit)

    def __repr__(self) -> str:
        return f"ScaledSystem({self.original!r}, unit={self.unit.tolist()})"
