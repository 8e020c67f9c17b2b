"""The round trip: design a system from a graph, analyse it, compare the recovered graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from ..results.network import ExcitableNetwork
from .graph_to_model import DESIGN_DEFAULTS, design_model

__all__ = ["DesignCheck", "design_parameters", "expected_threshold", "verify_design"]


def design_parameters(kind: str = "excitable", threshold: float | None = None) -> dict[str, float]:
    r"""Parameters for the requested kind; ``threshold`` sets the excitable gap.

    Near a vertex the edge cell obeys :math:`\tau\dot y = -y[(y^2-1)^2 + A - B p^2 + \dots]`,
    whose saddle sits at :math:`y^2 \approx (1 + A - B)/2`; so :math:`B = 1 + A - 2\delta^2`
    puts the threshold near δ (to first order; the exact minimal kick, which also moves p, comes
    out up to ~10% above it). :math:`B > 1 + A` makes the edges heteroclinic (threshold 0).
    """
    par = dict(DESIGN_DEFAULTS[kind])
    if threshold is not None:
        if kind != "excitable":
            raise ValueError("a threshold applies to excitable designs only")
        if not 0 < threshold < 0.5:
            raise ValueError("threshold must lie in (0, 0.5)")
        par["B"] = 1 + par["A"] - 2 * threshold**2
    return par


def expected_threshold(par: dict[str, float]) -> float:
    r"""First-order edge threshold :math:`\sqrt{\max(1 + A - B, 0)/2}` (0: heteroclinic)."""
    gap = 1 + par["A"] - par["B"]
    return float(np.sqrt(max(gap, 0.0) / 2))


def reading_amplitude(kind: str, par: dict[str, float]) -> float:
    """The amplitude at which to read a designed network: above the designed threshold but
    well below the distance between vertices (√2 in p), where transitions that are not in the
    graph start; a small fixed amplitude for heteroclinic designs (threshold 0)."""
    return 3.0 * expected_threshold(par) if kind == "excitable" else 0.05


def threshold_curve(par: dict[str, float], num: int = 300) -> tuple[Any, Any]:
    """The first-order threshold as B sweeps across the excitable/heteroclinic boundary
    1 + A (for the report's figure)."""
    A = par["A"]
    B = np.linspace(1 + A - 0.12, 1 + A + 0.03, num)
    return B, np.array([expected_threshold({**par, "B": b}) for b in B])


@dataclass(frozen=True)
class DesignCheck:
    """Recovered against requested graph, edge by edge."""

    equal: bool
    amplitude: float
    recovered: list[tuple[str, str, float]]
    missing: list[tuple[str, str]]
    extra: list[tuple[str, str, float]]
    network: ExcitableNetwork | None = None
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        """The recovered graph equals the requested one, and the analysis behind it is
        complete with its guarantees."""
        return self.equal and (self.network is None or self.network.success)

    def to_dict(self) -> dict[str, Any]:
        return {"equal": self.equal, "success": self.success, "amplitude": self.amplitude,
                "edges": [{"source": a, "target": b, "threshold": t}
                          for a, b, t in self.recovered],
                "missing": [list(e) for e in self.missing],
                "extra": [{"source": a, "target": b, "threshold": t} for a, b, t in self.extra],
                "stats": self.stats}


def verify_design(G: nx.DiGraph, model: Any = None, *, amplitude: float, jobs: int = 1,
                  progress: Any = None) -> DesignCheck:
    """Analyse the designed model and compare its network at ``amplitude`` with ``G``.

    Examples
    --------
    A two-state switch designed with the reference constants: both edges at δ ≈ 0.0771.

    >>> import networkx as nx, dynena
    >>> chk = dynena.verify_design(nx.DiGraph([("a", "b"), ("b", "a")]), amplitude=0.1)
    >>> chk.equal, [(a, b, round(t, 4)) for a, b, t in chk.recovered]
    (True, [('a', 'b', 0.0771), ('b', 'a', 0.0771)])
    """
    from ..equilibrium import find_equilibria
    from ..network import excitable_network

    m = model if model is not None else design_model(G)
    eq = find_equilibria(m)
    # the comparison reads the labelled vertex states only: sampling the box for periodic or
    # other attractors (unlabelled, so never in the compared graph) would cost minutes on a
    # heteroclinic design, whose samples all wander along the cycle
    net = excitable_network(m, equilibria=eq, max_threshold=amplitude, jobs=jobs,
                            progress=progress, attractors=False)
    H = net.labelled_graph(amplitude)
    want = {(str(a), str(b)) for a, b in G.edges}
    got = {(a, b): d["threshold"] for a, b, d in H.edges(data=True)}
    recovered = sorted((a, b, t) for (a, b), t in got.items() if (a, b) in want)
    missing = sorted(e for e in want if e not in got)
    extra = sorted((a, b, t) for (a, b), t in got.items() if (a, b) not in want)
    return DesignCheck(not missing and not extra, amplitude, recovered, missing, extra, net,
                       {"trajectories": net.stats["trajectories"],
                        "seconds": net.stats["seconds"] + eq.stats["seconds"],
                        "equilibria": len(eq), "stable": len(eq.stable)})
