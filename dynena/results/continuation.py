"""Result objects of continuation: branches of equilibria and their special points."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._typing import Array
from .display import renderer
from .html import state_text, table, with_figure
from .status import Status

__all__ = ["SpecialPoint", "Branch", "ContinuationResult"]

SPECIAL_TYPES = {"LP": "fold (limit point)", "H": "Hopf", "BP": "branch point",
                 "PD": "period doubling (flip)", "NS": "Neimark-Sacker"}


@dataclass(frozen=True)
class SpecialPoint:
    """A bifurcation located on a branch: ``type`` in LP, H, BP, PD, NS.

    ``accuracy`` bounds the parameter error of the location (bisection bracket).
    ``coefficient`` is the normal-form coefficient where computed (the first Lyapunov
    coefficient at H, the flip coefficient at PD, the Neimark–Sacker coefficient at NS, with
    ⟨q, q⟩ = 1) and ``criticality`` what
    its sign says: ``supercritical``, ``subcritical`` or ``degenerate``; ``None`` where it was
    not computed (the reason is in ``note``).
    """

    type: str
    p: float
    state: Array
    eigenvalues: Array
    index: int  # the branch point index just before it
    accuracy: float = 0.0
    test_value: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)
    coefficient: float | None = None
    criticality: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Branch:
    """A curve of equilibria ``(p[k], x[k])`` with stability along it."""

    parameter: str
    p: Array
    x: Array
    stable: Array
    unstable_dim: Array
    special_points: tuple[SpecialPoint, ...]
    status: Status
    message: str
    origin: str = ""
    stats: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))  # also from a plain string

    @property
    def success(self) -> bool:
        """Complete, with the full guarantee of its method (see :class:`Status`)."""
        return self.status.success


@dataclass(frozen=True)
class ContinuationResult:
    model: str
    kind: str
    parameter: str
    names: tuple[str, ...]
    parameters: dict[str, float]
    branches: tuple[Branch, ...]
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        """The worst status of the branches (``ok`` when every branch is)."""
        bad = [b.status for b in self.branches if not b.status.success]
        return bad[0] if bad else Status.OK

    @property
    def success(self) -> bool:
        return self.status.success

    def _repr_svg_(self) -> str:
        """The bifurcation diagram (first variable against the parameter) as SVG."""
        return str(renderer("bifurcation")(self))

    def _repr_html_(self) -> str:
        """The bifurcation diagram above the table of special points (Jupyter)."""
        return with_figure(self._repr_svg_, self._table_html())

    def _table_html(self) -> str:
        rows = [[b.origin, sp.type, f"{sp.p:.10g}", f"{sp.accuracy:.1e}",
                 state_text(self.names, sp.state), sp.criticality or ""]
                for b in self.branches for sp in b.special_points]
        return table(f"{self.model}: {len(self.branches)} branches in {self.parameter} "
                     f"({self.status})", ["branch", "type", self.parameter, "±", "state",
                                          "criticality"], rows)

    def special_points(self, type_: str | None = None) -> list[SpecialPoint]:
        return [sp for b in self.branches for sp in b.special_points
                if type_ is None or sp.type == type_]

    def to_dict(self) -> dict[str, Any]:
        par = self.parameter

        def st(x: Array) -> dict[str, float]:
            return dict(zip(self.names, map(float, x))) if len(x) <= 64 else \
                {"norm": float(np.linalg.norm(x))}

        return {
            "model": self.model, "kind": self.kind, "parameter": par,
            "parameters": self.parameters, "status": self.status, "success": self.success,
            "branches": [{
                "origin": b.origin, "status": b.status, "success": b.success,
                "message": b.message,
                "points": [{par: float(p), "state": st(x), "stable": bool(s),
                            "unstable_dim": int(u)}
                           for p, x, s, u in zip(b.p, b.x, b.stable, b.unstable_dim)],
                "special_points": [{"type": sp.type, par: float(sp.p), "state": st(sp.state),
                                    "accuracy": sp.accuracy,
                                    "eigenvalues": [[float(z.real), float(z.imag)]
                                                    for z in sp.eigenvalues[:6]],
                                    **sp.extra, **_criticality(sp)}
                                   for sp in b.special_points],
                "stats": b.stats} for b in self.branches],
            "options": self.options,
        }


def _criticality(sp: SpecialPoint) -> dict[str, Any]:
    if sp.type not in ("H", "PD", "NS"):
        return {}
    return {"coefficient": sp.coefficient, "criticality": sp.criticality,
            **({"note": sp.note} if sp.note else {})}
