r"""Global threshold search with a stated guarantee.

For a source node :math:`\xi_i` and a direction :math:`v` (unit in the chosen norm) let
:math:`r_j(v) = \inf\{a \ge 0 : \xi_i + a v \text{ reaches } j\}` be the first amplitude at
which the ray enters the basin of :math:`j`. The threshold is
:math:`\delta_{ij} = \min_v r_j(v)`. Every target :math:`j` has an upper bound from the start,
:math:`\delta_{ij} \le \|\xi_j - \xi_i\|` (the kick that lands on :math:`\xi_j`), so every ray
only needs to be scanned up to the largest bound still open.

**State dimension ≤ 3: a certificate by branch and bound over directions.** The sphere of
directions is cut into cells (arcs of the circle; the 6 faces of a cube projected onto the
sphere, split in four). Each cell's centre ray is scanned on a radial grid and every first
entry into a basin that could still beat the best bound is bisected. A cell of angular radius
:math:`\rho` is taken to contain no direction with :math:`r_j < \underline r_j(c) - L_j \rho`,
where :math:`\underline r_j(c)` is the last amplitude of the centre ray known not to be in
basin :math:`j` and :math:`L_j` is 1.5 times the largest slope
:math:`|r_j(v) - r_j(w)| / \angle(v, w)` seen between nearby rays that also enter it (the gap
between their brackets, where they are not bisected; at least
:math:`U_j \rho`, the slope of a flat boundary). Cells whose bound cannot beat the best value
by more than ``tol`` are closed; the others are split, down to ``rho_min``; then the best
direction is minimised locally (Brent on the angle in 2-D, a quadratic model in 3-D; where
the boundary looks fractal, level sets of the exit from the source's basin refined over all
directions, see :func:`_level_sets`).

With ``nearest_only`` (the minimal critical shock alone) the branch and bound runs on
``EXIT`` alone: its minimum is the smallest threshold and a lower bound of all of them, and
the outcome at the best exit point names the target.

A pseudo-target ``EXIT`` (any outcome but the source) gives the distance to the source
basin's boundary, a lower bound of every threshold; where the best exit point borders basin
``j`` (boundaries shared by several basins, as in Newton maps) a probe right past it finds
``j`` there. The result states the lower bound, the resolutions (coverage of the first grid,
angular near the minimiser, radial along rays) and the cost. What it cannot see it says: a
basin piece thinner than the radial spacing along every ray, or narrower than the cells where
the slope estimate saw nothing; on a fractal boundary the slope model itself is an
assumption (status ``rough-boundary``).

**Higher dimension: multi-start descent.** Random directions (plus the geometric candidates)
are scanned; the best few per target descend over the sphere by a shrinking pattern search,
and sums of two targets' best kicks start more (:func:`_composite_kicks`). The best direction
is then minimised locally: a Newton model up to 9 variables (:func:`_tangent_newton`), line
searches up to 24 (:func:`_line_searches`), beyond that a descent along the boundary's normal
from the adjoint (:func:`_normal_descent`). The result states the number of starts, the
spread of their minima, the fraction that reached the best one, and whether the local
minimisation settled.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .._typing import Array, IntArray
from ..results.network import ThresholdCertificate
from ..results.status import Status
from .outcome import UNKNOWN, OutcomeOracle, reached
from .thresholds import narrow, next_amplitude, open_width

# the closest approach (squared) of the trajectory from a state to a target node, its
# gradient's direction and the node that captured it (see via.approach_gradient)
Approach = Callable[[Array, int], tuple[float, Array, int] | None]

__all__ = ["Hit", "GlobalSearch", "search_node", "uses_saddle_frames", "uses_boundary_normals"]

_OFFSET = 0.3819660113  # keeps radial grid points off special amplitudes
# the widest angle a probe of a radial level speaks for (_scan_up)
_LEVEL_ANGLE = 0.4
# radial levels when screening the points of a periodic or aperiodic source: the screen ranks
# the points and bounds them through its bisected entries, which 4 levels find as well as 8;
# the radial scan was nearly all of a screen's cost (Hénon: 13 033 -> 8 985 trajectories, the
# same threshold; the nested cycles' outer-cycle bound 0.33 -> 0.30)
_SCREEN_RADIAL = 4
_LEVEL_ETA = 0.08  # rough boundaries: the first level set lies within 8 % of the best exit
EXIT = -99
"""Pseudo-target: leaving the source's basin for any outcome. Its threshold is the distance to
the source basin's boundary, a lower bound of every other threshold; for boundaries shared by
several basins (Wada basins, e.g. Newton maps) it is their common threshold."""


@dataclass
class Hit:
    """Along direction ``v``: target ``j`` first seen in ``(lo, hi]``; ``lo`` is a decided
    outcome (or 0), and kicks inside whose outcome the integration budget left undecided
    (still moving, e.g. slowly leaving a weakly repelling cycle) are the ``band``, neither
    end (see :func:`~dynena.network.thresholds.narrow`)."""

    lo: float
    hi: float
    bisected: bool = False
    band: tuple[float, float] | None = None

    def mid(self) -> float:
        """The next amplitude to try."""
        return next_amplitude(self.lo, self.hi, self.band)

    def width(self) -> float:
        """What bisection can still narrow."""
        return open_width(self.lo, self.hi, self.band)

    def update(self, m: float, reached: bool, decided: bool) -> None:
        """Fold in the outcome at amplitude ``m``."""
        self.lo, self.hi, self.band = narrow(self.lo, self.hi, self.band, m, reached, decided)


@dataclass
class _Ray:
    s: Array  # unit vector on the Euclidean sphere (search coordinates)
    v: Array  # the kick direction, unit in the chosen norm
    hits: dict[int, Hit] = field(default_factory=dict)
    top: float = 0.0  # amplitude up to which the ray was scanned
    # the scan: (last decided level, first undecided one) while levels are undecided
    pending: tuple[float, float] | None = None
    origin: Array | None = None  # start point when not the search's source state


@dataclass
class _Cell:
    centre: Array  # Euclidean unit vector
    rho: float  # angular radius (radians)
    key: tuple[float, ...]  # geometry for subdivision
    ray: _Ray | None = None
    of: _Cell | None = None  # an image (see _images): the scanned cell it stands for
    # an image's target j is target perm[j] of its ray (the symmetry maps node perm[j] to j)
    perm: dict[int, int] | None = None

    def target(self, j: int) -> int:
        """The target of the ray's entries that stands for target ``j`` here."""
        return j if self.perm is None else self.perm.get(j, j)


class GlobalSearch:
    """Rays from one source, their radial scans and bisections, with a trajectory budget."""

    def __init__(self, oracle: OutcomeOracle, x0: Array, source: int, to_v: Callable[[Array],
                 Array], upper: dict[int, float], *, n_radial: int = 8, rtol: float = 1e-6,
                 budget: int = 40000, resolution: int = 1, reach: float = 1.0) -> None:
        self.oracle, self.x0, self.source = oracle, x0, source
        self.reach = reach  # how far rays go while no bound is open (no other node known)
        self.to_v = to_v
        self.sw: Array | None = None  # 1/sqrt(weights), to map kicks back to the sphere
        # the stable directions (orthonormal rows) of the saddle a trajectory from a state
        # passes, for the line searches (None: no saddles known)
        self.frame_at: Callable[[Array], Array | None] | None = None
        # the normal (state coordinates) of the basin boundary between two states on either
        # side of it, for the normal descent (None: not used)
        self.normal_at: Callable[[Array, Array], Array | None] | None = None
        # the closest approach to a target node of the trajectory from a state, its
        # gradient's direction and the node reached, for the minimal seeds (None: not used)
        self.approach_at: Approach | None = None
        self.seed_starts = 6  # the minimal seeds' starts per target (the best direction
        # too; none: no minimal seeds)
        self.kinks: set[int] = set()  # targets whose best kick settled at a kink
        self.best_origin: dict[int, Array | None] = {}
        self.upper = dict(upper)  # best known δ_ij per target
        self.best_dir: dict[int, Array] = {}
        self.best_hit: dict[int, Hit] = {}
        self.n_radial = n_radial
        self.rtol = rtol
        self.budget = budget
        self.used = 0
        self.rays: list[_Ray] = []
        self.coarse = max(rtol, 1e-5)
        self.undecided = 0  # kicks whose outcome the integration budget could not decide
        self.only: set[int] | None = None  # bisect the entries of these targets alone
        self.resolution = resolution  # the first grid this many times denser
        # the widest angle a probe of a level speaks for (see _scan_up; set per grid)
        self.level_angle = float(np.pi)
        # symmetries fixing x0 (search coordinates: they commute with the weights) and, for
        # each, the node it maps each node to (None: some node's image is not a node)
        self.stabilizer: list[Array] = []
        self.permutes: list[dict[int, int] | None] = []

    @property
    def exhausted(self) -> bool:
        """The trajectory budget, or the oracle's wall-clock deadline, has run out."""
        deadline = getattr(self.oracle, "deadline", None)
        return self.used >= self.budget or (deadline is not None
                                            and time.monotonic() > deadline)

    def to_s(self, v: Array) -> Array:
        """The unit vector on the search's Euclidean sphere along kick ``v``."""
        s = v if self.sw is None else v / self.sw
        return s / np.linalg.norm(s)

    def _outcomes(self, X: Array) -> IntArray:
        self.used += len(X)
        out = self.oracle(X)
        # UNDECIDED (stalled on the boundary) is an answer to working precision; UNKNOWN
        # (still moving when the integration budget ended) is not
        self.undecided += int(np.sum(out == UNKNOWN))
        return out

    def scan(self, S: Array, top: float | None = None, beyond: float | None = None
             ) -> list[_Ray]:
        """Radial scan of every direction (rows of ``S``) up to ``top`` (default: the largest
        open upper bound); first entries are bisected where they could beat a bound.

        ``beyond`` (the exit alone in focus, ``only == {EXIT}``): the levels go up one at a
        time and a ray stops at its first exit, or once it stayed in the source's basin past
        ``beyond`` times the best exit so far (its ``top`` is then that amplitude: nothing
        further along it can beat the bound, and the cell bounds use ``top``)."""
        if top is None:  # the largest bound still open (of the targets in focus)
            ups = [u for j, u in self.upper.items() if self.only is None or j in self.only]
            top = max(ups) if ups else self.reach
        frac = (np.arange(1, self.n_radial + 1) - _OFFSET) / (self.n_radial - _OFFSET)
        amps = top * frac
        rays = [_Ray(s, self.to_v(s), top=top, origin=self.x0.copy()) for s in S]
        if not rays:
            return rays
        V = np.array([r.v for r in rays])
        if beyond is not None and self.only == {EXIT}:
            self._scan_up(rays, V, np.asarray(amps, dtype=float), beyond)
        else:
            X = (self.x0[None, None, :] + amps[None, :, None] * V[:, None, :]).reshape(
                -1, len(self.x0))
            outs = self._outcomes(X).reshape(len(rays), self.n_radial)
            for r, o in zip(rays, outs):
                prev = 0.0
                for a, code in zip(amps, o):
                    self._record(r, int(code), prev, float(a))
                    prev = float(a)
        self.rays += rays
        self.bisect(rays, rtol=self.coarse, margin=self.coarse)
        return rays

    def reach_past(self, rays: list[_Ray], targets: list[int], rho: float) -> None:
        r"""One more kick on each ray that stayed out of a target only up to about its bound
        U: at :math:`U (1 + 2\rho^2)`, past what the ray's cell bound takes off
        (:math:`U \rho^2`, the flat-boundary floor), so that a cell whose ray stays out there
        clears U; an entry met there is bisected as a scan's are. For the first grid, whose
        rays end at the farthest open bound: where the minimum is the straight line to a node
        (the cube's far corner), that is U itself. One trajectory a ray; taking every split
        cell's rays past U as well cost 1.1-4.6 times the trajectories (entries just above U
        then split their cells down to the finest), so those are bounded at U (1 - rho^2)."""
        todo: list[tuple[_Ray, float]] = []
        for r in rays:
            if r.pending is not None:
                continue
            need = [self.upper[j] * (1 + 2 * rho * rho) for j in targets
                    if j not in r.hits and np.isfinite(self.upper.get(j, np.inf))
                    and r.top - self.upper[j] * rho * rho < self.upper[j]]
            if need:
                todo.append((r, max(need)))
        if not todo:
            return
        X = np.array([(self.x0 if r.origin is None else r.origin) + a * r.v for r, a in todo])
        for (r, a), o in zip(todo, self._outcomes(X)):
            self._record(r, int(o), r.top, a)
            if r.pending is None:
                r.top = a
        self.bisect([r for r, _ in todo], rtol=self.coarse, margin=self.coarse)

    def _record(self, r: _Ray, c: int, prev: float, a: float) -> None:
        """Outcome ``c`` at amplitude ``a`` along ``r`` (the level before at ``prev``). An
        entry's lower end is the last decided level: undecided levels before it are its band."""
        if c == UNKNOWN:
            if r.pending is None:
                r.pending = (prev, a)
            return
        lo, band = (prev, None) if r.pending is None else (r.pending[0], (r.pending[1], prev))
        r.pending = None
        if c != self.source and EXIT not in r.hits:
            r.hits[EXIT] = Hit(lo, a, band=band)
        if c != self.source and c not in r.hits and reached(c):
            r.hits[c] = Hit(lo, a, band=band)

    def _scan_up(self, rays: list[_Ray], V: Array, amps: Array, beyond: float) -> None:
        """The radial levels one at a time, each ray until its first exit or past ``beyond``
        times the best exit (see :meth:`scan`).

        A level at amplitude a is checked on as many rays as a spacing Δ (the radial one)
        across the rays needs, not on all of them: a ray is probed unless a probe of the same
        level within angle Δ / a (distance Δ at that amplitude) stayed in the source's basin;
        so a ray next to a probe that left, and to none that stayed, is probed itself. The
        kicks checked thus lie on a polar grid of spacing at most Δ in every direction (near
        the source the rays are far denser than that: probing each of them cost 60-70 % of
        the search). Where an exit lies between a probe that stayed and one that left, it is
        resolved by the cells refined around the best exit, not at this level. The angle is
        at most ``level_angle`` (0.4 rad): near the source Δ / a was up to π, one probe spoke
        for every ray, and the half-plane v < 0 where a toggle switch's Hill term v**2.5 is
        undefined (0.1228 below the source) was first met 49° off its normal; the nearest
        exit came out "certified" at 0.188 (a half-space 0.2 away in 3-D: 0.2000893). The
        cap cost 3-5 % more trajectories on the hard cases."""
        alive = np.arange(len(rays))
        S = np.array([r.s for r in rays])
        delta = float(amps[1] - amps[0]) if len(amps) > 1 else float(amps[0])
        prev = 0.0
        for a in amps:
            bound = self.upper.get(EXIT, np.inf) * beyond
            for i in alive:
                if prev > bound:
                    rays[i].top = prev
            alive = np.array([i for i in alive if prev <= bound], dtype=int)
            if not len(alive):
                break
            outs = self._level(alive, S, min(self.level_angle, delta / float(a)), V, float(a))
            for k, o in outs.items():
                self._record(rays[k], o, prev, float(a))
                if EXIT in rays[k].hits:
                    self._offer(rays[k], EXIT, rays[k].hits[EXIT])
            alive = np.array([i for i in alive if EXIT not in rays[i].hits], dtype=int)
            prev = float(a)

    def _level(self, alive: IntArray, S: Array, theta: float, V: Array, a: float
               ) -> dict[int, int]:
        """Outcomes at amplitude ``a`` of the rays probed at this level: a greedy cover of
        ``alive`` by angle ``theta``, then every ray whose probes within ``theta`` did not all
        stay in the source's basin (rays covered by a probe that stayed are not probed).
        Memory O(rays): no matrix of angles (8192 rays at ``resolution`` 4 on a rough map)."""
        cos_t = np.cos(theta)
        A = S[alive]
        near = np.full(len(alive), -2.0)  # cosine of the angle to the nearest pick
        picks: list[int] = []
        for k in range(len(alive)):
            if near[k] < cos_t:
                picks.append(k)
                near = np.maximum(near, A @ A[k])
        idx = [int(alive[k]) for k in picks]
        got = dict(zip(idx, (int(o) for o in self._outcomes(self.x0[None, :] + a * V[idx]))))
        covered = np.zeros(len(alive), bool)
        for k, i in zip(picks, idx):
            if got[i] == self.source:
                covered |= A @ A[k] >= cos_t
        rest = [int(alive[k]) for k in range(len(alive))
                if not covered[k] and int(alive[k]) not in got]
        if rest:
            got.update(zip(rest, (int(o) for o in self._outcomes(self.x0[None, :] + a * V[rest]))))
        return got

    def bisect(self, rays: list[_Ray], rtol: float | None = None, margin: float = 0.0
               ) -> None:
        """Lock-step bisection of the first entries that could still beat their target's bound
        by more than ``margin`` (relative), to ``rtol``; every entry's ``hi`` is a witness, so
        the bounds tighten as it goes."""
        rtol = self.rtol if rtol is None else rtol
        todo = [(r, j, h) for r in rays for j, h in r.hits.items() if not h.bisected
                and (self.only is None or j in self.only)]
        for _ in range(64):
            for r, j, h in todo:
                self._offer(r, j, h)
            todo = [(r, j, h) for r, j, h in todo if h.width() > rtol * h.hi
                    and h.lo < self.upper.get(j, np.inf) * (1 - margin)]
            if not todo:
                break
            mids = np.array([h.mid() for _, _, h in todo])
            X = np.array([(self.x0 if r.origin is None else r.origin) + m * r.v
                          for (r, _, _), m in zip(todo, mids)])
            outs = self._outcomes(X)
            for (r, j, h), m, o in zip(todo, mids, outs):
                h.update(float(m), self.reaches(int(o), j), int(o) != UNKNOWN)
                # the kick narrows the ray's other entries it falls inside (the targets met
                # where the exit is bisected: polishing them cost 50 kicks a node on the cube)
                for k, other in r.hits.items():
                    if other is not h and other.lo < m < other.hi:
                        other.update(float(m), self.reaches(int(o), k), int(o) != UNKNOWN)
        for r in rays:
            for j, h in r.hits.items():
                if h.width() <= self.rtol * h.hi:
                    h.bisected = True
                self._offer(r, j, h)

    @property
    def results(self) -> dict[int, Hit]:
        """Best entry per real target (the EXIT pseudo-target left out)."""
        return {j: h for j, h in self.best_hit.items() if j != EXIT}

    def reaches(self, outcome: int, j: int) -> bool:
        """Does an outcome count as reaching target ``j`` (any non-source one for EXIT)?"""
        if j == EXIT:  # another node, divergence, or stalled on the boundary; not "unknown"
            return outcome != self.source and outcome != -1
        return outcome == j

    def _offer(self, r: _Ray, j: int, h: Hit) -> None:
        """Entry ``h`` of ray ``r`` into ``j``: its ``hi`` is a witness, so a bound for j.
        The bound is lowered even when ``h`` is already the best entry: bisection narrows
        entries in place (comparing it with itself had left the bound where it started)."""
        self.upper[j] = min(self.upper.get(j, np.inf), h.hi)
        if j not in self.best_hit or h.hi < self.best_hit[j].hi:
            self.best_dir[j] = r.v
            self.best_hit[j] = h
            self.best_origin[j] = None if r.origin is None else r.origin

    def entry(self, s: Array, j: int, x0: Array | None = None, width: float = 0.02,
              rtol: float | None = None, guess: float | None = None,
              first: float | None = None, witness: float | None = None,
              margin: float = -1.0) -> float:
        """First entry of direction ``s`` (from ``x0``, default the source) into basin ``j``
        near the best value (bracketed within ``width`` of it, then bisected to ``rtol``,
        default the search's); ``inf`` when it does not enter by then. An improvement becomes
        the best value (with its start ``x0``). ``guess``: the bracket is around it instead,
        reaching out to within 5 % of the best value. ``first``: the bracket starts that
        narrow (relative) and widens fourfold, down or up, until it holds the entry: a
        caller whose entries lie within 1e-3 of the best value (the stencils of a local
        model near its minimum) pays ~2 + log2(2e-3 / rtol) kicks instead of
        ~2 + log2(2 width / rtol). ``witness``: an amplitude known to reach ``j`` (the
        bracket widens down from it; it is not kicked again). ``margin``: as in
        :meth:`bisect` (the default bisects to ``rtol`` even where it cannot beat the best
        value)."""
        if x0 is not None:
            saved, self.x0 = self.x0, x0
            try:
                return self.entry(s, j, width=width, rtol=rtol, guess=guess, first=first,
                                  witness=witness, margin=margin)
            finally:
                self.x0 = saved
        U = self.upper[j]
        if guess is not None and not (np.isfinite(guess) and guess > 0):
            guess = None  # a model's extrapolation gone wrong: the best value brackets it
        c = U if guess is None else guess
        floor, ceil = c * (1 - width), c * (1 + width)
        if guess is not None:
            floor, ceil = min(floor, U * 0.95), max(ceil, U * 1.05)
        v = self.to_v(s)
        f = width if first is None else min(first, width)
        tried: list[tuple[float, bool, bool]] = []  # (amplitude, reached, decided)

        def kick(ms: list[float]) -> list[bool]:
            o = self._outcomes(self.x0[None, :] + np.array(ms)[:, None] * v[None, :])
            got = [self.reaches(int(k), j) for k in o]
            tried.extend((m, g, int(k) != UNKNOWN) for m, g, k in zip(ms, got, o))
            return got

        if witness is not None:
            c = witness
            hi: float | None = witness
            lo = c * (1 - f)
            reached_lo = kick([lo])[0]
        else:
            lo, up = c * (1 - f), min(c * (1 + f), ceil)
            reached_lo, reached_up = kick([lo, up])
            hi = up if reached_up else None
            while hi is None and not reached_lo:  # widen up
                if up >= ceil or f > 1e6:
                    return np.inf
                f *= 4
                up = min(c * (1 + f), ceil)
                if kick([up])[0]:
                    hi = up
        while reached_lo:  # widen down to the floor; below it, from 0
            hi = lo
            if lo <= floor:
                break
            f *= 4
            lo = max(c * (1 - f), floor)
            reached_lo = kick([lo])[0]
        assert hi is not None
        hit = Hit(0.0, hi)
        for m, got, decided in sorted(tried):
            if m < hi and not got:  # stayed out, or undecided: a band
                hit.update(m, False, decided)
        ray = _Ray(s, v, {j: hit}, top=hit.hi, origin=self.x0.copy())
        self.rays.append(ray)
        self.bisect([ray], rtol=self.rtol if rtol is None else rtol, margin=margin)
        return ray.hits[j].hi

    def polish(self) -> None:
        """Bisect the best entry of every target to ``rtol``."""
        for j in list(self.best_hit):
            self.bisect([_best_ray(self, j)])

    def r_lower(self, r: _Ray, j: int) -> float:
        """Largest amplitude known (at the radial resolution) to stay out of basin ``j``."""
        h = r.hits.get(j)
        return h.lo if h is not None else r.top

    def r_mid(self, r: _Ray, j: int) -> float:
        h = r.hits.get(j)
        return 0.5 * (h.lo + h.hi) if h is not None else r.top


# -- cells on the sphere ----------------------------------------------------------------------
def _initial_cells(n: int, per_face: int) -> list[_Cell]:
    if n == 1:
        return [_Cell(np.array([s]), 0.0, (s,)) for s in (1.0, -1.0)]
    if n == 2:
        m = 8 * per_face
        edges = np.linspace(0.0, 2 * np.pi, m + 1)
        return [_circle_cell(a, b) for a, b in zip(edges[:-1], edges[1:])]
    cells = []
    g = np.linspace(-1.0, 1.0, per_face + 1)
    for face in range(6):
        for u0, u1 in zip(g[:-1], g[1:]):
            for w0, w1 in zip(g[:-1], g[1:]):
                cells.append(_face_cell(face, u0, u1, w0, w1))
    return cells


def _circle_cell(a: float, b: float) -> _Cell:
    c = 0.5 * (a + b)
    return _Cell(np.array([np.cos(c), np.sin(c)]), 0.5 * (b - a), (a, b))


def _face_point(face: int, u: float, w: float) -> Array:
    axis, sign = divmod(face, 2)
    p = np.empty(3)
    p[axis] = 1.0 if sign == 0 else -1.0
    others = [k for k in range(3) if k != axis]
    p[others[0]], p[others[1]] = u, w
    return p / np.linalg.norm(p)


def _face_cell(face: int, u0: float, u1: float, w0: float, w1: float) -> _Cell:
    c = _face_point(face, 0.5 * (u0 + u1), 0.5 * (w0 + w1))
    # gnomonic cells are convex spherical quadrilaterals: the farthest point is a corner
    rho = max(float(np.arccos(np.clip(c @ _face_point(face, u, w), -1, 1)))
              for u in (u0, u1) for w in (w0, w1))
    return _Cell(c, rho, (float(face), u0, u1, w0, w1))


def _children(c: _Cell, n: int) -> list[_Cell]:
    if n == 2:
        a, b = c.key
        m = 0.5 * (a + b)
        return [_circle_cell(a, m), _circle_cell(m, b)]
    face, u0, u1, w0, w1 = c.key
    um, wm = 0.5 * (u0 + u1), 0.5 * (w0 + w1)
    return [_face_cell(int(face), a, b, p, q) for a, b in ((u0, um), (um, u1))
            for p, q in ((w0, wm), (wm, w1))]


# -- the searches ---------------------------------------------------------------------------
def _local_slopes(S: Array, vals: Array, reach: Array, half: Array | None = None,
                  chunk: int = 512) -> Array:
    """Per ray: the largest |Δr|/angle to rays within its reach that also enter the basin
    (in blocks of ``chunk`` rays: 8192 cells, a rough map's grid at ``resolution`` 4, would
    need four 0.5 GB matrices at once). ``half``: the half-widths of the entries' brackets
    around ``vals``; |Δr| is then the gap between the two brackets, the slope the entries
    show. An entry that cannot beat its bound is left between two radial levels: the
    midpoints of two such brackets side by side, [0.166, 0.221] and [0.221, 0.579], made a
    slope of 17 that the boundary does not have, and the stated bound of a toggle switch's
    exit from its domain 0.011 against its threshold 0.1228."""
    m = len(S)
    out = np.zeros(m)
    ok = np.isfinite(vals)
    w = np.zeros(m) if half is None else np.where(ok, half, 0.0)
    for a in range(0, m, chunk):
        b = min(m, a + chunk)
        ang = np.arccos(np.clip(S[a:b] @ S.T, -1.0, 1.0))
        ang[np.arange(b - a), np.arange(a, b)] = np.inf
        near = (ang <= reach[a:b, None]) & ok[a:b, None] & ok[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            gap = np.abs(vals[a:b, None] - vals[None, :]) - w[a:b, None] - w[None, :]
            sl = np.maximum(gap, 0.0) / ang
        out[a:b] = np.where(near & np.isfinite(sl), sl, 0.0).max(axis=1)
    return out


def _flanked(gs: GlobalSearch, leaves: list[_Cell], vals: Array, j: int) -> Array:
    """On the circle: the cells whose two adjacent cells are informative — one enters basin
    ``j`` (a finite value, so a slope to it is measured) and the other too, or stays out of
    it at least as far as this cell's centre ray does (the function rises that way).

    There the slope term alone bounds the cell: a minimum hidden between two centres (a flat
    boundary whose foot lies on a cell edge, r = d / cos φ) shows as a slope to the next
    centre out, 2 d ρ at least, and 1.5 times that over ρ covers the dip d ρ² / 2. Without a
    flanking value the floor U ρ stays (a piece of the basin seen by one ray alone)."""
    # around the circle by the centres' angles (an image's key is its leaf's)
    order = np.argsort([np.arctan2(c.centre[1], c.centre[0]) % (2 * np.pi) for c in leaves])
    out = np.zeros(len(leaves), bool)
    m = len(order)
    if m < 3:
        return out
    for pos, k in enumerate(order):
        if not np.isfinite(vals[k]):
            continue
        ray = leaves[k].ray
        assert ray is not None
        mine = gs.r_lower(ray, leaves[k].target(j))
        sides = []
        for nb in (order[(pos - 1) % m], order[(pos + 1) % m]):
            other = leaves[nb].ray
            if np.isfinite(vals[nb]):
                sides.append(2)
            elif other is not None and other.top >= mine:
                sides.append(1)
            else:
                sides.append(0)
        out[k] = min(sides) >= 1 and max(sides) == 2
    return out


def _branch_and_bound(gs: GlobalSearch, n: int, targets: list[int], tol: float,
                      rho_min: float, per_face: int, seeds: list[Array], *,
                      escape_targets: bool = True, rough_slope: float = 0.0
                      ) -> dict[str, float]:
    r"""Cover the sphere of directions; split the cells near each target's minimum.

    A cell whose centre ray enters basin ``j`` at :math:`r_c` is split while
    :math:`r_c - L\rho < U_j (1 - \mathrm{tol})`, with :math:`L` 1.5 times the largest slope to
    neighbouring rays (within 2.5 ρ) that also enter it, and at least :math:`U_j \rho` (the
    slope of a flat boundary seen at angle ρ). Cells whose ray does not enter the basin below the
    scanned range are covered at their own angular size, which the result reports.
    """
    cells = _initial_cells(n, per_face)
    # r_j(g s) = r_{g^-1 j}(s) for every g fixing the source (the exit: r(g s) = r(s)): one
    # cell of each orbit is scanned, its images stand in for the others (_images)
    G, inv = _symmetries(gs, np.array([c.centre for c in cells]), targets)
    cells = _one_per_orbit(cells, G)
    # the exit alone in focus: rays stop past the best exit by more than a cell's bound can
    # reach (r_lower - U rho^2 must clear U (1 - tol) at the coarsest cell)
    beyond = 1.0 + 2.0 * max(c.rho for c in cells) ** 2 if gs.only == {EXIT} else None
    gs.level_angle = _LEVEL_ANGLE
    seeds = _distinct(seeds, G)
    if seeds:
        gs.scan(np.array(seeds), beyond=beyond)
    rays = gs.scan(np.array([c.centre for c in cells]), beyond=beyond)
    for c, r in zip(cells, rays):
        c.ray = r
    if escape_targets:  # escape met on the way is an outcome of its own: minimised like a node
        targets += [j for j in gs.best_hit if j < 0 and j not in targets]
    if np.isfinite(rho_min):  # not a screen's plain first grid
        gs.reach_past(rays, targets, max(c.rho for c in cells))
    leaves = cells
    coverage = max(c.rho for c in cells)
    rounds = 0
    while True:
        rounds += 1
        every = _images(leaves, G, inv)  # the leaves and their images: the whole sphere
        S = np.array([c.centre for c in every])
        reach = np.array([2.5 * c.rho + 1e-12 for c in every])
        open_cells: list[_Cell] = []
        opened: set[int] = set()
        lb_out: dict[int, float] = {}
        for j in targets:
            # the best known entry into j or, by symmetry, into any target of its orbit
            U = min(gs.upper.get(k, np.inf) for k in _orbit(j, inv))
            tj = [c.target(j) for c in every]
            vals = np.array([gs.r_mid(c.ray, t) if (c.ray is not None and t in c.ray.hits)
                             else np.inf for c, t in zip(every, tj)])
            half = np.array([0.5 * (c.ray.hits[t].hi - c.ray.hits[t].lo)
                             if c.ray is not None and t in c.ray.hits else 0.0
                             for c, t in zip(every, tj)])
            L = 1.5 * _local_slopes(S, vals, reach, half)
            flanked = _flanked(gs, every, vals, j) if n == 2 else np.zeros(len(every), bool)
            for k, c in enumerate(every):
                if not np.isfinite(vals[k]):
                    if c.ray is None or not np.isfinite(U):
                        continue
                    # stayed out of j up to its top: the top less the floor bounds the cell.
                    # Left out (split cells' rays end at U), the cells next to a ring of
                    # minima in 3-D made the stated bound U itself, 1.5e-5 above the minimum
                    lb = c.ray.top - max(U * c.rho, rough_slope * U) * c.rho
                    lb_out[j] = min(lb_out.get(j, np.inf), lb)
                    continue
                assert c.ray is not None
                # the flat-boundary floor U rho only where the slope has nothing to go on
                slope = L[k] if flanked[k] else max(L[k], U * c.rho)
                lb = gs.r_lower(c.ray, tj[k]) - slope * c.rho
                # a rough boundary: the bound stated assumes the level sets' slope (the
                # measured slopes say nothing about a dip between rays); cells still split
                # on the slope model
                lb_stated = gs.r_lower(c.ray, tj[k]) - max(slope, rough_slope * U) * c.rho
                lb_out[j] = min(lb_out.get(j, np.inf), lb_stated)
                # an image is opened with the leaf it stands for (their bounds are equal)
                leaf = c if c.of is None else c.of
                if lb < U * (1 - tol) and c.rho > rho_min and id(leaf) not in opened:
                    open_cells.append(leaf)
                    opened.add(id(leaf))
        if not open_cells or gs.exhausted:
            break
        kids = _one_per_orbit([kid for c in open_cells for kid in _children(c, n)], G)
        rays = gs.scan(np.array([kid.centre for kid in kids]), beyond=beyond)
        for kid, r in zip(kids, rays):
            kid.ray = r
        leaves = [c for c in leaves if id(c) not in opened] + kids
    stats = {f"lb_{j}": float(min(lb_out.get(j, np.inf), gs.upper.get(j, np.inf)))
             for j in targets}
    stats["finest"] = float(min(c.rho for c in leaves))
    stats["coverage"] = float(coverage)
    stats["rounds"] = rounds
    stats["cells"] = len(leaves)
    stats["symmetries"] = len(G)
    return stats


def _symmetries(gs: GlobalSearch, S: Array, targets: list[int]
                ) -> tuple[list[Array], list[dict[int, int] | None]]:
    """The symmetries fixing the source that the branch and bound uses: those that map the
    cells' centres ``S`` onto themselves and, unless the exit alone is sought, map every
    node to a node; with each, the inverse of its map of the targets (None: the exit)."""
    maps = dict(zip((id(g) for g in gs.stabilizer), gs.permutes or
                    [None] * len(gs.stabilizer)))
    alone = targets == [EXIT]
    G = [g for g in _keeping(S, gs.stabilizer) if alone or maps.get(id(g)) is not None]
    inv: list[dict[int, int] | None] = [
        None if alone else {b: a for a, b in (maps[id(g)] or {}).items()} for g in G]
    return G, inv


def _orbit(j: int, inv: list[dict[int, int] | None]) -> set[int]:
    """Target ``j`` and its images under the symmetries (``inv``: their inverse maps,
    whose images are those of the group's inverses, the same group)."""
    return {j} | {p.get(j, j) for p in inv if p is not None}


def _firsts(X: list[Array], G: list[Array]) -> list[int]:
    """Indices of the rows of ``X`` that neither repeat an earlier one nor are its image
    under an element of ``G`` (to 1e-9): the images of those kept cover the rest."""
    seen: set[bytes] = set()
    out = []
    for i, x in enumerate(X):
        if _key(x) in seen or any(_key(g @ x) in seen for g in G):
            continue
        seen.add(_key(x))
        out.append(i)
    return out


def _distinct(dirs: list[Array], G: list[Array]) -> list[Array]:
    """``dirs`` less repeats and images of an earlier one (the geometric candidates name
    each saddle's direction twice, and the symmetric ones once per image)."""
    return [dirs[i] for i in _firsts(dirs, G)]


def _one_per_orbit(cells: list[_Cell], G: list[Array]) -> list[_Cell]:
    """``cells`` less those that are the image of an earlier one under an element of ``G``."""
    return [cells[i] for i in _firsts([c.centre for c in cells], G)]


def _key(x: Array) -> bytes:
    """A direction to 1e-9, as a dictionary key (-0.0 made 0.0: their bytes differ)."""
    return (np.round(x, 9) + 0.0).tobytes()


def _images(leaves: list[_Cell], G: list[Array],
            inv: list[dict[int, int] | None] | None = None) -> list[_Cell]:
    r"""``leaves`` and their images under ``G`` (symmetries that fix the source): an image
    :math:`g c` has the centre :math:`g s_c`, the same angular radius and the same ray, since
    :math:`r_j(g s) = r_{g^{-1} j}(s)` (:math:`r(g s) = r(s)` for the exit); ``inv`` holds
    each element's map :math:`j \mapsto g^{-1} j` of the targets (None: the exit alone).
    With one leaf of each orbit scanned (see :func:`_one_per_orbit`) the images cover the
    sphere, the slopes between neighbours are those the full grid would show, and a cell's
    bound is that of each of its images. Images that fall on a leaf or on each other are
    left out."""
    if not G:
        return leaves
    inv = inv or [None] * len(G)
    out = list(leaves)
    seen = {_key(c.centre) for c in leaves}
    for c in leaves:
        for g, p in zip(G, inv):
            x = g @ c.centre
            k = _key(x)
            if k not in seen:
                seen.add(k)
                out.append(_Cell(x, c.rho, c.key, c.ray, of=c, perm=p))
    return out


def _local_minimum(gs: GlobalSearch, j: int, rho: float, n: int) -> None:
    """Minimise r_j over directions near the best one (Brent on the angle in 2-D; in 3-D
    steps to the minimum of a quadratic model on the tangent plane, or a compass search where
    no model is convex and the stencil found lower ground); every evaluation is a short
    bisection."""
    from scipy.optimize import minimize_scalar

    if j not in gs.best_hit or n < 2:
        return
    s0 = gs.best_dir[j] if gs.sw is None else gs.best_dir[j] / gs.sw
    s0 = s0 / np.linalg.norm(s0)
    if n == 2:
        T = np.array([[-s0[1], s0[0]]])
    else:
        q, _ = np.linalg.qr(np.column_stack([s0, np.eye(n)]))
        T = q[:, 1:n].T

    def direction(z: Array, at: tuple[Array, Array] | None = None) -> Array:
        a, B = (s0, T) if at is None else at
        s = a + np.atleast_1d(z) @ B
        return s / np.linalg.norm(s)

    def r(z: Array, width: float = 0.02, at: tuple[Array, Array] | None = None,
          first: float | None = None) -> float:
        if gs.exhausted:
            return np.inf
        return gs.entry(direction(z, at), j, width=width, first=first)

    if n == 2:
        # within 2 rho of the best ray r_j moves by well under 0.5 % (the cells there were
        # refined until their bounds closed); an angle to 1e-4 rad puts the value within
        # ~1e-8 of the minimum on a smooth boundary (each evaluation is a bisection)
        # no entry near the best value: a finite stand-in above it (inf makes Brent's
        # parabola NaN, with a warning to the user)
        minimize_scalar(lambda z: min(r(np.array([z]), 0.005), 2.0 * gs.upper[j]),
                        bounds=(-2 * rho, 2 * rho),
                        method="bounded", options={"xatol": 1e-4, "maxiter": 40})
        return
    start = gs.upper[j]
    h = 0.5 * rho
    if _precise_near(gs, j, s0, T, rho) < 8:
        # too few bisected rays near the best one to fit a model (the branch and bound
        # closed these cells without bisecting their rays): a stencil of 8 at half a cell.
        # Without it the best direction stayed where the grid put it, 0.05 rad off on a
        # torus boundary (1.5e-3 high)
        for z in np.array([[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [-1, -1], [1, -1],
                           [-1, 1]], float):
            if _known(gs, j, direction(h * z / np.linalg.norm(z))):
                continue  # the image of a kick made (the exit from a symmetric source)
            r(h * z / np.linalg.norm(z))
    for step in range(4):  # quadratic model of r_j on the tangent plane, from the rays near s0
        z_star = _quadratic_step(gs, j, s0, T, rho)
        if z_star is None:
            if step == 0 and gs.upper[j] < start * (1 - 1e-8):
                # no convex model, and the stencil found lower ground: the best is not a
                # minimum at that scale (a minimum beside a crease, where the entry distance
                # of two pieces of the boundary meet); a compass search from there
                _compass(gs, j, 0.5 * h, r)
            break
        if _known(gs, j, direction(z_star)):
            break  # the model's minimum is a ray already bisected (on a mirror, the best)
        before = gs.upper[j]
        r(z_star)
        s0 = gs.best_dir[j] if gs.sw is None else gs.best_dir[j] / gs.sw
        s0 = s0 / np.linalg.norm(s0)
        q, _ = np.linalg.qr(np.column_stack([s0, np.eye(n)]))
        T = q[:, 1:n].T
        if gs.upper[j] > before * (1 - 1e-8):
            break


def _compass(gs: GlobalSearch, j: int, h: float, r: Callable[..., float],
             h_min: float = 5e-4) -> None:
    """Compass search of r_j on the tangent plane of the best direction: the four steps of
    length ``h`` along two tangent axes; move to the first that lowers the best value, else
    halve ``h``, down to ``h_min`` rad (~2.5e-7 relative at a smooth minimum). ``r`` takes
    a tangent offset at the current best direction (see :func:`_local_minimum`)."""
    n = len(gs.x0)
    while h >= h_min and not gs.exhausted:
        s0 = gs.to_s(gs.best_dir[j])
        q, _ = np.linalg.qr(np.column_stack([s0, np.eye(n)]))
        T = q[:, 1:n].T
        before = gs.upper[j]
        for z in ((1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)):
            r(h * np.array(z), at=(s0, T), first=2e-3)
            if gs.upper[j] < before * (1 - 1e-8):
                break
        else:
            h *= 0.5


def _precise_rays(gs: GlobalSearch, j: int) -> tuple[Array, Array]:
    """Directions (rows) and midpoints of the entries into ``j`` bisected to 1e-4; for the
    exit, with their images under the symmetries that fix the source (r(g s) = r(s)): a
    minimum on a mirror has the mirrored side's values without kicks there."""
    got = [(ray.s, 0.5 * (h.lo + h.hi)) for ray in gs.rays
           if (h := ray.hits.get(j)) is not None and h.hi - h.lo <= 1e-4 * h.hi]
    if not got:
        return np.zeros((0, len(gs.x0))), np.zeros(0)
    S = np.array([s for s, _ in got])
    vals = np.array([v for _, v in got])
    if j == EXIT and gs.stabilizer:
        S = np.vstack([S] + [S @ g.T for g in gs.stabilizer])
        vals = np.tile(vals, len(gs.stabilizer) + 1)
    # one of each direction: a ray on a mirror is its own image, and a fit to copies of one
    # point has no curvature
    _, keep = np.unique(np.round(S, 9), axis=0, return_index=True)
    return S[keep], vals[keep]


def _known(gs: GlobalSearch, j: int, s: Array) -> bool:
    """Is direction ``s`` one of the precise entries (or their images), to 1e-9?"""
    S, _ = _precise_rays(gs, j)
    return bool(len(S)) and float(np.min(np.linalg.norm(S - s, axis=1))) < 1e-9


def _precise_near(gs: GlobalSearch, j: int, s0: Array, T: Array, rho: float) -> int:
    """Precise entries (:func:`_precise_rays`) within 3 rho of ``s0``: what
    :func:`_quadratic_step` fits."""
    S, _ = _precise_rays(gs, j)
    return int(np.sum(np.linalg.norm((S - s0) @ T.T, axis=1) <= 3 * rho))


def _quadratic_step(gs: GlobalSearch, j: int, s0: Array, T: Array, rho: float) -> Array | None:
    """Minimiser of a quadratic fitted to r_j on the rays nearest ``s0`` (None if the fit is
    not convex)."""
    S, vals = _precise_rays(gs, j)
    Z = (S - s0) @ T.T
    near = np.linalg.norm(Z, axis=1) <= 3 * rho
    if int(np.sum(near)) < 8:
        return None
    Z, vals = Z[near], vals[near]
    A = np.column_stack([np.ones(len(Z)), Z, 0.5 * Z[:, 0] ** 2, Z[:, 0] * Z[:, 1],
                         0.5 * Z[:, 1] ** 2])
    coef, *_ = np.linalg.lstsq(A, vals, rcond=None)
    g = coef[1:3]
    H = np.array([[coef[3], coef[4]], [coef[4], coef[5]]])
    if np.any(np.linalg.eigvalsh(H) <= 0):
        return None
    z = -np.linalg.solve(H, g)
    nz = float(np.linalg.norm(z))
    return z if nz <= 2 * rho else z * (2 * rho / nz)


def _multi_start(gs: GlobalSearch, n: int, targets: list[int], n_starts: int,
                 seeds: list[Array], rng: np.random.Generator, descent_iters: int
                 ) -> dict[int, list[float]]:
    """Random starts plus seeds; the best few per target descend by pattern search."""
    R = rng.standard_normal((n_starts, n))
    R /= np.linalg.norm(R, axis=1, keepdims=True)
    S = np.vstack([np.array(seeds).reshape(-1, n), R]) if seeds else R
    rays = gs.scan(S)
    minima: dict[int, list[float]] = {j: [] for j in targets}
    for j in targets:
        # the scan leaves hits as radial brackets: bisect the best before descending from it
        hit = sorted((r for r in rays if j in r.hits), key=lambda r: r.hits[j].hi)[:3]
        for r in hit:
            if not r.hits[j].bisected:
                gs.bisect([r])
            minima[j].append(_descend(gs, r, j, rng, descent_iters))
    return minima


def _composite_kicks(gs: GlobalSearch, n: int, targets: list[int], rng: np.random.Generator,
                     iters: int, minima: dict[int, list[float]], settled: dict[int, bool],
                     tol: float, local: str | None, rounds: int = 3,
                     early: dict[int, Array] | None = None) -> dict[int, int]:
    r"""Sums of two best kicks as starts: where reaching :math:`j` takes crossing two
    boundaries (flipping two bits of a flip-flop, two factors of a product system), the best
    kick is near :math:`w_a + w_b`, the sum of the best kicks :math:`w_a = \delta_a v_a` into
    the two targets that cross one of them each. A random start lands there with a chance
    that falls with the dimension, and a descent from the straight line to the saddle between
    (a stationary point of :math:`r_j` by symmetry) does not leave it: on the product of two
    gradient systems in 4-D the threshold across both boundaries came out
    :math:`\sqrt 2 = 1.4142` against :math:`\sqrt{\delta_a^2 + \delta_b^2} = 1.3277`, with
    both descents "at the best value". Each sum shorter than 1.01 times a target's best value
    is scanned; where its entry comes within 1 % of a target's best value, the target is
    minimised in the plane of the two kicks and descends from there (its minima join the
    multi-start's). Sums of sums
    (three boundaries) come from the next round, up to ``rounds``. Returns, per target, how
    many of its descents started from a sum. ``early``: each target's best kick before the
    local minimisation, summed too in the first round: in 200 variables the kicks that the
    normal descent lowered into a corner of two basins no longer summed to a kick into a
    third, where the kicks before it had (a flip-flop ESN's 0.410 came out 0.560)."""
    composed: dict[int, int] = {}
    done: set[tuple[int, bytes]] = set()  # (target, sum direction) already minimised
    for round_ in range(rounds):
        best = {j: [gs.best_dir[j] * gs.best_hit[j].hi] for j in targets
                if j in gs.best_hit and _from_source(gs, j)}
        for j, w in (early or {}).items() if round_ == 0 else ():
            if j in best and not np.allclose(w, best[j][0], rtol=0.0, atol=1e-6):
                best[j].append(w)
        keys = sorted(best)
        S, reach, pairs = [], [], []
        for k, a in enumerate(keys):
            for b in keys[k + 1:]:
                for wa in best[a]:
                    for wb in best[b]:
                        w = wa + wb
                        s = gs.to_s(w)
                        amp = float(np.linalg.norm(w) / np.linalg.norm(gs.to_v(s)))
                        if any(amp < gs.upper.get(j, np.inf) * (1 + _NEAR) for j in targets
                               if j not in (a, b)):
                            S.append(s)
                            reach.append(amp)
                            pairs.append((wa, wb))
        if gs.exhausted or not S:
            break
        before = {j: gs.upper.get(j, np.inf) for j in targets}
        rays = gs.scan(np.array(S), top=(1 + 2 * _NEAR) * max(reach))
        for j in targets:
            # the sum's own entry is first-order wrong (see _in_plane): minimised in its
            # plane wherever it comes near the best value, not only where it beats it
            near = [k for k, r in enumerate(rays) if j in r.hits
                    and r.hits[j].hi < before[j] * (1 + _NEAR)]
            if not near or gs.exhausted:
                continue
            k = min(near, key=lambda k: rays[k].hits[j].hi)
            key = (j, np.round(S[k], 6).tobytes())
            if key in done:
                continue
            done.add(key)
            if not rays[k].hits[j].bisected:
                gs.bisect([rays[k]])
            if iters:
                _in_plane(gs, j, *pairs[k], tol)
            minima[j].append(_descend(gs, _best_ray(gs, j), j, rng, iters))
            if local is not None and j in settled:  # it ran on the first minimum: again
                # from this one, briefly (at the kink where both boundaries are crossed at
                # once it cannot settle)
                settled[j] = _local_minimum_of(gs, j, tol, local, short=True)
                minima[j][-1] = min(minima[j][-1], gs.best_hit[j].hi)
            composed[j] = composed.get(j, 0) + 1
        if all(gs.upper.get(j, np.inf) >= before[j] * (1 - 1e-6) for j in targets):
            break
    return composed


def _cross_starts(gs: GlobalSearch, targets: list[int], minima: dict[int, list[float]],
                  settled: dict[int, bool], tol: float, local: str) -> None:
    r"""Every target's best kick as a start for the others: each best direction is
    scanned radially out to the largest bound, and a target whose entry along one of them
    beats its best value is minimised again from there (``local``); up to three rounds,
    while some target improves. In many variables the basins of targets that take
    crossing several boundaries come as tongues, and a descent from a random start settles
    at the edge of one: on the 200-unit flip-flop ESN one target's best kick from E0 came
    out 0.2726 (settled) where the line of another target's best kick enters it at
    0.2404, and another target 2.606 against 0.395 (seed 2). Against the shortest of ten
    seeds' kicks, the connections more than 1 % above it fell from 20-26 of 56 to 8-18
    (with the kink step's probe downhill, :func:`_kink_pieces`), for 10 % more
    trajectories."""
    own = [j for j in targets if j in gs.best_hit and _from_source(gs, j)]
    for _ in range(3):
        if not own or gs.exhausted:
            return
        before = {j: gs.upper.get(j, np.inf) for j in targets}
        top = max(before[j] for j in targets if j in gs.best_hit)
        gs.scan(np.array([gs.to_s(gs.best_dir[j]) for j in own]), top=top)
        own = []
        for j in targets:
            if gs.upper.get(j, np.inf) < before[j] * (1 - 1e-3) and j in gs.best_hit \
                    and _from_source(gs, j):
                settled[j] = _local_minimum_of(gs, j, tol, local)
                minima.setdefault(j, []).append(gs.best_hit[j].hi)
                own.append(j)


def _best_ray(gs: GlobalSearch, j: int) -> _Ray:
    """The ray of target ``j``'s best entry."""
    return next(r for r in gs.rays if r.hits.get(j) is gs.best_hit[j])


def _in_plane(gs: GlobalSearch, j: int, wa: Array, wb: Array, tol: float) -> None:
    r"""Minimise :math:`r_j` over the directions of the plane of :math:`w_a` and :math:`w_b`,
    near their sum (Brent on the angle, bisected entries). The sum itself is first-order
    wrong where either kick has a part along the other's boundary normal: the bent well's
    best kick, found with a component -0.003 along the double well's coordinate, put the sum
    6.5e-4 above the product's threshold. In the plane that part is taken up by the other
    kick's length, and the minimum of a product system (:math:`\alpha w_a + \beta w_b`) is
    there. The entry distance has a kink at it (both crossings at once), which Brent's
    golden sections handle and a Newton model does not. It rises there like
    :math:`r |\phi - \phi^*|`, so an angle to ``tol / 10`` puts the value within that."""
    from scipy.optimize import minimize_scalar

    e1 = wa / np.linalg.norm(wa)
    e2 = wb - (wb @ e1) * e1
    if np.linalg.norm(e2) < 1e-9 * np.linalg.norm(wb):
        return
    e2 /= np.linalg.norm(e2)
    w = wa + wb
    phi0 = float(np.arctan2(w @ e2, w @ e1))

    def r(phi: float) -> float:
        if gs.exhausted:
            return 2.0 * gs.upper[j]
        s = gs.to_s(np.cos(phi) * e1 + np.sin(phi) * e2)
        # no entry near the best value: a stand-in above it that still points back to phi0
        # (the entry distance rises like r |phi - phi0| across the kink)
        return min(gs.entry(s, j, width=0.1, first=_FIRST, rtol=max(gs.rtol, 1e-5)),
                   2.0 * gs.upper[j] * (1 + abs(phi - phi0)))

    minimize_scalar(r, bounds=(phi0 - 0.05, phi0 + 0.05), method="bounded",
                    options={"xatol": 0.1 * tol, "maxiter": 40})


_FIRST = 2e-3  # the first bracket of an entry near the best value (GlobalSearch.entry): the
# local minimisations' entries lie mostly within 1e-3 of it
_NEAR = 0.01  # a sum of two kicks within 1 % of a target's best value is minimised in its plane
_NEWTON_DIM = 9  # the tangent-space Newton step up to this dimension (n (n - 1) / 2 + n
# bisected entries a step: 45 at n = 9)


_Model = tuple[Array, Array, float, Array, Array]  # a Newton model: s0, T, r0, g, H


def _model_value(model: _Model, p: Array) -> float | None:
    """A Newton model's value at direction ``p`` (the entries of the next stencil are
    bracketed around it); None behind its tangent plane."""
    s_m, T_m, r_m, g_m, H_m = model
    if p @ s_m <= 0:
        return None
    y = T_m @ p / float(p @ s_m)  # the direction in the model's tangent coordinates
    return float(r_m + g_m @ y + 0.5 * y @ H_m @ y)


def _tangent_newton(gs: GlobalSearch, j: int, tol: float, max_steps: int = 8) -> bool:
    r"""The best direction of target ``j`` minimised by Newton steps on the tangent space of
    the sphere at it: with :math:`T` an orthonormal basis of the tangent space and
    :math:`z \mapsto r_j((s_0 + T^\top z) / \|s_0 + T^\top z\|)`, the gradient and Hessian
    come from central differences of bisected entry distances (:math:`\pm h e_i` and
    :math:`h (e_i + e_k)`), and the step :math:`-H^{-1} g` is tried within a trust radius of
    :math:`4h`; where :math:`H` is not positive definite, the most negative curvature
    direction (the straight line to a saddle between two basins is a maximum across them),
    downhill, by :math:`2h`. The spacing :math:`h` follows the steps, within
    [0.02, 0.1]: below that, the bisections' rounding (``rtol``) swamps the curvature.

    The pattern search before it keeps a direction only when one kick a margin below the best
    value reaches the target, so it stalls where the minimum is flat: the bent gradient
    system's well times a second well, in 4-D, came out 6e-4 above the true value with its
    descents agreeing. Returns whether it settled: a model step that predicts a gain below
    ``tol / 4`` (relative) at a minimum of the model. Not settled where the entry distance
    has a kink (the corner of two basins' product), where the model does not fit, or when
    the budget or ``max_steps`` ran out."""
    s0, r0 = gs.to_s(gs.best_dir[j]), gs.best_hit[j].hi
    n = len(s0)
    m = n - 1
    h = 0.05
    model: _Model | None = None
    for _ in range(max_steps):
        if gs.exhausted:
            return False
        q, _ = np.linalg.qr(np.column_stack([s0, np.eye(n)]))
        T = q[:, 1:n].T

        def r(z: Array, guess: float | None = None, s0: Array = s0, T: Array = T) -> float:
            s = s0 + z @ T
            # 1e-5 is plenty for differences over h >= 0.02 (the best one is polished after)
            return gs.entry(s / np.linalg.norm(s), j, width=0.05, rtol=max(gs.rtol, 1e-5),
                            guess=guess, first=_FIRST if guess is None else 0.5 * _FIRST)

        def predicted(z: Array, s0: Array = s0, T: Array = T,
                      model: _Model | None = model) -> float | None:
            return None if model is None else _model_value(model, s0 + z @ T)

        E = np.eye(m) * h
        rp = np.array([r(e, predicted(e)) for e in E])
        rm = np.array([r(-e, predicted(-e)) for e in E])
        if not (np.all(np.isfinite(rp)) and np.all(np.isfinite(rm))):
            kb = int(np.argmin(np.concatenate([rp, rm])))
            if min(rp.min(), rm.min()) < r0:  # no model, but a better direction: go there
                s = s0 + (E[kb] if kb < m else -E[kb - m]) @ T
                s0, r0 = s / np.linalg.norm(s), float(min(rp.min(), rm.min()))
                continue
            if h <= 0.02:
                return False
            h = max(0.02, 0.5 * h)
            continue
        g = (rp - rm) / (2 * h)
        H = np.diag((rp + rm - 2 * r0) / (h * h))
        for a in range(m):
            for b in range(a + 1, m):
                # the cross term from the last model where there is one
                guess = predicted(E[a] + E[b])
                guess = rp[a] + rp[b] - r0 if guess is None else guess
                H[a, b] = H[b, a] = (r(E[a] + E[b], guess) - rp[a] - rp[b] + r0) / (h * h)
        if not np.all(np.isfinite(H)):  # a corner of the stencil entered nowhere near
            if h <= 0.02:
                return False
            h = max(0.02, 0.5 * h)
            continue
        model = (s0, T, r0, g, H)
        lam, U = np.linalg.eigh(H)
        if lam[0] > 0:
            z = -np.linalg.solve(H, g)
            gain = 0.5 * float(-g @ z) / r0
            if gain < tol / 4:
                return True
        else:  # a saddle of r_j: leave along the negative curvature, downhill
            u = U[:, 0]
            z = -2 * h * u * np.sign(g @ u or 1.0)
        nz = float(np.linalg.norm(z))
        if nz > 4 * h:
            z *= 4 * h / nz
            nz = 4 * h
        ends = [r(z), *rp, *rm]
        cands = [z, *E, *(-E)]
        kb = int(np.argmin(ends))
        if ends[kb] >= r0:
            if h <= 0.02:
                return False
            h = max(0.02, 0.5 * h)
            continue
        s = s0 + cands[kb] @ T
        s0, r0 = s / np.linalg.norm(s), ends[kb]
        h = float(np.clip(nz, 0.02, 0.1))
    return False


def uses_saddle_frames(n: int) -> bool:
    """Does the search in ``n`` variables use the saddles' stable directions (``frames`` of
    :func:`search_node`)?"""
    return _local_method(n) == "lines"


def uses_boundary_normals(n: int) -> bool:
    """Does the search in ``n`` variables use the boundary normals from the adjoint
    (``normals`` of :func:`search_node`): the normal descent, and the kinks of the other
    local minimisations, above three variables."""
    return n > 3


def _local_method(n: int) -> str | None:
    """The local minimisation after the descents: ``newton`` up to :data:`_NEWTON_DIM`
    variables, ``lines`` up to :data:`_LINES_DIM`, ``adjoint`` beyond."""
    return "newton" if n <= _NEWTON_DIM else "lines" if n <= _LINES_DIM else "adjoint"


def _local_minimum_of(gs: GlobalSearch, j: int, tol: float, method: str,
                      short: bool = False) -> bool:
    """Target ``j``'s best direction minimised by ``method``; whether it settled (and
    ``gs.kinks`` holds ``j`` where it settled at a kink). Where the
    Newton model or the line searches do not settle, the best kick may sit at a kink
    (where they cannot): it has settled if it lies in the cone of the normals of the
    boundary's pieces that meet there (:func:`_at_kink`, with the normals from the
    adjoint where the search has them). ``short``: a brief run from a kick minimised in
    the plane of two others (:func:`_composite_kicks`), which crosses two boundaries at
    once: the kink is checked first, and the model runs only where there is none (on the
    three-factor product the model's two steps there had lowered none of 36 such kicks, for
    a fifth of all the trajectories)."""
    gs.kinks.discard(j)
    if method == "adjoint":
        return _normal_descent(gs, j, tol, max_steps=10 if short else 20)
    if short and _at_kink(gs, j, tol):
        return True
    before = gs.best_hit[j].hi
    done = (_tangent_newton(gs, j, tol, max_steps=2 if short else 8) if method == "newton"
            else _line_searches(gs, j, tol, max_sweeps=2 if short else 8))
    if done or gs.exhausted or (short and gs.best_hit[j].hi >= before):
        return done  # (short: the kink check would repeat itself where nothing moved)
    return _at_kink(gs, j, tol)


def _at_kink(gs: GlobalSearch, j: int, tol: float) -> bool:
    """Does target ``j``'s best kick lie at a kink, in the cone of the normals of the
    boundary's pieces that meet there? Up to three steps to the linearised kink
    (:func:`_kink_step`), then the check there; False without normals."""
    if gs.normal_at is None:
        return False
    rng = np.random.default_rng(j & 0xFFFF)
    for _ in range(3):  # a step to the linearised kink, then the check there
        if gs.exhausted:
            return False
        s0 = gs.to_s(gs.best_dir[j])
        ny = _normal_of(gs, s0, gs.best_hit[j])
        step = "none" if ny is None else _kink_step(gs, j, s0, ny, 0.5 * float(np.sqrt(tol)),
                                                    rng)
        if step != "moved":
            return step == "kink"
    return False


_LINES_DIM = 24  # line searches up to this dimension (bisecting an entry on every line and
# sweep made the AP 3-cube's network, 32 variables, 7x dearer; none run there)


def _line_directions(gs: GlobalSearch, j: int) -> tuple[Array, int]:
    """Directions (rows, search coordinates) for :func:`_line_searches`: the stable
    directions of the saddle that the trajectory from just below the best entry passes (on
    the boundary's near side it goes by the saddle whose stable manifold the boundary is),
    then the state coordinates; and how many of the first."""
    h = gs.best_hit[j]
    E = gs.frame_at(gs.x0 + h.lo * gs.best_dir[j]) if gs.frame_at is not None else None
    rows = [np.eye(len(gs.x0))]
    if E is not None and len(E):
        rows.insert(0, E if gs.sw is None else E / gs.sw)
    return np.vstack(rows), (0 if E is None else len(E))


_H_FLOOR = 0.002  # the finest line step (radians): a gain of ~tol / (2 lines) shows above it


def _line_searches(gs: GlobalSearch, j: int, tol: float, max_sweeps: int = 8) -> bool:
    r"""The best direction of target ``j`` minimised along lines in the sphere's tangent
    space (above :data:`_NEWTON_DIM` variables, where a Newton model costs too many
    entries): the stable directions of the saddle that trajectories from just inside the
    boundary pass, where there is one, and the state coordinates.

    Along each line, the directions at :math:`\pm h` are tested with one kick each, at
    :math:`(1 - \mu)\,r_0` with :math:`\mu` = ``tol`` / (2 × lines): where one reaches
    the target, its entry is bisected and the best is kept, and :math:`h` grows; where none
    does, :math:`h` falls fourfold, down to :data:`_H_FLOOR`. On the saddle's lines the
    first sweep also looks 0.2 and 0.4 rad away: the entry distance can leave the line to
    the saddle as flat as to fourth order (the bent well's falls by 3e-5 over 5 deg, 7e-3
    over 20 deg). It has settled (True) when a sweep at the finest step on every line gains
    nothing: no line improves the best value by :math:`\mu` at the steps tried, so all of
    them together by about ``tol / 2``; a weaker statement than a Newton model's (no cross
    terms). One kick a line and step: entries bisected on every line made a 19-variable
    design's network 13 times slower.

    Random directions do not do this in high dimension: the straight line to a saddle is a
    stationary point of the entry distance, with a descent along one direction (y in the
    bent gradient system); a random tangent direction has a part ~ 1/sqrt(n) along it, the
    pattern search's margin is not met, and the bent well times a double well and eight
    driven coordinates (11 variables) came out 1.0 for 0.8734 (14 % high). The coordinates
    alone found it there, but not with the 11 variables rotated at random: the boundary at
    the saddle is that saddle's stable manifold, and it bends along its stable
    directions."""
    s0, r0 = gs.to_s(gs.best_dir[j]), gs.best_hit[j].hi
    D, n_frame = _line_directions(gs, j)
    h = np.full(len(D), 0.02)
    # a gain below the margin on every line can add up over the lines: the margin is the
    # tolerance shared among them (a 14-variable kick 0.014 off in eight coordinates was
    # 1e-4 high, 1.2e-5 in each), but above the bisections' resolution
    margin = max(tol / (2 * len(D)), 4 * gs.rtol)
    for sweep in range(max_sweeps):
        gained = False
        for k, d in enumerate(D):
            if gs.exhausted:
                return False
            t = d - (d @ s0) * s0
            nt = float(np.linalg.norm(t))
            if nt < 0.1 * float(np.linalg.norm(d)):  # (nearly) the direction itself
                h[k] = _H_FLOOR
                continue
            t /= nt
            hk = float(h[k])
            alphas = [hk, -hk] + ([0.2, -0.2, 0.4, -0.4] if sweep == 0 and k < n_frame
                                  else [])
            S = np.array([(s0 + a * t) / np.linalg.norm(s0 + a * t) for a in alphas])
            a_test = r0 * (1 - margin)
            outs = gs._outcomes(gs.x0[None, :] + a_test * np.array([gs.to_v(z) for z in S]))
            better = [z for z, o in zip(S, outs) if gs.reaches(int(o), j)]
            if not better:
                h[k] = max(_H_FLOOR, 0.25 * hk)
                continue
            vals = [gs.entry(z, j, width=0.05, rtol=max(gs.rtol, 1e-5), first=_FIRST / 4,
                             witness=a_test) for z in better]
            kb = int(np.argmin(vals))
            if vals[kb] < r0:
                step = float(np.arccos(np.clip(better[kb] @ s0, -1.0, 1.0)))
                s0, r0, gained = better[kb], vals[kb], True
                h[k] = float(np.clip(2 * step, _H_FLOOR, 0.2))
        if not gained and np.all(h <= _H_FLOOR):
            return True
    return False


_KRYLOV = 8  # Lanczos vectors for the weakest curvature of the entry distance
_EPS_H = 0.02  # angle (rad) of the normal differences that stand for Hessian products
_RTOL_H = 1e-5  # their entries' bisection: the normals' spread from it is far below EPS_H


def _normal_of(gs: GlobalSearch, s: Array, h: Hit) -> Array | None:
    """The basin boundary's normal in search coordinates (unit, pointing away from the
    source) where direction ``s`` meets it, from the states at the ends of its bisected
    bracket ``h`` (the near one's trajectory passes the saddle whose stable manifold the
    boundary is, or the two separate along the boundary's unstable direction). None where
    neither gives it. Two trajectories are counted for it."""
    if gs.normal_at is None:
        return None
    v = gs.to_v(s)
    nu = gs.normal_at(gs.x0 + h.lo * v, gs.x0 + h.hi * v)
    gs.used += 2
    if nu is None:
        return None
    ny = nu if gs.sw is None else nu * gs.sw  # a covector: x = x0 + sw * y
    ny = ny / np.linalg.norm(ny)
    return ny if ny @ s >= 0 else -ny


def _boundary_normal(gs: GlobalSearch, s: Array, j: int, rtol: float, guess: float
                     ) -> tuple[float, Array] | None:
    """The entry distance of direction ``s`` into ``j``, bisected to ``rtol`` from a
    bracket 0.2 % around ``guess``, and the boundary's normal there (:func:`_normal_of`);
    None where it does not enter or no saddle gives the normal."""
    val = gs.entry(s, j, width=2e-3, rtol=rtol, guess=guess)
    if not np.isfinite(val):
        return None
    ny = _normal_of(gs, s, gs.rays[-1].hits[j])
    return None if ny is None else (val, ny)


def _sphere_gradient(r: float, s: Array, ny: Array) -> Array:
    r"""The gradient of the entry distance on the sphere at ``s``: the boundary
    :math:`g(r(s)\,s) = 0` gives :math:`\nabla r = -r\,(n - (n \cdot s)\,s) / (n \cdot s)`."""
    return -r * (ny - (ny @ s) * s) / max(float(ny @ s), 1e-3)


def _weakest_curvature(gs: GlobalSearch, j: int, s0: Array, r0: float, g0: Array,
                       rng: np.random.Generator) -> tuple[float, Array] | None:
    r"""The smallest eigenvalue of the entry distance's Hessian on the sphere's tangent space
    at ``s0``, and its direction, by :data:`_KRYLOV` Lanczos steps. A Hessian product
    :math:`H u` is the difference of the gradients (:func:`_sphere_gradient`, from adjoint
    normals) at :math:`s_0` and :math:`s_0 + \epsilon u`, so it costs one entry and one
    normal. Where the boundary is flat, :math:`H = r I`; its bends toward the source lower
    that along a few directions, which Lanczos finds first. None where a normal is missing."""
    n = len(s0)
    P = np.eye(n) - np.outer(s0, s0)
    q = P @ rng.standard_normal(n)
    Q = [q / np.linalg.norm(q)]
    alpha: list[float] = []
    beta: list[float] = []
    for k in range(min(_KRYLOV, n - 1)):
        if gs.exhausted:
            return None
        s = s0 + _EPS_H * Q[k]
        s /= np.linalg.norm(s)
        # r to second order where the boundary is flat: a bracket 25 times narrower
        got = _boundary_normal(gs, s, j, _RTOL_H, r0 + _EPS_H * float(g0 @ Q[k])
                               + 0.5 * _EPS_H ** 2 * r0)
        if got is None:
            return None
        w = P @ (_sphere_gradient(got[0], s, got[1]) - g0) / _EPS_H
        alpha.append(float(Q[k] @ w))
        for qq in Q:  # full reorthogonalisation: the products are noisy
            w -= (qq @ w) * qq
        b = float(np.linalg.norm(w))
        if b < 1e-9 * max(1.0, abs(alpha[-1])) or k == min(_KRYLOV, n - 1) - 1:
            break
        beta.append(b)
        Q.append(w / b)
    m = len(alpha)
    T = np.diag(alpha) + np.diag(beta[:m - 1], 1) + np.diag(beta[:m - 1], -1)
    lam, C = np.linalg.eigh(T)
    u = np.array(Q[:m]).T @ C[:, 0]
    return float(lam[0]), u / np.linalg.norm(u)


def _gradient_step(gs: GlobalSearch, j: int, s0: Array, t: Array, r0: float, beta: float,
                   grow: float) -> float:
    """From ``s0`` downhill along the tangent ``t`` by ``grow`` times ``beta`` (the angle to
    the normal), doubled while the entry distance keeps falling (up to 0.5 rad) or
    quartered twice until it falls; each try one bisected entry. Returns the step taken
    over ``beta``, the next step's ``grow`` (0: no step lowered it). Along a flat direction
    the minimum is many times the angle to the normal away: the bent well's lies 0.5 rad
    from the line to its saddle, where the normal is 0.1 deg from the kick, and steps of
    the angle alone took 12 normals to get 0.3 % of the way down."""
    phi = min(grow * beta, 0.5)

    def at(a: float) -> float:
        return gs.entry(np.cos(a) * s0 + np.sin(a) * t, j, width=0.05, first=_FIRST)

    best, taken = r0, 0.0
    for a in (phi, phi / 4, phi / 16):
        v = at(a)
        if v < best:
            best, taken = v, a
            break
    if not taken:
        return 0.0
    while 2 * taken <= 0.5 and not gs.exhausted:
        v = at(2 * taken)
        if v >= best:
            break
        best, taken = v, 2 * taken
    return taken / beta


_KINK_PROBES = 8  # short steps from the entry point that look for other boundaries there


def _kink_pieces(gs: GlobalSearch, j: int, s0: Array, ny0: Array,
                 rng: np.random.Generator) -> list[tuple[Array, Array]]:
    """The pieces of basin ``j``'s boundary that meet near the best entry, as (point,
    normal into ``j``) in search coordinates: the piece the best ray crosses, and those that
    steps of 2 % of the entry distance from the entry point along tangent directions leave
    ``j`` by (each bisected, its normal from :func:`_normal_of`'s oracle). The first
    direction is downhill for the crossed piece (where the gradient step has just failed:
    the other piece is there; on a flip-flop ESN a basin's tongue ended 0.003-0.01 rad
    that way, and random directions in 200 variables missed it), the others random. A
    piece whose normal is within 5 deg of one already found is the same piece."""
    h = gs.best_hit[j]
    y_in = h.hi * s0
    pieces = [(h.lo * s0, ny0)]
    U = rng.standard_normal((_KINK_PROBES, len(s0)))
    t = ny0 - (ny0 @ s0) * s0
    if np.linalg.norm(t) > 1e-9:  # downhill for the crossed piece: where a step failed
        U[0] = t
    U -= np.outer(U @ s0, s0)
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    eps = 0.02 * h.hi
    to_x = (lambda y: gs.x0 + y) if gs.sw is None else (lambda y: gs.x0 + gs.sw * y)
    outs = gs._outcomes(np.array([to_x(y_in + eps * u) for u in U]))
    if gs.normal_at is None:
        return pieces
    U = U[[not gs.reaches(int(o), j) and int(o) != UNKNOWN for o in outs]]
    lo, hi = np.zeros(len(U)), np.full(len(U), eps)  # in j at lo, out at hi
    while len(U) and np.max(hi - lo) > max(gs.rtol, 1e-9) * h.hi and not gs.exhausted:
        m = 0.5 * (lo + hi)  # all probes in lock step: one batch of kicks a halving
        inside = np.array([gs.reaches(int(o), j) for o in
                           gs._outcomes(np.array([to_x(y_in + a * u) for a, u in zip(m, U)]))])
        lo, hi = np.where(inside, m, lo), np.where(inside, hi, m)
    for u, a_lo, a_hi in zip(U, lo, hi):
        # an exit on the crossed piece's tangent plane (within 3 deg as seen from the entry
        # point: its curvature bends it 0.6 deg over the 2 % step) is that piece: no normal
        # for it (half the probes leave that way at once; each normal is two trajectories
        # and an adjoint pull-back, most of this check's time on a 4-variable product)
        if abs(float(ny0 @ (y_in + a_hi * u - pieces[0][0]))) <= \
                0.05 * a_hi + (h.hi - h.lo):
            continue
        nu = gs.normal_at(to_x(y_in + a_hi * u), to_x(y_in + a_lo * u))
        gs.used += 2
        if nu is None:
            continue
        ny = nu if gs.sw is None else nu * gs.sw
        ny = ny / np.linalg.norm(ny)
        ny = -ny if ny @ u > 0 else ny  # into j: leaving j along u
        if all(abs(float(ny @ q)) < np.cos(np.radians(5.0)) for _, q in pieces):
            pieces.append((y_in + a_hi * u, ny))
    return pieces


def _nearest_in_cone(pieces: list[tuple[Array, Array]]) -> Array | None:
    r"""The shortest :math:`y` with :math:`n_k \cdot (y - b_k) \ge 0` for every piece
    :math:`(b_k, n_k)` (the basin linearised at its boundary pieces): over the active sets of
    at most three pieces, :math:`y = N_A^\top \lambda` with
    :math:`N_A N_A^\top \lambda = c_A`, :math:`\lambda \ge 0`, feasible for the others."""
    from itertools import combinations

    N = np.array([q for _, q in pieces])
    c = np.array([float(q @ b) for b, q in pieces])
    best: Array | None = None
    for k in range(1, min(3, len(pieces)) + 1):
        for A in combinations(range(len(pieces)), k):
            NA = N[list(A)]
            try:
                lam = np.linalg.solve(NA @ NA.T, c[list(A)])
            except np.linalg.LinAlgError:
                continue
            y = NA.T @ lam
            if np.all(lam >= -1e-12) and np.all(N @ y >= c - 1e-9 * np.abs(c).max()) and \
                    (best is None or y @ y < best @ best):
                best = y
    return best


def _kink_step(gs: GlobalSearch, j: int, s0: Array, ny0: Array, b_tol: float,
               rng: np.random.Generator) -> str:
    """Where the gradient step finds nothing lower: is the best kick at a kink, where
    several pieces of the boundary meet (crossing two boundaries at once, as flipping two
    factors of a product)? There the minimum is the shortest kick into the basin
    linearised at its pieces (:func:`_nearest_in_cone`), and the kick lies in the cone of
    their normals. Returns ``"moved"`` (the linearised minimum's direction entered lower),
    ``"kink"`` (the kick is within ``b_tol`` of the cone: a minimum to first order) or
    ``"none"`` (one piece only, or neither)."""
    from scipy.optimize import nnls

    pieces = _kink_pieces(gs, j, s0, ny0, rng)
    if len(pieces) < 2 or gs.exhausted:
        return "none"
    r0 = gs.best_hit[j].hi
    y = _nearest_in_cone(pieces)
    if y is not None and float(np.linalg.norm(y)) > 0:
        s = y / np.linalg.norm(y)
        w = s - (s @ s0) * s0
        theta = float(np.arctan2(np.linalg.norm(w), s @ s0))
        if theta > b_tol:
            # the whole step, then a quarter and a sixteenth of it: pieces that bend
            # away within the step (a flip-flop ESN's tongue of a basin: its edge
            # 0.003-0.01 rad from the best kick, the wedge's minimum 0.5 rad away)
            w /= np.linalg.norm(w)
            y_n = float(np.linalg.norm(y))
            for f in (1.0, 0.25, 0.0625):
                z = np.cos(f * theta) * s0 + np.sin(f * theta) * w
                if gs.entry(z, j, width=0.05, guess=r0 + f * (y_n - r0)) < r0:
                    return "moved"
    N = np.array([q for _, q in pieces])
    lam, res = nnls(N.T, s0)
    if res < np.sin(b_tol) and np.count_nonzero(lam > 1e-9) >= 2:
        gs.kinks.add(j)
        return "kink"
    return "none"


def _normal_descent(gs: GlobalSearch, j: int, tol: float, max_steps: int = 20) -> bool:
    r"""The best direction of target ``j`` minimised with the boundary's normal from the
    adjoint (above :data:`_LINES_DIM` variables, where line searches cost too many entries):
    the normal :math:`n` at the boundary point that the best kick reaches is the gradient of
    the entry distance (:func:`_sphere_gradient`), and at a minimum the kick is along it.
    Each step turns the kick towards :math:`n` (:func:`_gradient_step`): first by a
    Barzilai-Borwein length from the last two gradients (the angle :math:`\beta` between
    kick and normal at first, the minimum of a flat boundary), doubled while the entry
    distance falls, quartered twice until it does; one normal and a few bisected entries a
    step.

    First order is not enough: the straight line to a saddle between two basins is a
    stationary point whose normal is the kick itself, and a bent boundary leaves it
    downhill (the bent gradient system times a double well and 27 driven coordinates, 30
    variables, came out 1.0 for 0.8734, 14 % high, with the pattern search alone). Where
    :math:`\beta < \sqrt{tol} / 2` the weakest curvature is found by Lanczos
    (:func:`_weakest_curvature`); below half the flat boundary's, the kick also looks
    0.05-0.4 rad away along it (one kick each, a margin ``tol`` / 4 below the best value;
    bisected where it reaches). Settled (True): the kick is within :math:`\sqrt{tol} / 2`
    of the normal (a gradient step gains about :math:`\beta^2 / 2` relative where the
    curvature is that of a flat boundary) and no look along the weakest curvature gains;
    or, where no step lowers the value, the kick lies in the cone of the normals of the
    boundary's pieces that meet there (:func:`_kink_step`). Without a normal
    (:func:`_normal_of`) it is not settled."""
    rng = np.random.default_rng(j & 0xFFFF)
    b_tol = 0.5 * float(np.sqrt(tol))
    grow = 1.0  # the last step's length over the angle to the normal
    prev: tuple[Array, Array] | None = None  # the last direction and gradient
    for _ in range(max_steps):
        if gs.exhausted:
            return False
        s0, r0 = gs.to_s(gs.best_dir[j]), gs.best_hit[j].hi
        ny = _normal_of(gs, s0, gs.best_hit[j])
        if ny is None:
            return False
        t = ny - (ny @ s0) * s0
        beta = float(np.arctan2(np.linalg.norm(t), ny @ s0))
        if beta >= b_tol:
            g = _sphere_gradient(r0, s0, ny)
            if prev is not None:  # Barzilai-Borwein: the step from the last two gradients
                ds, dg = s0 - prev[0], g - (prev[1] - (prev[1] @ s0) * s0)
                if ds @ dg > 0:
                    grow = float(ds @ ds / (ds @ dg)) * float(np.linalg.norm(g)) / beta
            prev = (s0, g)
            t /= np.linalg.norm(t)
            grow = _gradient_step(gs, j, s0, t, r0, beta, grow)
            if grow:
                continue
            kink = _kink_step(gs, j, s0, ny, b_tol, rng)
            if kink != "moved":
                return kink == "kink"
            grow, prev = 1.0, None
            continue
        weak = _weakest_curvature(gs, j, s0, r0, _sphere_gradient(r0, s0, ny), rng)
        if weak is None:
            return False
        if gs.best_hit[j].hi < r0 * (1 - 1e-9):
            # an entry of the Lanczos probes went lower: the best kick is no longer s0,
            # and what was found about s0 says nothing of it (the bent map's overshoot
            # basin: "settled" at 0.924888 with the kick 0.014 rad from its normal, the
            # minimum 0.924779). From there
            prev = None
            continue
        lam, u = weak
        if lam >= 0.5 * r0:  # as curved as a flat boundary's at least: a minimum
            return True
        u = u - (u @ s0) * s0
        u /= np.linalg.norm(u)
        S = np.array([np.cos(a) * s0 + np.sin(a) * u
                      for a in (0.05, -0.05, 0.1, -0.1, 0.2, -0.2, 0.4, -0.4)])
        a_test = r0 * (1 - 0.25 * tol)
        outs = gs._outcomes(gs.x0[None, :] + a_test * np.array([gs.to_v(z) for z in S]))
        better = [z for z, o in zip(S, outs) if gs.reaches(int(o), j)]
        if not any(gs.entry(z, j, width=0.5) < r0 for z in better):
            return True
        prev = None  # moved off the gradient path: no Barzilai-Borwein from the last step
    return False


def _from_source(gs: GlobalSearch, j: int) -> bool:
    """Is target ``j``'s best kick from the search's source point (not another point of the
    source attractor)?"""
    o = gs.best_origin.get(j)
    return o is None or bool(np.array_equal(o, gs.x0))


def _descend(gs: GlobalSearch, r: _Ray, j: int, rng: np.random.Generator, iters: int) -> float:
    """Pattern search over the sphere on r_j: a candidate direction is kept when one kick just
    below the best value already reaches ``j`` (then it is bisected); the step shrinks on
    failure. One trajectory per candidate, not a radial scan."""
    best_s, best_h = r.s, r.hits[j]
    step = 0.2
    n = len(r.s)
    for _ in range(iters):
        if gs.exhausted or step < 1e-3:
            break
        T = rng.standard_normal((2, n))
        T -= np.outer(T @ best_s, best_s)
        T /= np.maximum(np.linalg.norm(T, axis=1, keepdims=True), 1e-300)
        S = np.vstack([best_s + step * T, best_s - step * T])
        S /= np.linalg.norm(S, axis=1, keepdims=True)
        a = best_h.hi * (1 - min(0.01, 0.25 * step * step))
        V = np.array([gs.to_v(s) for s in S])
        outs = gs._outcomes(gs.x0[None, :] + a * V)
        good = [k for k, o in enumerate(outs) if int(o) == j]
        if not good:
            step *= 0.5
            continue
        k = good[0]
        # bracketed down from the kick that reached, to 1e-5: the local minimisation after
        # the descents refines the best of them (and the best is polished to rtol)
        gs.entry(S[k], j, width=0.1, rtol=max(gs.rtol, 1e-5), first=_FIRST, witness=a,
                 margin=0.0)
        ray = gs.rays[-1]
        if ray.hits[j].hi < best_h.hi:
            best_s, best_h = ray.s, ray.hits[j]
        step *= 1.5
    return best_h.hi


def _minimal_seeds(gs: GlobalSearch, targets: list[int], rng: np.random.Generator,
                   minima: dict[int, list[float]], starts: int, shrink: float = 0.97,
                   iters: int = 20) -> dict[int, int]:
    r"""Minimal seeds (Pringle & Kerswell's method for the smallest perturbation that
    triggers transition to turbulence): at a fixed amplitude :math:`a`, the kick's
    direction ascends towards target ``j`` (:func:`_ascend`: against the gradient of the
    trajectory's closest approach to the node, from the adjoint) until a kick reaches it;
    its entry is bisected, and the search goes on at ``shrink`` times that entry from the
    direction it found, until no ascent reaches ``j`` within ``iters`` steps. From the
    target's best direction, and ``starts - 1`` random ones at twice the smaller of its
    best value and the median of the source's targets' (doubled up to twice its own while
    no ascent reaches it): a far best value from the random starts of the multi-start
    (1.57 for a 0.33 threshold of the ESN) had put them where ascents stall (2.75, 1.25,
    none), and the connection came out 37 % high; 20 % now. Each run's last entry joins
    ``minima``. Returns, per target, how many runs reached it.

    In many variables a random direction meets a basin only far out, and a descent over
    the directions from there (pattern, normal) settles at the edge of whichever tongue of
    the basin it met first: on the 200-unit flip-flop ESN, six seeds gave E0 -> E6 at
    0.318-0.542 and E0 -> E7 at 0.328-0.468, with 10-20 of the 56 connections more than 1 %
    above the best of them. The ascent follows how the kick's trajectory moves towards the
    target, which is smooth where the entry distance is not (the transient growth that
    makes these thresholds 10-25 times shorter than the distances to the saddles)."""
    runs: dict[int, int] = {}
    own = [gs.best_hit[j].hi for j in targets if j in gs.best_hit and _from_source(gs, j)]
    scale = float(np.median(own)) if own else np.inf
    for j in targets:
        if j not in gs.best_hit or not _from_source(gs, j) or gs.exhausted:
            continue
        r0 = gs.best_hit[j].hi
        S = [gs.to_s(gs.best_dir[j])] + list(rng.standard_normal((starts - 1, len(gs.x0))))
        for k, s in enumerate(S):
            a = r0 * shrink if k == 0 else 2.0 * min(r0, scale)
            s = s / np.linalg.norm(s)
            last = np.inf
            while not gs.exhausted:
                got = _ascend(gs, j, s, a, iters)
                if got is None and k > 0 and not np.isfinite(last) and a < 2.0 * r0:
                    a = min(2.0 * a, 2.0 * r0)  # the first amplitude too low to reach j
                    continue
                if got is None:
                    break
                s = got
                # witnessed at a by the ascent's own trajectory: bracketed down from there
                # (to 1e-3: the local minimisation polishes the best)
                last = gs.entry(s, j, width=0.6, first=0.05, witness=a,
                                rtol=max(gs.rtol, 1e-3), margin=0.0)
                if not np.isfinite(last):
                    break
                a = last * shrink
            if np.isfinite(last):
                minima.setdefault(j, []).append(last)
                runs[j] = runs.get(j, 0) + 1
    return runs


def _ascend(gs: GlobalSearch, j: int, s: Array, a: float, iters: int) -> Array | None:
    r"""Turn direction ``s`` at amplitude ``a`` towards target ``j``: steps along the
    sphere against the gradient of the closest approach :math:`D` of the kick's trajectory
    to ``j`` (``gs.approach_at``), an angle that grows 1.5-fold after a step that lowers
    :math:`D` and halves after one that does not. Returns the first direction whose kick
    is captured by ``j`` (confirmed by the oracle), None when ``iters`` steps, the step
    length (below 1e-3 rad) or the budget run out. One trajectory a step."""
    at = gs.approach_at
    assert at is not None
    sw = 1.0 if gs.sw is None else gs.sw

    def approach(z: Array) -> tuple[float, Array, int] | None:
        gs.used += 1
        return at(gs.x0 + a * gs.to_v(z), j)

    cur = approach(s)
    if cur is not None and cur[2] == j and _confirmed(gs, j, s, a):
        return s
    step = 0.3
    for _ in range(iters):
        if cur is None or gs.exhausted or step < 1e-3:
            return None
        g = cur[1] * sw  # the gradient in search coordinates (x = x0 + a sw s)
        t = g - (g @ s) * s
        nt = float(np.linalg.norm(t))
        if nt == 0.0:
            return None
        z = s - step * t / nt
        z /= np.linalg.norm(z)
        nxt = approach(z)
        if nxt is None or nxt[0] >= cur[0]:
            step *= 0.5
            continue
        s, cur, step = z, nxt, 1.5 * step
        if cur[2] == j and _confirmed(gs, j, s, a):
            return s
    return None


def _confirmed(gs: GlobalSearch, j: int, s: Array, a: float) -> bool:
    """Does the oracle (whose verdict every threshold rests on) send kick ``a s`` to ``j``?"""
    return gs.reaches(int(gs._outcomes(gs.x0[None, :] + a * gs.to_v(s)[None, :])[0]), j)


def search_node(
    oracle: OutcomeOracle,
    x0: Array,
    source: int,
    upper: dict[int, float],
    seeds: list[Array],
    *,
    weights: Array | None = None,
    rtol: float = 1e-6,
    tol: float = 1e-4,
    budget: int = 40000,
    n_starts: int = 16,
    seed: int = 0,
    nearest_only: bool = False,
    coarse: bool = False,
    rough: bool = False,
    resolution: int = 1,
    reach: float = 1.0,
    frames: Callable[[Array], Array | None] | None = None,
    normals: Callable[[Array, Array], Array | None] | None = None,
    approach: Approach | None = None,
    seed_starts: int = 6,
    stabilizer: list[Array] | None = None,
    permutes: list[dict[int, int] | None] | None = None,
) -> tuple[GlobalSearch, dict[int, ThresholdCertificate]]:
    """Global search from one source; returns the search state and a certificate per target.

    ``upper`` holds known upper bounds (witnessed thresholds, distances to target nodes);
    ``seeds`` are kick directions worth scanning first (the geometric candidates);
    ``resolution`` k makes the first grid k times denser in angle and, for the exit-only
    search, the radial levels k times closer; ``reach`` is how far rays are scanned while no
    upper bound is open (a single node: the escapes are found up to it); ``frames`` gives the
    stable directions of the saddle that the trajectory from a state passes, for the line
    searches (see :func:`uses_saddle_frames`); ``normals`` the normal of the basin boundary
    between two states on either side of it, for the normal descent (see
    :func:`uses_boundary_normals`); ``approach`` the closest approach of the trajectory from
    a state to a target node, with its gradient, for the minimal seeds (see
    :func:`_minimal_seeds`), from ``seed_starts`` directions per target; ``stabilizer`` the
    model's symmetries that fix ``x0``
    (orthogonal, mixing only variables of equal weight): the exit radius is the same along
    v and Rv, so the level sets of a rough boundary probe one direction of each orbit (of
    the symmetries that keep their grid, :func:`_keeping`); ``permutes`` for each of them
    the node it maps each node to (None where some node's image is not a node): those also
    shorten the search for every target, r_{g j}(g v) = r_j(v).
    """
    n = len(x0)
    sw = None if weights is None else 1.0 / np.sqrt(weights)

    def to_v(s: Array) -> Array:
        return s if sw is None else s * sw

    if upper and n <= 3:
        upper = {**upper, EXIT: min(upper.values())}
    gs = GlobalSearch(oracle, x0, source, to_v, upper, rtol=rtol, budget=budget,
                      n_radial=_SCREEN_RADIAL if coarse else 8 * (resolution if nearest_only
                                                                  else 1),
                      resolution=resolution, reach=reach)
    gs.sw = sw
    gs.stabilizer = list(stabilizer or [])
    gs.permutes = list(permutes or [None] * len(gs.stabilizer))
    gs.frame_at = frames
    gs.normal_at = normals
    gs.approach_at = approach
    gs.seed_starts = seed_starts
    targets = sorted(j for j in upper if j != source)
    seeds_s = [gs.to_s(v) for v in seeds]
    if n <= 3 and nearest_only and EXIT in targets and not coarse:
        certs = _nearest_grid(gs, n, targets, seeds_s, tol=tol, seed=seed, rough=rough)
    elif n <= 3:
        certs = _direction_grid(gs, n, targets, seeds_s, tol=tol, seed=seed, coarse=coarse,
                                rough=rough)
    else:
        certs = _multi_start_search(gs, n, targets, seeds_s, tol=tol, n_starts=n_starts,
                                    seed=seed, coarse=coarse)
    certs.pop(EXIT, None)
    return gs, certs


def _grid_size(gs: GlobalSearch, n: int, coarse: bool, rough: bool) -> tuple[int, float]:
    """The first grid's cells per face (arcs of the circle / 8) and the smallest cell
    (``gs.resolution`` times denser and smaller)."""
    k = gs.resolution
    # a rough (fractal) boundary: the exit is refined by level sets afterwards; in 3-D the
    # first grid is denser too (it bounds the other targets)
    per_face = 16 if n == 2 else (6 if rough else 3)
    if coarse:  # screening several source points: the plain first grid only
        return (4 if n == 2 else 2) * k, np.inf
    return per_face * k, (0.01 if n == 2 else 0.08) / k


def _minimise(gs: GlobalSearch, j: int, rho: float, n: int, rough: bool) -> float:
    """The best direction of target ``j`` minimised locally: Brent / a quadratic model where
    r_j is smooth; for the exit from a fractal boundary, level sets refined over all
    directions (:func:`_level_sets`). Returns the angular resolution reached there."""
    if j == EXIT and rough:
        return min(rho, _level_sets(gs, n, shrink=4 if n == 2 else 2,
                                    h_min=3e-5 if n == 2 else 2e-3))
    _local_minimum(gs, j, rho, n)
    return rho


def _level_sets(gs: GlobalSearch, n: int, eta: float = _LEVEL_ETA, shrink: int = 4,
                h_min: float = 3e-5) -> float:
    r"""Rough boundaries: the directions where the exit radius r comes within a factor
    :math:`1 + \eta` of the best exit U, refined level by level.

    A grid of spacing h (0.025 rad in 2-D) is probed at :math:`U (1 + \eta)` and
    :math:`U (1 + \eta / 2)`; around every ray that left the basin at either, a grid
    ``shrink`` times finer (covering the old spacing each side) is probed at the next,
    ``shrink`` times smaller, η; and so on down to ``h_min``. Each level's rays that leave
    below U itself are bisected (in lock-step, while they can still beat the best), so U
    follows the levels down.

    Why not the slope model of the first grid: on a fractal boundary r has narrow dips
    (Newton maps of cubics and quartics: 0.3-1 % deep, a few 1e-3 rad wide), a cell's
    neighbours say nothing about a dip between them, and the best of a coarse grid lay
    0.3-1.7 % above the minimum. Two amplitudes per level, because past its first exit a ray
    crosses slivers of the source's basin again (one probe missed the cubic's minimum that
    way). The level sets assume that near its minimum r rises by less than
    :math:`2 \eta / h` (relative, per radian: 6.5 here) — then each level's set is wider than
    its spacing and has a probe in it, down to the last.

    Returns the last spacing (the angular resolution the result states)."""
    U0 = gs.upper.get(EXIT, np.inf)
    if not np.isfinite(U0):
        return np.inf
    S, h = _level_grid(n, gs.resolution)
    S = _fundamental(S, _keeping(S, gs.stabilizer), h)
    while not gs.exhausted:
        U = gs.upper[EXIT]
        V = np.array([gs.to_v(x) for x in S])
        went = np.zeros(len(S), bool)
        for f in (1.0, 0.5):  # two amplitudes: see the docstring
            o = gs._outcomes(gs.x0 + U * (1 + f * eta) * V[~went])
            went[np.flatnonzero(~went)] = [gs.reaches(int(c), EXIT) for c in o]
        if went.any():  # which of them beat U itself: bisected from there
            idx = np.flatnonzero(went)
            o2 = gs._outcomes(gs.x0 + U * (1 - 1e-9) * V[idx])
            rays = [_Ray(S[m], V[m], {EXIT: Hit(0.0, U * (1 - 1e-9))}, top=U,
                         origin=gs.x0.copy()) for m, c in zip(idx, o2)
                    if gs.reaches(int(c), EXIT)]
            if rays:
                lo = U * (1 - 4 * eta)  # a dip deeper than 4 η: bisected from zero
                o3 = gs._outcomes(gs.x0 + lo * np.array([r.v for r in rays]))
                for r, c in zip(rays, o3):
                    if not gs.reaches(int(c), EXIT):
                        r.hits[EXIT].update(lo, False, int(c) != UNKNOWN)
                gs.rays += rays
                gs.bisect(rays, margin=0.0)
        if h / shrink < h_min or not went.any():
            break
        S = _finer(S[went], h, shrink, n)
        h, eta = h / shrink, eta / shrink
    return h


def _level_grid(n: int, resolution: int) -> tuple[Array, float]:
    """The level sets' first grid of directions and its spacing h."""
    cells = _initial_cells(n, (32 if n == 2 else 6) * resolution)
    h = 2.0 * float(max(c.rho for c in cells)) / (1.0 if n == 2 else np.sqrt(2.0))
    return np.array([c.centre for c in cells]), h


def _keeping(S: Array, G: list[Array]) -> list[Array]:
    """The elements of ``G`` (a group) that map the directions ``S`` onto themselves: a
    subgroup, since products and inverses of such maps keep ``S`` too. With those, the level
    sets over a fundamental domain probe exactly one direction of each orbit of the full
    grid's probes, and (on the circle, whose finer lattices those elements keep too) decide
    as the full grid would. An element that moves the grid (the reflection through the cubic's root e^{2πi/3} moves the circle's lattice
    by a third of a step) would trade the full grid's probes of its images, which fall
    between the domain's, for the saving: on the 3-D cubic × contraction one root's
    minimum came out 3e-5 higher that way."""
    return [g for g in G if float(np.min(np.max((S @ g.T) @ S.T, axis=1))) > 1.0 - 1e-12]


def _fundamental(S: Array, G: list[Array], h: float) -> Array:
    r"""The rows of ``S`` within angle h of the Dirichlet domain of the group ``G`` (orthogonal,
    identity excluded) around a generic direction c: :math:`\langle s, c - g c \rangle \ge
    -\sin(h) |c - g c|` for every g. Every direction is the image of one in the domain, so a
    function with r(g s) = r(s) is probed on the whole sphere by a grid of spacing h there;
    the band of one spacing outside it keeps a set that straddles the domain's edge probed
    (its part inside may be narrower than h)."""
    if not G:
        return S
    n = S.shape[1]
    rng = np.random.default_rng(11)
    for _ in range(16):  # generic: moved by every element (c on a mirror would be fixed)
        c: Array = rng.standard_normal((n,))
        c = c / np.linalg.norm(c)
        D = np.array([c - g @ c for g in G])
        if float(np.min(np.linalg.norm(D, axis=1))) > 0.1:
            break
    else:
        return S
    keep = np.all(S @ D.T >= -np.sin(h) * np.linalg.norm(D, axis=1)[None, :], axis=1)
    return S[keep]


def _rough_slope(resolution: int) -> float:
    """The relative slope 2η/h that the level sets on the circle assume r_EXIT stays below
    near its minimum (6.5); the lower bound on a rough boundary assumes the same, in every
    dimension (the 3-D level sets start coarser and assume less: a search, not the bound)."""
    return 2.0 * _LEVEL_ETA / _level_grid(2, resolution)[1]


def _finer(S: Array, h: float, shrink: int, n: int) -> Array:
    """Directions on a grid ``shrink`` times finer than h around each row of ``S`` (out to h
    either side), without repeats."""
    step = h / shrink
    offsets = np.arange(-shrink, shrink + 1)
    if n == 2:  # one lattice of angles: neighbours' grids coincide
        k0 = np.round(np.arctan2(S[:, 1], S[:, 0]) / step).astype(np.int64)
        ks = np.unique((k0[:, None] + offsets[None, :]).ravel())
        return np.column_stack([np.cos(ks * step), np.sin(ks * step)])
    out = []
    g = offsets * step
    Z = np.array([(a, b) for a in g for b in g])  # n == 3: the tangent plane
    for s0 in S:
        q, _ = np.linalg.qr(np.column_stack([s0, np.eye(n)]))
        X = s0[None, :] + Z @ q[:, 1:n].T
        out.append(X / np.linalg.norm(X, axis=1, keepdims=True))
    X = np.vstack(out)
    _, keep = np.unique(np.round(X / (0.3 * step)), axis=0, return_index=True)
    return X[np.sort(keep)]


def _certificate(gs: GlobalSearch, n: int, lb: float, bb: dict[str, float], rough: bool,
                 tol: float, isotropic: bool = False) -> ThresholdCertificate:
    return ThresholdCertificate(
        method="direction-grid" if n > 1 else "both-directions",
        status=Status.BUDGET if gs.exhausted else (
            Status.UNDECIDED if gs.undecided else
            (Status.ROUGH_BOUNDARY if rough else Status.CERTIFIED)),
        undecided=gs.undecided,
        lower_bound=float(max(lb, 0.0)), angular_resolution=float(bb["finest"]),
        coverage=float(bb["coverage"]),
        radial_resolution=1.0 / gs.n_radial, directions=len(gs.rays),
        trajectories=gs.used, tolerance=tol, isotropic=isotropic,
        symmetries=int(bb.get("symmetries", 0)))


def _mapped_targets(gs: GlobalSearch, targets: list[int]) -> dict[int, tuple[Array, int]]:
    """Targets whose minimum is the image of another's: j -> (g, k) with g k = j, g a
    symmetry fixing the source, k the target of j's orbit with the best entry so far (only
    k is minimised; j gets the image of k's best kick, run as a witness)."""
    out: dict[int, tuple[Array, int]] = {}
    pairs = [(g, p) for g, p in zip(gs.stabilizer, gs.permutes) if p is not None]
    done: set[int] = set()
    # the representative: the best entry the search itself made (a bound passed in names
    # no direction)
    for j in sorted(targets, key=lambda t: gs.best_hit[t].hi if t in gs.best_hit else np.inf):
        if j < 0 or j in done:
            continue
        done.add(j)
        for g, p in pairs:
            k = p.get(j, j)
            if k not in done and k in targets:
                done.add(k)
                out[k] = (g, j)
    return out


def _image_witness(gs: GlobalSearch, j: int, g: Array, k: int) -> None:
    """Target ``j`` = g k: the image of k's best kick, run at both ends of k's bracket (two
    kicks; the same bracket, so the two thresholds are one number), or bisected afresh where
    the image does not behave as the symmetry says at those two amplitudes."""
    start = gs.best_origin.get(k)
    if k not in gs.best_hit or (start is not None and not np.array_equal(start, gs.x0)):
        return  # a kick from elsewhere than the source (a cycle's point): not mapped
    h = gs.best_hit[k]
    s = gs.to_s(g @ gs.best_dir[k])
    v = gs.to_v(s)
    lo, hi = gs._outcomes(gs.x0[None, :] + np.array([h.lo, h.hi])[:, None] * v[None, :])
    if gs.reaches(int(hi), j) and not gs.reaches(int(lo), j) and int(lo) != UNKNOWN:
        hit = Hit(h.lo, h.hi, h.bisected)
        ray = _Ray(s, v, {j: hit}, top=h.hi, origin=gs.x0.copy())
        gs.rays.append(ray)
        own = gs.best_hit.get(j)
        if own is not None and own.hi >= h.hi * (1 - gs.rtol):
            del gs.best_hit[j]  # j's own entry, no better than rtol: the orbit's bracket
        gs._offer(ray, j, hit)
    else:
        gs.entry(s, j, guess=h.hi)


def _nearest_grid(gs: GlobalSearch, n: int, targets: list[int], seeds_s: list[Array], *,
                  tol: float, seed: int, rough: bool) -> dict[int, ThresholdCertificate]:
    """Dimension ≤ 3, the minimal critical shock alone (``nearest_only``): branch and bound
    on the exit from the source's basin only — its minimum is every target's lower bound and
    the smallest threshold — then the outcome at the best exit point names the target (a probe
    right past it where that point stalls on the boundary). No other target is bisected."""
    certs: dict[int, ThresholdCertificate] = {}
    per_face, rho_min = _grid_size(gs, n, False, rough)
    gs.only = {EXIT}
    bb = _branch_and_bound(gs, n, [EXIT], tol, rho_min, per_face, seeds_s,
                           escape_targets=False,
                           rough_slope=_rough_slope(gs.resolution) if rough else 0.0)
    bb["finest"] = _minimise(gs, EXIT, bb["finest"], n, rough)
    gs.only = None
    if EXIT not in gs.best_hit:
        return certs
    h = gs.best_hit[EXIT]
    ray = next(r for r in gs.rays if r.hits.get(EXIT) is h)
    x0 = gs.x0 if ray.origin is None else ray.origin
    o = int(gs._outcomes((x0 + h.hi * ray.v)[None, :])[0])
    if reached(o) and o != gs.source:
        # the best exit point lies in basin o: the exit's bracket is o's first entry too
        hit = ray.hits.get(o)
        if hit is None or hit.hi > h.hi:
            hit = ray.hits[o] = Hit(h.lo, h.hi, h.bisected, h.band)
        gs._offer(ray, o, hit)
    exit_hi = h.hi
    near = [j for j in gs.best_hit if j != EXIT and (j in targets or j < 0)]
    if not any(gs.best_hit[j].hi <= exit_hi * (1 + tol) for j in near):
        for j in sorted(near, key=lambda j: gs.best_hit[j].hi)[:2]:
            _adjacent_probe(gs, j, seed)
    gs.polish()
    lb_exit = bb[f"lb_{EXIT}"]
    for j in gs.best_hit:
        if j == EXIT:
            continue
        found = gs.best_hit[j].lo
        certs[j] = (_certificate(gs, n, min(lb_exit, found), bb, rough, tol, isotropic=True)
                    if gs.best_hit[j].hi <= exit_hi * (1 + tol) else _found(gs, tol))
    return certs


def _direction_grid(gs: GlobalSearch, n: int, targets: list[int], seeds_s: list[Array], *,
                    tol: float, seed: int, coarse: bool, rough: bool
                    ) -> dict[int, ThresholdCertificate]:
    """Dimension ≤ 3: branch and bound over the sphere of directions, then local minima; a
    certificate with a lower bound per target."""
    certs: dict[int, ThresholdCertificate] = {}
    per_face, rho_min = _grid_size(gs, n, coarse, rough)
    bb = _branch_and_bound(gs, n, targets, tol, rho_min, per_face, seeds_s,
                           rough_slope=_rough_slope(gs.resolution) if rough else 0.0)
    if not coarse:
        mapped = _mapped_targets(gs, targets)
        for j in targets:
            if j not in mapped:
                _minimise(gs, j, bb["finest"], n, rough)
        for j in targets:
            if j not in mapped and j != EXIT and j in gs.best_hit and EXIT in gs.best_hit and \
                    gs.best_hit[j].hi > gs.best_hit[EXIT].hi * (1 + tol):
                # a rough boundary's bound rests on an assumed slope: probed in full there
                _adjacent_probe(gs, j, seed, floor=0.0 if rough else bb.get(f"lb_{j}", 0.0))
        gs.polish()
        for j, (g, k) in mapped.items():
            _image_witness(gs, j, g, k)
    targets = sorted(set(targets) | {j for j in gs.best_hit if j < 0 and f"lb_{j}" in bb})
    for j in set(gs.best_hit) - set(targets):
        certs[j] = _found(gs, tol)
    lb_exit = bb.get(f"lb_{EXIT}", -np.inf)
    for j in targets:
        lb = bb[f"lb_{j}"]
        found = gs.best_hit[j].lo if j in gs.best_hit else np.inf
        exit_hi = gs.best_hit[EXIT].hi if EXIT in gs.best_hit else np.inf
        # r_exit is the smoother function; where the best exit already borders j (shared,
        # e.g. Wada, boundaries) its bound is the one to trust, else the larger of the two
        lb = lb_exit if found <= exit_hi * (1 + tol) else max(lb, lb_exit)
        certs[j] = _certificate(gs, n, min(lb, found), bb, rough, tol)
    return certs


def _multi_start_search(gs: GlobalSearch, n: int, targets: list[int], seeds_s: list[Array], *,
                        tol: float, n_starts: int, seed: int, coarse: bool
                        ) -> dict[int, ThresholdCertificate]:
    """Dimension > 3: multi-start descent; per target the count and spread of its minima (no
    lower bound)."""
    certs: dict[int, ThresholdCertificate] = {}
    rng = np.random.default_rng(seed)
    iters = 0 if coarse else 15
    minima = _multi_start(gs, n, targets, n_starts, seeds_s, rng, descent_iters=iters)
    seeded = gs.approach_at is not None and gs.seed_starts > 0 and not coarse
    seeds_run: dict[int, int] = {}
    if seeded:
        seeds_run = _minimal_seeds(gs, targets, rng, minima, starts=gs.seed_starts)
    settled: dict[int, bool] = {}
    local = None if coarse else _local_method(n)
    early = {j: gs.best_dir[j] * gs.best_hit[j].hi for j in targets
             if j in gs.best_hit and _from_source(gs, j)}
    if local is not None:
        for j in targets:
            if j in gs.best_hit and _from_source(gs, j):
                settled[j] = _local_minimum_of(gs, j, tol, local)
                if minima.get(j):  # it carries on the best descent
                    k = int(np.argmin(minima[j]))
                    minima[j][k] = min(minima[j][k], gs.best_hit[j].hi)
    if local == "adjoint":  # below, no gain on the products, 4-20 % more trajectories
        _cross_starts(gs, targets, minima, settled, tol, local)
    composed = _composite_kicks(gs, n, targets, rng, iters, minima, settled, tol, local,
                                early=early)
    if seeded:
        # the best kicks a last time, a finer step below each (1 % where the first pass
        # took 3 %): one seed more than 1 % high on 4-12 of the ESN's 56 connections, not
        # 8-14, for 3 % more trajectories
        before = {j: gs.upper.get(j, np.inf) for j in targets}
        for j, k in _minimal_seeds(gs, targets, rng, minima, starts=1, shrink=0.99).items():
            seeds_run[j] = seeds_run.get(j, 0) + k
            if local is not None and gs.upper[j] < before[j] * (1 - 1e-6):
                # "settled" was said of the kick before: said again of the new one
                settled[j] = _local_minimum_of(gs, j, tol, local)
                minima[j][-1] = min(minima[j][-1], gs.best_hit[j].hi)
    gs.polish()
    for j in set(gs.best_hit) - set(targets):
        certs[j] = _found(gs, tol)
    for j in targets:
        ms = np.array(minima.get(j, []))
        # the best value known: a bound from elsewhere or a descent's own minimum
        best = min([gs.upper.get(j, np.inf), *ms])
        reached = int(np.sum(ms <= best * (1 + 1e-3))) if len(ms) else 0
        certs[j] = ThresholdCertificate(
            method="multi-start", status=Status.BUDGET if gs.exhausted else Status.MULTI_START,
            undecided=gs.undecided,
            lower_bound=float("nan"), angular_resolution=None,
            radial_resolution=1.0 / gs.n_radial, directions=len(gs.rays),
            trajectories=gs.used, tolerance=tol,
            starts=n_starts + len(seeds_s) + (gs.seed_starts - 1 if seeded else 0),
            descents=len(ms), reached_best=reached, composed=composed.get(j, 0),
            seeded=seeds_run.get(j, 0),
            settled=settled.get(j), local=local if j in settled else None,
            kink=bool(settled.get(j)) and j in gs.kinks,
            spread=float(np.max(ms) / best - 1) if len(ms) and np.isfinite(best) else None)
    return certs


def _adjacent_probe(gs: GlobalSearch, j: int, seed: int, floor: float = 0.0) -> None:
    """Look for basin ``j`` right past the best exit point (boundaries shared by several
    basins): points at relative distances 1e-7 … 1e-2 beyond it, on the ray and beside it.
    ``floor``: the branch and bound's lower bound for ``j``; points nearer the source than
    that are not kicked (on the cube, every target two or three flips away lies beyond all
    357 points: a fifth of the network's trajectories)."""
    h = gs.best_hit[EXIT]
    ray = next(r for r in gs.rays if r.hits.get(EXIT) is h)
    x0 = gs.x0 if ray.origin is None else ray.origin
    a = h.hi
    rng = np.random.default_rng(seed + 1234)
    n = len(x0)
    pts = []
    for eta in np.logspace(-7, -2, 21):
        base = x0 + a * (1 + eta) * ray.v
        pts.append(base)
        L = rng.standard_normal((16, n))
        L /= np.linalg.norm(L, axis=1, keepdims=True)
        pts += list(base + a * eta * L)
    P = np.array(pts)
    P = P[_norms(gs, P - x0) >= floor]
    if not len(P):
        return
    outs = gs._outcomes(P)
    hits = [p for p, o in zip(P, outs) if int(o) == j]
    if not hits:
        return
    D = np.array(hits) - x0
    norms = _norms(gs, D)
    k = int(np.argmin(norms))
    v = D[k] / norms[k]
    s = v if gs.sw is None else v / gs.sw
    s = s / np.linalg.norm(s)
    below = a * (1 - 1e-3)
    hit = Hit(0.0, float(norms[k]))
    o = int(gs._outcomes((x0 + below * v)[None])[0])
    if not gs.reaches(o, j):
        hit.update(below, False, o != UNKNOWN)
    r = _Ray(s, v, {j: hit}, top=float(norms[k]), origin=x0.copy())
    gs.rays.append(r)
    gs.bisect([r], margin=-1.0)


def _norms(gs: GlobalSearch, D: Array) -> Array:
    """The kicks' (rows of ``D``) sizes in the search's norm."""
    return np.sqrt(np.sum(D * D / (1.0 if gs.sw is None else gs.sw ** 2), axis=1))


def _found(gs: GlobalSearch, tol: float) -> ThresholdCertificate:
    return ThresholdCertificate(method="found", status=Status.FOUND, lower_bound=float("nan"),
                                angular_resolution=None, radial_resolution=1.0 / gs.n_radial,
                                directions=len(gs.rays), trajectories=gs.used, tolerance=tol)
