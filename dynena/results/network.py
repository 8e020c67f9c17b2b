"""Result objects of the excitable-network analysis (plain, JSON-serialisable)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._typing import Array
from .attractors import AttractorSet
from .display import renderer
from .equilibria import EquilibriumSet
from .html import state_text, table, with_figure
from .status import HasStatus, Status

__all__ = ["Connection", "ExcitableNetwork", "ThresholdCertificate", "node_target_name",
           "OUTCOME_NAMES"]


def node_target_name(code: int, node_ids: list[str]) -> str:
    """Node id, or the outcome's name: ``unknown`` (-1, budget), ``diverged`` (-2),
    ``undecided`` (-3, stalled on the boundary), ``left-domain`` (-4, the equations became
    undefined)."""
    if code >= 0:
        return node_ids[code]
    return OUTCOME_NAMES.get(code, "unknown")


OUTCOME_NAMES = {-1: "unknown", -2: "diverged", -3: "undecided", -4: "left-domain"}
"""The names of the outcomes that are not nodes, by their codes (:mod:`dynena.flow.fate`)."""


@dataclass(frozen=True)
class ThresholdCertificate(HasStatus):
    r"""How a threshold was established and what is guaranteed about it.

    Attributes
    ----------
    method : str
        ``direction-grid`` (branch and bound over all directions, state dimension 2–3),
        ``both-directions`` (dimension 1), ``multi-start`` (higher dimension: random starts and
        descent), ``warm-start`` (network continuation: followed from the connection at the
        previous parameter value, see :mod:`dynena.network.warm`), ``ray`` (one admissible direction or pulse: named directions, input pulses)
        or ``found`` (an outcome met on the way, e.g. divergence, not minimised over
        directions).
    status : str
        ``certified`` (every cell closed), ``rough-boundary`` (the same search, denser, on a
        boundary whose uncertainty exponent says it is fractal: the lower bound rests on a
        slope model such a boundary can violate), ``multi-start``, ``ray``, ``found``, or
        ``budget`` (the trajectory or time budget ran out first: the lower bound is what had
        been shown), ``undecided`` (some kicks ended undecided within the integration budget:
        the bracket holds those between a ray's last decided kick and its entry, and the
        lower bound counts the others as staying, so it is conditional on them).
    lower_bound : float
        No admissible kick of smaller norm reaches the target, at the stated resolutions
        (``nan`` where the method gives no bound).
    angular_resolution : float or None
        Angular radius (radians) of the finest direction cells (near the minimiser, before
        the local minimisation).
    coverage : float or None
        Angular radius (radians) of the coarsest cells: every direction lies within it of a
        scanned ray.
    sources : int
        Points of the source attractor kicked from (1 for an equilibrium; the k points of a
        map cycle; points sampled along a limit cycle, then the phase refined locally).
    radial_resolution : float
        Spacing of the radial scan relative to the largest amplitude scanned: a basin piece
        thinner than this along every ray can be missed.
    isotropic : bool
        The checked kicks lie on a grid whose spacing is at most ``radial_resolution`` times
        the range *in every direction*: at small amplitudes only as many rays are probed as
        that spacing needs, not all of them (the exit-only search, ``nearest_only``). A basin
        piece that fits between the checked kicks can be missed.
    tolerance : float
        Relative tolerance of the global search (cells closed when their bound is within it).
    directions, trajectories : int
        Rays scanned and trajectories computed by the search from this source.
    starts, descents, reached_best : int or None
        Multi-start: directions started from, local descents run, descents that reached the
        best value within 0.1 %.
    spread : float or None
        Multi-start: (worst descent minimum / best) − 1.
    composed : int
        Multi-start: descents that started from the sum of the best kicks into two other
        targets (crossing two boundaries at their nearest points), counted in ``descents``.
    seeded : int
        Multi-start: descents that were minimal seeds (maps above three variables): at a
        fixed amplitude the kick turned along the adjoint gradient of its trajectory's
        closest approach to the target until it reached it, then the amplitude lowered
        below its entry, again and again; counted in ``descents``.
    local : str or None
        Multi-start: the local minimisation after the descents. ``newton`` (up to 9
        variables): a Newton model of the entry distance on the sphere's tangent space;
        ``lines`` (up to 24): line searches along the stable directions of the saddle the
        boundary's trajectories pass and along the state coordinates; ``adjoint`` (more
        variables): a descent along the boundary's normal from the adjoint, then a Lanczos
        look along its weakest curvature; ``None`` (screening): the pattern search alone.
    settled : bool or None
        Whether ``local`` settled: ``newton``, the best direction is a local minimum to
        ``tolerance``; ``lines``, no such line improves it by that; ``adjoint``, the kick is
        within sqrt(``tolerance``) / 2 of the boundary's normal and no kick along the weakest
        curvature leads lower; or (``kink``, any method) where pieces of the boundary meet,
        the kick lies within that of the cone of their normals (first order). ``False``: it
        did not (no normal, the step limit, or the budget).
    kink : bool
        Multi-start, settled: at a kink, where pieces of the basin's boundary meet (a kick
        that crosses two boundaries at once, as flipping two bits), shown to be a minimum to
        first order only (the kick in the cone of the pieces' normals from the adjoint).
    undecided : int
        Kicks whose outcome the integration budget did not decide.
    source_samples : int
        An aperiodic source attractor: its samples (0 otherwise). ``sources`` of them were
        kicked from; the lower bound covers them all (distance is 1-Lipschitz).
    source_gap : float or None
        An aperiodic source: how far a further stretch of its trajectory came from every
        sample (an estimate of how well they cover the attractor); subtracted from the bound.
    symmetries : int
        Symmetries of the model that fix the source (identity not counted) whose orbits the
        direction grid used: one cell of each orbit was scanned and its images stood for
        the others (r_j(g v) = r_{g⁻¹j}(v)); 0 when none was used.
    """

    method: str
    status: Status
    lower_bound: float
    angular_resolution: float | None
    radial_resolution: float
    directions: int
    trajectories: int
    tolerance: float = 1e-4
    coverage: float | None = None
    sources: int = 1
    starts: int | None = None
    descents: int | None = None
    reached_best: int | None = None
    spread: float | None = None
    composed: int = 0
    seeded: int = 0
    local: str | None = None
    settled: bool | None = None
    kink: bool = False
    undecided: int = 0
    isotropic: bool = False
    source_samples: int = 0
    source_gap: float | None = None
    symmetries: int = 0

    @property
    def statement(self) -> str:
        """One sentence saying what is guaranteed."""
        src = (f" (kicks from {self.sources} points of the source attractor)"
               if self.sources > 1 else "")
        if self.source_samples:
            src = (f" (kicks from {self.sources} of the {self.source_samples} samples of the "
                   f"aperiodic source attractor; the bound holds over the samples less their "
                   f"estimated gap {self.source_gap or 0.0:.3g})")
        und = (f"; {self.undecided} kicks could not be decided within the integration budget"
               ": between a ray's last decided kick and its entry they widen its bracket, "
               "elsewhere they were counted as staying and the bound holds only if they stay"
               if self.undecided else "")
        sym = (f" (one direction of each orbit of the {self.symmetries} symmetries that fix "
               "the source scanned, their images standing for the rest)"
               if self.symmetries else "")
        return self._statement() + src + sym + und

    def _statement(self) -> str:
        if self.method in ("direction-grid", "both-directions"):
            head = {"certified": "certified:",
                    "rough-boundary": "rough (fractal) basin boundary: the bound assumes the "
                                      "entry distance varies no faster between rays than seen;",
                    "undecided": "not certified (some kicks undecided):",
                    "sampled-source": "aperiodic source known from samples:",
                    }.get(self.status, "search stopped at its trajectory or time budget;")
            ang = (f" within {np.degrees(self.coverage):.3g} deg of a scanned ray, "
                   f"{np.degrees(self.angular_resolution or 0.0):.3g} deg near the minimum "
                   f"(then minimised locally)," if self.coverage else "")
            # a bound of 0 says nothing: an aperiodic source's samples far from every
            # screened one are bounded by nothing (the bound decays 1:1 with distance)
            below = (f"no kick below {self.lower_bound:.6g} reaches the target"
                     if self.lower_bound > 0 else
                     "no lower bound" if not np.isfinite(self.lower_bound) else
                     "no lower bound above 0 (the screened source points do not bound the "
                     "others)" if self.sources > 1 or self.source_samples else
                     "no lower bound above 0")
            if self.isotropic:
                return (f"{head} {below}: "
                        f"kicks checked on a grid of spacing at most "
                        f"{self.radial_resolution:.3g} of the range in every direction, every "
                        f"direction{ang.rstrip(',')} at the boundary ({self.directions} rays); "
                        "a basin piece that fits between the checked kicks could hide")
            return (f"{head} {below}: every "
                    f"direction{ang} radial spacing {self.radial_resolution:.3g} of the range "
                    f"({self.directions} rays); a basin piece thinner than that could hide")
        if self.method == "multi-start":
            parts = ([f"{self.seeded} minimal seeds (ascents along the adjoint towards the "
                      "target at lowered amplitudes)"] if self.seeded else []) + \
                ([f"{self.composed} from sums of two other targets' best kicks"]
                 if self.composed else [])
            comp = f" ({'; '.join(parts)})" if parts else ""
            local = self._local_statement()
            return (f"multi-start: {self.starts} starts, {self.descents} descents{comp}, "
                    f"{self.reached_best} reached the best value (spread "
                    f"{(self.spread or 0.0):.2g}){local}; no lower bound in dimension > 3 "
                    "(a lower minimum elsewhere is not excluded: other seeds start elsewhere)")
        if self.method == "warm-start":
            return ("warm start: followed from the same connection at the previous parameter "
                    "value (its kick direction, turned towards the basin boundary's normal, "
                    "bisected, checked by random directions); no global search at this value, "
                    "no lower bound")
        if self.method == "ray":
            return (f"one admissible direction: first entry along it, radial spacing "
                    f"{self.radial_resolution:.3g} of the range")
        return "met on the way; not minimised over directions"

    def _local_statement(self) -> str:
        """What the multi-start's local minimisation established."""
        tol = f"{self.tolerance:.2g}"
        if self.local is None:
            return "; local descent by pattern search only"
        if self.settled and self.kink:
            return (f"; at a kink where pieces of the boundary meet: the kick lies in the cone "
                    f"of their normals (adjoint) to {tol}, a minimum to first order")
        if self.settled:
            return {"newton": f"; a local minimum to {tol} (Newton model)",
                    "lines": f"; no line along the saddle's stable directions or the "
                             f"coordinates improves it by {tol}",
                    "adjoint": f"; the kick is along the boundary's normal (adjoint) to "
                               f"{tol}, and no kick along the boundary's weakest curvature "
                               "(Lanczos) leads lower"}[self.local]
        why = {"newton": "the Newton model did not settle: a kink where boundaries cross, "
                         "its step limit, or the budget",
               "lines": "the line searches did not settle: a kink where boundaries cross, "
                        "their sweep limit, or the budget",
               "adjoint": "the normal descent did not settle: a kink where boundaries "
                          "cross, no normal from the adjoint, its step limit, or the "
                          "budget"}[self.local]
        return f"; not shown to be a local minimum ({why})"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "method": self.method, "status": self.status, "success": self.success,
            "lower_bound": None if not np.isfinite(self.lower_bound) else float(self.lower_bound),
            "angular_resolution": self.angular_resolution,
            "radial_resolution": self.radial_resolution, "tolerance": self.tolerance,
            "coverage": self.coverage, "sources": self.sources,
            "directions": self.directions, "trajectories": self.trajectories,
            "undecided": self.undecided, "isotropic": self.isotropic,
            "statement": self.statement}
        if self.method == "multi-start":
            d.update(starts=self.starts, descents=self.descents,
                     reached_best=self.reached_best, spread=self.spread,
                     composed=self.composed, seeded=self.seeded, local=self.local,
                     settled=self.settled,
                     kink=self.kink)
        if self.source_samples:
            d.update(source_samples=self.source_samples, source_gap=self.source_gap)
        if self.symmetries:
            d.update(symmetries=self.symmetries)
        return d


@dataclass(frozen=True)
class Connection:
    r"""One connection :math:`\xi_i \to \xi_j` with its threshold and evidence.

    Attributes
    ----------
    source, target : str
        Node ids; ``target`` may be ``"unknown"`` (no node reached) or ``"diverged"``.
    threshold : float
        :math:`\delta_{ij}`: state-space kick norm, or input-pulse amplitude (see ``space``).
    space : ``"state"`` or ``"input"``
    kind : ``"excitable"`` (δ > 0) or ``"heteroclinic"`` (δ = 0, spontaneous)
    direction : ndarray or None
        Unit perturbation attaining δ (state space).
    channel, sign, width : int or None
        Input pulse (input space).
    kick : ndarray or None
        The state-space displacement the threshold pulse induces (input space).
    via : str or None
        The saddle the transition passes closest to.
    bracket : (float, float)
        Last amplitudes that stayed / switched: δ lies between them.
    trajectories : int
        Trajectories computed for this connection (candidates, bisection, refinement).
    verified : int
        Random directions (or pulses) checked at 0.999 δ that did not reach the target.
    certificate : ThresholdCertificate or None
        How the threshold was established (global search, its coverage and lower bound).
    origin : ndarray or None
        The state that is kicked, when the source is a periodic orbit (a point of it).
    """

    source: str
    target: str
    threshold: float
    space: str = "state"
    kind: str = "excitable"
    direction: Array | None = None
    channel: int | None = None
    sign: int | None = None
    width: int | None = None
    kick: Array | None = None
    via: str | None = None
    bracket: tuple[float, float] = (0.0, 0.0)
    trajectories: int = 0
    verified: int = 0
    refinements: int = 0
    certificate: ThresholdCertificate | None = None
    origin: Array | None = None


@dataclass(frozen=True)
class ExcitableNetwork:
    """The excitable network of a model: nodes, connections, thresholds and provenance."""

    model: str
    kind: str
    parameters: dict[str, float]
    names: tuple[str, ...]
    node_ids: tuple[str, ...]
    node_states: Array
    node_labels: tuple[str | None, ...]
    node_stability: tuple[str, ...]
    connections: tuple[Connection, ...]
    equilibria: EquilibriumSet
    norm: str = "l2"
    space: str = "state"
    max_threshold: float | None = None
    self_loops: tuple[Connection, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    readout: dict[str, Array] = field(default_factory=dict)
    node_kinds: tuple[str, ...] = ()
    attractors: AttractorSet | None = None

    @property
    def status(self) -> Status:
        """``budget`` when any search behind the network ran out of budget (or the time budget
        ended the run), ``undecided`` when some threshold rests on undecided kicks, else
        ``ok``."""
        parts = [self.equilibria.status] + ([self.attractors.status] if self.attractors else [])
        parts += [c.certificate.status for c in self.connections if c.certificate is not None]
        if self.stats.get("deadline_reached"):
            parts.append(Status.BUDGET)
        for s in (Status.BUDGET, Status.CONTINUUM, Status.UNDECIDED):
            if s in parts:
                return s
        return Status.OK

    @property
    def success(self) -> bool:
        """Every node found and every threshold established within its budgets."""
        return self.status.success

    def draw(self, **options: Any) -> Any:
        """The drawing as a :class:`graphviz.Digraph` (options as :func:`dynena.draw`:
        ``amplitude``, ``show_saddles``, ``merge_pairs``, ``self_loops``)."""
        return renderer("network")(self, **options)

    def _repr_svg_(self) -> str:
        """The drawing as SVG (Jupyter)."""
        return str(self.draw().pipe(format="svg", encoding="utf-8", quiet=True))

    def _repr_html_(self) -> str:
        """The drawing (inline SVG) above the connections table (Jupyter)."""
        return with_figure(self._repr_svg_, self._table_html())

    def _table_html(self) -> str:
        """The connections as a table."""
        def what(c: Connection) -> str:
            if c.space == "input":
                return f"channel {c.channel}, sign {c.sign:+d}"
            return "" if c.direction is None else state_text(self.names, c.direction)

        rows = [[c.source, c.target, f"{c.threshold:.7g}",
                 f"[{c.bracket[0]:.6g}, {c.bracket[1]:.6g}]", c.via or "", what(c),
                 "" if c.certificate is None else str(c.certificate.status)]
                for c in self.connections]
        return table(f"{self.model}: {len(self.node_ids)} nodes, {len(self.edges)} edges "
                     f"({self.status})", ["source", "target", "threshold", "bracket", "via",
                                         "direction / input", "certificate"], rows,
                     self.message)

    @property
    def edges(self) -> tuple[Connection, ...]:
        """Connections between nodes with threshold within ``max_threshold``."""
        return tuple(c for c in self.connections if c.target in self.node_ids and
                     (self.max_threshold is None or c.threshold <= self.max_threshold))

    def graph(self, amplitude: float | None = None, *, merge_pairs: bool = False) -> Any:
        """The network at amplitude δ (edges with δ_ij ≤ δ) as a networkx graph.

        A ``DiGraph`` for state-space kicks, a ``MultiDiGraph`` (one edge per channel and sign)
        for input pulses. ``merge_pairs`` shows each ± symmetric pair of states as one node
        (named by the first of the pair), keeping the smallest threshold between merged nodes.
        """
        import networkx as nx

        pair = {e.id: e.pair for e in self.equilibria.equilibria}
        reps = self.representatives() if merge_pairs else {n: n for n in self.node_ids}

        def rep(nid: str) -> str:
            return reps.get(nid, nid)

        G = nx.MultiDiGraph() if self.space == "input" else nx.DiGraph()
        for i, nid in enumerate(self.node_ids):
            if rep(nid) == nid:
                G.add_node(nid, state=self.node_states[i], label=self.node_labels[i],
                           stability=self.node_stability[i],
                           pair=pair.get(nid) if merge_pairs else None)
        amp = self.max_threshold if amplitude is None else amplitude
        for c in self.connections:
            if c.target not in self.node_ids or (amp is not None and c.threshold > amp):
                continue
            a, b = rep(c.source), rep(c.target)
            if merge_pairs and a == b:
                continue
            attrs = {"threshold": c.threshold, "via": c.via, "kind": c.kind,
                     "channel": c.channel, "sign": c.sign}
            if G.is_multigraph() or not G.has_edge(a, b) or \
                    G[a][b]["threshold"] > c.threshold:
                G.add_edge(a, b, **attrs)
        return G

    def representatives(self) -> dict[str, str]:
        """Each node's representative when ± symmetric pairs are shown as one node (the first
        of the pair in node order)."""
        pair = {e.id: e.pair for e in self.equilibria.equilibria}
        order = {nid: k for k, nid in enumerate(self.node_ids)}
        out = {}
        for nid in self.node_ids:
            p = pair.get(nid)
            out[nid] = p if (p in order and order[p] < order[nid]) else nid
        return out

    def labelled_graph(self, amplitude: float | None = None) -> Any:
        """The network on node labels (± symmetric states sharing a label become one node)."""
        import networkx as nx

        G = nx.DiGraph()
        lab = {nid: (self.node_labels[k] or nid) for k, nid in enumerate(self.node_ids)}
        G.add_nodes_from(set(lab.values()))
        amp = self.max_threshold if amplitude is None else amplitude
        for c in self.connections:
            if c.target in lab and (amp is None or c.threshold <= amp):
                a, b = lab[c.source], lab[c.target]
                if a != b:
                    old = G.get_edge_data(a, b, {}).get("threshold", np.inf)
                    G.add_edge(a, b, threshold=min(old, c.threshold))
        return G

    def staircase(self) -> list[tuple[float, int]]:
        """(δ, number of edges with δ_ij ≤ δ) at every distinct threshold."""
        ts = sorted(c.threshold for c in self.connections if c.target in self.node_ids)
        out: list[tuple[float, int]] = []
        for k, t in enumerate(ts):
            if out and out[-1][0] == t:
                out[-1] = (t, k + 1)
            else:
                out.append((t, k + 1))
        return out

    def to_dict(self) -> dict[str, Any]:
        def vec(v: Array | None) -> Any:
            if v is None:
                return None
            if len(v) <= 64:
                return dict(zip(self.names, map(float, v)))
            return {"norm": float(np.linalg.norm(v))}

        def conn(c: Connection) -> dict[str, Any]:
            d: dict[str, Any] = {"source": c.source, "target": c.target,
                                 "threshold": float(c.threshold), "space": c.space,
                                 "kind": c.kind, "via": c.via,
                                 "bracket": [float(c.bracket[0]), float(c.bracket[1])],
                                 "trajectories": c.trajectories, "verified": c.verified,
                                 "certificate": None if c.certificate is None
                                 else c.certificate.to_dict()}
            if c.space == "state":
                d["direction"] = vec(c.direction)
                d["refinements"] = c.refinements
                if c.origin is not None:
                    d["origin"] = vec(c.origin)
            else:
                d.update({"channel": c.channel, "sign": c.sign, "width": c.width,
                          "kick_norm": None if c.kick is None else float(np.linalg.norm(c.kick))})
            return d

        eq = {e.id: e for e in self.equilibria.equilibria}
        nodes = []
        for i, nid in enumerate(self.node_ids):
            e = eq.get(nid)
            nd: dict[str, Any] = {"id": nid, "state": vec(self.node_states[i]),
                                  "label": self.node_labels[i],
                                  "stability": self.node_stability[i],
                                  "kind": self.node_kinds[i] if i < len(self.node_kinds)
                                  else "equilibrium"}
            if e is not None:
                nd["max_abs_eig"] = float(np.max(np.abs(e.eigenvalues)))
                nd["pair"] = e.pair
            if nid in self.readout:
                nd["readout"] = [float(v) for v in self.readout[nid]]
            nodes.append(nd)
        return {
            "model": self.model, "norm": self.norm, "space": self.space,
            "max_threshold": self.max_threshold, "parameters": self.parameters,
            "status": self.status, "success": self.success,
            "nodes": nodes,
            "edges": [conn(c) for c in self.edges],
            "other_connections": [conn(c) for c in self.connections if c not in self.edges],
            "self_loops": [conn(c) for c in self.self_loops],
            "staircase": [{"amplitude": t, "edges": k} for t, k in self.staircase()],
            "saddles": [{"id": e.id, "unstable_dim": e.unstable_dim, "type": e.type}
                        for e in self.equilibria.equilibria if e.stability == "saddle"],
            "stats": self.stats, "options": self.options, "message": self.message,
            "attractors": None if self.attractors is None else self.attractors.to_dict(),
        }
