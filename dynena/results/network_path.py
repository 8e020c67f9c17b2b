"""Result objects of a network followed through a parameter (``continue_network``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .network import ExcitableNetwork
from .status import Status

__all__ = ["NetworkEvent", "NetworkPoint", "NetworkPath"]


@dataclass(frozen=True)
class NetworkPoint:
    """The network at one parameter value, on keys that persist along the path.

    Attributes
    ----------
    p : float
    nodes : dict
        Node key → ``{"id", "label", "stability", "state"}`` (keys are the first point's ids,
        a node that appears later gets a new key ``N<k>``).
    edges : dict
        ``"a->b"`` (node keys) → ``{"threshold", "kind", "id": (source id, target id)}``.
    trajectories : int
    network : ExcitableNetwork
        The full result at this value (not in ``to_dict``; ``results.json`` of the network
        drawings has it).
    """

    p: float
    nodes: dict[str, dict[str, Any]]
    edges: dict[str, dict[str, Any]]
    trajectories: int
    network: ExcitableNetwork | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"p": self.p, "nodes": self.nodes, "edges": self.edges,
                "trajectories": self.trajectories}


@dataclass(frozen=True)
class NetworkEvent:
    """A change of the network between two parameter values, located by continuation of the
    node's branch or by bisection.

    Attributes
    ----------
    type : str
        ``node-appears``, ``node-lost``, ``stability`` (a node changes stability),
        ``edge-appears``, ``edge-disappears``, ``heteroclinic`` (an edge's threshold reaches 0:
        excitable → heteroclinic) or ``excitable`` (the reverse).
    key : str
        The node key or edge key ``a->b`` concerned.
    p : float
        Midpoint of the final bracket.
    bracket : tuple of float
        The event lies between these values (their networks differ in this respect).
    before, after : str
        What the key looked like at the two ends (e.g. ``stable`` / ``saddle``,
        ``δ=0.0244 excitable`` / ``δ=0 heteroclinic``, ``absent``).
    converged : bool
        The bracket is narrower than the requested tolerance (False: the bisection budget ran
        out first).
    networks : tuple
        The networks at the two ends of the bracket (for drawings; not in ``to_dict``).
    located : str
        How: ``bisection`` (a network or an equilibrium search per step), or
        ``continuation (LP at ...)`` — the node followed along its branch of equilibria to
        the special point, the bracket its located accuracy.
    """

    type: str
    key: str
    p: float
    bracket: tuple[float, float]
    before: str
    after: str
    converged: bool
    networks: tuple[ExcitableNetwork | None, ExcitableNetwork | None] = field(
        default=(None, None), compare=False, repr=False)
    located: str = "bisection"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "key": self.key, "p": self.p, "bracket": list(self.bracket),
                "before": self.before, "after": self.after, "converged": self.converged,
                "located": self.located}


@dataclass(frozen=True)
class NetworkPath:
    """An excitable network followed through parameter ``parameter``.

    ``points`` are the grid values (and the bisection values, in order of p); ``events`` the
    changes located between them. ``stats``: networks computed, trajectories, seconds.
    """

    model: str
    parameter: str
    points: tuple[NetworkPoint, ...]
    events: tuple[NetworkEvent, ...]
    tolerance: float
    stats: dict[str, Any]
    message: str = ""

    @property
    def status(self) -> Status:
        """``budget`` when some event could not be located to the tolerance."""
        return Status.OK if all(e.converged for e in self.events) else Status.BUDGET

    @property
    def success(self) -> bool:
        return self.status.success

    def thresholds(self, key: str) -> list[tuple[float, float]]:
        """(p, δ) along the path for edge ``key`` where it exists."""
        return [(pt.p, pt.edges[key]["threshold"]) for pt in self.points if key in pt.edges]

    def edge_keys(self) -> list[str]:
        return sorted({k for pt in self.points for k in pt.edges})

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "parameter": self.parameter, "status": self.status,
                "success": self.success, "tolerance": self.tolerance,
                "points": [p.to_dict() for p in self.points],
                "events": [e.to_dict() for e in self.events], "stats": self.stats,
                "message": self.message}
