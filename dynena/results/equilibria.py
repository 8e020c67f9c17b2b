"""Result objects of the equilibrium analysis: plain, frozen, JSON-serialisable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._typing import Array
from ..errors import UnknownIdError
from .html import eigen_text, state_text, table
from .status import HasStatus, Status

__all__ = ["Equilibrium", "SlowPoint", "EquilibriumSet", "ManifoldBranch"]


def _eig_pairs(ev: Array) -> list[list[float]]:
    return [[float(np.real(v)), float(np.imag(v))] for v in ev]


@dataclass(frozen=True)
class Equilibrium:
    r"""One equilibrium :math:`\xi` with :math:`f(\xi) = 0` (ode) or :math:`f(\xi) = \xi` (map).

    Attributes
    ----------
    id : str
    state : ndarray, shape (n,)
    names : tuple of str
    eigenvalues : ndarray of complex
        Of :math:`D_x f(\xi)`, sorted by decreasing real part (ode) or modulus (map).
    stability : ``stable``, ``saddle``, ``unstable`` or ``nonhyperbolic``
    type : str
        Readable type (stable node, saddle-focus, ...).
    unstable_dim : int
        Eigenvalues with positive real part (ode) or modulus above one (map).
    residual : float
        :math:`\|f(\xi)\|_\infty` (ode) or :math:`\|f(\xi) - \xi\|_\infty` (map).
    unstable_vectors, stable_vectors : ndarray, shape (k, n)
        Real bases of the unstable and stable eigenspaces (rows, unit norm).
    isolated : bool
        False when the Jacobian of the equilibrium condition is singular (a continuum).
    pair : str or None
        Id of the image under the model's symmetry ``x -> -x``, when it has one.
    label : str or None
        Name of the model's reference state it matches (``states:``), if any.
    """

    id: str
    state: Array
    names: tuple[str, ...]
    eigenvalues: Array
    stability: str
    type: str
    unstable_dim: int
    residual: float
    unstable_vectors: Array
    stable_vectors: Array
    isolated: bool = True
    pair: str | None = None
    label: str | None = None

    @property
    def stable(self) -> bool:
        return self.stability == "stable"

    def to_dict(self, full_state: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "state": dict(zip(self.names, map(float, self.state))) if full_state else None,
            "stability": self.stability,
            "type": self.type,
            "unstable_dim": int(self.unstable_dim),
            "eigenvalues": _eig_pairs(self.eigenvalues),
            "residual": float(self.residual),
            "isolated": self.isolated,
            "pair": self.pair,
            "label": self.label,
        }
        if self.unstable_vectors.size and self.unstable_vectors.shape[1] <= 50:
            d["unstable_vectors"] = self.unstable_vectors.tolist()
        return d


@dataclass(frozen=True)
class SlowPoint:
    r"""A local minimum of :math:`q(x) = \tfrac12\|F(x)\|^2` with :math:`q > 0`: not an equilibrium."""

    state: Array
    q: float
    names: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"state": dict(zip(self.names, map(float, self.state))), "q": float(self.q)}


@dataclass(frozen=True)
class ManifoldBranch(HasStatus):
    """One side of a saddle's one-dimensional unstable manifold and where it goes."""

    saddle: str
    side: int
    start: Array
    end: Array
    target: str | None
    status: Status
    t_end: float

    def to_dict(self) -> dict[str, Any]:
        return {"saddle": self.saddle, "side": self.side, "target": self.target,
                "status": self.status, "end": self.end.tolist(), "t": self.t_end}


@dataclass(frozen=True)
class EquilibriumSet(HasStatus):
    """All equilibria found, with the method, its guarantee and the counters.

    ``status`` is ``ok``, ``budget`` (time or start budget reached) or ``continuum`` (roots not
    isolated); ``message`` says what was seen and what to do.
    """

    model: str
    kind: str
    parameters: dict[str, float]
    names: tuple[str, ...]
    equilibria: tuple[Equilibrium, ...]
    slow_points: tuple[SlowPoint, ...] = ()
    method: str = ""
    guarantee: str = ""
    symmetry: tuple[str, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict)
    status: Status = Status.OK
    message: str = ""
    box: dict[str, tuple[float, float]] = field(default_factory=dict)
    tolerances: dict[str, float] = field(default_factory=dict)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.equilibria)

    def __len__(self) -> int:
        return len(self.equilibria)

    def __getitem__(self, key: int | str) -> Equilibrium:
        if isinstance(key, str):
            for e in self.equilibria:
                if e.id == key:
                    return e
            ids = ", ".join(e.id for e in self.equilibria[:20]) or "none"
            raise UnknownIdError(f"no equilibrium {key!r}; the ids are {ids}")
        return self.equilibria[key]

    @property
    def stable(self) -> tuple[Equilibrium, ...]:
        return tuple(e for e in self.equilibria if e.stability == "stable")

    @property
    def saddles(self) -> tuple[Equilibrium, ...]:
        return tuple(e for e in self.equilibria if e.stability == "saddle")

    def _repr_html_(self) -> str:
        rows = [[e.id, e.type, e.unstable_dim, state_text(self.names, e.state),
                 eigen_text(e.eigenvalues), f"{e.residual:.1e}", e.label or ""]
                for e in self.equilibria]
        return table(f"{self.model}: {len(self)} equilibria ({self.status})",
                     ["id", "type", "index", "state", "leading eigenvalues", "|F|", "label"],
                     rows, self.guarantee)

    def index_counts(self) -> dict[int, int]:
        """How many equilibria have each unstable dimension (Morse index)."""
        out: dict[int, int] = {}
        for e in self.equilibria:
            out[e.unstable_dim] = out.get(e.unstable_dim, 0) + 1
        return dict(sorted(out.items()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model, "kind": self.kind, "parameters": self.parameters,
            "equilibria": [e.to_dict() for e in self.equilibria],
            "slow_points": [s.to_dict() for s in self.slow_points],
            "method": self.method, "guarantee": self.guarantee,
            "symmetry": list(self.symmetry), "status": self.status, "success": self.success,
            "message": self.message,
            "stats": self.stats, "tolerances": self.tolerances,
            "box": {k: list(v) for k, v in self.box.items()},
        }
