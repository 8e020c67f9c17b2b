r"""Thresholds from a periodic source: the minimum over kicks from points of the orbit.

For a source orbit :math:`\Gamma`, :math:`\delta_{\Gamma j} = \min_{x \in \Gamma} \mathrm{dist}(x,
B_j)`. Every point of a map cycle, or ``n_phase`` points sampled along a limit cycle, is
screened with the coarse direction grid; the best points get the full certified search; for a
limit cycle the phase and the direction are then minimised together (Nelder–Mead on the
phase and the tangent coordinates of the direction), the cycle evaluated by a periodic cubic
spline through its dense samples.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from .._typing import Array
from ..results.attractors import PeriodicOrbit
from ..results.network import ThresholdCertificate
from .certify import GlobalSearch, search_node
from .outcome import OutcomeOracle
from .symmetry import stabilizer

__all__ = ["search_orbit", "best_points", "record_full"]


def search_orbit(oracle: OutcomeOracle, orbit: PeriodicOrbit, source: int,
                 upper: dict[int, float], *, weights: Array | None, rtol: float, tol: float,
                 budget: int, seed: int, n_phase: int = 24,
                 rough: bool = False, resolution: int = 1, nearest_only: bool = False,
                 reach: float = 1.0, symmetry_group: list[Array] | None = None,
                 node_map: Callable[[Array], dict[int, int] | None] | None = None,
                 exits: dict[int, float] | None = None
                 ) -> tuple[dict[int, tuple[float, float, Array, Array]],
                            dict[int, ThresholdCertificate]]:
    """Per target: (lo, hi, direction, start point) of the best kick, and its certificate;
    ``reach``: how far rays go while no bound is open (see :func:`search_node`);
    ``symmetry_group``: the model's symmetries (a group). One that fixes a point of the orbit
    fixes every point (R F^k(p) = F^k(R p)), so it maps the orbit's basin to itself, and the
    full search from that point needs one direction of each of its orbits; ``node_map``
    gives the node each node goes to under one (None: not every node's image is a node),
    so that targets mapped onto each other are searched once. ``exits``, if
    given, receives per searched point (its index in ``orbit.points``) the smallest kick
    found from it that reached another outcome (for :meth:`~dynena.network.context._Ctx.
    ball_checked`).

    ``nearest_only``: the full searches look for the exit from the source's basin alone (the
    smallest threshold), from the two points whose screening found the nearest target."""
    P = orbit.points
    idx = np.arange(len(P)) if orbit.kind == "map-cycle" else \
        np.linspace(0, len(P), n_phase, endpoint=False).astype(int)
    upper = dict(upper)
    best: dict[int, tuple[float, float, Array, Array]] = {}
    score: dict[int, list[tuple[float, int]]] = {}
    point_lb: dict[int, dict[int, float]] = {}  # target -> screened point -> lower bound
    for k in idx[:64]:
        gs, cs0 = search_node(oracle, P[k], source, upper, [], weights=weights, rtol=rtol,
                              tol=tol, budget=budget, seed=seed, coarse=True, reach=reach)
        for j, cert in cs0.items():
            point_lb.setdefault(j, {})[int(k)] = cert.lower_bound
        for j, h in gs.results.items():
            upper[j] = min(upper.get(j, np.inf), h.hi)
            score.setdefault(j, []).append((h.hi, int(k)))
        _note_exit(exits, int(k), gs)
    certs: dict[int, ThresholdCertificate] = {}
    finals: dict[int, GlobalSearch] = {}
    # one full search per point serves every target: the two best points of each target (of
    # all targets together with nearest_only), each searched once
    for k in best_points(score, nearest_only):
        # 2 % above the screening's values: the full search records only entries below its
        # bounds, and one that found nothing to beat them left the target out (an escape
        # met by the screening stayed uncertified; with nearest_only the exit search, bound
        # by the screened 1.00011 of escape_rings' cycle -> origin, recorded nothing, and
        # the escape at 3 was reported as the cycle's minimal critical shock)
        bounds = {j: 1.02 * u for j, u in upper.items()}
        gs, cs = search_node(oracle, P[k], source, bounds, [], weights=weights, rtol=rtol,
                             tol=tol, budget=budget, seed=seed, rough=rough,
                             resolution=resolution, nearest_only=nearest_only, reach=reach,
                             stabilizer=(stab := stabilizer(symmetry_group or [], P[k])),
                             permutes=[node_map(g) for g in stab] if node_map else None)
        _note_exit(exits, int(k), gs)
        for jj in record_full(gs, cs, k, P[k], point_lb, upper, best, certs):
            if jj in certs:
                certs[jj] = replace(certs[jj], sources=len(idx))
            finals[jj] = gs
    for j, lst in score.items():  # outcomes met on the way (divergence): best screening value
        if j < 0 and j not in best:
            hi, k = min(lst)
            gs, _ = search_node(oracle, P[k], source, {j: 1.02 * hi}, [], weights=weights,
                                rtol=rtol, tol=tol, budget=budget, seed=seed, coarse=True)
            if j in gs.results:
                h = gs.results[j]
                best[j] = (h.lo, h.hi, gs.best_dir[j], P[k])
    if orbit.kind == "limit-cycle":
        for j in list(best):
            if j in finals:
                best[j] = _refine_phase(finals[j], orbit, j, best[j], weights)
    screened = [int(k) for k in idx[:64]]
    for j, cert in list(certs.items()):
        lb = min(_orbit_bound(orbit, screened, point_lb.get(j, {}), weights),
                 best[j][0]) if j in best else np.nan
        certs[j] = replace(cert, lower_bound=float(max(lb, 0.0)) if np.isfinite(lb) else lb)
    return best, certs


def _note_exit(exits: dict[int, float] | None, k: int, gs: GlobalSearch) -> None:
    """Fold the smallest switching kick of a search from point ``k`` into ``exits``."""
    if exits is not None and gs.results:
        exits[k] = min(exits.get(k, np.inf), min(h.hi for h in gs.results.values()))


def record_full(gs: GlobalSearch, cs: dict[int, ThresholdCertificate], k: int, x0: Array,
                point_lb: dict[int, dict[int, float]], upper: dict[int, float],
                best: dict[int, tuple[float, float, Array, Array]],
                certs: dict[int, ThresholdCertificate]) -> list[int]:
    """Fold a full search from point ``k`` (at ``x0``) into the per-point lower bounds (its
    bound is the sharper one), the upper bounds and the best kicks; the targets it improved."""
    for jj, cert in cs.items():
        lbs = point_lb.setdefault(jj, {})
        lbs[k] = max(lbs.get(k, -np.inf), cert.lower_bound)
    improved = []
    for jj, h in gs.results.items():
        upper[jj] = min(upper.get(jj, np.inf), h.hi)
        if jj not in best or h.hi < best[jj][1]:
            best[jj] = (h.lo, h.hi, gs.best_dir[jj], np.asarray(x0, float))
            if jj in cs:
                certs[jj] = cs[jj]
            improved.append(jj)
    return improved


def best_points(score: dict[int, list[tuple[float, int]]], nearest_only: bool) -> list[int]:
    """The screened points worth a full search: the two best of each target (``score``: per
    target, (upper bound, point) pairs), or with ``nearest_only`` the two best of all."""
    if nearest_only:
        per_point: dict[int, float] = {}
        for lst in score.values():
            for hi, k in lst:
                per_point[k] = min(per_point.get(k, np.inf), hi)
        return sorted(per_point, key=lambda k: per_point[k])[:2]
    return sorted({k for lst in score.values() for _, k in sorted(lst)[:2]})


def _orbit_bound(orbit: PeriodicOrbit, screened: list[int], lbs: dict[int, float],
                 weights: Array | None) -> float:
    r"""A lower bound of :math:`\mathrm{dist}(x, B_j)` over the whole orbit from lower bounds
    :math:`\ell_a` at the screened points :math:`p_a`.

    The distance is 1-Lipschitz in x (in the kick norm), so a point x of the orbit between
    screened points a and b is at least :math:`\max(\ell_a - |x - p_a|, \ell_b - |x - p_b|)`
    from the basin: the minimum of that over the dense samples of the segment, less half the
    largest step between samples. (Half the chord between a and b, used before, is not
    enough on a curved orbit: the arc's midpoint lies farther than that from both ends.) A map
    cycle has no points in between; one of more than 64 points is not all screened, and has no
    bound (NaN). A point whose screening bounded nothing counts as :math:`-\infty`."""
    P = orbit.points
    m = len(P)
    if orbit.kind == "map-cycle":
        if len(screened) < m:
            return float("nan")
        return float(min(lbs.get(k, -np.inf) for k in screened))
    w = np.ones(P.shape[1]) if weights is None else np.asarray(weights, float)

    def dist(A: Array, b: Array) -> Array:
        return np.sqrt(np.sum((A - b) ** 2 * w, axis=-1))

    slack = 0.5 * float(np.max(dist(np.roll(P, -1, axis=0), P)))
    ks = sorted(screened)
    out = np.inf
    for a, b in zip(ks, ks[1:] + [ks[0] + m]):
        seg = P[np.arange(a, b + 1) % m]
        la, lb = lbs.get(a, -np.inf), lbs.get(b % m, -np.inf)
        val = np.maximum(la - dist(seg, P[a]), lb - dist(seg, P[b % m]))
        out = min(out, float(val.min()))
    return out - slack


def _refine_phase(gs: GlobalSearch, orbit: PeriodicOrbit, j: int,
                  cur: tuple[float, float, Array, Array], weights: Array | None
                  ) -> tuple[float, float, Array, Array]:
    """Minimise the entry amplitude over (phase, direction) near the best kick."""
    from scipy.interpolate import CubicSpline
    from scipy.optimize import minimize

    P = orbit.points
    m, n = len(P), P.shape[1]
    tt = np.arange(m + 1) / m
    spline = CubicSpline(tt, np.vstack([P, P[:1]]), bc_type="periodic")
    k0 = int(np.argmin(np.linalg.norm(P - cur[3], axis=1)))
    ph0 = k0 / m
    sw = None if weights is None else 1.0 / np.sqrt(weights)
    s0 = cur[2] if sw is None else cur[2] / sw
    s0 = s0 / np.linalg.norm(s0)
    q, _ = np.linalg.qr(np.column_stack([s0, np.eye(n)]))
    T = q[:, 1:n].T
    state = {"best": cur}

    def g(z: Array) -> float:
        if gs.exhausted:
            return np.inf
        x0 = spline((ph0 + z[0]) % 1.0)
        s = s0 + z[1:] @ T
        s = s / np.linalg.norm(s)
        val = gs.entry(s, j, x0=np.asarray(x0, float))
        if val < state["best"][1]:
            r = gs.rays[-1]
            state["best"] = (r.hits[j].lo, r.hits[j].hi, r.v, np.asarray(x0, float))
        return val

    d = 1.0 / len(np.linspace(0, m, 12, endpoint=False))
    simplex = np.vstack([np.zeros(n)] + [np.eye(n)[k] * (0.5 * d if k == 0 else 0.05)
                                         for k in range(n)])
    minimize(g, np.zeros(n), method="Nelder-Mead",
             options={"initial_simplex": simplex, "xatol": 1e-6, "fatol": 1e-9 * cur[1],
                      "maxfev": 30 * n})
    return state["best"]
