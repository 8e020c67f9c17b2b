r"""Where does a perturbed state go? The outcome oracle behind every threshold.

A trajectory's **outcome** is the first node whose capture set it enters. A node is an
attractor of any kind: an equilibrium (one point), a k-cycle of a map (k points) or a limit
cycle of an ODE (points sampled densely along it). Its capture set is the union of balls of
radius :math:`r_k` around its points, :math:`r_k` a small fraction of the distance to every
other invariant object known (so the set lies inside the basin, in the linear regime).

Outcome codes below zero say why no node was reached:

``UNKNOWN`` (-1)
    the time budget ran out while the trajectory was still moving (a non-node attractor, or
    a very slow passage);
``DIVERGED`` (-2)
    the state left the ball of radius ``max_norm`` or became infinite (escape to infinity,
    finite-time blow-up);
``UNDECIDED`` (-3)
    the trajectory stalled on an invariant set that is not a node (a saddle or a
    non-hyperbolic point: the start lies on a basin boundary to working precision);
``LEFT_DOMAIN`` (-4)
    the trajectory reached a state where the equations are undefined (NaN: the square root
    or logarithm of a negative number, ``acos`` beyond 1): a map's image there, or an ODE's
    field at the state or just ahead of it, where the steps shrank onto the domain's edge.

There is no fixed time cap that turns a slow but decided approach into "unknown". ODEs: every
start goes through the model's compiled Dormand–Prince loop (:mod:`~dynena.flow.stepper`, one
call for all starts, ~0.1 µs a step on a small model) for ``compiled_chunks`` chunks of
``max_steps`` steps, more while it closes in on a node; a start it leaves undecided goes on
with LSODA, then Radau IIA (implicit: stiffness costs nothing), with the exact Jacobian, up to
the horizon ``t_max * 2**ode_chunks``, bounded by ``max_steps`` steps: an algebraically slow
escape from a non-hyperbolic point (time of order :math:`\varepsilon^{-2}`, 1e12 and more)
costs a few hundred steps, an orbit that never settles exhausts the budget. A model without
the loop (plain-Python or vector-form code), or too stiff for it, is integrated in one
explicit batch for the base time ``t_max`` (:func:`~dynena.flow.integrate.integrate_batch`)
and the rows still running go on as above. Maps are iterated in batches, ``patience`` chunks
of ``t_max`` steps. The final states of ``UNKNOWN`` rows are kept (``unknown_states``) so
that callers can look for attractors that are not nodes yet, and those of ``UNDECIDED`` rows
(``stalled_states``: an equilibrium that is not a node, stable ones included when the
equilibrium search did not return them).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.integrate import OdeSolver, solve_ivp

from .._typing import Array, BoolArray, IntArray
from ..compile import range_extent, state_scale
from ..compile.system import CompiledSystem
from .fate import (
    DIVERGED,
    LEFT_DOMAIN,
    UNDECIDED,
    UNKNOWN,
    CaptureGrid,
    capture_grid,
    fate_one,
    reached,
)
from .fate import RUNNING as _RUNNING
from .integrate import integrate_batch
from .stepper import COLLAPSED, RUNOFF, STIFF, Checks, Stepper, stepper_for
from .variational import Orbit, orbit, steps_dense

__all__ = ["OutcomeOracle", "UNKNOWN", "DIVERGED", "UNDECIDED", "LEFT_DOMAIN", "reached",
           "cloud_radius", "lyapunov_radius"]

_SMALL_BATCH = 6
_FATE_ONE_ROWS = 4  # fewer rows: each checked by the compiled rule (see _fate)
_WILD = -1004  # a scipy solver's step gave a state that is not a number (OutcomeOracle._advance)
# the explicit batch's steps, and the compiled loop's in a quick look (attractor discovery
# then looks at the same tails with or without the loop)
_BATCH_STEPS = 4000
_ROWS_PER_CALL = 64  # rows per call of the compiled loop (the deadline is checked between)
_LYAPUNOV_MAX_N = 50
_STIFF_STEPS = 2000  # explicit steps a trajectory found stiff may still take in the compiled
# loop before an implicit method takes over. The AP 3-cube's kicks were nearly all "stiff"
# while closing in on a node (fast directions at the stability limit, a slow approach):
# LSODA took 290 steps each from Python, 2.4 million in a network (39 s; now 25 s, the same
# thresholds); 500 left most of them to LSODA still
_STIFF_RUN = 15  # stiff steps in a row before the loop says STIFF (Hairer's test)


@dataclass
class OutcomeOracle:
    """Maps initial states (and optional input pulses) to node indices.

    Attributes
    ----------
    model : CompiledModel
    nodes : ndarray, shape (K, n)
        One representative state per node.
    radii : ndarray, shape (K,)
        Capture radii.
    t_max : float
        Base time (ode) or steps (map); trajectories still moving go on up to
        ``patience * t_max``.
    max_norm : float
        Beyond this norm the outcome is ``DIVERGED``.
    node_points : list of ndarray, optional
        All points of each node's capture set (cycles); default the representative only.
    point_radii : ndarray, optional
        One capture radius per point of ``node_points`` (all of them in order), where the
        points of one node need different radii (a map cycle through an expanding point).
    trajectories : int
        Trajectories computed (the cost evidence every threshold reports).
    """

    model: CompiledSystem
    nodes: Array
    radii: Array
    t_max: float
    max_norm: float = 1e6
    rtol: float = 1e-8
    atol: float = 1e-10
    patience: int = 8
    ode_chunks: int = 40
    max_steps: int = 5000
    max_extend: int = 6  # half budgets more for a trajectory still closing in on a node
    compiled_chunks: int = 4  # the compiled loop's budget, in units of max_steps
    compiled_extend: int = 36  # its chunks more for a trajectory still closing in on a node
    compiled: bool = True  # the compiled Dormand-Prince loop first, where the model has one
    _dp5: list[Stepper | None] = field(default_factory=list, init=False, repr=False)
    failures: int = field(default=0)  # integrator failures (reported as UNKNOWN)
    transit_nodes: bool = False  # nodes a trajectory may pass by (saddles): check inside steps
    batch_explicit: bool = True  # False for stiff models: every row by LSODA/Radau
    node_points: list[Array] | None = None
    point_radii: Array | None = None
    trajectories: int = field(default=0)
    budget_hits: int = field(default=0)
    deadline: float | None = field(default=None)  # time.monotonic() after which searches stop
    unknown_states: list[Array] = field(default_factory=list)
    stalled_states: list[Array] = field(default_factory=list)  # where UNDECIDED rows stopped

    def __post_init__(self) -> None:
        self.nodes = np.atleast_2d(np.asarray(self.nodes, float))
        if self.node_points is None:
            self.node_points = [x[None, :] for x in self.nodes]
        self._pts = np.vstack(self.node_points) if len(self.node_points) else \
            np.zeros((0, self.nodes.shape[1]))
        self._owner = np.concatenate([np.full(len(p), k) for k, p in
                                      enumerate(self.node_points)]).astype(int) \
            if len(self.node_points) else np.zeros(0, int)
        self._prad = np.ascontiguousarray(
            self.point_radii if self.point_radii is not None else
            self.radii[self._owner] if len(self._owner) else np.zeros(0), dtype=float)
        self._pts = np.ascontiguousarray(self._pts, dtype=float)
        self._owner = np.ascontiguousarray(self._owner, dtype=np.int64)
        self._grid: CaptureGrid | None = None  # the points binned for the compiled loop
        self._last: tuple[Array, float] = (np.zeros(0), 0.0)  # see _advance (_WILD)
        # many points (sampled limit cycles): nearest-point queries by a k-d tree
        self._tree = None
        if len(self._pts) > 32:
            from scipy.spatial import cKDTree

            self._tree = cKDTree(self._pts)

    @classmethod
    def build(cls, model: CompiledSystem, nodes: Array, all_equilibria: Array, *,
              t_max: float | None = None, eigenvalues: list[Array] | None = None,
              capture: float = 0.05, node_points: list[Array] | None = None,
              rates: list[float] | None = None, clouds: int = 0) -> OutcomeOracle:
        """Capture radii from the distances to every other invariant object; ``t_max`` from
        the slowest contraction rate (eigenvalues, or Floquet ``rates`` of cycles). The last
        ``clouds`` nodes are samples of aperiodic attractors (:func:`cloud_radius`)."""
        nodes = np.atleast_2d(np.asarray(nodes, float))
        pts = node_points if node_points is not None else [x[None, :] for x in nodes]
        others = [np.atleast_2d(all_equilibria)] + list(pts)
        radii = np.empty(len(nodes))
        first_cloud = len(pts) - clouds
        for k, P in enumerate(pts):
            if k >= first_cloud:
                radii[k] = cloud_radius(P, [Q for j, Q in enumerate(others)
                                            if j == 0 or j - 1 != k])
                continue
            dmin: float = np.inf
            for j, Q in enumerate(others):
                if len(Q) == 0 or (j >= 1 and j - 1 == k):
                    continue
                d = np.linalg.norm(P[:, None, :] - Q[None, :, :], axis=2)
                # the node itself (in the list of all equilibria) is not its neighbour; 1e-9
                # here made a node at x = 1e6 blind to one 2e-6 away in y (its ball of 5e4
                # took the other's whole basin)
                d = d[d > 1e-14 * (1 + np.linalg.norm(P, axis=1).max())]
                if len(d):
                    dmin = min(dmin, float(d.min()))
            if not np.isfinite(dmin):  # alone: the variables' scale (1 unless ranges are
                # narrower: a lone node of a model on a scale of 1e-9 captured everything)
                dmin = state_scale(model) + float(np.linalg.norm(P, axis=1).max())
            radii[k] = capture * dmin
            if len(P) == 1 and model.n > _LYAPUNOV_MAX_N:
                # no Lyapunov check: a fifth of the ball. The 200-unit flip-flop ESN's balls of
                # 5 % held kicks that switch (0.272 around E0, a switch at 0.25); the network
                # shrinks a ball that its thresholds show too wide, but then searches the node
                # twice, where the smaller ball costs a trajectory ~2 more steps
                radii[k] *= 0.2
            elif len(P) == 1:  # an equilibrium: the ball inside a Lyapunov ellipsoid
                radii[k] = lyapunov_radius(model, P[0], radii[k])
            if len(P) > 1:  # a cycle: keep the ball inside the tube around it
                size = float(np.max(np.ptp(P, axis=0)))
                radii[k] = min(radii[k], 0.05 * size) if size > 0 else radii[k]
        prad = np.concatenate([np.full(len(P), radii[k]) if len(P) < 2 or model.kind != "map"
                               or k >= first_cloud else radii[k] * _cycle_shrink(model, P)
                               for k, P in enumerate(pts)]) if pts else None
        if t_max is None:
            rate = 1.0
            for w in eigenvalues or []:
                g = model.dynamics.rate(np.asarray(w))
                g = g[g > 1e-12]
                if len(g):
                    rate = min(rate, float(g.min()))
            for gr in rates or []:
                if gr > 1e-12:
                    rate = min(rate, float(gr))
            t_max = float(np.clip(60.0 / rate, 200.0, 1e6))
            if model.kind == "map":
                t_max = float(np.clip(t_max, 500, 100000))
        allp = np.vstack([np.atleast_2d(all_equilibria).reshape(-1, nodes.shape[1]), *pts])
        # the escape radius encloses the invariant objects and the declared ranges, on their
        # scale: written in units of 1e6, a model whose only equilibrium is the origin had
        # every start of its box 'diverged' at |x| = 1e4; in units of 1e-9, the Brusselator
        # had a kick of 6e-4 (1e5 times its box) 'unknown' instead of 'diverged' at 1e4
        scale = state_scale(model) + max(float(np.max(np.abs(allp))) if len(allp) else 0.0,
                                         range_extent(model))
        # an explicit method needs about |Re λ|max · t_max / 3.3 steps (stability): stiff models
        # go straight to the implicit path. The real parts: a rotation costs an implicit
        # method as many steps as an explicit one (accuracy), and |λ| made a weak focus
        # (λ = -0.001 ± i, t_max 60 000) "stiff", every start then a slow LSODA run
        lam = max((float(np.max(model.dynamics.rate(np.asarray(w)))) for w in eigenvalues or []
                   if len(w)), default=0.0)
        stiff = model.kind == "ode" and lam * t_max / 3.3 > 3000
        # the absolute tolerance far inside the smallest capture ball: 1e-10 alone is 10 % of
        # a state that lives on a scale of 1e-9 (the toggle switch written in units of 1e9
        # had a certified threshold 32 % low)
        small = float(np.min(prad if prad is not None else radii)) if len(radii) else np.inf
        atol = 1e-10 * state_scale(model)
        atol = min(atol, 1e-8 * small) if np.isfinite(small) and small > 0 else atol
        return cls(model, nodes, radii, t_max, max_norm=1e4 * scale, node_points=list(pts),
                   batch_explicit=not stiff, point_radii=prad, atol=atol)

    def set_radius(self, k: int, r: float | Array) -> None:
        """Give every point of node ``k`` the capture radius ``r`` (balls shrunk after the
        thresholds from the node showed them too wide), or one radius per point (as
        :meth:`point_radii_of` gave them)."""
        self.radii[k] = float(np.max(r))
        self._prad[self._owner == k] = r
        self._grid = None

    def point_radii_of(self, k: int) -> Array:
        """The capture radii of node ``k``'s points (a copy)."""
        return np.array(self._prad[self._owner == k])

    def node_radius(self, k: int) -> float:
        """The largest capture radius among node ``k``'s points."""
        return float(np.max(self._prad[self._owner == k]))

    # -- the oracle ---------------------------------------------------------------------
    def __call__(self, X0: Array, pulse: tuple[Array, int] | None = None) -> IntArray:
        """Outcome of each row of ``X0``.

        ``pulse = (U, width)`` first applies input ``U`` (shape ``(m,)`` or one row per
        start) for ``width`` steps (map) or time units (ode).
        """
        X0 = np.atleast_2d(np.asarray(X0, float))
        self.trajectories += len(X0)
        if not len(X0):
            return np.zeros(0, int)
        if pulse is not None:
            X0 = self.apply_pulse(X0, pulse[0], pulse[1])
        if self.model.kind == "map":
            return self._maps(X0)
        return self._odes(X0)

    def apply_pulse(self, X0: Array, U: Array, width: int) -> Array:
        """States after input ``U`` (one row per start, or one vector) held for ``width``."""
        m = self.model
        U = np.asarray(U, float)
        U = np.broadcast_to(np.atleast_2d(U), (len(X0), U.shape[-1])).copy()
        with np.errstate(all="ignore"):
            if m.kind == "map":
                X = X0.copy()
                for _ in range(int(width)):
                    X = m.f_batch(X, U)
                return X
            res = integrate_batch(lambda X, rows: m.f_batch(X, U[rows]), X0, float(width),
                                  rtol=self.rtol, atol=self.atol)
            X = res.x
            for r in np.flatnonzero(res.stiff):
                u = U[r]
                sol = solve_ivp(lambda t, x, u=u: m.f(x, u), (0.0, float(width)), X0[r],
                                method="LSODA", jac=lambda t, x, u=u: m.jac(x, u),
                                rtol=self.rtol, atol=self.atol)
                X[r] = sol.y[:, -1]
            return X

    def captured(self, X: Array) -> IntArray:
        """Node whose capture set contains each row of ``X`` (``UNKNOWN`` if none)."""
        X = np.atleast_2d(X)
        if not len(self._pts):
            return np.full(len(X), UNKNOWN)
        if self._tree is not None:
            ok = np.all(np.isfinite(X), axis=1)
            dd, kk = self._tree.query(np.where(ok[:, None], X, 0.0))
            # a state so far out that its distance overflows has no neighbour (index len)
            kk = np.minimum(kk, len(self._pts) - 1)
            inside = ok & (dd < self._prad[kk])
            return np.where(inside, self._owner[kk], UNKNOWN)
        d = np.linalg.norm(X[:, None, :] - self._pts[None, :, :], axis=2) / self._prad[None, :]
        k = np.argmin(d, axis=1)
        return np.where(d[np.arange(len(X)), k] < 1.0, self._owner[k], UNKNOWN)

    def _fate_single(self, y: Array) -> int:
        """:meth:`_fate` of one state (compiled; see :func:`~dynena.flow.fate.fate_one`)."""
        return int(fate_one(np.ascontiguousarray(y, dtype=float), self._pts, self._prad,
                             self._owner, float(self.max_norm), self._tree is not None))

    def _fate(self, X: Array) -> IntArray:
        """Codes for states: a node, DIVERGED, LEFT_DOMAIN or still running (the rule of
        :func:`~dynena.flow.fate.fate_one`)."""
        if len(X) <= _FATE_ONE_ROWS and self._tree is None:
            # a map's trajectories in a lock-step bisection come one or two at a time: the
            # compiled rule per row is ~1 µs, NumPy's calls below ~70 µs whatever the rows
            return np.array([self._fate_single(x) for x in X], dtype=np.int64)
        cap = self.captured(X)
        inf = np.any(np.isinf(X), axis=1)
        nan = np.any(np.isnan(X), axis=1) & ~inf
        with np.errstate(invalid="ignore"):
            far = inf | (np.linalg.norm(np.where(nan[:, None], 0.0, X), axis=1) > self.max_norm)
        return np.where(far, DIVERGED, np.where(nan, LEFT_DOMAIN,
                                                np.where(cap >= 0, cap, _RUNNING)))

    def _stalled(self, X: Array) -> BoolArray:
        """Rows sitting on an equilibrium that is not a node (speed at rounding level)."""
        with np.errstate(all="ignore"):
            F = self.model.dynamics.residual(self.model.f_batch(X), X)
        return np.asarray(np.linalg.norm(F, axis=1) <= 1e-14 * (1.0 + np.linalg.norm(X, axis=1)))

    def _keep_stalls(self, X: Array) -> None:
        """Keep where rows stalled (the first 256: enough to say where)."""
        room = 256 - len(self.stalled_states)
        self.stalled_states.extend(np.array(x, float) for x in X[:max(0, room)])

    def _finish_unknown(self, X: Array, out: IntArray, rows: IntArray) -> None:
        stalled = self._stalled(X[rows]) if len(rows) else np.zeros(0, bool)
        out[rows[stalled]] = UNDECIDED
        self._keep_stalls(X[rows[stalled]])
        unk = rows[~stalled]
        out[unk] = UNKNOWN
        self.budget_hits += len(unk)
        self.unknown_states.extend(X[r].copy() for r in unk[:64])

    def _maps(self, X0: Array) -> IntArray:
        f = self.model.f_batch
        X = X0.copy()
        out = np.full(len(X), _RUNNING)
        with np.errstate(all="ignore"):
            active = np.ones(len(X), bool)
            chunk = int(self.t_max)
            # capture is checked every `every` steps: a capture ball lies in its node's basin,
            # which the map leaves invariant, so a trajectory inside one is caught a few steps
            # later by the same node (the check was 55 % of the time with the k-d tree of an
            # aperiodic node's 8 000 samples). A node that trajectories pass by (a saddle of a
            # heteroclinic design) needs every step.
            every = 1 if self.transit_nodes else 4
            idx = np.flatnonzero(active)
            for c in range(self.patience):
                for k in range(chunk):
                    if k % every:
                        if len(idx):
                            X[idx] = f(X[idx])
                        continue
                    idx = self._settle(X, np.flatnonzero(active), out, active)
                    if not len(idx):
                        break
                    X[idx] = f(X[idx])
                # the end of a chunk: every row's capture checked once more before a stall
                idx = self._settle(X, np.flatnonzero(active), out, active)
                if not len(idx):
                    break
                stalled = self._stalled(X[idx])
                out[idx[stalled]] = UNDECIDED
                self._keep_stalls(X[idx[stalled]])
                active[idx[stalled]] = False
            rest = np.flatnonzero(active)
            self._finish_unknown(X, out, rest)
        return out

    def _settle(self, X: Array, idx: IntArray, out: IntArray, active: BoolArray) -> IntArray:
        """Record the rows of ``idx`` that reached an outcome; the ones still running."""
        if not len(idx):
            return idx
        fate = self._fate(X[idx])
        far = np.flatnonzero(fate == DIVERGED)
        if len(far):  # only the maps' loop settles rows here
            fate[far[self._returns(X, idx[far])]] = _RUNNING
        fin = fate != _RUNNING
        out[idx[fin]] = fate[fin]
        active[idx[fin]] = False
        running: IntArray = idx[~fin]
        return running

    def _returns(self, X: Array, rows: IntArray, steps: int = 64) -> BoolArray:
        """Which rows of ``X`` (map states beyond ``max_norm``, finite) come back inside it
        within ``steps`` more iterates; those rows of ``X`` are moved on to where they came
        back. A rational map sends a state near a pole far out and then contracts (Newton's
        map of z^3 - 1 from 0.0025 to 52 000, then by 2/3 per step): beyond the escape
        radius once is no divergence. An escape keeps going (Hénon's doubles its exponent
        each step), or stays out for all ``steps``."""
        back = np.zeros(len(rows), bool)
        Y = X[rows]
        live = np.all(np.isfinite(Y), axis=1)
        with np.errstate(all="ignore"):
            for _ in range(steps):
                if not live.any():
                    break
                Y[live] = self.model.f_batch(Y[live])
                fin = np.all(np.isfinite(Y), axis=1)
                inside = live & fin & (np.linalg.norm(np.where(fin[:, None], Y, 0.0), axis=1)
                                       <= self.max_norm)
                back |= inside
                live &= fin & ~inside
        X[rows[back]] = Y[back]
        return back

    def _odes(self, X0: Array) -> IntArray:
        m = self.model
        out = np.full(len(X0), _RUNNING)
        X = X0.copy()
        rows = np.arange(len(X0))
        fate0 = self._fate(X)
        out[fate0 != _RUNNING] = fate0[fate0 != _RUNNING]
        rows = rows[fate0 == _RUNNING]
        st = self._stepper()
        if st is not None:
            # the compiled loop beats the batch's per-step overhead on any number of rows
            # (a step costs the batch ~100 µs of NumPy calls whatever the rows, the loop
            # ~0.1 µs a row on a small model): one chunk for every row in one call, the
            # rows it leaves undecided one by one
            for part in np.array_split(rows, max(1, len(rows) // _ROWS_PER_CALL)):
                if self._late():  # the deadline is looked at between calls
                    out[part] = [self._give_up() for _ in part]
                    continue
                codes, Y, T, H = st.advance_rows(X0[part], self._horizon(), self._chunk(),
                                                 self._checks())
                for r, code, y, t, h in zip(part, codes, Y, T, H):
                    code = int(code)
                    if reached(code):
                        out[r] = code
                    elif self._late():
                        out[r] = self._give_up()
                    else:
                        out[r] = self._ode_single(X0[r], first=(code, y, float(t), float(h)))
            return out
        if len(rows) <= _SMALL_BATCH or not self.batch_explicit:
            # LSODA beats the batch's per-step overhead on few rows, and on stiff models
            for r in rows:
                out[r] = self._ode_single(X0[r]) if not self._late() else self._give_up()
            return out
        # the base time in one batch (explicit, capture checked at every step); rows still
        # running after it are slow or stiff: LSODA takes them on to the horizon
        res = integrate_batch(lambda Y, r: m.f_batch(Y), X[rows], self.t_max, rtol=self.rtol,
                              atol=self.atol, max_steps=_BATCH_STEPS,
                              check=lambda Y, r: self._fate(Y))
        X[rows] = res.x
        out[rows[res.done]] = res.code[res.done]
        # the step size collapsed far beyond every node: most likely a finite-time blow-up;
        # its orbit is followed on from there (a few steps to max_norm) instead of LSODA's
        # run from the start (8 ms apiece); a row not seen to diverge is redone below
        off = res.stiff & ~res.done & (np.linalg.norm(res.x, axis=1) > 1e-3 * self.max_norm)
        for r, x in zip(rows[off], res.x[off]):
            if self._runs_off(x):
                out[r] = DIVERGED
        rest = rows[~res.done & (out[rows] == _RUNNING)]
        if self.patience <= 1:  # a quick look only (attractor discovery)
            self._finish_unknown(X, out, rest)
            return out
        # a row whose step collapsed starts again (LSODA's stiffness detection needs the fast
        # transient); one that only ran out of the batch's steps goes on from where it got:
        # FitzHugh-Nagumo at I = 0.33 circles its weak focus for 6 000-12 000 steps, and
        # starting again threw the batch's 4 000 away
        for r in rest:
            x = X0[r] if res.collapsed[np.searchsorted(rows, r)] else X[r]
            out[r] = self._ode_single(x) if not self._late() else self._give_up()
        return out

    def _late(self) -> bool:
        """Past the caller's wall-clock deadline: no more long single integrations."""
        return self.deadline is not None and time.monotonic() > self.deadline

    def _give_up(self) -> int:
        self.budget_hits += 1
        return UNKNOWN

    def _runs_off(self, x0: Array, steps: int = 200) -> bool:
        r"""Does the orbit from ``x0`` leave the ball of radius ``max_norm`` (or stop being
        finite) within ``steps`` steps? Followed along the field slowed to speed below one,
        :math:`\dot x = f(x) / (1 + |f(x)|_\infty)`: the same orbit (only its time changes),
        which a finite-time blow-up crosses in a few steps (|x|^7 growth: 7 from |x| = 100 to 1e5),
        where a solver in the original time takes hundreds of shrinking ones. Where the field
        overflows (x' = exp(x^2) past x = 26.6) the orbit goes on at unit speed along its
        infinite components (inf / inf had stopped it there)."""
        from scipy.integrate import RK45

        m = self.model

        def slowed(t: float, z: Array) -> Array:
            fz = m.f(z)
            big = np.isinf(fz)  # overflowed: unit speed along the infinite components
            if big.any() and not np.isnan(fz).any():
                return np.asarray(np.where(big, np.sign(fz), 0.0), dtype=float) / float(
                    np.sqrt(big.sum()))
            # the largest component, not the norm: its square overflows from |f| = 1.3e154
            # (exp(x^2) at x = 18.8: the slowed field was 0 there and the orbit stalled)
            return fz / (1.0 + float(np.max(np.abs(fz))))

        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            solver = RK45(slowed, 0.0, np.asarray(x0, float), 1e3 * self.max_norm,
                          rtol=self.rtol, atol=self.atol)
            for _ in range(steps):
                msg = solver.step()
                y = solver.y
                if np.any(np.isnan(y)):  # the field undefined: not a blow-up
                    return False
                if not np.all(np.isfinite(y)) or np.linalg.norm(y) > self.max_norm:
                    return True
                if msg is not None or solver.status == "finished":
                    return False
        return False

    def _horizon(self) -> float:
        """How far in time a trajectory is followed: ``t_max * 2**ode_chunks``, or ``t_max``
        for a quick look (attractor discovery: ``patience`` 1)."""
        return self.t_max * (2.0 ** self.ode_chunks if self.patience > 1 else 1.0)

    def _chunk(self) -> int:
        """Steps of one chunk of the compiled loop: ``max_steps``; in a quick look the
        batch's (see ``_BATCH_STEPS``)."""
        return self.max_steps if self.patience > 1 else _BATCH_STEPS

    def _checks(self) -> Checks:
        """The compiled loop's tolerances, capture balls and checks."""
        if self._grid is None:
            self._grid = capture_grid(self._pts, self._prad, self._owner)
        return Checks(self.rtol, self.atol, self._pts, self._prad, self._owner, self.max_norm,
                      self._tree is not None, 1e-3 * self.max_norm, self.transit_nodes,
                      self._grid)

    def _ode_single(self, x0: Array, first: tuple[int, Array, float, float] | None = None
                    ) -> int:
        """One trajectory up to the time horizon ``t_max * 2**ode_chunks``. First the model's
        compiled Dormand-Prince loop (:meth:`_compiled`: ~0.1 µs a step on a small model,
        where scipy's stepping costs ~76 µs), for ``compiled_chunks * max_steps`` steps and
        more while closing in on a node; a trajectory it finds stiff goes on from where it
        got, one whose step collapsed starts again, stepped by hand within ``max_steps``
        steps (and without the loop, every trajectory): LSODA first (cheap, switches to BDF
        when stiff); if it has not decided after half the budget, Radau IIA from where it
        stopped. (Started on a state
        whose fast component has decayed, LSODA can stay in its explicit mode at a
        stability-limited step; the implicit Radau then crosses an algebraically slow escape
        of duration ~1e12 in a few hundred steps.) Capture is checked at each step's end and
        at three points inside it.

        A trajectory still closing in on a node when the budget ends goes on, by half budgets
        (at most ``max_extend`` of them), while the closing rate says it gets there within
        them (:meth:`_scaled_gaps`): spiralling into the weak focus of FitzHugh-Nagumo at
        I = 0.33 (rate 0.001) takes 6 000-12 000 steps, and kicks inside its unstable cycle
        had ended ``UNKNOWN``."""
        from scipy.integrate import LSODA, Radau

        m = self.model
        c0 = int(self._fate(x0[None])[0])
        if c0 != _RUNNING:
            return c0
        # a quick look (attractor discovery: patience 1) stops at the base time, as the
        # batch does; a start circling a cycle not yet known is then given up in ~t_max
        # rather than after the whole step budget (0.75 s each on a stiff model)
        quick = self.patience <= 1
        horizon = self._horizon()
        y, t0 = np.asarray(x0, float), 0.0
        st = self._stepper()
        if st is not None:
            fate, y, t0 = self._compiled(st, y, horizon, quick, first)
            if fate == COLLAPSED:  # scipy's solvers from the start (see _odes)
                y, t0 = np.asarray(x0, float), 0.0
            elif fate == _RUNNING:  # not stiff, not closing in: their steps add nothing
                return self._undecided(y)
            elif fate != STIFF:  # stiff: an implicit method from where it got
                return fate
        half = self.max_steps // 2
        plan = ((LSODA, half), (Radau, half)) if not quick else ((LSODA, self.max_steps // 4),)
        q = [self._scaled_gaps(y)]  # after each phase: closing in on a node?
        rates: dict[type, Array] = {}
        extra = 0
        while True:
            for method, steps in plan:
                # LSODA's convergence-failure warnings are its own business: a failed step
                # ends the trajectory as divergence below
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    solver = method(lambda t, z: m.f(z), t0, y, horizon,
                                    jac=lambda t, z: m.jac(z), rtol=self.rtol, atol=self.atol)
                    fate = self._advance(solver, steps)
                if fate == _WILD:  # the next method from the solver's last finite state
                    y, t0 = self._last
                    continue
                if fate != _RUNNING:
                    return fate
                y, t0 = np.array(solver.y, float), float(solver.t)
                if solver.status == "finished":
                    break
                q.append(self._scaled_gaps(y))
                rates[method] = np.maximum(rates.get(method, -np.inf), _rates(q[-2], q[-1]))
            if quick or not rates or solver.status == "finished" or self._late():
                break
            # the phases still needed at the best rate seen
            method, need = min(((k, _phases_left(q[-1], r)) for k, r in rates.items()),
                               key=lambda kv: kv[1])
            if extra + need > self.max_extend:
                break
            plan, rates = ((method, half),), {}
            extra += 1
        return self._undecided(y)

    def _undecided(self, y: Array) -> int:
        """A trajectory not decided within its budget, stopped at ``y``: ``UNDECIDED`` where
        it stalled on an equilibrium that is not a node, else ``UNKNOWN``."""
        if np.linalg.norm(self.model.f(y)) <= 1e-14 * (1 + np.linalg.norm(y)):
            self._keep_stalls(np.array(y, float)[None, :])
            return UNDECIDED
        self.budget_hits += 1
        self.unknown_states.append(np.array(y, float))
        return UNKNOWN

    def _stepper(self) -> Stepper | None:
        """The model's compiled loop, loaded at first need (None: scipy's solvers only). Stiff
        models use it too: it says so within 15 steps (Hairer's test), and the trajectory goes
        on with an implicit method. Gating it on |Re λ|max t_max / 3.3 (the explicit steps to
        reach t_max) sent Lorenz at ρ = 24.5 to LSODA one kick at a time: its t_max is long
        because C± attract slowly (0.0072), not because it is stiff."""
        if not self.compiled:
            return None
        if not self._dp5:
            self._dp5.append(stepper_for(self.model))
        return self._dp5[0]

    def _compiled(self, st: Stepper, y: Array, horizon: float, quick: bool,
                  first: tuple[int, Array, float, float] | None = None
                  ) -> tuple[int, Array, float]:
        """The trajectory from ``y`` by the compiled loop, in chunks of ``max_steps`` steps:
        ``compiled_chunks`` of them (one for a quick look), then more while it closes in on a
        node at a rate that reaches the capture ball within ``compiled_extend`` more (as in
        :meth:`_ode_single`). ``first``: the first chunk's ``(code, state, time, step)``,
        already computed (:meth:`_odes`). Returns ``(code, state, time)``: a node,
        ``DIVERGED``, ``COLLAPSED`` (the caller starts again with an implicit method),
        ``STIFF`` (the steps held at the stability limit: the caller goes on from the state
        with one) or ``_RUNNING`` (not decided: neither stiff nor closing in, so scipy's
        solvers, which would take steps no longer, are not asked)."""
        checks = self._checks()
        h, t = 0.0, 0.0
        q = [self._scaled_gaps(y)]
        chunks, extra = (1 if quick else self.compiled_chunks), 0
        stiff_left = _STIFF_STEPS
        while True:
            if first is not None:
                (code, y, t, h), first = first, None
                k = _STIFF_RUN
            else:
                code, y, t, h, k = st.advance(y, t, horizon, h, self._chunk(), checks)
            if code == STIFF and stiff_left > 0 and t < horizon and not self._late():
                # held at the stability limit h: a few thousand explicit steps cost less
                # than a few dozen of LSODA's from Python (~76 us each), so it goes on here
                # while as long again as it has run fits in them (t / h steps). A mildly
                # stiff approach to a node does (the AP 3-cube: t ~ 40, h ~ 0.1-1); a stiff
                # model's stability limit does not, and goes to LSODA as before
                if t <= stiff_left * h:
                    stiff_left -= max(k, _STIFF_RUN)
                    continue
            if code == RUNOFF:  # far out: a blow-up is followed at slowed speed
                if self._runs_off(y):
                    return DIVERGED, y, t
                checks = replace(checks, runoff=np.inf)
                continue
            if code == COLLAPSED and (np.linalg.norm(y) > 1e-2 * self.max_norm
                                      or self._outward(y) and self._runs_off(y)):
                return DIVERGED, y, t
            if code != _RUNNING or t >= horizon or self._late():
                return code, y, t
            q.append(self._scaled_gaps(y))
            chunks -= 1
            if chunks > 0:
                continue
            if extra + _phases_left(q[-1], _rates(q[-2], q[-1])) > self.compiled_extend:
                return _RUNNING, y, t
            extra += 1

    def _outward(self, y: Array) -> bool:
        """The field at ``y`` is finite and points away from the origin: a step collapse
        there may be a blow-up whose speed outgrows the step size before the state is large
        (x' = exp(x^2) - 2 from x = 1 stalls at x = 4.9 with speed 2e10; it was restarted by
        LSODA, failed, and counted unknown), to be followed by :meth:`_runs_off`. A pole the
        state falls into (x' = -1/x) points inwards, and is not followed."""
        with np.errstate(all="ignore"):
            F = self.model.f(y)
        return bool(np.all(np.isfinite(F)) and float(np.dot(y, F)) > 0)

    def _advance(self, solver: OdeSolver, steps: int) -> int:
        """Step ``solver`` up to ``steps`` times: the outcome once decided, else ``_RUNNING``
        (the steps are used up, or the time horizon reached). A step to a state that is not a
        number is the solver's failure unless the field is undefined just ahead of the state
        before it (:meth:`_undefined_ahead`): LSODA, creeping up the diagonal of a toggle
        switch to its saddle, took a step of 7 000 time units into u, v < 0 where v**2.5 is
        NaN, and its NaN state had counted as divergence. Then ``_WILD``, with that state and
        time in ``_last``."""
        tried = False
        for _ in range(steps):
            prev = (np.array(solver.y, float), float(solver.t))
            msg = solver.step()
            y = solver.y
            if np.any(np.isnan(y)) and not np.any(np.isinf(y)):
                if self._undefined_ahead(prev[0]):
                    return LEFT_DOMAIN
                self._last = prev
                return _WILD
            fate = self._fate_single(y)
            if fate == DIVERGED:  # infinite, or beyond max_norm
                return fate
            if not tried and np.linalg.norm(y) > 1e-3 * self.max_norm:
                tried = True  # running off: follow the orbit there at slowed speed
                if self._runs_off(y):
                    return DIVERGED
            if msg is not None:
                # the step size collapsed: a blow-up only if the state is running off (far
                # beyond every node); otherwise the integrator failed: say so
                if np.linalg.norm(y) > 1e-2 * self.max_norm:
                    return DIVERGED
                if self._undefined_ahead(y):
                    return LEFT_DOMAIN
                self.failures += 1
                return UNKNOWN
            if fate == _RUNNING and self.transit_nodes and solver.t_old is not None:
                dense = solver.dense_output()
                t_old, t_new = solver.t_old, solver.t
                ts = t_old + (t_new - t_old) * np.array([.25, .5, .75])
                f_in = self._fate(np.atleast_2d(dense(ts).T))
                hit = f_in[f_in != _RUNNING]
                fate = int(hit[0]) if len(hit) else fate
            if fate != _RUNNING:
                return fate
            if solver.status == "finished":
                break
        return _RUNNING

    def _undefined_ahead(self, y: Array) -> bool:
        """The field is undefined (NaN) at ``y`` or ahead of it along the field, within
        1e-3 (1 + |y|): where a scipy solver failed there, the orbit leaves the equations'
        domain (the compiled loop sees it in its stages: :func:`~dynena.flow.dp5_steps.advance`).
        """
        with np.errstate(all="ignore"):
            F = np.asarray(self.model.f(y), float)
            if np.any(np.isnan(F)):
                return True
            size = float(np.linalg.norm(F))
            if not np.isfinite(size) or size == 0.0:
                return False
            for s in (1.0 + float(np.linalg.norm(y))) * 10.0 ** -np.arange(12.0, 2.0, -1.0):
                if np.any(np.isnan(self.model.f(y + (s / size) * F))):
                    return True
        return False

    def _scaled_gaps(self, y: Array) -> Array:
        """Per node, the distance to its nearest capture point in units of its radius (below
        1: captured); its logarithm falls linearly while a trajectory closes in on the node
        geometrically. Per node, because the nearest ball need not be the one approached:
        Lorenz at rho = 24.5 spirals into C+ (ball 0.0086) beside the chaotic attractor's
        balls (1.2), nearer in these units for hundreds of time units. Empty with no node
        (attractor discovery before any is known)."""
        out = np.full(len(self.nodes), np.inf)
        if len(self._pts):
            d = np.linalg.norm(self._pts - y, axis=1) / self._prad
            np.minimum.at(out, self._owner, d)
        return out

    def _gap(self, x: Array) -> float:
        """Signed distance to the nearest capture ball (negative inside)."""
        if self._tree is not None and np.all(np.isfinite(x)):
            d, k = self._tree.query(x, k=min(4, len(self._pts)))
            return float(np.min(np.atleast_1d(d) - self._prad[np.atleast_1d(k)]))
        return float(np.min(np.linalg.norm(self._pts - x, axis=1) - self._prad))

    def path(self, x0: Array, t: float | None = None) -> Orbit:
        """A dense trajectory of an ODE (:func:`~dynena.flow.variational.orbit`, to the
        oracle's tolerances) up to capture, ``t`` (default ``t_max``) or the deadline
        (status 2 at either of the first two; the normals of basin boundaries pull back
        along it)."""
        self.trajectories += 1
        return orbit(self.model, np.asarray(x0, float), self.t_max if t is None else t,
                     rtol=self.rtol, atol=self.atol, dense=True,
                     until=lambda x: int(self.captured(x)[0]) != UNKNOWN or self._late())

    def compiled_path(self, x0: Array) -> Orbit | None:
        """:meth:`path` by the model's compiled loop (:meth:`Stepper.record
        <dynena.flow.stepper.Stepper.record>`), to ``t_max`` or capture, with the cubic
        Hermite interpolant of its steps (states and :math:`f`) as dense output: ~1 ms
        where :meth:`path` takes ~20 ms in 32 variables. None without the loop, past the
        deadline, or where the loop ended otherwise than by capture, divergence or the time
        (its step collapsed, the field is undefined): :meth:`path` then."""
        st = self._stepper()
        if st is None or self._late():
            return None
        self.trajectories += 1
        code, T, Y, F = st.record(np.asarray(x0, float), self.t_max,
                                  self.compiled_chunks * self.max_steps + 1, self._checks())
        if code >= 0:
            status, message = 2, "captured"
        elif code in (DIVERGED, RUNOFF):
            status, message = 1, "diverged"
        elif code == _RUNNING:
            status, message = 0, "reached the end"
        else:
            return None
        sol = steps_dense(T, Y, F) if len(T) > 1 else None
        return Orbit(T, Y.T, sol, status, message)

    def trajectory(self, x0: Array, t: float | None = None) -> tuple[Array, Array]:
        """A full autonomous trajectory (times, states), for via-saddle and normal estimates; up
        to capture, ``t`` (default ``t_max``), or the deadline (a kick spiralling into Lorenz's
        C+ at rho = 24.5 took LSODA 4.5 s, and a run with an 8 s budget 12 s)."""
        m = self.model
        t = self.t_max if t is None else t
        self.trajectories += 1
        if m.kind == "map":
            xs = [np.asarray(x0, float)]
            with np.errstate(all="ignore"):
                for _ in range(int(t)):
                    xs.append(m.f(xs[-1]))
                    if self.captured(xs[-1][None])[0] >= 0 or not np.all(np.isfinite(xs[-1])):
                        break
            X = np.array(xs)
            return np.arange(len(X), dtype=float), X

        def capture(tt: float, x: Array) -> float:
            return self._gap(x)

        capture.terminal = True  # type: ignore[attr-defined]

        cut: list[float] = []  # when the deadline was seen (continuous in t for the root)

        def late(tt: float, x: Array) -> float:
            if not cut and self._late():
                cut.append(tt)
            return cut[0] - tt if cut else 1.0

        late.terminal = True  # type: ignore[attr-defined]

        for events in ([capture, late], [late]):
            try:
                with np.errstate(all="ignore"):
                    sol = solve_ivp(lambda tt, x: m.f(x), (0.0, t), x0, method="LSODA",
                                    jac=lambda tt, x: m.jac(x), rtol=self.rtol,
                                    atol=self.atol, events=events, dense_output=True)
                break
            except ValueError:
                # the gap to the nearest ball jumps where the nearest sample changes: the
                # event's root finder can see no sign change between the two ends of a step
                # that had one (Lorenz at rho = 20 stopped a whole network this way); cut by
                # hand below instead
                if len(events) == 1:
                    raise
        if len(events) == 1:
            inside = np.flatnonzero([self._gap(x) <= 0 for x in sol.y.T])
            if len(inside):
                return sol.t[:inside[0] + 1], sol.y.T[:inside[0] + 1]
        return sol.t, sol.y.T


def _rates(q0: Array, q1: Array) -> Array:
    """Per node, how fast log q (:meth:`OutcomeOracle._scaled_gaps`) fell from ``q0`` to
    ``q1`` (``-inf`` where not finite)."""
    with np.errstate(all="ignore"):
        r = np.log(q0 / q1)
    return np.where(np.isfinite(r), r, -np.inf)


def _phases_left(q: Array, rate: Array) -> float:
    """Phases (chunks) still needed to reach some node at these rates (log q falls to 0 at
    capture); ``inf`` if no node is being closed in on."""
    ok = (rate > 0) & np.isfinite(q)
    if not ok.any():
        return np.inf
    return float(np.min(np.log(np.maximum(q[ok], 1.0)) / rate[ok]))


def cloud_radius(P: Array, others: list[Array]) -> float:
    r"""Capture radius of an aperiodic attractor known from the samples ``P``:
    :math:`\min(2 s_{95},\ d/4,\ L/20)`, with :math:`s_{95}` the 95th percentile of the
    distances between neighbouring samples (the balls then cover the cloud, so a trajectory on
    the attractor is captured within a few steps), :math:`d` the distance to the other objects
    (``others``: equilibria and other nodes' points; an equilibrium within :math:`4 s_{95}`
    of the cloud belongs to the attractor, as Hénon's saddle does) and :math:`L` the cloud's
    extent. The balls must also lie inside the attractor's basin: the network checks that
    every threshold from the attractor is at least two radii and shrinks them otherwise."""
    from scipy.spatial import cKDTree

    tree = cKDTree(P)
    s95 = float(np.percentile(tree.query(P, k=2)[0][:, 1], 95)) if len(P) > 1 else 0.0
    d = np.inf
    for Q in others:
        Q = np.atleast_2d(Q)
        if len(Q) and Q.shape[1] == P.shape[1]:
            dq = tree.query(Q)[0]
            dq = dq[dq > 4 * s95]
            if len(dq):
                d = min(d, float(dq.min()))
    size = float(np.max(np.ptp(P, axis=0)))
    return float(min(2 * s95 if s95 > 0 else np.inf, 0.25 * d, 0.05 * size))


def lyapunov_radius(model: CompiledSystem, x: Array, r: float, *, directions: int = 96,
                    shells: int = 8, halvings: int = 40) -> float:
    r"""The capture radius of the stable equilibrium ``x``: ``r``, halved until the ball lies
    in an ellipsoid :math:`E_c = \{V \le c\}` on which :math:`V(y) = (y - x)^T P (y - x)`
    decreases, :math:`A^T P + P A = -I` (ODE) or :math:`A^T P A - P = -I` (map), A the
    Jacobian at ``x`` and :math:`c = \lambda_{max}(P) r^2`.

    The decrease (:math:`\dot V = 2 (y - x)^T P f(y)`, or :math:`V(G(y)) - V(y)`) is checked
    at ``directions`` points on each of ``shells`` ellipsoids :math:`E_{c (k / shells)^2}`:
    a sampled check, not a proof, but one that the heuristic ball (a fraction of the
    distance to the other invariant objects) does not make at all. Lorenz at
    :math:`\rho = 24.73`, just below its subcritical Hopf point, has an unstable cycle within
    0.3 of each focus; the ball of 1.12 around C+ contained starts that go to the chaotic
    attractor, and every one of them was "captured" by C+. A non-hyperbolic equilibrium
    (no Lyapunov equation) keeps ``r``, and so does a state of more than ``_LYAPUNOV_MAX_N``
    variables (the Lyapunov solve is cubic in it; reservoirs have thousands)."""
    from scipy.linalg import solve_continuous_lyapunov, solve_discrete_lyapunov

    n = len(x)
    if n > _LYAPUNOV_MAX_N:
        return r
    with np.errstate(all="ignore"):
        A = np.asarray(model.jac(x), float)
        try:
            P = (solve_discrete_lyapunov(A.T, np.eye(n)) if model.dynamics.is_map
                 else solve_continuous_lyapunov(A.T, -np.eye(n)))
        except (np.linalg.LinAlgError, ValueError):
            return r
        P = 0.5 * (P + P.T)
        lam, U = np.linalg.eigh(P)
        if not (np.all(np.isfinite(lam)) and lam[0] > 0) or lam[-1] / lam[0] > 1e12:
            return r
        M = U / np.sqrt(lam)  # y = x + sqrt(c) M u lies on E_c for unit u
        D = np.random.default_rng(0).standard_normal((directions, n))
        D /= np.linalg.norm(D, axis=1, keepdims=True)
        levels = (np.arange(1, shells + 1) / shells)[:, None, None]
        for _ in range(halvings):
            Y = (np.sqrt(lam[-1]) * r * levels * (D @ M.T)[None, :, :]).reshape(-1, n)
            X = x + Y
            if model.dynamics.is_map:
                Z = model.f_batch(X) - x
                dV = np.einsum("ij,jk,ik->i", Z, P, Z) - np.einsum("ij,jk,ik->i", Y, P, Y)
            else:
                dV = 2.0 * np.einsum("ij,jk,ik->i", Y, P, model.f_batch(X))
            if np.all(dV < 0):
                return r
            r *= 0.5
    return r


def _cycle_shrink(model: CompiledSystem, P: Array) -> Array:
    r"""Per point of a map cycle: the factor on its capture radius R that keeps the ball's
    forward images within R of the cycle in the linear regime,
    :math:`1 / \max(1, \max_{m \le 2k} \|J_{i+m-1} \cdots J_i\|)`.

    One radius for all points fails where the cycle passes an expanding point: Newton's map of
    z³ − 2z + 2 has the superattracting 2-cycle 0 ↔ 1 with N'(1) = 6, its basin around 1 is
    ~0.02 wide, and a ball of 0.03 there labelled kicks that go to the roots as "stayed on the
    cycle" (the threshold from the cycle came out as the capture radius)."""
    k = len(P)
    out = np.ones(k)
    if k > 64:  # samples of an aperiodic attractor, not a cycle
        return out
    with np.errstate(all="ignore"):
        F = np.array([np.asarray(model.f(p), float) for p in P])
        D = np.linalg.norm(P[None, :, :] - F[:, None, :], axis=2)
        if not np.all(np.isfinite(D)) or \
                float(np.max(D.min(axis=1))) > 1e-6 * (1.0 + float(np.max(np.abs(P)))):
            return out  # the points do not map onto each other: not a cycle
        succ = [int(j) for j in D.argmin(axis=1)]
        J = [np.asarray(model.jac(p), float) for p in P]
        for i in range(k):
            M = np.eye(P.shape[1])
            j, grow = i, 1.0
            for _ in range(2 * k):
                M = J[j] @ M
                if not np.all(np.isfinite(M)):
                    grow = np.inf
                    break
                grow = max(grow, float(np.linalg.norm(M, 2)))
                j = succ[j]
            out[i] = max(1.0 / grow, 1e-6)
    return out
