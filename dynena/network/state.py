"""Connections by state-space kicks: geometric candidates from the saddles, brackets, refinement on
the basin boundary, the certified global search, verification.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from .._typing import Array
from ..compile import state_scale
from ..compile.system import CompiledSystem, state_vector
from ..errors import ParameterError
from ..results.network import Connection, ThresholdCertificate
from ..results.status import Status
from .certify import search_node, uses_boundary_normals, uses_saddle_frames
from .context import _Ctx
from .outcome import DIVERGED, LEFT_DOMAIN, reached
from .symmetry import stabilizer
from .thresholds import Ray, Switch, bisect_switches, evaluate, scan_rays
from .via import boundary_normal, closest_saddle, left_unstable_vector

# A hint brackets its switch within [_LO h, _HI h] when the boundary is close to the saddle's
# tangent plane; curved boundaries fall back to a grid scan.
_LO, _HI = 0.95, 1.05


def _named_directions(c: CompiledSystem, names: Sequence[str]) -> list[Array]:
    avail = c.model.directions
    out = []
    for nm in names:
        if nm not in avail:
            raise ParameterError(f"unknown direction {nm!r}; the model names: "
                                 + (", ".join(avail) or "none (add a directions: section)"))
        v = state_vector(c, avail[nm])
        out += [v, -v]
    return out


def _candidates(ctx: _Ctx, i: int, max_threshold: float | None, k_max: int
                ) -> list[tuple[Array, float, int | None]]:
    """(unit direction, amplitude hint, saddle index) from the geometry of the saddles."""
    if not len(ctx.S):
        return []
    d = np.linalg.norm(ctx.S - ctx.N[i], axis=1)
    return saddle_candidates(ctx, i, [int(k) for k in np.argsort(d)[:k_max]], max_threshold)


def saddle_candidates(ctx: _Ctx, i: int, saddles: Sequence[int], max_threshold: float | None,
                      lines: bool = True) -> list[tuple[Array, float, int | None]]:
    """(unit direction, amplitude hint, saddle index) from the saddles ``saddles``: the
    normal of each one's stable manifold and (``lines``) the straight line to it."""
    xi = ctx.N[i]
    out: list[tuple[Array, float, int | None]] = []
    d = np.linalg.norm(ctx.S - xi, axis=1) if len(ctx.S) else np.zeros(0)
    for k in saddles:
        s = ctx.S[k]
        J = ctx.c.jac(s)
        n_s = left_unstable_vector(J, ctx.c.kind)
        proj = float((s - xi) @ n_s)
        v1 = ctx.unit(np.sign(proj or 1.0) * n_s)
        # With a bound on the threshold only saddles whose manifold is within reach matter:
        # the boundary through s is no nearer than its tangent plane allows (to first order).
        if max_threshold is None or abs(proj) <= 1.2 * max_threshold:
            out.append((v1, abs(proj) if abs(proj) > 0 else d[k], int(k)))
        if lines and (max_threshold is None or d[k] <= 1.2 * max_threshold):
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
    """Every connection out of node ``i`` by state-space kicks (:func:`_connections_once`),
    with the source's capture ball checked against them (:meth:`_Ctx.ball_checked`)."""
    return ctx.ball_checked(i, lambda: _connections_once(ctx, i, dirs, max_threshold, k_max,
                                                         refine, n_verify))


def _connections_once(ctx: _Ctx, i: int, dirs: list[Array] | None,
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
        # the smallest switch to a node or to escape; a kick that stalls on the boundary
        # (undecided: it landed on the saddle itself) names no target, and with weights it
        # came out 2e-7 below the node's bracket and took its place, uncertified
        real = [j for j in best if reached(j)] or list(best)
        j0 = min(real, key=lambda j: best[j].hi)
        best = {j0: best[j0]}
    # a geometric switch the search did not better is still at its coarse bracket (_searched)
    bisect_switches(oracle, list(best.values()), ctx.rtol)
    out: list[Connection] = []
    for j, s in sorted(best.items(), key=lambda kv: kv[1].hi):
        verified = 0
        cert = certs.get(j)
        if cert is not None and np.isfinite(cert.lower_bound) and cert.lower_bound > s.lo:
            # a witness below the bound: the bound's slope model failed here; say only what
            # the witness shows
            cert = replace(cert, lower_bound=s.lo)
        if cert is None or cert.method == "multi-start":
            s, verified = _verify(ctx, s, verify_rng(ctx, i, j), n_verify, max_threshold)
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
        cands = [(ctx.unit(v), max_threshold or 2.0 * state_scale(c), None) for v in dirs]
    else:
        cands = _candidates(ctx, i, max_threshold, k_max)
        if not cands:  # no saddles known: fall back to the coordinate directions, scanned
            # on the variables' scale (1.0 here had a model in units of 1e-9 kicked 1e9 times
            # its box, where a transient past the escape radius counted as divergence)
            scale = max_threshold or state_scale(c) + float(np.max(np.abs(ctx.N)))
            cands = [(ctx.unit(s * e), scale, None) for e in np.eye(c.n) for s in (1, -1)]
    return rays_of(ctx, i, cands, max_threshold)


def rays_of(ctx: _Ctx, i: int, cands: list[tuple[Array, float, int | None]],
            max_threshold: float | None) -> tuple[list[Ray], list[list[float]], list[float]]:
    """Unique rays from candidate (direction, hint, saddle) triples, with their hints and the
    largest amplitude to scan."""
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
    # before the certified search only the smallest: the bound on the exit that prunes the
    # search's bisections (left at 1e-3, it cost 96 more kicks on bistable2d)
    first = [min(best.values(), key=lambda s: s.hi)] if best and _searched(ctx) else \
        list(best.values())
    bisect_switches(ctx.oracle, first, ctx.rtol)
    return best, nrefs


def _searched(ctx: _Ctx) -> bool:
    """Does the certified search (dimension ≤ 3) follow? Then the geometric switches are its
    upper bounds and seeds, and it bisects its best entries to ``rtol``: bisecting them here
    too cost ~100 kicks a node on the cube. What it does not better (and a named direction's
    switch) is bisected at the end of :func:`_connections_once`."""
    return ctx.certify and ctx.c.n <= 3


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
    if ctx.c.n <= 3 or DIVERGED in best:
        # a state seen to diverge bounds the escape however far it is (beyond every other
        # node the scans would not reach it); 2 % above it, with its direction scanned first
        d, wit = ctx.escape_bound(xi)
        if wit is not None:
            upper[DIVERGED] = 1.02 * d
            seeds.append(ctx.unit(wit - xi))
    if ctx.c.n <= 3 or LEFT_DOMAIN in best:
        # the same for a state where the equations are undefined (found by evaluation)
        d, wit = ctx.domain_bound(xi)
        if wit is not None:
            upper[LEFT_DOMAIN] = 1.02 * d
            seeds.append(ctx.unit(wit - xi))
    for j, sw in best.items():
        if reached(j):  # a witnessed escape is certified like a node
            upper[j] = min(upper.get(j, np.inf), sw.hi)
        if sw.ray.direction is not None:
            seeds.append(sw.ray.direction)
    frames = ctx.stable_frame_via if uses_saddle_frames(ctx.c.n) else None
    gs, certs = search_node(ctx.oracle, xi, i, upper, seeds, weights=ctx.W, rtol=ctx.rtol,
                            tol=ctx.tol, budget=ctx.budget, seed=ctx.seed + i, rough=ctx.rough,
                            nearest_only=ctx.nearest_only, resolution=ctx.resolution,
                            reach=ctx.reach(xi), frames=frames,
                            stabilizer=(stab := _fixing(ctx, i)),
                            permutes=[ctx.node_map(g) for g in stab],
                            normals=ctx.normal_via if uses_boundary_normals(ctx.c.n) else None,
                            approach=ctx.approach_via if uses_boundary_normals(ctx.c.n)
                            else None, seed_starts=_seed_starts(ctx))
    out = dict(best)
    for j, h in gs.results.items():
        # the search's entry unless the geometry's is better by more than rtol: the search
        # gives the targets that a symmetry maps onto each other one bracket
        if j not in out or h.hi < out[j].hi * (1 + ctx.rtol):
            out[j] = Switch(Ray(i, xi, gs.best_dir[j]), j, h.lo, h.hi, i)
    return out, certs


def _seed_starts(ctx: _Ctx) -> int:
    """How many starts the minimal seeds take per target (0: none). Maps only: on the AP
    3-cube (an ODE in 32 variables) six starts found one pair of connections 13 % lower
    (E5 <-> E10) in one run of four, for twice the time, and thirty found it for 5.7
    times: the pair stays a known limit rather than doubling every ODE network's time.
    ``seeds`` (:func:`~dynena.network.api.excitable_network`) sets it."""
    if ctx.seeds is not None:
        return ctx.seeds
    return 6 if ctx.c.dynamics.is_map else 0


def _fixing(ctx: _Ctx, i: int) -> list[Array]:
    """The symmetries that fix node ``i`` (an equilibrium; none for a node of several
    points: a periodic orbit's searches ask for its points' own, see
    :func:`~dynena.network.cycles.search_orbit`, and an aperiodic attractor's samples need
    not be mapped to the attractor): its exit radius is the same along v and Rv, so its
    search needs only one direction of each orbit of them."""
    if ctx.points is not None and len(ctx.points[i]) > 1:
        return []
    return stabilizer(ctx.symmetry_group, ctx.N[i])


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


def verify_rng(ctx: _Ctx, i: int, j: int) -> np.random.Generator:
    """The random directions that check the connection from node ``i`` to outcome ``j``:
    its own stream, so that they do not depend on which other connections were checked
    before it (``--nearest-only`` checks one, a full run all of them)."""
    return np.random.default_rng([ctx.seed, i, j % (1 << 16)])


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
