"""Result objects of the attractor analysis: periodic orbits, other bounded attractors, basins."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._typing import Array
from .status import HasStatus, Status

__all__ = ["PeriodicOrbit", "AperiodicAttractor", "BasinEstimate", "AttractorSet"]


@dataclass(frozen=True)
class PeriodicOrbit:
    r"""A periodic orbit: a k-cycle of a map or a limit cycle of an ODE.

    Attributes
    ----------
    id : str
    kind : ``"map-cycle"`` or ``"limit-cycle"``
    period : float
        k (map) or T (ode).
    points : ndarray, shape (m, n)
        The k cycle points (map), or m states sampled along the orbit at equal times (ode).
    multipliers : ndarray of complex
        Eigenvalues of :math:`D G^k` (map) or of the monodromy matrix (ode; the trivial
        multiplier 1 of the flow direction is removed).
    stable : bool
        All (non-trivial) multipliers inside the unit circle.
    residual : float
        :math:`\|G^k(x_0) - x_0\|` (map) or :math:`\|\varphi_T(x_0) - x_0\|` (ode) after
        Newton / shooting.
    """

    id: str
    kind: str
    period: float
    points: Array
    multipliers: Array
    stable: bool
    residual: float
    names: tuple[str, ...] = ()

    @property
    def state(self) -> Array:
        return np.asarray(self.points[0], dtype=float)

    @property
    def contraction_rate(self) -> float:
        """-log of the largest multiplier modulus, per time unit (or step)."""
        m = float(np.max(np.abs(self.multipliers))) if len(self.multipliers) else 0.0
        return float(-np.log(max(m, 1e-300)) / max(self.period, 1e-300))

    def to_dict(self) -> dict[str, Any]:
        pts = self.points if self.kind == "map-cycle" else self.points[:: max(1, len(
            self.points) // 64)]
        return {"id": self.id, "kind": self.kind, "period": float(self.period),
                "stable": self.stable, "residual": float(self.residual),
                "multipliers": [[float(np.real(m)), float(np.imag(m))] for m in self.multipliers],
                "amplitude": dict(zip(self.names, map(float, np.ptp(self.points, axis=0)))),
                "points": [dict(zip(self.names, map(float, p))) for p in pts]
                if len(self.names) <= 64 else None}


@dataclass(frozen=True)
class AperiodicAttractor:
    """A bounded attractor that is neither an equilibrium nor a periodic orbit (found from
    trajectories): its cloud of tail points and the largest Lyapunov exponent estimate."""

    id: str
    points: Array
    lyapunov: float
    names: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": "aperiodic", "lyapunov_estimate": float(self.lyapunov),
                "tail_points": len(self.points),
                "extent": dict(zip(self.names, map(float, np.ptp(self.points, axis=0))))}


@dataclass(frozen=True)
class BasinEstimate:
    """Fraction of the box reaching each outcome, with its binomial standard error."""

    outcome: str
    fraction: float
    stderr: float

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "fraction": self.fraction, "stderr": self.stderr}


@dataclass(frozen=True)
class AttractorSet(HasStatus):
    """Attractors found by sampling the box: periodic orbits (stable and those met), other
    bounded attractors, basin fractions, and what could not be resolved."""

    orbits: tuple[PeriodicOrbit, ...]
    aperiodic: tuple[AperiodicAttractor, ...]
    basins: tuple[BasinEstimate, ...]
    samples: int
    box: dict[str, tuple[float, float]] = field(default_factory=dict)
    uncertainty: dict[str, Any] | None = None
    message: str = ""
    status: Status = Status.OK

    @property
    def stable_orbits(self) -> tuple[PeriodicOrbit, ...]:
        return tuple(o for o in self.orbits if o.stable)

    def to_dict(self) -> dict[str, Any]:
        return {"orbits": [o.to_dict() for o in self.orbits],
                "aperiodic": [a.to_dict() for a in self.aperiodic],
                "basins": [b.to_dict() for b in self.basins], "samples": self.samples,
                "uncertainty": self.uncertainty,
                "box": {k: list(v) for k, v in self.box.items()}, "message": self.message,
                "status": self.status, "success": self.success}
