"""Shared state of one excitable-network computation: the compiled system, the outcome oracle, the
nodes and saddles, the options.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .._typing import Array
from ..compile.kind import kind_of
from ..compile.system import CompiledSystem
from ..results.attractors import AperiodicAttractor, AttractorSet, PeriodicOrbit
from ..results.network import Connection, node_target_name
from .outcome import DIVERGED, LEFT_DOMAIN, OutcomeOracle
from .via import (
    approach_gradient,
    boundary_normal,
    closest_saddle,
    left_unstable_vector,
    separation_normal,
)


@dataclass
class _Ctx:
    c: CompiledSystem
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
    resolution: int = 1  # the first grid of directions this many times denser
    seeds: int | None = None  # minimal-seed starts per target above 3 variables (None: default)
    points: list[Array] | None = None  # every node's points (cycles: all of them)
    rough: bool = False  # the basin boundaries look fractal (see _rough)
    escapes: Array | None = None  # states seen to diverge (AttractorSet.escapes)
    # the model's symmetries (a group of orthogonal matrices, identity excluded; empty unless
    # the symmetry option is on and kicks are in the state space): those fixing a node
    # shorten its search (state._fixing)
    symmetry_group: list[Array] = field(default_factory=list)
    _frames: dict[int, Array] = field(default_factory=dict)  # stable_frame_via, per saddle
    # normal_via, per saddle: its left unstable eigenvector (None: more than one)
    _normals: dict[int, Array | None] = field(default_factory=dict)

    def _saddle_passed(self, x: Array) -> tuple[int | None, float, float]:
        """Index of the saddle that the trajectory from ``x`` passes (or None), the time
        (steps) of its closest approach, and the trajectory's end (capture)."""
        T, X = self.oracle.trajectory(x)
        if not len(self.S):
            return None, 0.0, float(T[-1])
        k, _, at = closest_saddle(X, self.S, self.s_reach)
        return k, float(T[at]), float(T[-1])

    def normal_via(self, x_lo: Array, x_hi: Array) -> Array | None:
        """The normal (unit, state coordinates, either sign) of the basin boundary between
        ``x_lo`` and ``x_hi``, two states on either side of it within the bisection's
        tolerance: where the trajectory from ``x_lo`` passes a saddle, its stable manifold's
        normal, the saddle's left unstable eigenvector pulled back along the trajectory by
        the adjoint equation (:func:`~dynena.network.via.boundary_normal`); else (no saddle,
        or one of index 2 or more) the direction in which the two trajectories separate,
        pulled back (:func:`~dynena.network.via.separation_normal`). None where neither
        gives one."""
        path = None
        if self.c.dynamics.is_map:
            k, t_star, t_end = self._saddle_passed(x_lo)
        else:  # one dense trajectory for the saddle it passes and the adjoint back along it
            path = self.oracle.compiled_path(x_lo) or self.oracle.path(x_lo)
            k, at = None, 0
            if len(self.S):
                k, _, at = closest_saddle(path.y.T, self.S, self.s_reach)
            t_star, t_end = float(path.t[at]), float(path.t[-1])
        if k is not None and k not in self._normals:
            J = self.c.jac(self.S[k])
            unstable = int(np.sum(kind_of(self.c.kind).growth(np.linalg.eigvals(J)) > 0))
            # a saddle of index 2 or more (a corner where boundaries meet) has a normal per
            # unstable direction: which one the boundary has, the separation says
            self._normals[k] = left_unstable_vector(J, self.c.kind) if unstable == 1 else None
        n_s = self._normals[k] if k is not None else None
        if k is not None and n_s is not None:
            nu = boundary_normal(self.c, x_lo, self.S[k], n_s, self.oracle.t_max,
                                 t_star=t_star, path=path)
            if nu is not None and np.all(np.isfinite(nu)):
                return nu
        return separation_normal(self.c, x_lo, x_hi, max(t_end, 1.0))

    def approach_via(self, x: Array, j: int) -> tuple[float, Array, int] | None:
        """The closest approach of the trajectory from ``x`` to node ``j`` (squared), its
        gradient's direction (state coordinates) and the node that captured the trajectory
        (:func:`~dynena.network.via.approach_gradient`); None for a target that is no node
        (divergence, the domain's edge) or where the pull-back fails."""
        if not 0 <= j < len(self.N):
            return None
        P = self.points[j] if self.points is not None else self.N[j][None, :]
        return approach_gradient(self.c, self.oracle, x, P)

    def stable_frame_via(self, x: Array) -> Array | None:
        """An orthonormal basis (rows) of the stable directions of the saddle that the
        trajectory from ``x`` passes (the real and imaginary parts of the eigenvectors whose
        eigenvalues decay: Re λ < 0, |λ| < 1 for a map); None if it passes none. Each
        saddle's is computed once."""
        if not len(self.S):  # (no trajectory needed)
            return None
        k, _, _ = self._saddle_passed(x)
        if k is None:
            return None
        if k not in self._frames:
            lam, V = np.linalg.eig(self.c.jac(self.S[k]))
            stable = kind_of(self.c.kind).growth(lam) < 0
            B = np.hstack([V[:, stable].real, V[:, stable].imag])
            U, sv, _ = np.linalg.svd(B, full_matrices=False)
            self._frames[k] = U[:, sv > 1e-8 * (sv[0] if len(sv) else 1.0)].T
        return self._frames[k]

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

    def node_map(self, g: Array) -> dict[int, int] | None:
        """The node that symmetry ``g`` maps each node to: an equilibrium to the equilibrium
        at its image, a periodic orbit to the orbit whose points are its points' images (each
        within 1e-6 relative); None if some node's image is not a node (an aperiodic
        attractor's samples are not mapped onto samples: never a node here)."""
        sets = [self.N[k][None, :] if self.points is None else self.points[k]
                for k in range(len(self.N))]
        out = {}
        for k, P in enumerate(sets):
            img = P @ g.T
            tol = 1e-6 * (1.0 + float(np.max(np.abs(P))))
            m = next((m for m, Q in enumerate(sets) if len(Q) == len(P) and
                      all(float(np.min(np.linalg.norm(Q - y, axis=1))) <= tol for y in img)),
                     None)
            if m is None:
                return None
            out[k] = m
        return out

    def reach(self, P: Array) -> float:
        """The largest kick from a point of ``P`` (one point or rows) that stays in the
        variables' box (its farthest corner, in the chosen norm): how far a search that no
        other node bounds scans for escapes, instead of a fixed amplitude of 1."""
        from ..equilibrium.api import default_box

        lo, hi = default_box(self.c)
        P = np.atleast_2d(P)
        m = np.maximum(np.abs(lo - P), np.abs(hi - P))
        w = self.W if self.W is not None else 1.0
        return float(np.max(np.sqrt(np.sum(m * m * w, axis=1))))

    def escape_bound(self, P: Array, tries: int = 4) -> tuple[float, Array | None]:
        """The smallest kick from a point of ``P`` (one point or rows) onto a state seen to
        diverge, once this oracle confirms that state diverges (the nearest ``tries``
        witnesses are checked in turn), and the witness: an upper bound on the escape
        threshold however far it lies beyond the other nodes, so that the global search
        scans that far. ``(inf, None)`` with no confirmed witness."""
        E = self.escapes
        if E is None or not len(E):
            return float("inf"), None
        P = np.atleast_2d(P)
        w = self.W if self.W is not None else np.ones(P.shape[1])
        d = np.full(len(E), np.inf)
        for p in P:  # each witness's distance to the nearest point of P
            d = np.minimum(d, np.sqrt(np.sum(w * (E - p) ** 2, axis=1)))
        order = np.argsort(d)[:tries]
        outs = self.oracle(E[order])
        ok = [k for k, o in zip(order, outs) if o == DIVERGED]
        return (float(d[ok[0]]), E[ok[0]]) if ok else (float("inf"), None)

    def domain_bound(self, P: Array, levels: int = 64, spread: int = 64
                     ) -> tuple[float, Array | None]:
        """The smallest kick found from a point of ``P`` (at most 8 of its rows) onto a state
        where the equations are undefined (a field or image that is not a number), and that
        state, once the oracle confirms it (``LEFT_DOMAIN``): the escape witness's role for
        leaving the domain, so that the global search scans that far. The field is only
        evaluated, not integrated: along the 2n coordinate directions and ``spread`` random
        ones, at ``levels`` amplitudes up to the variables' box (:meth:`reach`). A Gompertz
        term x log(K / x) is undefined for x < 0, 1.2 from the predator-prey model's state,
        beyond the escape at 1.02 that bounded the scans: the exit was never listed.
        ``(inf, None)`` where none is found."""
        P = np.atleast_2d(P)
        P = P[:: max(1, len(P) // 8)][:8]
        n = P.shape[1]
        rng = np.random.default_rng(self.seed)
        U = np.vstack([np.eye(n), -np.eye(n), rng.standard_normal((spread, n))])
        U = np.array([self.unit(u) for u in U])
        found: list[tuple[float, Array]] = []
        with np.errstate(all="ignore"):
            for p in P:
                amps = self.reach(p) * np.arange(1, levels + 1) / levels
                X = (p[None, None, :] + amps[None, :, None] * U[:, None, :]).reshape(-1, n)
                bad = np.any(np.isnan(self.c.f_batch(X)), axis=1).reshape(len(U), levels)
                for k in np.flatnonzero(bad.any(axis=1)):
                    a = amps[int(np.argmax(bad[k]))]
                    found.append((float(a), p + a * U[k]))
        found.sort(key=lambda t: t[0])
        for a, x in found[:4]:
            if int(self.oracle(x[None, :])[0]) == LEFT_DOMAIN:
                return a, x
        return float("inf"), None

    def ball_checked(self, i: int, run: Callable[[], list[Connection]],
                     exits: Callable[[], dict[int, float]] | None = None
                     ) -> list[Connection]:
        """``run()``, the connections out of node ``i``, with the node's capture balls
        checked against them.

        The oracle takes the ball of radius r around the source to lie in its basin: a kick
        shorter than r is never seen leaving. So every threshold found must be at least 2 r;
        where one is not, the balls shrink to a quarter of it and ``run`` again (at most
        twice more), as for aperiodic sources. With ``exits`` (after a run: per point of
        the node searched, the smallest switching kick found from it; a map cycle's, whose
        kicks start at its points) each point's ball is
        held to its own point's kicks (the others' to the smallest threshold), and only the
        balls that fail shrink: the 2-cycle {0, 1} of z³ − 2z + 2 has balls of 0.03 around 0
        and 0.005 around 1, its threshold 0.0165 starts from 1, and the ball around 0, whose
        own kicks need 0.10, failed a test against the largest radius and the search ran
        twice to the same result. Above 50 variables the ball is not checked by
        a Lyapunov function, and the 200-unit flip-flop ESN's balls (0.272 around E0) held
        kicks that go to other states: four thresholds from E0 came out as the ball's
        radius, 0.27232, where a kick of 0.25 along the same direction already switches. The
        radii are restored afterwards, so that every node's search sees the same oracle,
        whichever runs first or on which worker; the trajectories of every run are counted."""
        o = self.oracle
        saved, n0 = o.point_radii_of(i), o.trajectories
        out: list[Connection] = []
        try:
            for _ in range(3):
                out = run()
                found = [cn.threshold for cn in out if np.isfinite(cn.threshold)]
                if not found:
                    break
                radii = o.point_radii_of(i)
                own = np.full(len(radii), min(found))
                for k, e in (exits() if exits is not None else {}).items():
                    own[k] = max(e, min(found))  # (no point's kicks beat the threshold)
                bad = own < 2 * radii
                if not bad.any():
                    break
                if exits is None:  # every ball by the largest: all shrink alike
                    o.set_radius(i, radii * (0.25 * min(found) / float(radii.max())))
                else:
                    radii[bad] = np.minimum(radii[bad], 0.25 * own[bad])
                    o.set_radius(i, radii)
        finally:
            o.set_radius(i, saved)
        if out:
            per = (o.trajectories - n0) // len(out)
            out = [replace(cn, trajectories=per) for cn in out]
        return out

    def name(self, code: int) -> str:
        return node_target_name(code, self.ids)

    def via(self, x_start: Array) -> tuple[str | None, int]:
        if not len(self.S):
            return None, -1
        k, _, _ = self._saddle_passed(x_start)
        return (self.sids[k], k) if k is not None else (None, -1)


def _rough(att: AttractorSet | None) -> bool:
    """Basin boundaries look fractal: the uncertainty exponent is clearly below one (below
    0.85 by two standard errors; a point estimate from a few crossings is too noisy to
    switch a smooth boundary's search to the costly level sets)."""
    u = att.uncertainty if att is not None else None
    if not u or u.get("exponent") is None:
        return False
    return bool(u["exponent"] + 2 * (u.get("exponent_stderr") or 0.0) < 0.85)


@dataclass
class _Selection:
    """The network's nodes (equilibria, then periodic orbits, then aperiodic attractors) and
    the saddles between them."""

    eqs: list[Any]
    node_eqs: list[Any]
    saddle_eqs: list[Any]
    orbits: list[PeriodicOrbit]
    att: AttractorSet | None
    notes: list[str]
    aperiodic: list[AperiodicAttractor] = field(default_factory=list)
    # non-hyperbolic equilibria that the flow showed attracting: kicked like stable ones
    attracting: set[str] = field(default_factory=set)

    @property
    def ids(self) -> list[str]:
        return [e.id for e in self.node_eqs] + [o.id for o in self.orbits] + \
            [a.id for a in self.aperiodic]

    @property
    def kinds(self) -> list[str]:
        return ["equilibrium"] * len(self.node_eqs) + [o.kind for o in self.orbits] + \
            [a.kind for a in self.aperiodic]

    @property
    def point_sets(self) -> list[Array]:
        """Every node's points: one for an equilibrium, all of a cycle's, an aperiodic
        attractor's samples."""
        return [e.state[None, :] for e in self.node_eqs] + [o.points for o in self.orbits] + \
            [a.points for a in self.aperiodic]

    @property
    def states(self) -> Array:
        n = len(self.eqs[0].state) if self.eqs else next(
            (p.shape[1] for p in self.point_sets), 0)
        return np.array([p[0] for p in self.point_sets]).reshape(-1, n)
