"""The excitable network followed through a parameter, with its events located by bisection.

At each value of a grid the network is computed (equilibria, then thresholds); nodes are
carried from one value to the next by matching states (so a node keeps its key along its
branch), edges by their node keys. Between neighbouring values the networks are compared
feature by feature — a node present or not and its stability, an edge present or not and its
kind (excitable or heteroclinic) — and every difference is located by bisection on the
parameter: the network at the midpoint is computed and compared with the left end, until the
bracket is narrower than the tolerance or the bisection budget is spent (then the event says
``converged = False``).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from ..compile import as_compiled
from ..compile.system import CompiledSystem
from ..equilibrium import find_equilibria
from ..errors import DynenaError, NonHyperbolicWarning, ParameterError
from ..model.protocol import SystemModel
from ..network import excitable_network
from ..network.warm import match_states
from ..progress import ProgressFn, say, step
from ..results.network import ExcitableNetwork
from ..results.network_path import NetworkEvent, NetworkPath, NetworkPoint

__all__ = ["continue_network"]


def continue_network(model: SystemModel | CompiledSystem, parameter: str, lo: float, hi: float,
                     *, points: int = 11, tol: float | None = None, max_bisections: int = 40,
                     max_threshold: float | None = None, max_time: float = 600.0,
                     warm: bool = True, full_every: int | None = None,
                     scheduler: str | None = None, workers: int | None = None,
                     progress: ProgressFn | None = None, **network_options: Any) -> NetworkPath:
    r"""Follow the excitable network of ``model`` as ``parameter`` goes from ``lo`` to ``hi``.

    Parameters
    ----------
    model : model or compiled system
    parameter : str
        A parameter of the model.
    lo, hi : float
        The range; ``points`` evenly spaced values (at least 2) are computed.
    tol : float, optional
        Width of the bracket to which each event is located (default: the grid step / 256).
    max_bisections : int
        Budget of bisection steps per event.
    max_time : float
        Time budget (seconds) of the networks of the path. Each network gets what is left of
        it; when it is spent, the remaining edge events keep the bracket they have
        (``converged = False``) and ``status`` is ``budget``. Near a bifurcation the thresholds
        are small and the escape slow, so the networks there cost most. Node events need
        equilibria only: they are located first and are bounded by ``max_bisections`` alone.
    warm : bool
        Follow the thresholds from one grid value to the next (default): the network at the
        first and last values (and every ``full_every``-th) is computed in full, the others
        warm-started from the previous value's (:mod:`dynena.network.warm`: each connection
        from its saddle's geometry and its previous direction, no global search; certificate
        ``warm-start``). A warm value cannot see a connection the previous value did not
        have: when a full value has an edge the warm values before it lacked, those values
        are computed again in full. State dimension > 3 with all state-space kicks (else,
        and on Dask, every value is computed in full). ``False``: every value in full.
    full_every : int, optional
        With ``warm``, also compute every ``full_every``-th grid value in full.
    scheduler, workers : optional
        Compute the grid values as tasks on Dask's distributed scheduler: a running one at
        address ``scheduler``, or a local cluster of ``workers`` processes (as
        :func:`~dynena.sweep.sweep`). The bisections that follow are sequential by nature
        and run here.
    max_threshold : float, optional
        Edges are connections with :math:`\delta \le` ``max_threshold`` (as
        :func:`~dynena.network.excitable_network`, which receives ``network_options`` too).

    Returns
    -------
    NetworkPath
        The network at each value (on persistent node keys) and the events: ``node-appears``,
        ``node-lost``, ``stability``, ``edge-appears``, ``edge-disappears``, ``heteroclinic``
        (an edge's threshold reached 0), ``excitable``.

    Examples
    --------
    The toggle switch above its pitchfork (a = 2): two stable states and the two switches
    between them throughout, so no event.

    >>> import dynena
    >>> path = dynena.continue_network(dynena.load("models/toggle.yaml"), "a", 2.5, 3.0,
    ...                                points=2)
    >>> [len(pt.nodes) for pt in path.points], path.edge_keys(), path.events
    ([2, 2], ['E0->E1', 'E1->E0'], ())
    """
    c = as_compiled(model)
    _check(c, parameter, lo, hi, points)
    grid = np.linspace(lo, hi, points)
    tol = abs(hi - lo) / (points - 1) / 256 if tol is None else tol
    t0 = time.perf_counter()
    path = _Path(c, parameter, dict(max_threshold=max_threshold, **network_options),
                 t0 + max_time)
    if full_every is not None and full_every < 1:
        raise ParameterError(f"full_every must be a positive integer, got {full_every}")
    _compute_grid(path, grid, max_time, scheduler, workers, progress, warm, full_every)
    events = _locate_events(path, tol, max_bisections, progress)
    stats = {"networks": path.computed, "trajectories": path.trajectories,
             "seconds": time.perf_counter() - t0, "grid_points": points,
             "node_events_by_continuation": path.followed, "warm_values": path.warm_values,
             "recomputed_in_full": path.recomputed}
    unique = {pt.p: pt for pt in reversed(path.points)}  # one per value (the first computed)
    how = (f"{path.warm_values} of {points} grid values warm-started from the previous one "
           "(certificate warm-start); the others, and every bisection step, computed in full"
           if path.warm_values else "each value computed in full (no warm start)")
    return NetworkPath(c.model.name, parameter, tuple(unique[p] for p in sorted(unique)),
                       tuple(sorted(events, key=lambda e: e.p)), tol, stats, how)


def _check(c: CompiledSystem, parameter: str, lo: float, hi: float, points: int) -> None:
    known = c.parameter_values()
    if parameter not in known:
        raise ParameterError(f"{parameter!r} is not a parameter of {c.model.name}; it has: "
                             + (", ".join(sorted(known)) or "none"))
    if not (np.isfinite(lo) and np.isfinite(hi) and lo != hi):
        raise ParameterError(f"the range must be two different finite numbers, got {lo}, {hi}")
    if points < 2:
        raise ParameterError(f"points must be at least 2, got {points}")


def _compute_grid(path: _Path, grid: Any, max_time: float, scheduler: str | None,
                  workers: int | None, progress: ProgressFn | None, warm: bool,
                  full_every: int | None) -> None:
    """The network at every grid value: here (warm-started where it can be), or as Dask
    tasks when a cluster is asked for."""
    step(progress, "network path: values done", 0, len(grid))
    if scheduler is not None or workers is not None:
        nets = _on_dask(path.c, path.parameter, grid, path.options, max_time, scheduler,
                        workers, progress)
    elif warm and path.c.n > 3 and path.options.get("perturbations", "state") == "state":
        nets = _warm_chain(path, [float(p) for p in grid], full_every, progress)
    else:
        for k, p in enumerate(grid):
            path.add(float(p))
            step(progress, "network path: values done", k + 1, len(grid))
        return
    for p, net in zip(grid, nets):
        path.add(float(p), network=net)


def _warm_chain(path: _Path, grid: list[float], full_every: int | None,
                progress: ProgressFn | None) -> list[ExcitableNetwork]:
    """The grid's networks, each warm-started from the one before except at the full values
    (the ends, every ``full_every``-th); the warm values since the last full one are
    computed again in full when a full value gains an edge over the value before it."""
    n = len(grid)
    full = {0, n - 1} | (set(range(0, n, full_every)) if full_every else set())
    nets: list[ExcitableNetwork] = []
    last_full = 0
    for k, p in enumerate(grid):
        if k in full:
            net = _network_at(path.c, path.parameter, p, path.options, path.left())
            if k - 1 > last_full and _gained_edge(nets[-1], net):
                for kk in range(last_full + 1, k):
                    path.extra_trajectories(nets[kk])
                    nets[kk] = _network_at(path.c, path.parameter, grid[kk], path.options,
                                           path.left())
                    path.recomputed += 1
            last_full = k
        else:
            net = _network_at(path.c, path.parameter, p, path.options, path.left(),
                              warm=nets[-1])
        nets.append(net)
        step(progress, "network path: values done", k + 1, n)
    path.warm_values = sum(1 for net in nets if net.stats.get("warm_nodes"))
    return nets


def _gained_edge(before: ExcitableNetwork, after: ExcitableNetwork) -> bool:
    """Has ``after`` an edge between nodes matched in ``before`` that ``before`` lacks (or
    an edge from or to a node ``before`` did not have)?"""
    back = match_states(np.asarray(after.node_states), np.asarray(before.node_states), 0.25)
    old = {after.node_ids[i]: before.node_ids[k] for i, k in back.items()}
    had = {(e.source, e.target) for e in before.edges}
    return any((old.get(e.source), old.get(e.target)) not in had for e in after.edges)


def _locate_events(path: _Path, tol: float, budget: int, progress: ProgressFn | None
                   ) -> list[NetworkEvent]:
    """Every difference between neighbouring grid values, located by bisection: node events
    first (equilibria only: cheap), then edge events (a network per step) with what is left
    of the time budget."""
    events: list[NetworkEvent] = []
    grid = path.grid_points()
    for kind in ("node", "edge"):
        for left, right in zip(grid, grid[1:]):
            for feature in _differences(left, right):
                if feature[0] != kind:
                    continue
                say(progress, f"locating {feature[0]} {feature[1]} between p = {left.p:.6g} "
                              f"and {right.p:.6g}")
                events.append(path.locate(feature, left, right, tol, budget))
    return sorted(events, key=lambda e: e.bracket[0])


Feature = tuple[str, str]  # ("node" | "edge", key)

# special points of a branch of equilibria where a node can be lost, appear or change
# stability: folds, branch points, Hopf (odes); period doublings and Neimark-Sacker (maps)
_NODE_EVENTS = ("LP", "BP", "H", "PD", "NS")


def _network_at(c: CompiledSystem, parameter: str, p: float, options: dict[str, Any],
                seconds: float, warm: ExcitableNetwork | None = None) -> ExcitableNetwork:
    cp = c.with_parameters({parameter: p})
    opts = {"max_time": max(1.0, seconds), **options}
    return excitable_network(cp, equilibria=find_equilibria(cp), warm=warm, **opts)


def _network_task(model: SystemModel, parameter: str, p: float, options: dict[str, Any],
                 seconds: float) -> ExcitableNetwork:
    """One grid value, as a Dask task: the model travels (it pickles; a compiled system does
    not), the worker compiles it (from its disk cache after the first time)."""
    import os

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    return _network_at(as_compiled(model), parameter, p, options, seconds)


def _on_dask(c: CompiledSystem, parameter: str, grid: Any, options: dict[str, Any],
             seconds: float, scheduler: str | None, workers: int | None,
             progress: ProgressFn | None) -> list[ExcitableNetwork]:
    """The grid's networks computed as tasks on Dask (retried on a lost worker), in order."""
    from distributed import as_completed

    from .run import _client

    client, cluster = _client(scheduler, workers)
    try:
        futures = [client.submit(_network_task, c.model, parameter, float(p), options, seconds,
                                 pure=False, retries=2) for p in grid]
        for n, _ in enumerate(as_completed(futures), 1):
            step(progress, "network path: values done", n, len(futures))
        return list(client.gather(futures))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _value(pt: NetworkPoint, feature: Feature) -> str:
    kind, key = feature
    if kind == "node":
        return pt.nodes[key]["stability"] if key in pt.nodes else "absent"
    return pt.edges[key]["kind"] if key in pt.edges else "absent"


def _shown(pt: NetworkPoint, feature: Feature) -> str:
    v = _value(pt, feature)
    if feature[0] == "edge" and v != "absent":
        return f"δ={pt.edges[feature[1]]['threshold']:.4g} {v}"
    return v


def _differences(a: NetworkPoint, b: NetworkPoint) -> list[Feature]:
    feats = [("node", k) for k in sorted(set(a.nodes) | set(b.nodes))]
    feats += [("edge", k) for k in sorted(set(a.edges) | set(b.edges))]
    return [f for f in feats if _value(a, f) != _value(b, f)]


def _event_type(feature: Feature, before: str, after: str) -> str:
    if before == "absent":
        return f"{feature[0]}-appears"
    if after == "absent":
        return "node-lost" if feature[0] == "node" else "edge-disappears"
    if feature[0] == "node":
        return "stability"
    return "heteroclinic" if after == "heteroclinic" else "excitable"


class _Path:
    """The networks computed so far, on persistent node keys."""

    def __init__(self, c: CompiledSystem, parameter: str, options: dict[str, Any],
                 deadline: float) -> None:
        self.c, self.parameter, self.options, self.deadline = c, parameter, options, deadline
        self._nets: dict[float, ExcitableNetwork] = {}  # by p: bisections of events that
        self._eqs: dict[float, Any] = {}  # flip at the same value share their midpoints
        self.points: list[NetworkPoint] = []
        self.grid: list[NetworkPoint] = []
        self.computed = 0
        self.trajectories = 0
        self.followed = 0  # node events located on their own branch by continuation
        self.warm_values = 0  # grid values whose thresholds were warm-started
        self.recomputed = 0  # warm values computed again in full (a full value gained an edge)
        self._new = 0

    def grid_points(self) -> list[NetworkPoint]:
        return self.grid

    def extra_trajectories(self, net: ExcitableNetwork) -> None:
        """Count the cost of a network computed and then replaced."""
        self.trajectories += int(net.stats.get("trajectories", 0))

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def network(self, p: float, net: ExcitableNetwork | None = None) -> ExcitableNetwork:
        """The network at ``p``: computed here, or ``net`` (computed elsewhere)."""
        if p not in self._nets:
            if net is None:
                net = _network_at(self.c, self.parameter, p, self.options, self.left())
            self.computed += 1
            self.trajectories += int(net.stats.get("trajectories", 0))
            self._nets[p] = net
        return self._nets[p]

    def add(self, p: float, refs: tuple[NetworkPoint, ...] = (),
            network: ExcitableNetwork | None = None) -> NetworkPoint:
        """The network at ``p`` (computed unless given) on keys from ``refs`` (default: the
        last grid point)."""
        net = self.network(p, network)
        refs = refs or ((self.grid[-1],) if self.grid else ())
        pt = self._keyed(p, net, refs)
        self.points.append(pt)
        if len(refs) <= 1:
            self.grid.append(pt)
        return pt

    def _keyed(self, p: float, net: ExcitableNetwork, refs: tuple[NetworkPoint, ...]
               ) -> NetworkPoint:
        ids = list(net.node_ids)
        k_of = self._keys(ids, np.asarray(net.node_states), refs, new=True)
        nodes = {k_of[i]: {"id": i, "label": net.node_labels[n],
                           "stability": net.node_stability[n],
                           "state": [float(v) for v in net.node_states[n]]}
                 for n, i in enumerate(ids)}
        edges: dict[str, dict[str, Any]] = {}
        for cn in net.edges:
            key = f"{k_of[cn.source]}->{k_of[cn.target]}"
            if key not in edges or cn.threshold < edges[key]["threshold"]:
                edges[key] = {"threshold": float(cn.threshold), "kind": cn.kind,
                              "id": [cn.source, cn.target]}
        return NetworkPoint(p, nodes, edges, int(net.stats.get("trajectories", 0)), net)

    def _keys(self, ids: list[str], states: Any, refs: tuple[NetworkPoint, ...], new: bool
              ) -> dict[str, str]:
        """Persistent keys of the states ``ids``: matched to the references' nodes in turn;
        the rest get new keys (``new``) or none."""
        keys: dict[str, str] = {}
        for ref in refs:
            left = [n for n, i in enumerate(ids) if i not in keys]
            got = _match(states[left] if left else states[:0], ref, set(keys.values()))
            keys.update({ids[left[r]]: k for r, k in got.items()})
        if new:
            for i in ids:
                if i not in keys:
                    keys[i] = i if not refs else f"N{self._new}"
                    self._new += bool(refs)
        return keys

    def equilibria_point(self, p: float, refs: tuple[NetworkPoint, ...]) -> NetworkPoint:
        """Only the equilibria at ``p`` (cheap), on the references' node keys: enough to tell
        whether a node exists and what its stability is."""
        if p not in self._eqs:
            self._eqs[p] = find_equilibria(self.c.with_parameters({self.parameter: p}))
        eqs = self._eqs[p].equilibria
        ids = [e.id for e in eqs]
        states = np.array([e.state for e in eqs]).reshape(len(eqs), self.c.n)
        k_of = self._keys(ids, states, refs, new=False)
        nodes = {k_of[e.id]: {"id": e.id, "label": e.label, "stability": e.stability,
                              "state": [float(v) for v in e.state]}
                 for e in eqs if e.id in k_of}
        return NetworkPoint(p, nodes, {}, 0, None)  # not a network: not one of the path's points

    def locate(self, feature: Feature, left: NetworkPoint, right: NetworkPoint, tol: float,
               budget: int) -> NetworkEvent:
        """Bisect on p until ``feature`` is told apart within ``tol``."""
        before = _value(left, feature)
        if feature[0] == "node":
            event = self.follow_node(feature, left, right, tol)
            if event is not None:
                return event
        L, R = left, right
        for _ in range(budget):
            # a node event costs an equilibrium search per step (each under its own budget):
            # bounded by the step count, it is located even when the networks used up the time
            if abs(R.p - L.p) <= tol or (feature[0] == "edge" and self.left() <= 0):
                break
            mid = 0.5 * (L.p + R.p)
            with warnings.catch_warnings():
                # bisection closes in on a bifurcation: its equilibria are non-hyperbolic by
                # nature there, and the event reports that
                warnings.simplefilter("ignore", NonHyperbolicWarning)
                m = (self.equilibria_point(mid, (L, R)) if feature[0] == "node"
                     else self.add(mid, refs=(L, R)))
            if _value(m, feature) == before:
                L = m
            else:
                R = m
        # the kind of event is what changed between the grid values; at the bracket's right
        # end the value can be the degenerate one in between (``nonhyperbolic`` at the point
        # of the bifurcation itself), which before/after show as found
        return NetworkEvent(_event_type(feature, before, _value(right, feature)), feature[1],
                            0.5 * (L.p + R.p), (L.p, R.p), _shown(L, feature),
                            _shown(R, feature), abs(R.p - L.p) <= tol,
                            (L.network or left.network, R.network or right.network))

    def follow_node(self, feature: Feature, left: NetworkPoint, right: NetworkPoint,
                    tol: float) -> NetworkEvent | None:
        """A node event located on the node's own branch of equilibria: pseudo-arclength
        continuation from the grid value where the node exists, across the interval, to the
        special point (LP, BP, H; PD, NS for maps) where it is lost, appears or changes
        stability — to the continuation's accuracy (~1e-10), with no global search in
        between; ``converged`` when that accuracy is within ``tol``. None when the branch
        shows no special point inside the interval (a change that is not a local bifurcation
        of the node, e.g. the matching of keys moved); the caller then bisects."""
        from ..continuation import continue_equilibrium

        key = feature[1]
        side = left if key in left.nodes else right
        if key not in side.nodes:
            return None
        lo, hi = left.p, right.p
        width = hi - lo
        c = self.c.with_parameters({self.parameter: side.p})
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", NonHyperbolicWarning)
                res = continue_equilibrium(
                    c, self.parameter, start=np.array(side.nodes[key]["state"]),
                    p_range=(lo - 1e-3 * abs(width), hi + 1e-3 * abs(width)),
                    ds=abs(width) / 64, ds_max=abs(width) / 16, max_points=400, switch=False)
        except (DynenaError, ArithmeticError, ValueError, np.linalg.LinAlgError):
            return None  # the branch could not be followed: bisection decides
        inside = [sp for sp in res.special_points()
                  if sp.type in _NODE_EVENTS and lo < sp.p < hi]
        if not inside:
            return None
        # the special point nearest the node's own grid value along the parameter: the first
        # one the node meets
        sp = min(inside, key=lambda q: abs(q.p - side.p))
        acc = max(float(sp.accuracy), 1e-12 * (1.0 + abs(sp.p)))
        self.followed += 1
        return NetworkEvent(_event_type(feature, _value(left, feature), _value(right, feature)),
                            key, float(sp.p), (float(sp.p) - acc, float(sp.p) + acc),
                            _shown(left, feature), _shown(right, feature), 2 * acc <= tol,
                            (left.network, right.network),
                            located=f"continuation ({sp.type} at {sp.p:.12g})")


def _match(X: Any, ref: NetworkPoint, taken: set[str]) -> dict[int, str]:
    """Rows of ``X`` paired with the reference's node keys not yet taken, by nearest state
    (one to one), closer than half the spacing of all the reference's nodes."""
    rkeys = [k for k in ref.nodes if k not in taken]
    if not len(X) or not rkeys:
        return {}
    R = np.array([ref.nodes[k]["state"] for k in rkeys])
    allR = np.array([v["state"] for v in ref.nodes.values()])
    return {r: rkeys[c] for r, c in match_states(X, R, 0.5, among=allR).items()}


