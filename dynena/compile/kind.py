r"""What differs between a flow and a map, in one place (the strategy every analysis uses).

=======================  ===============================  ===============================
                         ``ode``: :math:`\dot x = f(x)`    ``map``: :math:`x_{k+1} = f(x_k)`
=======================  ===============================  ===============================
equilibrium condition    :math:`f(x) = 0`                 :math:`f(x) - x = 0`
its Jacobian             :math:`J`                        :math:`J - I`
growth of eigenvalue     :math:`\operatorname{Re}\lambda` :math:`|\lambda| - 1`
rate per time unit       :math:`|\operatorname{Re}\lambda|`  :math:`|\log|\lambda||`
=======================  ===============================  ===============================

An eigenvalue is unstable when its growth is positive; the unstable dimension (Morse index) of
an equilibrium is the number of such eigenvalues. Analyses ask ``c.dynamics`` instead of
branching on ``c.kind``.

>>> import numpy as np
>>> from dynena.compile.kind import ODE, MAP
>>> w = np.array([0.5, -2.0])
>>> ODE.unstable_dimension(w), MAP.unstable_dimension(w)
(1, 1)
>>> bool(MAP.is_stable(np.array([0.5, -0.9])))
True
"""

from __future__ import annotations

from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt

from .._typing import Array, KindName

__all__ = ["Kind", "ODE", "MAP", "kind_of"]

Eigenvalues: TypeAlias = npt.NDArray[Any]
"""Eigenvalues (complex, or real when all are real)."""


class Kind:
    """The ode/map strategy. Use the two instances :data:`ODE` and :data:`MAP`."""

    def __init__(self, name: KindName) -> None:
        self.name: KindName = name
        self.is_map = name == "map"

    def residual(self, F: Array, X: Array) -> Array:
        """The equilibrium condition from ``F = f(X)`` (one state or a batch of rows)."""
        return F - X if self.is_map else F

    def condition_jacobian(self, J: Array, overwrite: bool = False) -> Array:
        """Jacobian of the equilibrium condition from :math:`J = D_x f` (``(n, n)`` or a
        batch ``(B, n, n)``); ``overwrite`` reuses ``J`` (a fresh array the caller owns: a
        batch of large Jacobians is not copied to subtract its diagonal)."""
        if not self.is_map:
            return J
        if not overwrite:
            return J - np.eye(J.shape[-1])
        i = np.arange(J.shape[-1])
        J[..., i, i] -= 1.0
        return J

    def condition_eigenvalues(self, w: Eigenvalues) -> Array:
        """Eigenvalues of the condition's Jacobian from those of :math:`J`."""
        return w - 1 if self.is_map else w

    def growth(self, w: Eigenvalues) -> Array:
        """Signed distance of each eigenvalue to the stability boundary (> 0 unstable)."""
        return np.abs(w) - 1.0 if self.is_map else np.real(w)

    def dominance(self, w: Eigenvalues) -> Array:
        """Ordering key: larger means more unstable (Re λ, or |λ| for a map)."""
        return np.abs(w) if self.is_map else np.real(w)

    def rate(self, w: Eigenvalues) -> Array:
        """Exponential rate per time unit (per step for a map), without sign."""
        if self.is_map:
            with np.errstate(divide="ignore"):
                return np.asarray(np.abs(np.log(np.abs(w) + 1e-300)), dtype=float)
        return np.asarray(np.abs(np.real(w)), dtype=float)

    def unstable_dimension(self, w: Eigenvalues, tol: float = 1e-9) -> int:
        """Number of eigenvalues whose growth exceeds ``tol``."""
        return int(np.sum(self.growth(np.asarray(w)) > tol))

    def is_stable(self, w: Eigenvalues) -> bool:
        """Every eigenvalue strictly inside the stability region."""
        return bool(np.all(self.growth(np.asarray(w)) < 0))

    def __repr__(self) -> str:
        return self.name.upper()


ODE: Final = Kind("ode")
MAP: Final = Kind("map")


def kind_of(name: str) -> Kind:
    """The strategy for a kind name (``"ode"`` or ``"map"``)."""
    if name == "map":
        return MAP
    if name == "ode":
        return ODE
    raise ValueError(f"kind must be 'ode' or 'map', got {name!r}")
