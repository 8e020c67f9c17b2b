"""Result objects of continuation: branches of equilibria and their special points."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._typing import Array
from .display import renderer
from .html import state_text, table, with_figure
from .status import HasStatus, Status

__all__ = ["SpecialPoint", "Branch", "ContinuationResult", "Codim2Point", "Curve",
           "CurveResult", "CycleBranch"]

SPECIAL_TYPES = {"LP": "fold (limit point)", "H": "Hopf", "BP": "branch point",
                 "PD": "period doubling (flip)", "NS": "Neimark-Sacker",
                 "LPC": "fold of cycles"}

CODIM2_TYPES = {"CP": "cusp", "BT": "Bogdanov-Takens", "ZH": "zero-Hopf (fold-Hopf)",
                "GH": "generalised Hopf (Bautin)", "R1": "1:1 resonance",
                "R2": "1:2 resonance", "R3": "1:3 resonance", "R4": "1:4 resonance",
                "LPPD": "fold-flip", "GPD": "generalised period doubling",
                "CH": "Chenciner (generalised Neimark-Sacker)"}


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
class Branch(HasStatus):
    """A curve of equilibria ``(p[k], x[k])`` with stability along it (of a map's k-cycles
    when ``period`` is k > 1: ``x[k]`` is one point of the cycle, stability its multipliers')."""

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
    period: int = 1  # maps: a branch of k-cycles (each point is one point of the cycle)


@dataclass(frozen=True)
class CycleBranch(HasStatus):
    """A branch of periodic orbits of an ODE (orthogonal collocation): at each point the
    parameter ``p[k]``, the ``period[k]``, each variable's ``minimum``/``maximum`` over the
    orbit (of the piecewise polynomial, sampled 4× finer than the mesh), ``l2_norm``
    :math:`(\\int_0^1 |u(t)|^2 dt)^{1/2}` (AUTO's L2-NORM), stability and the Floquet
    ``multipliers`` (largest modulus first);
    ``trivial_error[k]`` is the distance of the multiplier nearest 1 from 1 (exactly 0 for the
    exact orbit: a check of the discretisation). Special points: LPC (fold of cycles), PD and
    NS of cycles; their ``state`` is the orbit's point at t = 0, ``extra`` its period and
    amplitude."""

    parameter: str
    p: Array
    period: Array
    minimum: Array
    maximum: Array
    stable: Array
    multipliers: Array
    trivial_error: Array
    special_points: tuple[SpecialPoint, ...]
    status: Status
    message: str
    origin: str = ""
    stats: dict[str, Any] = field(default_factory=dict)
    l2_norm: Array = field(default_factory=lambda: np.zeros(0))


@dataclass(frozen=True)
class ContinuationResult:
    model: str
    kind: str
    parameter: str
    names: tuple[str, ...]
    parameters: dict[str, float]
    branches: tuple[Branch, ...]
    options: dict[str, Any] = field(default_factory=dict)
    cycles: tuple[CycleBranch, ...] = ()

    @property
    def status(self) -> Status:
        """The worst status of the branches and cycle branches (``ok`` when every one is)."""
        states = [b.status for b in self.branches] + [c.status for c in self.cycles]
        bad = [s for s in states if not s.success]
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

    def labelled(self) -> dict[str, SpecialPoint]:
        """Every special point under its label: ``LP1``, ``LP2``, ``H1``, … (the k-th point of
        its type, branch by branch, in the order of :meth:`special_points`)."""
        out: dict[str, SpecialPoint] = {}
        seen: dict[str, int] = {}
        for sp in self.special_points():
            seen[sp.type] = seen.get(sp.type, 0) + 1
            out[f"{sp.type}{seen[sp.type]}"] = sp
        return out

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
                "message": b.message, **({"period": b.period} if b.period > 1 else {}),
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
            **({"cycles": [_cycles_dict(cb, self.names) for cb in self.cycles]}
               if self.cycles else {}),
            "options": self.options,
        }


def _cycles_dict(cb: CycleBranch, names: tuple[str, ...]) -> dict[str, Any]:
    par = cb.parameter

    def mults(m: Array) -> list[list[float]]:
        return [[float(z.real), float(z.imag)] for z in m[:6]]

    return {
        "origin": cb.origin, "status": cb.status, "success": cb.success, "message": cb.message,
        "points": [{par: float(p), "period": float(T), "l2_norm": float(l2),
                    "min": dict(zip(names, map(float, lo))), "max": dict(zip(names, map(float, hi))),
                    "stable": bool(s), "multipliers": mults(m), "trivial_multiplier_error": float(e)}
                   for p, T, l2, lo, hi, s, m, e in zip(cb.p, cb.period, cb.l2_norm, cb.minimum,
                                                       cb.maximum, cb.stable, cb.multipliers,
                                                       cb.trivial_error)],
        "special_points": [{"type": sp.type, par: float(sp.p), "accuracy": sp.accuracy,
                            "state": dict(zip(names, map(float, sp.state))),
                            "multipliers": mults(sp.eigenvalues), **sp.extra}
                           for sp in cb.special_points],
        "stats": cb.stats}


def _criticality(sp: SpecialPoint) -> dict[str, Any]:
    if sp.type not in ("H", "PD", "NS"):
        return {}
    return {"coefficient": sp.coefficient, "criticality": sp.criticality,
            **({"note": sp.note} if sp.note else {})}


@dataclass(frozen=True)
class Codim2Point:
    """A codimension-two point located on a curve: ``type`` in :data:`CODIM2_TYPES`.

    ``p`` holds the two parameter values; ``accuracy`` bounds the distance (in the parameter
    plane) to the true point: the last bisection bracket. ``extra["bisected"] = 0`` marks a
    point whose bisection stopped early (a trial point could not be corrected).
    """

    type: str
    p: tuple[float, float]
    state: Array
    eigenvalues: Array
    index: int
    accuracy: float = 0.0
    test_value: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Curve(HasStatus):
    """A curve of codimension-one points (``kind`` LP, H, PD or NS) in two parameters:
    ``p[k] = (p_a, p_b)``, the equilibrium ``x[k]`` there, and ``kappa[k]`` (ω² on a Hopf
    curve, negative on its neutral-saddle part; cos θ on a Neimark–Sacker curve; nan
    otherwise)."""

    kind: str
    parameters: tuple[str, str]
    p: Array
    x: Array
    kappa: Array
    points: tuple[Codim2Point, ...]
    status: Status
    message: str
    origin: str = ""
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CurveResult:
    """Two-parameter continuation: the curves followed and the codimension-two points."""

    model: str
    kind: str
    parameters: tuple[str, str]
    names: tuple[str, ...]
    values: dict[str, float]
    curves: tuple[Curve, ...]
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> Status:
        """The worst status of the curves (``ok`` when every curve is)."""
        bad = [c.status for c in self.curves if not c.status.success]
        return bad[0] if bad else Status.OK

    @property
    def success(self) -> bool:
        return self.status.success

    def points(self, type_: str | None = None) -> list[Codim2Point]:
        return [pt for c in self.curves for pt in c.points if type_ is None or pt.type == type_]

    def _repr_svg_(self) -> str:
        """The two-parameter diagram as SVG."""
        return str(renderer("curves")(self))

    def _repr_html_(self) -> str:
        a, b = self.parameters
        rows = [[c.kind, c.origin, pt.type, f"{pt.p[0]:.10g}", f"{pt.p[1]:.10g}",
                 f"{pt.accuracy:.1e}", state_text(self.names, pt.state)]
                for c in self.curves for pt in c.points]
        return with_figure(self._repr_svg_, table(
            f"{self.model}: {len(self.curves)} curves in ({a}, {b}) ({self.status})",
            ["curve", "from", "point", a, b, "±", "state"], rows))

    def to_dict(self) -> dict[str, Any]:
        a, b = self.parameters

        def st(x: Array) -> dict[str, float]:
            return dict(zip(self.names, map(float, x)))

        def kap(c: Curve, k: float) -> dict[str, float]:
            if not np.isfinite(k):
                return {}
            return {"kappa": float(k)}

        return {
            "model": self.model, "kind": self.kind, "parameters": [a, b],
            "values": self.values, "status": self.status, "success": self.success,
            "curves": [{
                "kind": c.kind, "origin": c.origin, "status": c.status, "success": c.success,
                "message": c.message,
                "points": [{a: float(p[0]), b: float(p[1]), "state": st(x), **kap(c, k)}
                           for p, x, k in zip(c.p, c.x, c.kappa)],
                "codim2_points": [{"type": pt.type, "description": CODIM2_TYPES.get(pt.type, ""),
                                   a: pt.p[0], b: pt.p[1], "state": st(pt.state),
                                   "accuracy": pt.accuracy,
                                   "eigenvalues": [[float(z.real), float(z.imag)]
                                                   for z in pt.eigenvalues[:6]],
                                   **pt.extra} for pt in c.points],
                "stats": c.stats} for c in self.curves],
            "options": self.options,
        }
