r"""``excitable_network``: stable states, the connections between them and their thresholds.

For stable equilibria :math:`\xi_i \ne \xi_j` and admissible perturbations :math:`\mathcal P`,

.. math:: \delta_{ij} = \inf\{a \ge 0 : \exists v \in \mathcal P,\ \|v\| = 1,\
          \xi_i + a v \text{ (or the pulse } a v) \text{ leads to } \xi_j\}.

Algorithm for state-space kicks (deterministic, geometric):

1. **Candidates from saddles.** For each saddle :math:`s` near :math:`\xi_i`: the normal
   :math:`n_s` of its stable manifold (left unstable eigenvector; for an index-1 saddle on the
   basin boundary the nearest boundary point of the linearised manifold is
   :math:`\xi_i + ((s-\xi_i)\cdot n_s)\,n_s`), and the straight line to :math:`s` (which is how a
   perturbation jumps past a third basin at a higher-index saddle).
2. **Scan and bisect** the amplitude along every candidate (lock step, batched) to relative
   ``rtol``: each switch of outcome gives a candidate connection and its bracket.
3. **Refine** on the basin boundary: at the boundary point, the normal (pulled back from the
   saddle by the adjoint flow) is the new direction — the minimiser is where the direction is
   normal to the boundary — and bisect again, while the threshold decreases.
4. **Verify**: random directions (near the optimum and anywhere) at ``0.999 δ`` must not reach
   the target; a violation starts a new search along it.
5. **Via**: the saddle the trajectory from just past the threshold passes closest to.

With the odd symmetry :math:`f(-x) = -f(x)` only one node of each ± pair is computed; the other
is its mirror image. Input pulses (recurrent networks) bisect the pulse amplitude for every
node, channel and sign.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .._typing import Array
from ..errors import ParameterError
from ..flow.pulse import hold_input
from ..results.attractors import AttractorSet, PeriodicOrbit
from ..results.equilibria import EquilibriumSet
from ..results.network import Connection, ExcitableNetwork, ThresholdCertificate, node_target_name
from ..results.status import Status
from .certify import search_node
from .cycles import search_orbit
from .outcome import OutcomeOracle
from .thresholds import Ray, Switch, bisect_switches, evaluate, scan_rays
from .via import boundary_normal, closest_saddle, left_unstable_vector

__all__ = ["InputPulses", "excitable_network"]

# A hint brackets its switch within [_LO h, _HI h] when the boundary is close to the saddle's
# tangent plane; curved boundaries fall back to a grid scan.
_LO, _HI = 0.95, 1.05


@dataclass(frozen=True)
class InputPulses:
    """Admissible perturbations as input pulses :math:`u = a\\,s\\,e_c` of ``width`` steps.

    ``channels`` (indices, default all), ``signs`` (default both), ``max_amplitude`` (the
    largest amplitude scanned).
    """

    channels: tuple[int, ...] | None = None
    signs: tuple[int, ...] = (1, -1)
    width: int = 1
    max_amplitude: float = 2.0


def _say(progress: Callable[[str], None] | None, msg: str) -> None:
    if progress is not None:
        progress(msg)


def excitable_network(
    model: Any,
    *,
    equilibria: EquilibriumSet | None = None,
    perturbations: str | Sequence[str] | InputPulses = "state",
    max_threshold: float | None = None,
    weights: Sequence[float] | None = None,
    rtol: float = 1e-6,
    n_verify: int = 8,
    max_candidates: int = 24,
    refine: bool = True,
    symmetry: bool = True,
    t_max: float | None = None,
    nodes: str = "auto",
    seed: int = 0,
    jobs: int = 1,
    nearest_only: bool = False,
    attractors: bool | str = "auto",
    certify: bool = True,
    tol: float = 1e-4,
    budget: int = 40000,
    max_time: float | None = 1800.0,
    progress: Callable[[str], None] | None = None,
) -> ExcitableNetwork:
    r"""Compute the excitable network of a model.

    Parameters
    ----------
    model : Model, VectorModel or CompiledModel
    equilibria : EquilibriumSet, optional
        From :func:`dynena.find_equilibria` (computed when not given).
    perturbations : "state", list of direction names, or InputPulses
        All of state space (default), the model's named ``directions`` (both signs), or input
        pulses.
    max_threshold : float, optional
        Connections above it are left out of the graph (they stay in ``connections``); also
        bounds the amplitudes searched. Default: search up to twice each candidate's distance.
    weights : sequence of float, optional
        Weighted norm :math:`\|v\|_W^2 = \sum_k w_k v_k^2` for state-space kicks.
    rtol : float
        Relative tolerance of every threshold (bisection).
    n_verify : int
        Random directions checked at 0.999 δ per connection.
    max_candidates : int
        Saddles considered per node (nearest first).
    refine : bool
        Refine directions on the basin boundary (adjoint normal iteration).
    symmetry : bool
        Compute one node of each ± pair and mirror it (odd models only).
    t_max : float, optional
        Time (ode) or steps (map) allowed to reach a node; default from the slowest eigenvalue.
    nodes : {"auto", "stable", "labelled"}
        ``auto``: stable equilibria plus equilibria carrying a model label (heteroclinic
        designs, whose vertices are saddles).
    seed : int
        Seed of the verification directions.
    jobs : int
        Local worker processes (nodes are shared out among them).
    nearest_only : bool
        Only each node's smallest connection (its minimal critical shock), not all of them;
        the same value as the smallest threshold of the full run.
    attractors : bool or "auto"
        Sample the box for attractors that are not equilibria (map cycles, limit cycles) and
        make the stable ones nodes. ``auto``: for models of up to 50 variables.
    certify : bool
        Global search over all directions with a stated guarantee (default). ``False`` keeps
        the geometric search alone (faster, no guarantee).
    tol : float
        Relative tolerance of the global search.
    budget : int
        Trajectories the global search may spend per source state.
    max_time : float or None
        Wall-clock budget (seconds) of the global search; certificates of searches it cut
        short say ``budget``. None: no limit.
    progress : callable, optional
        Receives progress messages.

    Returns
    -------
    ExcitableNetwork

    Examples
    --------
    The double well x' = x - x³ (y decays): each well is a kick of 1 from the saddle at 0.

    >>> import dynena
    >>> net = dynena.excitable_network(dynena.load("models/double_well.yaml"))
    >>> [(c.source, c.target, round(c.threshold, 5), c.via) for c in net.edges]
    [('E0', 'E1', 1.0, 'E2'), ('E1', 'E0', 1.0, 'E2')]
    >>> net.edges[0].certificate.status, net.success
    (<Status.CERTIFIED: 'certified'>, True)
    """
    from ..compile import as_compiled
    from ..equilibrium import find_equilibria

    t0 = time.perf_counter()
    c = as_compiled(model)
    W = _check_options(c, nodes, weights, max_time, perturbations)
    if equilibria is None:
        _say(progress, "finding equilibria")
        equilibria = find_equilibria(c)
    sel = _select_nodes(c, equilibria, nodes, attractors, seed, max_time, progress)
    space = "input" if isinstance(perturbations, InputPulses) else "state"
    base = dict(model=c.model.name, kind=c.kind, parameters=c.parameter_values(),
                names=tuple(c.names), equilibria=equilibria, space=space,
                max_threshold=max_threshold, attractors=sel.att,
                norm="l2" if weights is None else "weighted-l2")
    if not sel.ids:
        return ExcitableNetwork(node_ids=(), node_states=np.zeros((0, c.n)), node_labels=(),
                                node_stability=(), connections=(), **base,  # type: ignore
                                stats={"trajectories": 0, "nodes_computed": 0,
                                       "seconds": time.perf_counter() - t0},
                                message="the model has no stable equilibrium or stable periodic "
                                        "orbit in the box: there is no excitable network to "
                                        "compute" + "".join(f"; {s}" for s in sel.notes))
    ctx = _context(c, equilibria, sel, W, t_max, max_time, rtol, seed, progress, nearest_only,
                   certify, tol, budget)
    mirror = symmetry and _mirrored(c, sel, space)
    todo = _to_compute(sel, mirror)
    dirs = None if space == "input" or isinstance(perturbations, str) else \
        _named_directions(c, perturbations)  # type: ignore[arg-type]
    work = _NodeWork(ctx, sel.node_eqs, sel.orbits, space, perturbations, dirs, max_threshold,
                     max_candidates, refine, n_verify)
    conns, self_loops = _connections(work, todo, jobs, mirror, sel, progress)
    oracle = ctx.oracle
    stats = {"trajectories": oracle.trajectories, "seconds": time.perf_counter() - t0,
             "unknown_outcomes": oracle.budget_hits, "integrator_failures": oracle.failures,
             "nodes_computed": len(todo), "mirrored": bool(mirror), "t_max": oracle.t_max,
             "capture_radii": oracle.radii.tolist()}
    msg = f"{len(sel.ids)} nodes, {len(conns)} connections"
    if len(sel.ids) == 1:
        msg = ("one stable state only: the network has no edges between states "
               "(connections listed lead to unknown or diverging behaviour, if any)")
    if sel.notes:
        msg += "; " + "; ".join(sel.notes)
        stats["nonhyperbolic_nodes"] = sel.notes
    options = {"rtol": rtol, "n_verify": n_verify, "max_candidates": max_candidates,
               "refine": refine, "perturbations": _describe(perturbations),
               "weights": None if W is None else W.tolist()}
    eqn, orb = sel.node_eqs, sel.orbits
    return ExcitableNetwork(node_ids=tuple(sel.ids), node_states=sel.states,
                            node_labels=tuple([e.label for e in eqn] + [None] * len(orb)),
                            node_stability=tuple([e.stability for e in eqn]
                                                 + ["stable"] * len(orb)),
                            node_kinds=tuple(["equilibrium"] * len(eqn) + [o.kind for o in orb]),
                            connections=tuple(conns), self_loops=tuple(self_loops),
                            stats=stats, options=options, message=msg, **base)  # type: ignore


def _check_options(c: Any, nodes: str, weights: Sequence[float] | None, max_time: float | None,
                   perturbations: Any) -> Array | None:
    """Refuse bad options before any work; the weights as an array (or None)."""
    if nodes not in ("auto", "stable", "labelled"):
        raise ParameterError("nodes must be 'auto', 'stable' or 'labelled'")
    if max_time is not None and not max_time > 0:
        raise ParameterError(f"max_time must be a positive number of seconds, got {max_time!r}")
    if isinstance(perturbations, str) and perturbations != "state":
        raise ParameterError("perturbations must be 'state', a list of direction names, "
                             "or InputPulses")
    W = None if weights is None else np.asarray(weights, float)
    if W is not None and (W.shape != (c.n,) or not np.all((W > 0) & np.isfinite(W))):
        raise ParameterError(f"weights must be {c.n} positive finite numbers, got {weights!r}")
    return W


@dataclass
class _Selection:
    """The network's nodes (equilibria, then periodic orbits) and the saddles between them."""

    eqs: list[Any]
    node_eqs: list[Any]
    saddle_eqs: list[Any]
    orbits: list[PeriodicOrbit]
    att: AttractorSet | None
    notes: list[str]

    @property
    def ids(self) -> list[str]:
        return [e.id for e in self.node_eqs] + [o.id for o in self.orbits]

    @property
    def states(self) -> Array:
        n = len(self.eqs[0].state) if self.eqs else (self.orbits[0].points.shape[1]
                                                     if self.orbits else 0)
        return np.array([e.state for e in self.node_eqs]
                        + [o.points[0] for o in self.orbits]).reshape(-1, n)


def _select_nodes(c: Any, equilibria: EquilibriumSet, nodes: str, attractors: bool | str,
                  seed: int, max_time: float | None, progress: Any) -> _Selection:
    """Stable equilibria, attracting non-hyperbolic ones (checked by the flow), labelled
    saddles of heteroclinic designs, and stable periodic orbits found by sampling."""
    from ..attractor import find_attractors

    eqs = list(equilibria.equilibria)
    # Labelled non-stable equilibria are nodes only where the label has no stable state
    # (the vertices of a heteroclinic design are saddles).
    stable_labels = {e.label for e in eqs if e.stability == "stable" and e.label}
    node_eqs = [e for e in eqs if (e.stability == "stable" and nodes != "labelled")
                or (e.label is not None and nodes != "stable"
                    and (e.stability == "stable" or e.label not in stable_labels))]
    notes: list[str] = []
    nh_nodes = _attracting_nonhyperbolic(c, eqs, node_eqs, notes) if nodes != "labelled" \
        else []
    node_eqs += nh_nodes
    saddle_eqs = [e for e in eqs if e.stability in ("saddle", "unstable", "nonhyperbolic")
                  and e not in node_eqs]
    orbits: list[PeriodicOrbit] = []
    att: AttractorSet | None = None
    if _want_attractors(attractors, c, nodes):
        _say(progress, "sampling the box for attractors that are not equilibria")
        att = find_attractors(c, equilibria, seed=seed,
                              max_time=None if max_time is None else min(120.0, max_time / 3),
                              nodes=[e for e in eqs if e.stability == "stable"] + nh_nodes)
        orbits = list(att.stable_orbits)
    return _Selection(eqs, node_eqs, saddle_eqs, orbits, att, notes)


def _context(c: Any, equilibria: EquilibriumSet, sel: _Selection, W: Array | None,
             t_max: float | None, max_time: float | None, rtol: float, seed: int,
             progress: Any, nearest_only: bool, certify: bool, tol: float, budget: int
             ) -> _Ctx:
    """The outcome oracle over the nodes (with the global deadline) and the saddle geometry."""
    from ..attractor.api import node_oracle

    oracle = node_oracle(c, equilibria, sel.node_eqs, sel.orbits, t_max=t_max)
    oracle.transit_nodes = any(e.stability != "stable" for e in sel.node_eqs)
    if max_time is not None:
        oracle.deadline = time.monotonic() + max_time
    N = sel.states
    S = np.array([e.state for e in sel.saddle_eqs]).reshape(-1, c.n)
    s_reach = np.array([0.2 * max(1e-12, float(np.min(np.linalg.norm(N - s, axis=1))))
                        for s in S]) if len(S) else np.zeros(0)
    return _Ctx(c, oracle, N, sel.ids, S, [e.id for e in sel.saddle_eqs], s_reach, W, rtol,
                seed, progress, nearest_only, certify=certify, tol=tol, budget=budget,
                points=[e.state[None, :] for e in sel.node_eqs] + [o.points for o in sel.orbits],
                rough=_rough(sel.att))


def _mirrored(c: Any, sel: _Selection, space: str) -> bool:
    """Mirror images: f(-x) = -f(x) maps node i's kicks v to its pair's kicks -v; for input
    pulses the model must also be odd in the inputs, f(-x, -u) = -f(x, u)."""
    pair_of = {e.id: e.pair for e in sel.eqs}
    return not sel.orbits and all(pair_of.get(e.id) in sel.ids for e in sel.node_eqs) and \
        _odd_in_state(c) and (space == "state" or _odd_in_inputs(c))


def _to_compute(sel: _Selection, mirror: bool) -> list[int]:
    """Node indices to search: one per ± pair when mirrored."""
    pair_of = {e.id: e.pair for e in sel.eqs}
    ids = sel.ids
    return [i for i, nid in enumerate(ids)
            if not (mirror and pair_of.get(nid) in ids and ids.index(pair_of[nid]) < i)]


def _connections(work: _NodeWork, todo: list[int], jobs: int, mirror: bool, sel: _Selection,
                 progress: Any) -> tuple[list[Connection], list[Connection]]:
    """Run the nodes (here or in forked workers), mirror pairs, sort by source and threshold."""
    ids = sel.ids
    pair_of = {e.id: e.pair for e in sel.eqs}
    jobs = max(1, min(int(jobs), len(todo)))
    if jobs > 1:
        results = _run_parallel(work, todo, jobs, progress, ids)
    else:
        results = []
        for count, i in enumerate(todo):
            _say(progress, f"node {ids[i]} ({count + 1}/{len(todo)}): searching connections")
            results.append(work(i))
    conns: list[Connection] = []
    self_loops: list[Connection] = []
    for i, (found, loops, ntraj) in zip(todo, results):
        if jobs > 1:
            work.ctx.oracle.trajectories += ntraj
        conns += found
        self_loops += loops
        if mirror and pair_of.get(ids[i]) in ids:
            conns += [_mirror(cn, pair_of, ids) for cn in found]
            self_loops += [_mirror(cn, pair_of, ids) for cn in loops]
    conns.sort(key=lambda cn: (ids.index(cn.source), cn.threshold))
    return conns, self_loops


def _describe(perturbations: Any) -> Any:
    """The perturbations as plain data (for ``options`` in the result)."""
    if isinstance(perturbations, str):
        return perturbations
    if isinstance(perturbations, InputPulses):
        return {"channels": perturbations.channels, "signs": perturbations.signs,
                "width": perturbations.width, "max_amplitude": perturbations.max_amplitude}
    return list(perturbations)


@dataclass
class _NodeWork:
    """All connections of one node (what a worker process runs)."""

    ctx: _Ctx
    node_eqs: list[Any]
    orbits: list[PeriodicOrbit]
    space: str
    perturbations: Any
    dirs: list[Array] | None
    max_threshold: float | None
    max_candidates: int
    refine: bool
    n_verify: int

    def __call__(self, i: int) -> tuple[list[Connection], list[Connection], int]:
        n0 = self.ctx.oracle.trajectories
        loops: list[Connection] = []
        if i >= len(self.node_eqs):
            o = self.orbits[i - len(self.node_eqs)]
            if self.space == "input":
                found, loops = _input_connections(self.ctx, i, self.perturbations,
                                                  self.max_threshold, origins=o.points)
            else:
                found = _orbit_connections(self.ctx, i, o, self.dirs)
            return found, loops, self.ctx.oracle.trajectories - n0
        e = self.node_eqs[i]
        if e.stability != "stable":
            found = _heteroclinic(self.ctx, i, e)
        elif self.space == "input":
            found, loops = _input_connections(self.ctx, i, self.perturbations,
                                              self.max_threshold)
        else:
            # in dimension <= 3 the certified search makes thresholds independent of the
            # cut; above it the geometric search stays bounded by it (cost), as documented
            bound = None if self.ctx.c.n <= 3 else self.max_threshold
            found = _state_connections(self.ctx, i, self.dirs, bound,
                                       self.max_candidates, self.refine, self.n_verify)
        return found, loops, self.ctx.oracle.trajectories - n0


_WORK: _NodeWork | None = None


def _work_in_child(i: int) -> tuple[list[Connection], list[Connection], int]:
    assert _WORK is not None
    return _WORK(i)


def _run_parallel(work: _NodeWork, todo: list[int], jobs: int, progress: Any,
                  ids: list[str]) -> list[tuple[list[Connection], list[Connection], int]]:
    """Share nodes among forked worker processes (they inherit the compiled model)."""
    import multiprocessing as mp
    import os

    global _WORK
    _WORK = work
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        with mp.get_context("fork").Pool(jobs) as pool:
            out = []
            for count, res in enumerate(pool.imap(_work_in_child, todo)):
                _say(progress, f"node {ids[todo[count]]} done ({count + 1}/{len(todo)})")
                out.append(res)
        return out
    finally:
        _WORK = None


@dataclass
class _Ctx:
    c: Any
    oracle: OutcomeOracle
    N: Array
    ids: list[str]
    S: Array
    sids: list[str]
    s_reach: Array
    W: Array | None
    rtol: float
    seed: int
    progress: Any
    nearest_only: bool = False
    certify: bool = True
    tol: float = 1e-4
    budget: int = 40000
    points: list[Array] | None = None  # every node's points (cycles: all of them)
    rough: bool = False  # the basin boundaries look fractal (uncertainty exponent < 0.85)

    def dist(self, x: Array, k: int) -> float:
        """Norm of the smallest kick from ``x`` onto a point of node ``k``."""
        P = self.points[k] if self.points is not None else self.N[k][None, :]
        D = P - x
        d = np.sqrt(np.sum(self.W * D * D, axis=1)) if self.W is not None else \
            np.linalg.norm(D, axis=1)
        return float(d.min())

    def unit(self, v: Array) -> Array:
        nrm = np.sqrt(np.sum(self.W * v * v)) if self.W is not None else np.linalg.norm(v)
        return v / nrm

    def name(self, code: int) -> str:
        return node_target_name(code, self.ids)

    def via(self, x_start: Array) -> tuple[str | None, int]:
        if not len(self.S):
            return None, -1
        _, X = self.oracle.trajectory(x_start)
        k, _, _ = closest_saddle(X, self.S, self.s_reach)
        return (self.sids[k], k) if k is not None else (None, -1)


def _rough(att: AttractorSet | None) -> bool:
    """Basin boundaries look fractal: the uncertainty exponent is clearly below one."""
    u = att.uncertainty if att is not None else None
    return bool(u and u.get("exponent") is not None and u["exponent"] < 0.85)


def _want_attractors(flag: bool | str, c: Any, nodes: str) -> bool:
    if flag == "auto":
        return c.n <= 50 and nodes == "auto" and not hasattr(c.model, "blocks")
    if not isinstance(flag, bool):
        raise ParameterError(f"attractors must be True, False or 'auto', got {flag!r}")
    return flag


def _odd_in_state(c: Any) -> bool:
    """Check f(-x) = -f(x) at generic points (the symmetry object, never its label)."""
    rng = np.random.default_rng(11)
    X = rng.standard_normal((4, c.n)) * 0.7
    with np.errstate(all="ignore"):
        a, b = c.f_batch(-X), -c.f_batch(X)
    return bool(np.allclose(a, b, rtol=1e-12, atol=1e-12 * (1 + float(np.max(np.abs(b))))))


def _orbit_connections(ctx: _Ctx, i: int, orbit: PeriodicOrbit, dirs: list[Array] | None
                       ) -> list[Connection]:
    """Connections from a periodic source: kicks from points of the orbit."""
    if dirs is not None:
        raise ParameterError("named directions are not supported from a periodic-orbit node "
                             f"({orbit.id}); use all directions")
    upper = {k: min(ctx.dist(p, k) for p in orbit.points[:: max(1, len(orbit.points) // 64)])
             * (1 + 1e-9) for k in range(len(ctx.ids)) if k != i}
    n0 = ctx.oracle.trajectories
    best, certs = search_orbit(ctx.oracle, orbit, i, upper, weights=ctx.W, rtol=ctx.rtol,
                               tol=ctx.tol, budget=ctx.budget, seed=ctx.seed + i,
                               rough=ctx.rough)
    if ctx.nearest_only and best:
        j0 = min((j for j in best if j >= 0), key=lambda j: best[j][1], default=None)
        best = {j0: best[j0]} if j0 is not None else {}
    out = []
    per = (ctx.oracle.trajectories - n0) // max(1, len(best))
    for j, (lo, hi, v, x0) in sorted(best.items(), key=lambda kv: kv[1][1]):
        via, _ = ctx.via(x0 + hi * v) if j >= 0 else (None, -1)
        out.append(Connection(source=ctx.ids[i], target=ctx.name(j), threshold=0.5 * (lo + hi),
                              space="state", kind="excitable", direction=v, via=via,
                              bracket=(lo, hi), trajectories=per, origin=x0,
                              certificate=certs.get(j)))
    return out


def _odd_in_inputs(c: Any) -> bool:
    """Check f(-x, -u) = -f(x, u) at generic points."""
    m = len(c.input_names)
    if m == 0:
        return True
    rng = np.random.default_rng(7)
    for _ in range(3):
        x, u = rng.standard_normal(c.n) * 0.5, rng.standard_normal(m)
        a, b = c.f(-x, -u), -c.f(x, u)
        if not np.allclose(a, b, rtol=1e-12, atol=1e-12 * (1 + np.max(np.abs(b)))):
            return False
    return True


def _mirror(cn: Connection, pair_of: dict[str, str | None], ids: list[str]) -> Connection:
    def p(x: str | None) -> str | None:
        return pair_of.get(x) or x if x is not None else None

    return replace(cn, source=p(cn.source) or cn.source,
                   target=(p(cn.target) or cn.target) if cn.target in ids else cn.target,
                   direction=None if cn.direction is None else -cn.direction,
                   kick=None if cn.kick is None else -cn.kick,
                   via=p(cn.via), sign=None if cn.sign is None else -cn.sign)


def _named_directions(c: Any, names: Sequence[str]) -> list[Array]:
    avail = getattr(c.model, "directions", {}) or {}
    out = []
    for nm in names:
        if nm not in avail:
            raise ParameterError(f"unknown direction {nm!r}; the model names: "
                                 + (", ".join(avail) or "none (add a directions: section)"))
        v = np.zeros(c.n)
        for var, val in avail[nm].items():
            v[c.names.index(var)] = val
        out += [v, -v]
    return out


def _candidates(ctx: _Ctx, i: int, max_threshold: float | None, k_max: int
                ) -> list[tuple[Array, float, int | None]]:
    """(unit direction, amplitude hint, saddle index) from the geometry of the saddles."""
    xi = ctx.N[i]
    out: list[tuple[Array, float, int | None]] = []
    if not len(ctx.S):
        return out
    d = np.linalg.norm(ctx.S - xi, axis=1)
    order = np.argsort(d)
    for k in order[:k_max]:
        s = ctx.S[k]
        J = ctx.c.jac(s)
        n_s = left_unstable_vector(J, ctx.c.kind)
        proj = float((s - xi) @ n_s)
        v1 = ctx.unit(np.sign(proj or 1.0) * n_s)
        # With a bound on the threshold only saddles whose manifold is within reach matter:
        # the boundary through s is no nearer than its tangent plane allows (to first order).
        if max_threshold is None or abs(proj) <= 1.2 * max_threshold:
            out.append((v1, abs(proj) if abs(proj) > 0 else d[k], int(k)))
        if max_threshold is None or d[k] <= 1.2 * max_threshold:
            out.append((ctx.unit(s - xi), float(d[k]), int(k)))
    return out


def _best_switches(switches: list[Switch]) -> dict[int, Switch]:
    best: dict[int, Switch] = {}
    for s in switches:
        if s.target == s.ray.source:
            continue
        if s.target not in best or s.hi < best[s.target].hi:
            best[s.target] = s
    return best


def _state_connections(ctx: _Ctx, i: int, dirs: list[Array] | None,
                       max_threshold: float | None, k_max: int, refine: bool,
                       n_verify: int) -> list[Connection]:
    """Every connection out of node ``i`` by state-space kicks: geometric brackets, refined
    to ``rtol``, then (all directions admissible) the certified global search."""
    oracle = ctx.oracle
    n_before = oracle.trajectories
    rays, hints_of, a_hi = _rays(ctx, i, dirs, max_threshold, k_max)
    sw = _geometric_switches(ctx, i, rays, hints_of, a_hi, named=dirs is not None)
    best, nrefs = _refined(ctx, i, sw, refine and dirs is None)
    certs: dict[int, ThresholdCertificate] = {}
    if dirs is None and ctx.certify:
        best, certs = _global_search(ctx, i, best)
    elif dirs is not None:
        certs = {j: _ray_certificate(ctx, oracle.trajectories - n_before) for j in best}
    if ctx.nearest_only and best:
        j0 = min(best, key=lambda j: best[j].hi)
        best = {j0: best[j0]}
    rng = np.random.default_rng(ctx.seed + i)
    out: list[Connection] = []
    for j, s in sorted(best.items(), key=lambda kv: kv[1].hi):
        verified = 0
        cert = certs.get(j)
        if cert is not None and np.isfinite(cert.lower_bound) and cert.lower_bound > s.lo:
            # a witness below the bound: the bound's slope model failed here; say only what
            # the witness shows
            cert = replace(cert, lower_bound=s.lo)
        if cert is None or cert.method == "multi-start":
            s, verified = _verify(ctx, s, rng, n_verify, max_threshold)
        via, _ = ctx.via(s.ray.start(s.hi)[0]) if j >= 0 else (None, -1)
        out.append(Connection(
            source=ctx.ids[i], target=ctx.name(j), threshold=0.5 * (s.lo + s.hi), space="state",
            kind="excitable", direction=s.ray.direction, via=via, bracket=(s.lo, s.hi),
            trajectories=0, verified=verified, refinements=nrefs.get(j, 0), certificate=cert))
    # cost per connection: the node's trajectories shared among its connections
    if out:
        per = (oracle.trajectories - n_before) // len(out)
        out = [replace(cn, trajectories=per) for cn in out]
    return out


def _rays(ctx: _Ctx, i: int, dirs: list[Array] | None, max_threshold: float | None,
          k_max: int) -> tuple[list[Ray], list[list[float]], list[float]]:
    """Rays from node ``i`` (named directions, else the saddles' geometry, else the coordinate
    axes), each with its amplitude hints and the largest amplitude to scan."""
    c = ctx.c
    cands: list[tuple[Array, float, int | None]]
    if dirs is not None:
        cands = [(ctx.unit(v), max_threshold or 2.0, None) for v in dirs]
    else:
        cands = _candidates(ctx, i, max_threshold, k_max)
        if not cands:  # no saddles known: fall back to the coordinate directions
            scale = max_threshold or 1.0 + float(np.max(np.abs(ctx.N)))
            cands = [(ctx.unit(s * e), scale, None) for e in np.eye(c.n) for s in (1, -1)]
    # Rays are unique directions; a direction may carry several hints (the normal of one saddle
    # and the line to another often coincide, at different distances).
    dirs_u: list[Array] = []
    hints_of: list[list[float]] = []
    tags: list[int | None] = []
    for v, h, sk in cands:
        for k, v2 in enumerate(dirs_u):
            if np.linalg.norm(v - v2) < 1e-9:
                if all(abs(h - h2) > 0.01 * h2 for h2 in hints_of[k]):
                    hints_of[k].append(h)
                break
        else:
            dirs_u.append(v)
            hints_of.append([h])
            tags.append(sk)
    rays = [Ray(i, ctx.N[i], v, tag=sk) for v, sk in zip(dirs_u, tags)]
    a_hi = [max(min(2.0 * max(hs), max_threshold) if max_threshold else 2.0 * max(hs), 1e-9)
            for hs in hints_of]
    return rays, hints_of, a_hi


def _geometric_switches(ctx: _Ctx, i: int, rays: list[Ray], hints_of: list[list[float]],
                        a_hi: list[float], named: bool) -> list[Switch]:
    """Brackets of the first switches along the rays. A hint (distance to a saddle's tangent
    plane, or to the saddle) is usually within 10% of a switch, so two trajectories bracket
    it; rays where no probe brackets anything are scanned on a grid."""
    oracle = ctx.oracle
    probes = [(k, h) for k, hs in enumerate(hints_of) for h in hs]
    if not named:
        outcomes = evaluate(oracle, [rays[k] for k, _ in probes] * 2,
                            [_LO * h for _, h in probes] + [_HI * h for _, h in probes])
        lo_o, hi_o = outcomes[: len(probes)], outcomes[len(probes):]
    else:
        lo_o = hi_o = np.full(len(probes), i)
    sw = []
    best_hi: dict[int, float] = {}
    bracketed: set[int] = set()
    for (k, h), lo, hi in zip(probes, lo_o, hi_o):
        # the outcome changes inside [0.9 h, 1.1 h]: a bracket for the outcome at 1.1 h (the
        # ray may already be in a third basin at 0.9 h: that is how indirect connections appear)
        if hi != i and lo != hi:
            sw.append(Switch(rays[k], int(hi), _LO * h, _HI * h, int(lo)))
            best_hi[int(hi)] = min(best_hi.get(int(hi), np.inf), _HI * h)
            bracketed.add(k)
    grid_rays, grid_hi = [], []
    for k, r in enumerate(rays):
        if k in bracketed:
            continue
        early = [(lo, h) for (kk, h), lo, hi in zip(probes, lo_o, hi_o)
                 if kk == k and lo == hi != i]
        if early and all(best_hi.get(int(lo), np.inf) <= _LO * h for lo, h in early):
            continue  # it enters that basin early, but another ray already does better
        grid_rays.append(r)
        grid_hi.append(a_hi[k])
    if grid_rays:
        sw += scan_rays(oracle, grid_rays, grid_hi, n_grid=8)
    if ctx.nearest_only and sw and not ctx.certify:  # minimal critical shock, uncertified
        cut = min(x.hi for x in sw if x.target != i)
        sw = [x for x in sw if x.lo < cut and x.target != i]
    return sw


def _refined(ctx: _Ctx, i: int, sw: list[Switch], refine: bool
             ) -> tuple[dict[int, Switch], dict[int, int]]:
    """The best switch per target: coarse brackets first (1e-3), then only the best per
    target turned towards the boundary normal (``refine``) and bisected to ``rtol``."""
    coarse = max(ctx.rtol, 1e-3)
    bisect_switches(ctx.oracle, sw, coarse, prune=True)
    best = _best_switches(sw)
    nrefs: dict[int, int] = {}
    for j, s in list(best.items()):
        nrefs[j] = 0
        if refine and j >= 0:
            best[j], nrefs[j] = _refine(ctx, s, coarse)
        bisect_switches(ctx.oracle, [best[j]], ctx.rtol)
    return best, nrefs


def _global_search(ctx: _Ctx, i: int, best: dict[int, Switch]
                   ) -> tuple[dict[int, Switch], dict[int, ThresholdCertificate]]:
    """Every target's threshold as the minimum of a global search seeded by the geometry.

    Upper bounds: the geometric thresholds, and for every other node the distance to it (the
    kick landing on it). Seeds: the geometric directions and the straight lines to the nodes.
    """
    xi = ctx.N[i]
    upper: dict[int, float] = {}
    seeds: list[Array] = []
    for k, xk in enumerate(ctx.N):
        # in high dimension the multi-start refines what the geometry found (and whatever
        # its scans meet); every node as a target is for the certified search (n <= 3)
        if k != i and (ctx.c.n <= 3 or k in best):
            upper[k] = ctx.dist(xi, k) * (1 + 1e-9)
            P = ctx.points[k] if ctx.points is not None else xk[None, :]
            near = P[int(np.argmin(np.linalg.norm(P - xi, axis=1)))]
            seeds.append(ctx.unit(near - xi))
    for j, sw in best.items():
        if j >= 0:
            upper[j] = min(upper.get(j, np.inf), sw.hi)
        if sw.ray.direction is not None:
            seeds.append(sw.ray.direction)
    gs, certs = search_node(ctx.oracle, xi, i, upper, seeds, weights=ctx.W, rtol=ctx.rtol,
                            tol=ctx.tol, budget=ctx.budget, seed=ctx.seed + i, rough=ctx.rough)
    out = dict(best)
    for j, h in gs.results.items():
        if j not in out or h.hi < out[j].hi:
            out[j] = Switch(Ray(i, xi, gs.best_dir[j]), j, h.lo, h.hi, i)
    return out, certs


def _ray_certificate(ctx: _Ctx, trajectories: int) -> ThresholdCertificate:
    return ThresholdCertificate(method="ray", status=Status.RAY, lower_bound=float("nan"),
                                angular_resolution=None, radial_resolution=1.0 / 8,
                                directions=1, trajectories=trajectories)


def _refine(ctx: _Ctx, s: Switch, rtol: float, max_iter: int = 6) -> tuple[Switch, int]:
    """Turn the direction towards the boundary normal while the threshold decreases."""
    c, oracle = ctx.c, ctx.oracle
    xi = s.ray.x0
    best = s
    nref = 0
    for _ in range(max_iter):
        v = best.ray.direction
        assert v is not None  # state-space rays only
        x_out = xi + best.hi * v
        _, X = oracle.trajectory(x_out)
        k, _, _ = closest_saddle(X, ctx.S, ctx.s_reach)
        if k is None:
            break
        n_s = left_unstable_vector(c.jac(ctx.S[k]), c.kind)
        nu = boundary_normal(c, best.ray.x0 + best.lo * v, ctx.S[k], n_s, oracle.t_max)
        if nu is None:
            break
        if ctx.W is not None:
            nu = nu / ctx.W
        v_new = ctx.unit(nu * np.sign(nu @ v or 1.0))
        if np.linalg.norm(v_new - v) < 1e-7:
            break
        a0 = best.hi * float(v_new @ v) if ctx.W is None else best.hi
        ray = Ray(best.ray.source, xi, v_new, tag=best.ray.tag)
        lo, hi = 0.97 * a0, best.hi
        o = evaluate(oracle, [ray, ray], [lo, hi])
        if o[0] == best.target:  # the new direction is much better: widen the bracket
            lo = 0.5 * a0
            o[0] = evaluate(oracle, [ray], [lo])[0]
        if o[1] != best.target or o[0] == best.target:
            break
        cand = Switch(ray, best.target, lo, hi, int(o[0]))
        bisect_switches(oracle, [cand], rtol)
        nref += 1
        if cand.hi < best.hi * (1 - 1e-9):
            best = cand
        else:
            break
    return best, nref


def _verify(ctx: _Ctx, s: Switch, rng: np.random.Generator, n: int,
            max_threshold: float | None) -> tuple[Switch, int]:
    """Random directions at 0.999 δ must not reach the target; a violation is searched."""
    if n <= 0 or s.target < 0:
        return s, 0
    c = ctx.c
    v = s.ray.direction
    R = rng.standard_normal((n, c.n))
    dirs = [ctx.unit(v + 0.3 * r / np.linalg.norm(r)) if k < n // 2 else ctx.unit(r)
            for k, r in enumerate(R)]
    a = 0.999 * s.hi
    rays = [Ray(s.ray.source, s.ray.x0, d) for d in dirs]
    outs = evaluate(ctx.oracle, rays, [a] * n)
    bad = [r for r, o in zip(rays, outs) if o == s.target]
    if not bad:
        return s, n
    # a smaller perturbation exists along bad[0]: bisect along it from 0
    cand = Switch(bad[0], s.target, 0.0, a, s.ray.source)
    bisect_switches(ctx.oracle, [cand], ctx.rtol)
    return (cand if cand.hi < s.hi else s), n - len(bad)


def _heteroclinic(ctx: _Ctx, i: int, e: Any) -> list[Connection]:
    """Zero-threshold connections of a saddle node: follow its unstable directions."""
    xi = ctx.N[i]
    r = ctx.oracle.radii[i]
    out: list[Connection] = []
    seen: set[int] = set()
    for u in e.unstable_vectors:
        for sgn in (1, -1):
            x0 = xi + sgn * 3.0 * r * u / np.linalg.norm(u)
            o = int(ctx.oracle(x0[None])[0])
            if o == i or o in seen:
                continue
            seen.add(o)
            out.append(Connection(source=ctx.ids[i], target=ctx.name(o), threshold=0.0,
                                  kind="heteroclinic", direction=sgn * u, via=None,
                                  bracket=(0.0, 0.0), trajectories=1, verified=0))
    return out


def _input_connections(ctx: _Ctx, i: int, pulses: InputPulses,
                       max_threshold: float | None, origins: Array | None = None
                       ) -> tuple[list[Connection], list[Connection]]:
    """Bisect the pulse amplitude for every channel and sign from node ``i`` (from every
    point of ``origins`` for a periodic node: the smallest is its threshold)."""
    c, oracle = ctx.c, ctx.oracle
    m = len(c.input_names)
    if m == 0:
        raise ParameterError(f"model {c.model.name!r} has no inputs; input pulses need them")
    channels = pulses.channels if pulses.channels is not None else tuple(range(m))
    for ch in channels:
        if not 0 <= ch < m:
            raise ParameterError(f"input channel {ch} does not exist (0..{m - 1})")
    a_max = max_threshold or pulses.max_amplitude
    starts = [ctx.N[i]] if origins is None else list(
        origins[:: max(1, len(origins) // 16)])
    rays = []
    for x0 in starts:
        for ch in channels:
            for sg in pulses.signs:
                e = np.zeros(m)
                e[ch] = sg
                rays.append(Ray(i, x0, None, pulse=e, width=pulses.width, tag=(ch, sg)))
    n0 = oracle.trajectories
    sw = scan_rays(oracle, rays, [a_max] * len(rays), n_grid=8)
    first: dict[int, Switch] = {}
    for s in sw:  # the first switch along each ray is the pulse's threshold
        k = next(n for n, r in enumerate(rays) if r is s.ray)
        if k not in first:
            first[k] = s
    bisect_switches(oracle, list(first.values()), ctx.rtol)
    per = (oracle.trajectories - n0) // max(1, len(rays))
    out: list[Connection] = []
    loops: list[Connection] = []
    best_k: dict[Any, int] = {}
    for k, ray in enumerate(rays):  # per (channel, sign): the origin with the smallest switch
        cur = best_k.get(ray.tag)
        if cur is None or (k in first and (cur not in first or first[k].hi < first[cur].hi)):
            best_k[ray.tag] = k
    cert = ThresholdCertificate(method="ray", status=Status.RAY, lower_bound=float("nan"),
                                angular_resolution=None, radial_resolution=1.0 / 8,
                                directions=len(rays), trajectories=oracle.trajectories - n0,
                                sources=len(starts))
    for k in best_k.values():
        ray = rays[k]
        ch, sg = ray.tag
        sk = first.get(k)
        if sk is None:
            loops.append(Connection(source=ctx.ids[i], target=ctx.ids[i], threshold=a_max,
                                    space="input", channel=ch, sign=sg, width=pulses.width,
                                    bracket=(a_max, np.inf), trajectories=per))
            continue
        kick = _pulse_kick(c, ray, sk.hi)
        via, _ = ctx.via(ray.x0 + kick) if sk.target >= 0 else (None, -1)
        out.append(Connection(source=ctx.ids[i], target=ctx.name(sk.target),
                              threshold=0.5 * (sk.lo + sk.hi), space="input", channel=ch,
                              sign=sg, width=pulses.width, kick=kick, via=via,
                              bracket=(sk.lo, sk.hi), trajectories=per, certificate=cert,
                              origin=None if origins is None else ray.x0))
    return out, loops


def _pulse_kick(c: Any, ray: Ray, a: float) -> Array:
    """State displacement produced by the pulse (the state-space picture of an input)."""
    assert ray.pulse is not None
    return hold_input(c, ray.x0.copy(), a * ray.pulse, ray.width) - ray.x0


def _attracting_nonhyperbolic(c: Any, eqs: list[Any], node_eqs: list[Any], notes: list[str]
                              ) -> list[Any]:
    """Non-hyperbolic equilibria with no unstable eigenvalue that the flow shows attracting
    (``x' = -x^3``): nodes, with the evidence in ``notes``."""
    from ..attractor.nonlinear import nonlinear_stability

    out = []
    X = np.array([e.state for e in eqs]).reshape(-1, c.n)
    for e in eqs:
        if e.stability != "nonhyperbolic" or e.unstable_dim > 0 or e in node_eqs:
            continue
        d = np.linalg.norm(X - e.state, axis=1)
        d = d[d > 0]
        r = min(0.05 * (1.0 + float(np.max(np.abs(e.state)))),
                0.25 * float(d.min()) if len(d) else np.inf)
        verdict = nonlinear_stability(c, e.state, radius=r)
        notes.append(f"{e.id} is non-hyperbolic and {verdict.describe()}")
        if verdict.verdict == "attracting":
            out.append(e)
    return out
