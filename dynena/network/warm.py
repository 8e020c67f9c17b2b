r"""Thresholds warm-started from the network at a nearby parameter value.

Network continuation computes the network at many close parameter values; between two of them
a node moves a little, and so do a threshold :math:`\delta_{ij}` and the direction
:math:`v_{ij}` of the smallest kick. So each connection of the previous value seeds the same
connection here, twice:

1. **Its saddle's geometry, recomputed.** The saddle the connection passed (matched by state)
   gives its candidate direction at this value's geometry — the normal of its stable manifold
   — which is scanned, turned towards the basin boundary's normal and bisected to ``rtol``, as
   in the full search.
2. **Its previous direction** :math:`v^-_{ij}`. With a geometric value, one kick just below it
   decides whether the old direction does better (then it is bisected); without one, the ray
   is bracketed within 2 %, then 20 %, of the previous threshold :math:`\delta^-_{ij}`.

The smaller is kept and checked by random directions at 0.999 δ, as every multi-start
threshold is. Following the old direction alone lets the error grow from value to value when
the minimiser moves with the parameter; the recomputed geometry keeps it at the level of the
full search.

What a warm start does not do, it says: the certificate's method is ``warm-start`` (no global
search, no lower bound); connections the previous value did not have are not searched; a node
with a connection that cannot be bracketed within 20 % of its previous value gets the full
search. The caller (``continue_network``) computes the ends of the path in full and
recomputes warm values in full when a later full value has an edge they lack.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .._typing import Array
from ..results.network import Connection, ExcitableNetwork, ThresholdCertificate
from ..results.status import Status
from .context import _Ctx
from .state import (
    _geometric_switches,
    _refined,
    _verify,
    rays_of,
    saddle_candidates,
    verify_rng,
)
from .thresholds import Ray, Switch, bisect_switches, evaluate

__all__ = ["WarmHint", "match_states", "warm_hints", "warm_connections"]

_WIDTHS = (0.02, 0.2)  # relative half-widths of the brackets tried around the previous value


@dataclass(frozen=True)
class WarmHint:
    """A previous connection out of a node: its target (an index into this network's nodes),
    kick direction and threshold."""

    target: int
    direction: Array
    threshold: float
    via: Array | None = None  # state of the saddle the connection passed


def match_states(new: Array, prev: Array, fraction: float, among: Array | None = None
                 ) -> dict[int, int]:
    """Pairs (row of ``new`` → row of ``prev``), each closer than ``fraction`` ≤ ½ of the
    smallest distance between the states of ``among`` (default ``prev``; with one state,
    ``fraction`` (1 + |state|)). Within that radius a new state is near at most one previous
    state, so a node never inherits a neighbour's identity or connections; where several new
    states are near the same previous one (a node splitting), the nearest inherits it."""
    new, prev = np.asarray(new, float), np.asarray(prev, float)
    if not len(prev) or not len(new):
        return {}
    ref = prev if among is None else np.asarray(among, float)
    if len(ref) > 1:
        P = np.linalg.norm(ref[:, None, :] - ref[None, :, :], axis=2)
        np.fill_diagonal(P, np.inf)
        radius = min(fraction, 0.5) * float(P.min())
    else:
        radius = fraction * (1.0 + float(np.abs(ref).max()))
    D = np.linalg.norm(new[:, None, :] - prev[None, :, :], axis=2)
    out: dict[int, int] = {}
    for k in range(len(prev)):
        i = int(np.argmin(D[:, k]))
        if D[i, k] < radius and int(np.argmin(D[i])) == k:
            out[i] = k
    return dict(sorted(out.items()))


def warm_hints(prev: ExcitableNetwork, ids: list[str], states: Array
               ) -> dict[int, list[WarmHint]]:
    """The previous network's state-kick connections between matched nodes, per source index
    of the new nodes. A node that had no connection gets no entry (the full search runs)."""
    if prev.space != "state" or not len(prev.node_ids):
        return {}
    back = match_states(states, np.asarray(prev.node_states), 0.25)
    new_of = {prev.node_ids[k]: i for i, k in back.items()}
    saddle = {e.id: np.asarray(e.state, float) for e in prev.equilibria.equilibria} \
        if prev.equilibria is not None else {}
    hints: dict[int, list[WarmHint]] = {}
    for cn in prev.connections:
        i, j = new_of.get(cn.source), new_of.get(cn.target)
        if i is None or j is None or cn.kind != "excitable" or cn.direction is None:
            continue
        hints.setdefault(i, []).append(WarmHint(j, np.asarray(cn.direction, float),
                                                float(cn.threshold), saddle.get(cn.via or "")))
    return hints


def warm_connections(ctx: _Ctx, i: int, hints: list[WarmHint], refine: bool,
                     n_verify: int, max_threshold: float | None) -> list[Connection] | None:
    """Every hinted connection out of node ``i``, followed from its previous value; None when
    one of them cannot be bracketed near it (the node then needs the full search).

    Each connection's saddle (where it passed before) gives its geometric candidate again
    (the normal of its stable manifold) at this value's geometry; the smaller of the followed
    and the geometric threshold is kept, so the error does not build up along the path when
    the minimising direction moves.
    """
    oracle = ctx.oracle
    n_before = oracle.trajectories
    geo = {j: g for j, g in _from_saddles(ctx, i, hints, refine, max_threshold).items()
           if j >= 0}
    best: dict[int, Switch] = dict(geo)
    for h in hints:
        s = _followed(ctx, i, h, best.get(h.target))
        if s is _LOST:
            return None
        if s is not None:
            best[h.target] = s
    out = []
    for j, s in best.items():
        nref = int(j in geo and s is geo[j])
        s, verified = _verify(ctx, s, verify_rng(ctx, i, j), n_verify, None)
        via, _ = ctx.via(s.ray.start(s.hi)[0])
        out.append(Connection(
            source=ctx.ids[i], target=ctx.name(s.target), threshold=0.5 * (s.lo + s.hi),
            space="state", kind="excitable", direction=s.ray.direction, via=via,
            bracket=(s.lo, s.hi), trajectories=0, verified=verified, refinements=nref,
            certificate=None))
    used = oracle.trajectories - n_before
    cert = ThresholdCertificate(method="warm-start", status=Status.WARM_START,
                                lower_bound=float("nan"), angular_resolution=None,
                                # the followed rays are bracketed at ±2 %, not scanned
                                radial_resolution=_WIDTHS[0], directions=len(hints),
                                trajectories=used, tolerance=ctx.rtol, starts=1)
    per = used // max(1, len(out))
    return sorted((replace(cn, trajectories=per, certificate=cert) for cn in out),
                  key=lambda cn: cn.threshold)


def _from_saddles(ctx: _Ctx, i: int, hints: list[WarmHint], refine: bool,
                  max_threshold: float | None) -> dict[int, Switch]:
    """The geometric stage of the full search restricted to the saddles the hinted
    connections passed: best switch per target, refined and bisected to ``rtol``."""
    saddles: set[int] = set()
    for h in hints:
        if h.via is not None and len(ctx.S):
            d = np.linalg.norm(ctx.S - h.via, axis=1)
            k = int(np.argmin(d))
            if d[k] < 0.5 * max(1e-12, float(np.min(np.linalg.norm(ctx.N - ctx.S[k], axis=1)))):
                saddles.add(k)
    if not saddles:
        return {}
    # the normals only: the line to a saddle is what the followed direction stands for
    cands = saddle_candidates(ctx, i, sorted(saddles), max_threshold, lines=False)
    rays, hints_of, a_hi = rays_of(ctx, i, cands, max_threshold)
    sw = _geometric_switches(ctx, i, rays, hints_of, a_hi, named=False)
    best, _ = _refined(ctx, i, sw, refine)
    return best


_NEAR = 2e-3
"""Where the followed direction beats the geometric one it is usually by less than this
(relative): one more kick there narrows the bisection's bracket from the ±2 % of the previous
value (4 fewer bisection steps)."""

_LOST = Switch(Ray(-1, np.zeros(0), np.zeros(0)), -1, 0.0, 0.0, -1)
"""Sentinel: a hinted connection that is no longer where it was."""


def _followed(ctx: _Ctx, i: int, h: WarmHint, geo: Switch | None) -> Switch | None:
    """The hinted connection along its previous direction, bisected to ``rtol``, when it
    beats the geometric one (``geo``): with one, a kick just below it decides whether it
    does; without, the previous value is bracketed (``_LOST`` when it cannot be)."""
    ray = Ray(i, ctx.N[i], ctx.unit(h.direction))
    if geo is not None:
        a = geo.hi * (1 - ctx.rtol)
        if int(evaluate(ctx.oracle, [ray], [a])[0]) != h.target:
            return None
        lo = a * (1 - _NEAR)  # it enters below the geometry's value: usually just below
        o = int(evaluate(ctx.oracle, [ray], [lo])[0])
        prev = _bracket(ctx, i, h) if o == h.target else None
        s = (Switch(ray, h.target, lo, a, o) if o != h.target else
             prev if prev is not None and prev.hi <= lo else
             Switch(ray, h.target, 0.0, lo, i))  # far below: bisect from 0
    else:
        found = _bracket(ctx, i, h)
        if found is None:
            return _LOST
        s = found
    bisect_switches(ctx.oracle, [s], ctx.rtol)
    return s


def _bracket(ctx: _Ctx, i: int, h: WarmHint) -> Switch | None:
    """The first entry into basin ``h.target`` along the previous direction, bracketed within
    2 % (else 20 %) of the previous threshold; None when it is not there."""
    ray = Ray(i, ctx.N[i], ctx.unit(h.direction))
    for w in _WIDTHS:
        lo, hi = h.threshold * (1 - w), h.threshold * (1 + w)
        o = evaluate(ctx.oracle, [ray, ray], [lo, hi])
        if int(o[1]) == h.target and int(o[0]) != h.target:
            return Switch(ray, h.target, lo, hi, int(o[0]))
    return None

