"""Connections of the other kinds of node: periodic orbits (kicks from points along the orbit),
aperiodic attractors (kicks from their samples), labelled saddles of heteroclinic designs, and
attracting non-hyperbolic equilibria.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._typing import Array
from ..compile.system import CompiledSystem
from ..errors import ParameterError
from ..results.attractors import AperiodicAttractor, PeriodicOrbit
from ..results.network import Connection, ThresholdCertificate
from .clouds import search_cloud
from .context import _Ctx
from .cycles import search_orbit
from .outcome import DIVERGED, LEFT_DOMAIN, reached


def _orbit_connections(ctx: _Ctx, i: int, orbit: PeriodicOrbit, dirs: list[Array] | None
                       ) -> list[Connection]:
    """Connections from a periodic source: kicks from points of the orbit, its capture
    balls checked against them (:meth:`_Ctx.ball_checked`)."""
    if dirs is not None:
        raise ParameterError("named directions are not supported from a periodic-orbit node "
                             f"({orbit.id}); use all directions")
    upper = {k: min(ctx.dist(p, k) for p in orbit.points[:: max(1, len(orbit.points) // 64)])
             * (1 + 1e-9) for k in range(len(ctx.ids)) if k != i}
    _escape_upper(ctx, orbit.points, upper)

    exits: dict[int, float] = {}  # per point searched, its smallest switching kick

    def run() -> list[Connection]:
        n0 = ctx.oracle.trajectories
        exits.clear()
        best, certs = search_orbit(ctx.oracle, orbit, i, upper, weights=ctx.W, rtol=ctx.rtol,
                                   tol=ctx.tol, budget=ctx.budget, seed=ctx.seed + i,
                                   rough=ctx.rough, resolution=ctx.resolution,
                                   nearest_only=ctx.nearest_only,
                                   reach=ctx.reach(orbit.points),
                                   symmetry_group=ctx.symmetry_group,
                                   node_map=ctx.node_map, exits=exits)
        return _as_connections(ctx, i, best, certs, ctx.oracle.trajectories - n0)

    # a map cycle's kicks start at its points, each searched: its balls are checked one by
    # one; a limit cycle's best kick starts between samples (the phase is refined), and the
    # samples' own searches say less about the balls near it
    return ctx.ball_checked(i, run, (lambda: exits) if orbit.kind == "map-cycle" else None)


def _cloud_connections(ctx: _Ctx, i: int, cloud: AperiodicAttractor, dirs: list[Array] | None
                       ) -> list[Connection]:
    """Connections from an aperiodic source: kicks from its samples (:func:`search_cloud`).

    The capture balls around the samples must lie inside the attractor's basin, and a kick
    shorter than their radius r is never seen leaving. So every threshold found must be at
    least 2 r; where one is not, the balls shrink to a quarter of it and the search runs
    again (at most twice more).

    With ``nearest_only`` and more than one known target the per-target search runs all the
    same and the smallest threshold is kept: over samples chosen by heuristics, a search for
    the exit alone can pick other samples than the full run and give another minimum (Hénon
    at a = 1.08: A1 → A0 0.000302 against the full run's 0.000278), and the two must agree.
    With one (the Hénon attractor's escape) the exit is that target and the exit-only search
    is kept: 0.0137484971 against the full run's 0.0137484972, 8 348 trajectories against
    14 883."""
    if dirs is not None:
        raise ParameterError("named directions are not supported from an aperiodic-attractor "
                             f"node ({cloud.id}); use all directions")
    P = cloud.points[:: max(1, len(cloud.points) // 256)]
    upper = {k: min(ctx.dist(p, k) for p in P) * (1 + 1e-9)
             for k in range(len(ctx.ids)) if k != i}
    _escape_upper(ctx, P, upper)
    n0 = ctx.oracle.trajectories
    for _ in range(3):
        r = ctx.oracle.node_radius(i)
        best, certs = search_cloud(ctx.oracle, cloud, i, upper, weights=ctx.W, rtol=ctx.rtol,
                                   tol=ctx.tol, budget=ctx.budget, seed=ctx.seed + i,
                                   rough=ctx.rough, resolution=ctx.resolution,
                                   nearest_only=ctx.nearest_only and len(upper) <= 1,
                                   reach=ctx.reach(P),
                                   witnesses=_witnesses(ctx, i))
        found = [b[1] for j, b in best.items() if reached(j)]
        if not found or min(found) >= 2 * r:
            break
        ctx.oracle.set_radius(i, 0.25 * min(found))
    return _as_connections(ctx, i, best, certs, ctx.oracle.trajectories - n0)


def _escape_upper(ctx: _Ctx, P: Array, upper: dict[int, float]) -> None:
    """A state seen to diverge bounds the escape from the source's points ``P`` however far
    it is (2 % above the kick onto it: a search records only entries below its bounds); a
    state where the equations are undefined bounds the exit from their domain."""
    d, wit = ctx.escape_bound(P)
    if wit is not None:
        upper[DIVERGED] = 1.02 * d
    if ctx.c.n <= 3:  # as for equilibria (state.py): the certified search's dimensions
        d, wit = ctx.domain_bound(P)
        if wit is not None:
            upper[LEFT_DOMAIN] = 1.02 * d


def _witnesses(ctx: _Ctx, i: int) -> dict[int, Array]:
    """Per target of source ``i``: states known to reach it (another node's points; the
    states seen to diverge)."""
    out: dict[int, Array] = {k: (ctx.points[k] if ctx.points is not None else ctx.N[k][None])
                             for k in range(len(ctx.ids)) if k != i}
    if ctx.escapes is not None and len(ctx.escapes):
        out[DIVERGED] = ctx.escapes
    return out


def _as_connections(ctx: _Ctx, i: int, best: dict[int, tuple[float, float, Array, Array]],
                    certs: dict[int, ThresholdCertificate], used: int) -> list[Connection]:
    """Connections from a source with many points: (lo, hi, direction, start) per target."""
    if ctx.nearest_only and best:
        # the smallest threshold, escape included (the minimal critical shock)
        j0 = min((j for j in best if reached(j)), key=lambda j: best[j][1],
                 default=None)
        best = {j0: best[j0]} if j0 is not None else {}
    out = []
    per = used // max(1, len(best))
    for j, (lo, hi, v, x0) in sorted(best.items(), key=lambda kv: kv[1][1]):
        via, _ = ctx.via(x0 + hi * v) if j >= 0 else (None, -1)
        out.append(Connection(source=ctx.ids[i], target=ctx.name(j), threshold=0.5 * (lo + hi),
                              space="state", kind="excitable", direction=v, via=via,
                              bracket=(lo, hi), trajectories=per, origin=x0,
                              certificate=certs.get(j)))
    return out


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


def _attracting_nonhyperbolic(c: CompiledSystem, eqs: list[Any], node_eqs: list[Any], notes: list[str]
                              ) -> list[Any]:
    """Non-hyperbolic equilibria with no unstable eigenvalue that the flow shows attracting
    (``x' = -x^3``): nodes, with the evidence in ``notes``."""
    from ..attractor.nonlinear import nonlinear_stability

    out = []
    X = np.array([e.state for e in eqs]).reshape(-1, c.n)
    for e in eqs:
        if e.stability != "nonhyperbolic" or e.unstable_dim > 0 or e in node_eqs \
                or not e.isolated:  # a continuum's points are not attractors
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
