"""Result objects of the attractor analysis: periodic orbits, other bounded attractors, basins."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._typing import Array
from .status import HasStatus, Status

__all__ = ["PeriodicOrbit", "AperiodicAttractor", "BasinEstimate", "BasinGrid", "AttractorSet",
           "LYAPUNOV_ZERO"]

#: A largest Lyapunov exponent estimate at most this (per step or time unit) counts as zero:
#: the estimate from 2 000 steps scatters by a few 1e-3 on quasi-periodic attractors.
LYAPUNOV_ZERO = 0.01


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
    trajectories): its cloud of tail points and the largest Lyapunov exponent estimate.

    Attributes
    ----------
    points : ndarray, shape (m, n)
        Samples of the attractor: the tail of one trajectory (a map: consecutive iterates).
    lyapunov : float
        Largest Lyapunov exponent estimate (per step or per time unit).
    lyapunov_error : float
        Its standard error, from the spread of the means of 20 blocks of the estimate's run.
    gap : float
        How well the samples cover the attractor: the largest distance from a further stretch
        of the same trajectory to the nearest sample (an estimate: the attractor can have
        points farther from every sample).
    """

    id: str
    points: Array
    lyapunov: float
    names: tuple[str, ...] = ()
    gap: float = float("nan")
    lyapunov_error: float = float("nan")

    @property
    def kind(self) -> str:
        """``chaotic`` (largest Lyapunov exponent estimate above ``LYAPUNOV_ZERO``) or
        ``quasi-periodic`` (zero within it)."""
        return "chaotic" if self.lyapunov > LYAPUNOV_ZERO else "quasi-periodic"

    @property
    def evidence(self) -> str:
        """The kind with the number behind it, in words."""
        return (f"{self.kind}: largest Lyapunov exponent estimate {self.lyapunov:.3g}"
                + (f" ± {self.lyapunov_error:.2g}" if np.isfinite(self.lyapunov_error) else "")
                + (f" (> {LYAPUNOV_ZERO})" if self.kind == "chaotic"
                   else f" (zero within {LYAPUNOV_ZERO})")
                + f", {len(self.points)} samples")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "lyapunov_estimate": float(self.lyapunov),
                "lyapunov_stderr": float(self.lyapunov_error),
                "tail_points": len(self.points), "sample_gap": float(self.gap),
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
class BasinGrid:
    r"""Outcomes on a regular grid over a two-dimensional box: the basin picture, and the basin
    entropy of Daza et al. (Sci. Rep. 6, 31416, 2016).

    The grid is cut into boxes of ``box`` × ``box`` cells; in box :math:`i` the outcomes have
    fractions :math:`p_{ij}` and Gibbs entropy :math:`S_i = -\sum_j p_{ij} \log p_{ij}`.
    The **basin entropy** :math:`S_b` is the mean of :math:`S_i` over all boxes, the
    **boundary basin entropy** :math:`S_{bb}` its mean over the boxes with more than one
    outcome. :math:`S_{bb} > \log 2` is a sufficient condition for a fractal boundary
    (Daza et al.); a smooth boundary between two basins gives :math:`S_{bb}` well below it.

    Attributes
    ----------
    axes : the two variables' names; ``lo``, ``hi`` their ranges
    outcomes : the outcome names; ``codes[i, k]`` indexes them (row i along the second axis,
        column k along the first)
    """

    axes: tuple[str, str]
    lo: tuple[float, float]
    hi: tuple[float, float]
    outcomes: tuple[str, ...]
    codes: np.ndarray[Any, Any]  # integer codes
    box: int = 5

    @property
    def entropy(self) -> tuple[float, float]:
        """(S_b, S_bb) over boxes of ``box`` × ``box`` cells (S_bb is 0 with no boundary box).
        Cells whose outcome is ``unknown`` or ``undecided`` are left out of the fractions: a
        cell centre on a smooth separatrix stalls at its saddle, and counting that as a third
        outcome would make the boundary look fractal."""
        ny, nx = self.codes.shape
        b = self.box
        C = self.codes[: ny - ny % b, : nx - nx % b]
        blocks = C.reshape(ny // b, b, nx // b, b).transpose(0, 2, 1, 3).reshape(-1, b * b)
        real = [k for k, o in enumerate(self.outcomes) if o not in ("unknown", "undecided")]
        counts = np.stack([np.sum(blocks == k, axis=1) for k in real], axis=1) if real else \
            np.zeros((len(blocks), 0))
        n = counts.sum(axis=1, keepdims=True)
        keep = n[:, 0] > 0
        p = counts[keep] / n[keep]
        S = -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), axis=1)
        mixed = S > 1e-12
        return (float(S.mean()) if len(S) else 0.0,
                float(S[mixed].mean()) if mixed.any() else 0.0)

    def to_dict(self) -> dict[str, Any]:
        sb, sbb = self.entropy
        return {"axes": list(self.axes), "lo": list(self.lo), "hi": list(self.hi),
                "outcomes": list(self.outcomes), "codes": self.codes.tolist(),
                "box": self.box, "basin_entropy": sb, "boundary_basin_entropy": sbb,
                "fractal_by_entropy": self.fractal}

    @property
    def fractal(self) -> bool:
        """The boundary basin entropy says fractal: :math:`S_{bb} > \\log 2 + 0.02`."""
        return self.entropy[1] > float(np.log(2)) + 0.02


@dataclass(frozen=True)
class AttractorSet(HasStatus):
    """Attractors found by sampling the box: stable periodic orbits, other bounded
    attractors, basin fractions, and what could not be resolved (``warnings``: attractors
    seen that are not nodes, such as a stable equilibrium outside the variables' ranges).

    ``escapes``: starts (and basin-grid cell centres) whose trajectories diverged, rows of
    states: a kick from a node landing on one of them is a witnessed escape, an upper bound
    on the node's escape threshold however far it is (the network's searches use it).
    ``heteroclinic``: the ids of unstable equilibria at which tails lingered (an attracting
    heteroclinic cycle or network between them; the network makes them nodes)."""

    orbits: tuple[PeriodicOrbit, ...]
    aperiodic: tuple[AperiodicAttractor, ...]
    basins: tuple[BasinEstimate, ...]
    samples: int
    box: dict[str, tuple[float, float]] = field(default_factory=dict)
    uncertainty: dict[str, Any] | None = None
    message: str = ""
    status: Status = Status.OK
    grid: BasinGrid | None = None
    warnings: tuple[str, ...] = ()
    escapes: np.ndarray[Any, Any] | None = None
    heteroclinic: tuple[str, ...] = ()

    @property
    def stable_orbits(self) -> tuple[PeriodicOrbit, ...]:
        return tuple(o for o in self.orbits if o.stable)

    def to_dict(self) -> dict[str, Any]:
        return {"orbits": [o.to_dict() for o in self.orbits],
                "aperiodic": [a.to_dict() for a in self.aperiodic],
                "basins": [b.to_dict() for b in self.basins], "samples": self.samples,
                "uncertainty": self.uncertainty,
                "grid": None if self.grid is None else self.grid.to_dict(),
                "box": {k: list(v) for k, v in self.box.items()}, "message": self.message,
                "warnings": list(self.warnings),
                "escapes": 0 if self.escapes is None else len(self.escapes),
                "heteroclinic": list(self.heteroclinic),
                "status": self.status, "success": self.success}
