"""Running the nodes: one node per ± pair under the odd symmetry (its mirror image follows), here
or in forked worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .._typing import Array
from ..compile.system import CompiledSystem
from ..progress import step
from ..results.attractors import AperiodicAttractor, PeriodicOrbit
from ..results.network import Connection
from .clouds import spread_points
from .context import _Ctx, _Selection
from .pulses import _input_connections
from .special import _cloud_connections, _heteroclinic, _orbit_connections
from .state import _state_connections
from .warm import WarmHint, warm_connections


@dataclass
class _NodeWork:
    """All connections of one node (what a worker process runs)."""

    ctx: _Ctx
    node_eqs: list[Any]
    orbits: list[PeriodicOrbit]
    aperiodic: list[AperiodicAttractor]
    space: str
    perturbations: Any
    dirs: list[Array] | None
    max_threshold: float | None
    max_candidates: int
    refine: bool
    n_verify: int
    warm: dict[int, list[WarmHint]] = field(default_factory=dict)
    attracting: set[str] = field(default_factory=set)  # non-hyperbolic nodes that attract

    def __call__(self, i: int) -> tuple[list[Connection], list[Connection], int]:
        n0 = self.ctx.oracle.trajectories
        loops: list[Connection] = []
        if i >= len(self.node_eqs) + len(self.orbits):
            a = self.aperiodic[i - len(self.node_eqs) - len(self.orbits)]
            if self.space == "input":
                found, loops = _input_connections(self.ctx, i, self.perturbations,
                                                  self.max_threshold,
                                                  origins=a.points[spread_points(a.points, 16)])
            else:
                found = _cloud_connections(self.ctx, i, a, self.dirs)
            return found, loops, self.ctx.oracle.trajectories - n0
        if i >= len(self.node_eqs):
            o = self.orbits[i - len(self.node_eqs)]
            if self.space == "input":
                found, loops = _input_connections(self.ctx, i, self.perturbations,
                                                  self.max_threshold, origins=o.points)
            else:
                found = _orbit_connections(self.ctx, i, o, self.dirs)
            return found, loops, self.ctx.oracle.trajectories - n0
        e = self.node_eqs[i]
        if e.stability != "stable" and e.id not in self.attracting:
            # a labelled vertex of a heteroclinic design that is not stable: follow its
            # unstable directions (a non-hyperbolic node the flow showed attracting is
            # kicked below; it was followed too, and had no connection)
            found = _heteroclinic(self.ctx, i, e)
        elif self.space == "input":
            found, loops = _input_connections(self.ctx, i, self.perturbations,
                                              self.max_threshold)
        else:
            # in dimension <= 3 the certified search makes thresholds independent of the
            # cut; above it the geometric search stays bounded by it (cost), as documented
            bound = None if self.ctx.c.n <= 3 else self.max_threshold
            warm = None
            if i in self.warm:
                warm = warm_connections(self.ctx, i, self.warm[i], self.refine, self.n_verify,
                                        bound)
            found = warm if warm is not None else _state_connections(
                self.ctx, i, self.dirs, bound, self.max_candidates, self.refine, self.n_verify)
        return found, loops, self.ctx.oracle.trajectories - n0


_WORK: _NodeWork | None = None


def _work_in_child(i: int) -> tuple[list[Connection], list[Connection], int]:
    assert _WORK is not None
    return _WORK(i)


def _run_parallel(work: _NodeWork, todo: list[int], jobs: int, progress: Any
                  ) -> list[tuple[list[Connection], list[Connection], int]]:
    """Share nodes among forked worker processes (they inherit the compiled model)."""
    import multiprocessing as mp
    import os

    global _WORK
    _WORK = work
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        with mp.get_context("fork").Pool(jobs) as pool:
            out = []
            step(progress, "thresholds: nodes done", 0, len(todo))
            for count, res in enumerate(pool.imap(_work_in_child, todo)):
                step(progress, "thresholds: nodes done", count + 1, len(todo))
                out.append(res)
        return out
    finally:
        _WORK = None


def _connections(work: _NodeWork, todo: list[int], jobs: int, mirror: bool, sel: _Selection,
                 progress: Any) -> tuple[list[Connection], list[Connection], dict[str, int]]:
    """Run the nodes (here or in forked workers), mirror pairs, sort by source and threshold;
    also the trajectories each computed node cost. Aperiodic attractors go first, here: their
    search may shrink their capture balls (:func:`~dynena.network.special._cloud_connections`),
    and every other node's kicks must be judged with the final ones."""
    ids = sel.ids
    pair_of = {e.id: e.pair for e in sel.eqs}
    first = len(sel.node_eqs) + len(sel.orbits)
    clouds = [i for i in todo if i >= first]
    done = {}
    if clouds:
        step(progress, "thresholds: aperiodic attractors done", 0, len(clouds))
    for count, i in enumerate(clouds):
        done[i] = work(i)
        step(progress, "thresholds: aperiodic attractors done", count + 1, len(clouds))
    rest = [i for i in todo if i < first]
    jobs = max(1, min(int(jobs), len(rest)))
    if jobs > 1:
        computed = dict(zip(rest, _run_parallel(work, rest, jobs, progress)))
    else:
        computed = {}
        step(progress, "thresholds: nodes done", 0, len(rest))
        for count, i in enumerate(rest):
            computed[i] = work(i)
            step(progress, "thresholds: nodes done", count + 1, len(rest))
    conns: list[Connection] = []
    self_loops: list[Connection] = []
    cost: dict[str, int] = {}
    for i in todo:
        found, loops, ntraj = done[i] if i in done else computed[i]
        cost[ids[i]] = int(ntraj)
        if jobs > 1 and i not in done:
            work.ctx.oracle.trajectories += ntraj
        conns += found
        self_loops += loops
        if mirror and pair_of.get(ids[i]) in ids:
            conns += [_mirror(cn, pair_of, ids) for cn in found]
            self_loops += [_mirror(cn, pair_of, ids) for cn in loops]
    conns.sort(key=lambda cn: (ids.index(cn.source), cn.threshold))
    return conns, self_loops, cost


def _mirror(cn: Connection, pair_of: dict[str, str | None], ids: list[str]) -> Connection:
    def p(x: str | None) -> str | None:
        return pair_of.get(x) or x if x is not None else None

    return replace(cn, source=p(cn.source) or cn.source,
                   target=(p(cn.target) or cn.target) if cn.target in ids else cn.target,
                   direction=None if cn.direction is None else -cn.direction,
                   kick=None if cn.kick is None else -cn.kick,
                   via=p(cn.via), sign=None if cn.sign is None else -cn.sign)


def _mirrored(c: CompiledSystem, sel: _Selection, space: str) -> bool:
    """Mirror images: f(-x) = -f(x) maps node i's kicks v to its pair's kicks -v; for input
    pulses the model must also be odd in the inputs, f(-x, -u) = -f(x, u)."""
    pair_of = {e.id: e.pair for e in sel.eqs}
    return not sel.orbits and not sel.aperiodic and all(pair_of.get(e.id) in sel.ids for e in sel.node_eqs) and \
        _odd_in_state(c) and (space == "state" or _odd_in_inputs(c))


def _to_compute(sel: _Selection, mirror: bool) -> list[int]:
    """Node indices to search: one per ± pair when mirrored."""
    pair_of = {e.id: e.pair for e in sel.eqs}
    ids = sel.ids
    return [i for i, nid in enumerate(ids)
            if not (mirror and pair_of.get(nid) in ids and ids.index(pair_of[nid]) < i)]


def _odd_in_state(c: CompiledSystem) -> bool:
    """Check f(-x) = -f(x) at generic points (the symmetry object, never its label)."""
    rng = np.random.default_rng(11)
    X = rng.standard_normal((4, c.n)) * 0.7
    with np.errstate(all="ignore"):
        a, b = c.f_batch(-X), -c.f_batch(X)
    return bool(np.allclose(a, b, rtol=1e-12, atol=1e-12 * (1 + float(np.max(np.abs(b))))))


def _odd_in_inputs(c: CompiledSystem) -> bool:
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
