r"""``find_equilibria``: all equilibria in a box, classified, with saddles' eigenspaces.

Solves :math:`f(x; p) = 0` (ode) or :math:`f(x; p) = x` (map).

Method (``"auto"``), all steps batched over starts:

1. starts: a scrambled Sobol sequence in the box (seeded, so deterministic), the box centre,
   the model's named ``states``, and any user ``seeds`` (e.g. points of a trajectory);
2. Newton with the exact Jacobian from every start, and pseudo-transient continuation (which
   follows the flow, so it finds the stable states) from every start;
3. deflation rounds: Newton again from every start with all roots found so far deflated, until a
   round finds nothing new;
4. images of every root under the model's detected sign symmetries, polished by Newton;
5. for small polynomial systems, an exact sympy solve that confirms the count.

The result states which guarantee applies.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .._typing import Array, BoolArray
from ..compile import ScaledSystem, range_unit
from ..compile.system import CompiledSystem, state_vector
from ..errors import DynenaWarning, NonHyperbolicWarning, ParameterError
from ..model.protocol import SystemModel
from ..model.vector import VectorModel
from ..progress import ProgressFn, step
from ..results.equilibria import Equilibrium, EquilibriumSet, SlowPoint
from ..results.status import Status
from .classify import classify, eigen_sorted, real_basis, sort_eigen
from .degenerate import has_kinks, is_continuum, kinked, merge_degenerate
from .newton import batched_newton, batched_ptc, jacobian_batch, residual_batch, solve_batch
from .slow import minimise_speed_batch
from .symbolic import symbolic_equilibria_timed
from .symmetry import apply_generators, detect_symmetries

__all__ = ["find_equilibria", "default_box", "distinct_points"]

DEFAULT_HALF_WIDTH = 10.0


def default_box(model: CompiledSystem, box: Any = None) -> tuple[Array, Array]:
    """Lower and upper corners: ``box`` if given, else the variables' ranges.

    Variables without a range get [-10, 10] (scalar models) or [-1, 1] (vector-form models,
    whose tanh units live there).
    """
    m = model.model
    n = model.n
    names = model.names
    hw = 1.0 if isinstance(m, VectorModel) else DEFAULT_HALF_WIDTH
    lo, hi = np.full(n, -hw), np.full(n, hw)
    ranges = dict(m.ranges)
    if box is not None:
        if isinstance(box, dict):
            ranges.update(box)
        else:
            b = np.asarray(box, float)
            if b.shape != (n, 2):
                raise ParameterError(f"box must be a dict of ranges or an array of shape "
                                     f"({n}, 2), got shape {b.shape}")
            return b[:, 0].copy(), b[:, 1].copy()
    for k, name in enumerate(names):
        if name in ranges:
            lo[k], hi[k] = ranges[name]
    if np.any(hi <= lo):
        raise ParameterError("every box range needs low < high")
    return lo, hi


Separate = Callable[[Array, Array], BoolArray]
"""Which pairs of close rows (two arrays of them) are distinct roots all the same."""


def distinct_points(X: Array, tol: float, unit: Array | None = None,
                    separate: Separate | None = None) -> Array:
    """One point per cluster of points closer than ``tol * (1 + max|x|)`` (first kept). With
    ``unit``, ``X`` holds scaled coordinates z = x / unit and two points are one only if they
    are that close in both z and x (a root of order one in a box of ±1e8 keeps its neighbours
    0.1 away, as in x; a root of a model on a scale of 1e-9 keeps its neighbour 1e-9 away).
    ``separate`` keeps apart close pairs that it says are distinct roots."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    if len(X) < 2:
        return X.reshape(-1, X.shape[1]) if X.ndim == 2 else X
    r = tol * (1.0 + float(np.max(np.linalg.norm(X, axis=1))))
    # Converged copies of one root agree far below r: collapse them on a grid first, so the
    # tree sees one representative per root rather than quadratically many pairs.
    key = np.round(X / (0.25 * r))
    if unit is not None:
        rx = tol * (1.0 + float(np.max(np.linalg.norm(X * unit, axis=1))))
        key = np.hstack([key, np.round(X * unit / (0.25 * rx))])
    _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    keep = np.zeros(len(X), bool)
    keep[first] = True
    if separate is not None:
        # ... unless they are distinct roots closer than the grid (states of 1e-9 in a box
        # [0, 1]: every root fell into one cell)
        rep = first[inverse.ravel()]
        dropped = np.flatnonzero(~keep)
        keep[dropped[separate(X[dropped], X[rep[dropped]])]] = True
    X = X[keep]
    pairs = cKDTree(X).query_pairs(r, output_type="ndarray")
    if unit is not None and len(pairs):
        pairs = pairs[np.linalg.norm((X[pairs[:, 0]] - X[pairs[:, 1]]) * unit, axis=1) <= rx]
    if separate is not None and len(pairs):
        pairs = pairs[~separate(X[pairs[:, 0]], X[pairs[:, 1]])]
    if not len(pairs):
        return X
    g = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(X), len(X)))
    _, lab = connected_components(g, directed=False)
    _, first = np.unique(lab, return_index=True)
    return X[np.sort(first)]


def _new_roots(found: Array, cand: Array, tol: float, unit: Array | None = None,
               separate: Separate | None = None) -> Array:
    """Distinct points of ``cand`` not already in ``found`` (with ``unit``: distinct in z or
    in x; ``separate``: see :func:`distinct_points`)."""
    from scipy.spatial import cKDTree

    if not len(cand):
        return cand
    cand = distinct_points(cand, tol, unit, separate)
    if not len(found):
        return cand
    d, k = cKDTree(found).query(cand)
    new = d > tol * (1.0 + np.linalg.norm(cand, axis=1))
    if unit is not None:
        dx = np.linalg.norm((cand - found[k]) * unit, axis=1)
        new |= dx > tol * (1.0 + np.linalg.norm(cand * unit, axis=1))
    if separate is not None and not new.all():
        close = np.flatnonzero(~new)
        new[close] = separate(cand[close], found[k[close]])
    return cand[new]


def separate_roots(c: CompiledSystem, A: Array, B: Array) -> BoolArray:
    r"""Whether roots ``A[i]`` and ``B[i]``, closer than the merge distance, are two roots: both
    polished, the residual at their midpoint :math:`m` is far above theirs,

    .. math:: |F(m)| > 10^3 \left(\max(|F(a)|, |F(b)|) + \epsilon\, |J(a)|\, \max(|a|, |b|)
              \right)

    (sup norms; the second term is the rounding level of F next to a root). Two copies of
    one root have the midpoint on the root too; two roots have F of order |J| |a - b| / 2
    between them. The merge distance is 1e-6 of the box's scale, so a model whose states are
    1e-9 in a box [0, 1] had its three equilibria, 2e-9 apart, merged into one (the exact
    polynomial solve said three). Pairs farther apart are never merged by this test, so a
    continuum of equilibria is still seen as many roots."""
    out: BoolArray = np.zeros(len(A), bool)
    test = np.flatnonzero(~_same_to_rounding(A, B))
    if not len(test):
        return out
    A, B = polish(c, A[test]), polish(c, B[test])
    with np.errstate(all="ignore"):
        fa = np.max(np.abs(residual_batch(c, A)), axis=1)
        fb = np.max(np.abs(residual_batch(c, B)), axis=1)
        fm = np.max(np.abs(residual_batch(c, 0.5 * (A + B))), axis=1)
        J = np.max(np.sum(np.abs(jacobian_batch(c, A)), axis=2), axis=1)
        size = np.maximum(np.max(np.abs(A), axis=1), np.max(np.abs(B), axis=1))
        floor = np.maximum(fa, fb) + np.finfo(float).eps * J * size
    out[test] = np.isfinite(fm) & (fm > 1e3 * floor)
    return out


def _same_to_rounding(A: Array, B: Array) -> BoolArray:
    """Rows equal to 1e-9 relative (sup norm): Newton's copies of one root, which need no
    test (two roots that close are one for every purpose here)."""
    size = np.maximum(np.max(np.abs(A), axis=1), np.max(np.abs(B), axis=1))
    same: BoolArray = np.max(np.abs(A - B), axis=1) <= 1e-9 * size
    return same


def find_equilibria(
    model: SystemModel | CompiledSystem,
    *,
    box: Any = None,
    n_starts: int | None = None,
    seeds: Any = None,
    method: str = "auto",
    tol: float = 1e-10,
    dedup_tol: float = 1e-6,
    deflation_rounds: int = 4,
    symbolic: bool | str = "auto",
    symbolic_time: float = 5.0,
    symmetry: bool = True,
    slow_points: bool = True,
    max_time: float = 120.0,
    max_equilibria: int = 2000,
    seed: int = 0,
    stable_only: bool = False,
    progress: ProgressFn | None = None,
) -> EquilibriumSet:
    r"""Find and classify the equilibria of a model inside a box.

    Parameters
    ----------
    model : Model, VectorModel or CompiledModel
    box : dict or array of shape (n, 2), optional
        Search box; defaults to the variables' ``range`` (see :func:`default_box`).
    n_starts : int, optional
        Sobol starts (default ``min(1024, 64 + 16 n)``; for more than 50 variables 64, or none
        when ``seeds`` are given, since a box there is hopeless and seeds are better).
    seeds : array_like, shape (k, n), optional
        Extra starts, such as states along a trajectory.
    method : {"auto", "newton", "ptc"}
        ``auto`` runs Newton, pseudo-transient continuation and deflation.
    tol : float
        Accept a root when :math:`\|F\|_\infty <` ``tol``.
    dedup_tol : float
        Roots closer than ``dedup_tol * (1 + |x|)`` are one.
    deflation_rounds : int
        Maximum rounds of deflated Newton (0 disables deflation). Above 50 state variables
        each round restarts from 64 of the starts (a fixed spread subset).
    symbolic : bool or "auto"
        Confirm the count by an exact polynomial solve where the system is small enough.
    symbolic_time : float
        Wall-clock limit (seconds) of that exact solve; past it the solve is stopped and the
        message says the count rests on the numerical search.
    symmetry : bool
        Detect sign symmetries, complete orbits and pair equilibria (``pair``).
    slow_points : bool
        Report local minima of :math:`q = \tfrac12\|F\|^2` with :math:`q > 0` separately.
    max_time : float
        Time budget in seconds; when reached, the result has ``status = Status.BUDGET``.
    max_equilibria : int
        More distinct roots than this means a continuum (``status = Status.CONTINUUM``).
    seed : int
        Seed of the Sobol scrambling (results are deterministic for a given seed).
    stable_only : bool
        Only the stable equilibria: pseudo-transient continuation and symmetry orbits, no
        Newton or deflation (much cheaper when saddles are not needed).
    progress : callable, optional
        Receives the search's steps (see :mod:`dynena.progress`).

    Returns
    -------
    EquilibriumSet
        Equilibria sorted stable first, then by unstable dimension; each with eigenvalues,
        eigenspace bases, residual; plus ``method``, ``guarantee``, ``stats``, ``status``.

    Examples
    --------
    Three independent bistable units: 3³ equilibria, 8 of them stable.

    >>> import dynena
    >>> eq = dynena.find_equilibria(dynena.load("models/cube3.yaml"))
    >>> len(eq), eq.index_counts(), eq.success
    (27, {0: 8, 1: 12, 2: 6, 3: 1}, True)
    """
    from ..compile import as_compiled

    if method not in ("auto", "newton", "ptc"):
        raise ParameterError(f"method must be 'auto', 'newton' or 'ptc', got {method!r}")
    opts = _Options("ptc" if stable_only else method, tol, dedup_tol, deflation_rounds,
                    symbolic, symbolic_time, symmetry, slow_points, max_time, max_equilibria,
                    seed, stable_only)
    s = _Search.start(as_compiled(model), box, seeds, n_starts, opts)
    steps = (_solve_from_starts, _deflate, _complete_orbits, _keep_inside_box, _confirm_exactly,
             _check_count, _drop_non_differentiable)
    step(progress, "equilibria: search steps done", 0, len(steps) + 1)
    for k, run in enumerate(steps, start=1):
        run(s)
        step(progress, "equilibria: search steps done", k, len(steps) + 1)
    eqs = _classified(s)
    step(progress, "equilibria: search steps done", len(steps) + 1, len(steps) + 1)
    return _result(s, eqs)


@dataclass(frozen=True)
class _Options:
    """The knobs of :func:`find_equilibria` (see its docstring)."""

    method: str
    tol: float
    dedup_tol: float
    deflation_rounds: int
    symbolic: bool | str
    symbolic_time: float
    symmetry: bool
    slow_points: bool
    max_time: float
    max_equilibria: int
    seed: int
    stable_only: bool


@dataclass
class _Search:
    """The state of one search as it passes through the steps of :func:`find_equilibria`."""

    c: CompiledSystem
    opts: _Options
    lo: Array
    hi: Array
    X0: Array
    seeded: bool
    t0: float
    roots: Array
    stats: dict[str, Any]
    gens: list[Any] = field(default_factory=list)
    orig: CompiledSystem | None = None  # the model's own coordinates, when c is scaled
    unit: Array | None = None  # z = x / unit: the coordinates the search runs in
    ptc_end: Array | None = None
    ptc_conv: Any = None
    status: Status = Status.OK
    message: str = ""
    domain_note: str = ""  # the equations undefined at some starts (say_undefined)
    guarantee: str = ("multistart Newton + pseudo-transient continuation + deflation: no "
                      "guarantee of completeness; more starts or a smaller box raise confidence")

    @classmethod
    def start(cls, c: CompiledSystem, box: Any, seeds: Any, n_starts: int | None, opts: _Options
              ) -> _Search:
        lo, hi = default_box(c, box)
        unit = range_unit(lo, hi)
        # a variable on a scale far from one: search in coordinates where its range is of
        # order one (ScaledSystem), so that the absolute tolerances mean what they say
        orig, c = (c, ScaledSystem(c, unit)) if np.any(unit != 1.0) and c.n <= _LARGE \
            else (None, c)
        if orig is not None:
            lo, hi = lo / unit, hi / unit
            seeds = None if seeds is None else np.asarray(seeds, float).reshape(-1, c.n) / unit
        X0, seeded = _starts(c, lo, hi, seeds, n_starts, opts.seed,
                             unit if orig is not None else None)
        stats: dict[str, Any] = {"starts": len(X0), "newton_iterations": 0,
                                 "ptc_iterations": 0, "f_evals": 0, "jac_evals": 0,
                                 "deflation_rounds": 0, "singular_solves": 0, "outside_box": 0}
        s = cls(c, opts, lo, hi, X0, seeded, time.perf_counter(), np.zeros((0, c.n)), stats,
                orig=orig, unit=unit if orig is not None else None)
        if orig is not None:
            stats["scaled_units"] = {nm: float(d) for nm, d in zip(c.names, unit) if d != 1}
        s.say_undefined()
        return s

    def say_undefined(self) -> None:
        """A note when the equations are undefined (not a number) at some starts: the box
        reaches outside their domain (sqrt(-1 - x^2) is nowhere defined; every start then
        failed and the search said only '0 equilibria')."""
        if not len(self.X0):
            return
        with np.errstate(all="ignore"):
            bad = np.any(np.isnan(self.c.f_batch(self.X0)), axis=1)
        if not bad.any():
            return
        self.stats["undefined_starts"] = int(bad.sum())
        at = ", ".join(f"{nm} = {v:.3g}" for nm, v in zip(self.c.names, self.X0[bad][0]))
        self.domain_note = (f"the equations are undefined (not a number) at {int(bad.sum())} "
                            f"of {len(self.X0)} starts in the box (e.g. {at}): no equilibrium "
                            "is sought where they are not defined")

    def late(self) -> bool:
        """The time budget is spent."""
        return time.perf_counter() - self.t0 > self.opts.max_time

    def full(self) -> bool:
        return len(self.roots) > self.opts.max_equilibria

    def count(self, counts: dict[str, int], key: str) -> None:
        self.stats[key] += counts["iterations"]
        self.stats["f_evals"] += counts["f_evals"]
        self.stats["jac_evals"] += counts["jac_evals"]
        self.stats["singular_solves"] += counts["singular"]

    def newton(self, X: Array, **kw: Any) -> Array:
        """New distinct roots that Newton reaches from the rows of ``X``."""
        return self.newton_from(X, **kw)[0]

    def newton_from(self, X: Array, **kw: Any) -> tuple[Array, Any]:
        """New distinct roots that Newton reaches from the rows of ``X``, and which rows
        converged."""
        Y, _, conv, cnt = batched_newton(self.c, X, tol=self.opts.tol, **kw)
        self.count(cnt, "newton_iterations")
        Y, conv = self.accepted(Y, conv)
        return self.new(self.near_box(Y[conv])), conv

    def accepted(self, Y: Array, conv: BoolArray) -> tuple[Array, BoolArray]:
        """Rows that pass the residual test in the model's coordinates too, polished first:
        :math:`|f(x)|_\\infty \\le tol \\max(1, |x|_\\infty)`. In scaled coordinates alone
        a box of ±1e8 around states of order one would accept a slow point with
        :math:`|f| = 10^{-6}` (the test there is :math:`|f| / 2^{18} < 10^{-10}`)."""
        if self.orig is None or self.unit is None or not conv.any():
            return Y, conv
        Y = Y.copy()
        rows = np.flatnonzero(conv)
        Y[rows] = polish(self.c, Y[rows])
        X = Y[rows] * self.unit
        with np.errstate(all="ignore"):
            r = np.max(np.abs(residual_batch(self.orig, X)), axis=1)
        ok = r <= self.opts.tol * np.maximum(1.0, np.max(np.abs(X), axis=1))
        conv = conv.copy()
        conv[rows[~ok]] = False
        return Y, conv

    def new(self, cand: Array, tol: float | None = None) -> Array:
        """The points of ``cand`` that are not roots found already, nor each other."""
        tol = self.opts.dedup_tol if tol is None else tol
        if self.c.n > _LARGE or not len(cand):  # n x n Jacobians: the merge distance alone
            return _new_roots(self.roots, cand, tol, self.unit)
        if len(self.roots):  # copies of a root found already, to rounding: nothing to do
            from scipy.spatial import cKDTree
            _, k = cKDTree(self.roots).query(cand)
            cand = cand[~_same_to_rounding(cand, self.roots[k])]
        # the rest polished: roots closer than the merge distance are told apart by their
        # positions and residuals at rounding level (see separate_roots)
        return _new_roots(self.roots, polish(self.c, cand), tol, self.unit,
                          lambda A, B: separate_roots(self.c, A, B))

    def near_box(self, Y: Array) -> Array:
        """The roots within one box width of the box. Far outside it they are not searched
        for and must not be deflated: a saturating network (a GRU gate at exactly 1 in double
        precision) has a numerical continuum of them there, and each one deflated slows every
        later Newton step."""
        width = self.hi - self.lo
        ok = np.all((Y >= self.lo - width) & (Y <= self.hi + width), axis=1)
        self.stats["outside_box"] += int((~ok).sum())
        return Y[ok]

    def note(self, text: str) -> None:
        self.message = (self.message + " " if self.message else "") + text


def _starts(c: CompiledSystem, lo: Array, hi: Array, seeds: Any, n_starts: int | None, seed: int,
            unit: Array | None = None) -> tuple[Array, bool]:
    """Starting states: user seeds, scrambled Sobol points and the box centre, named states."""
    n = c.n
    starts = []
    seeds_arr = None
    if seeds is not None:
        seeds_arr = np.asarray(seeds, float).reshape(-1, n)
        if not np.all(np.isfinite(seeds_arr)):
            raise ParameterError("seeds contain non-finite values")
        starts.append(seeds_arr)
    if n_starts is None:
        # large systems: a box is hopeless and batched solves are costly; few starts, and
        # seeds (e.g. states of a trajectory) are the better way in
        n_starts = (0 if seeds_arr is not None else 64) if n > 50 else min(1024, 64 + 16 * n)
    if n_starts > 0:
        from scipy.stats import qmc  # scipy.stats is slow to import: only when needed

        sob = qmc.Sobol(d=n, scramble=True, seed=seed)
        k = int(np.ceil(np.log2(max(n_starts, 2))))
        U = sob.random_base2(k)[:n_starts]
        starts.append(lo + (hi - lo) * U)
        starts.append(((lo + hi) / 2)[None])
    if c.model.states:
        named = np.array([state_vector(c, s) for s in c.model.states.values()])
        starts.append(named if unit is None else named / unit)
    X0 = np.concatenate(starts) if starts else ((lo + hi) / 2)[None]
    return X0, seeds_arr is not None


def _solve_from_starts(s: _Search) -> None:
    """Newton from every start, then pseudo-transient continuation (it follows the flow, so
    it finds the stable states Newton may miss)."""
    ptc_starts = s.X0
    if s.opts.method in ("auto", "newton"):
        X, _, conv, cnt = batched_newton(s.c, s.X0, tol=s.opts.tol)
        s.count(cnt, "newton_iterations")
        X, conv = s.accepted(X, conv)
        s.roots = s.new(s.near_box(X[conv]))
        if s.c.n > 50 and s.seeded:
            # large systems seeded from a trajectory: every batched solve costs n^3, so the
            # flow-following search only restarts the seeds Newton did not settle
            ptc_starts = s.X0[~conv]
    if s.opts.method in ("auto", "ptc") and len(ptc_starts):
        X, _, conv, cnt = batched_ptc(s.c, ptc_starts, tol=s.opts.tol)
        s.count(cnt, "ptc_iterations")
        X, conv = s.accepted(X, conv)
        s.ptc_end, s.ptc_conv = X, conv
        s.roots = np.concatenate([s.roots, s.new(s.near_box(X[conv]))])
    s.gens = detect_symmetries(s.c, s.lo, s.hi, roots=s.roots) if s.opts.symmetry else []


_DEFLATION_STARTS = 64
"""Above 50 state variables, deflation restarts Newton from at most this many of the starts."""


def _deflate(s: _Search) -> None:
    """Newton again from every start with the roots found so far deflated, until a round
    finds nothing new.

    Above 50 state variables every deflated start costs an n³ solve per iteration and rarely
    converges (the known roots repel it): 64 of the starts, and after the first round only
    those whose deflated run converged restart — deflation as Farrell, Birkisson & Funke
    (2015) use it: from one guess, solve, deflate the solution, solve again, until Newton
    fails from that guess.
    """
    if s.opts.method != "auto":
        return
    X0 = s.X0
    large = s.c.n > 50
    if large and len(X0) > _DEFLATION_STARTS:
        pick = np.random.default_rng(0).choice(len(X0), _DEFLATION_STARTS, replace=False)
        X0 = X0[np.sort(pick)]
    for _ in range(s.opts.deflation_rounds):
        if s.late() or s.full() or not len(X0):
            break
        s.stats["deflation_rounds"] += 1
        new, conv = s.newton_from(X0, roots=s.roots)
        if not len(new):
            break
        s.roots = np.concatenate([s.roots, new])
        if large:
            X0 = X0[conv]


def _complete_orbits(s: _Search) -> None:
    """Images of every root under the detected symmetries, polished by Newton (a few passes:
    generators may need composing)."""
    for _ in range(4 if s.gens else 0):
        if s.late() or s.full():
            break
        imgs = s.new(apply_generators(s.roots, s.gens))
        if not len(imgs):
            break
        new = s.newton(imgs)
        if not len(new):
            break
        s.roots = np.concatenate([s.roots, new])
    if s.late():
        s.status, s.message = Status.BUDGET, (f"time budget of {s.opts.max_time:g} s reached; "
                                              "the list may be incomplete (raise max_time)")


def _keep_inside_box(s: _Search) -> None:
    lo, hi, roots = s.lo, s.hi, s.roots
    inside = np.all((roots >= lo - 1e-9 * (1 + np.abs(lo))) &
                    (roots <= hi + 1e-9 * (1 + np.abs(hi))), axis=1) if len(roots) else \
        np.zeros(0, bool)
    s.stats["outside_box"] += int((~inside).sum())
    s.roots, s.stats["merged_degenerate"] = merge_degenerate(s.c, roots[inside], unit=s.unit)


def _drop_non_differentiable(s: _Search) -> None:
    """Roots where the equations are not differentiable (a Jacobian entry not finite: atan2 or
    a square root of |x| at 0) are left out, with a warning naming them: stability comes from
    the linearisation, and there is none (the eigenvalue solver stopped the whole search)."""
    if not len(s.roots):
        return
    ok = np.array([bool(np.all(np.isfinite(s.c.jac(x)))) for x in s.roots])
    if ok.all():
        return
    bad = ", ".join("(" + ", ".join(f"{v:.6g}" for v in x) + ")" for x in s.roots[~ok][:5])
    text = (f"left out {int((~ok).sum())} point(s) where the equations vanish but are not "
            f"differentiable (a Jacobian entry is not finite): {bad}; dynena classifies "
            "equilibria by their linearisation, which does not exist there")
    warnings.warn(text, DynenaWarning, stacklevel=4)
    s.note(text)
    s.stats["not_differentiable"] = int((~ok).sum())
    s.roots = s.roots[ok]


def _confirm_exactly(s: _Search) -> None:
    """For small polynomial systems, the exact count (under its time limit) confirms the list
    or says it differs; roots only the exact solve found are polished and added."""
    o = s.opts
    if not ((o.symbolic and not s.seeded or o.symbolic is True) and not o.stable_only):
        return
    left = max(1.0, min(o.symbolic_time, o.max_time - (time.perf_counter() - s.t0)))
    d = s.unit if s.unit is not None else 1.0
    sym_roots, note = symbolic_equilibria_timed(s.orig or s.c, s.lo * d, s.hi * d, left)
    if note:
        s.note(note)
        s.stats["symbolic"] = "time limit"
    if sym_roots is None:
        return
    sym_roots = sym_roots / d
    extra = s.new(sym_roots, 1e-6)
    if len(extra):
        X, _, conv, _ = batched_newton(s.c, extra, tol=o.tol)
        X, conv = s.accepted(X, conv)
        s.roots = np.concatenate([s.roots, s.new(X[conv])])
    if len(sym_roots) == len(s.roots):
        s.guarantee = (f"complete: an exact polynomial solve (sympy) finds {len(sym_roots)} "
                       "real equilibria in the box, the same as the numerical search")
    else:
        s.guarantee = (f"exact polynomial solve finds {len(sym_roots)} real equilibria in the "
                       f"box; the numerical search {len(s.roots)} (see message)")
        s.note("numerical and exact counts differ")
    s.stats["symbolic_count"] = len(sym_roots)


def _check_count(s: _Search) -> None:
    """More roots than ``max_equilibria``: a continuum only if a sampled root has other roots
    arbitrarily near (3^8 isolated states of 8 uncoupled bistable units are not one)."""
    if not s.full():
        return
    roots, cap = s.roots, s.opts.max_equilibria
    sample = roots[np.linspace(0, len(roots) - 1, min(len(roots), 12)).astype(int)]
    if s.c.n <= _LARGE and any(is_continuum(s.c, x) for x in sample):
        s.status = Status.CONTINUUM
        s.message = (f"more than {cap} distinct roots and some are not isolated: a curve or "
                     "surface of equilibria; only samples are listed")
    else:
        s.status = Status.BUDGET
        s.message = (f"more than {cap} distinct roots (max_equilibria): the search stopped "
                     "there and the list is incomplete; the sampled roots are isolated, so "
                     "this is a count budget, not a continuum")


def _classified(s: _Search) -> list[Equilibrium]:
    """Classify, test singular roots for a continuum, warn about non-hyperbolic ones, pair
    mirror images and attach the model's state labels."""
    c = s.c
    if s.opts.stable_only:
        s.roots = s.roots[[i for i, x in enumerate(s.roots) if _is_stable(c, x)]]
        s.guarantee = ("stable equilibria only: pseudo-transient continuation from every start "
                       "and symmetry orbits; saddles were not searched")
    s.roots = polish(c, s.roots)
    eqs = _classify_all(c, s.roots, s.opts.tol)
    if c.n <= _LARGE:  # a singular Jacobian alone does not make a continuum: test for one
        eqs = [e if e.isolated or is_continuum(c, e.state) else replace(e, isolated=True)
               for e in eqs]
    if any(not e.isolated for e in eqs) and s.status == Status.OK:
        s.status = Status.CONTINUUM
        s.message = ("some equilibria are not isolated (singular Jacobian of the equilibrium "
                     "condition): the model has a continuum of equilibria there; only samples "
                     "of it are listed")
    nonhyp = [e.id for e in eqs if e.stability == "nonhyperbolic"]
    if nonhyp:
        warnings.warn(f"non-hyperbolic equilibria {', '.join(nonhyp[:5])}: their stability is "
                      "not decided by linearisation", NonHyperbolicWarning, stacklevel=3)
    return _pair_and_label(c, eqs, s.gens, s.opts.dedup_tol, s.unit)


def _result(s: _Search, eqs: list[Equilibrium]) -> EquilibriumSet:
    c, o = s.c, s.opts
    slow: list[SlowPoint] = []
    if o.slow_points and s.ptc_end is not None and s.ptc_conv is not None:
        slow = _slow_points(c, s.ptc_end[~s.ptc_conv], np.array([e.state for e in eqs]), o.tol,
                            (s.lo, s.hi))
    s.stats["seconds"] = time.perf_counter() - s.t0
    if s.orig is not None and s.unit is not None:  # back to the model's coordinates
        c, d = s.orig, s.unit
        eqs = _in_model_units(c, d, eqs)
        slow = [SlowPoint(p.state * d, 0.5 * float(np.sum(c.residual(p.state * d) ** 2)),
                          p.names) for p in slow]
        s.lo, s.hi = s.lo * d, s.hi * d
    return EquilibriumSet(
        model=c.model.name, kind=c.kind, parameters=c.parameter_values(), names=tuple(c.names),
        equilibria=tuple(eqs), slow_points=tuple(slow),
        method=o.method if o.method != "auto" else "newton+ptc+deflation",
        guarantee=s.guarantee, symmetry=tuple(d for d, _ in s.gens), stats=s.stats,
        status=s.status, message="; ".join(m for m in (
            s.message or f"{len(eqs)} equilibria found", s.domain_note) if m),
        box={nm: (float(a), float(b)) for nm, a, b in zip(c.names, s.lo, s.hi)}
        if c.n <= 50 else {},
        tolerances={"residual": o.tol, "dedup": o.dedup_tol})


def _is_stable(c: CompiledSystem, x: Array) -> bool:
    return c.dynamics.is_stable(np.linalg.eigvals(c.jac(x)))


_LARGE = 60  # above this many variables, avoid full eigendecompositions where possible


def _spectrum(c: CompiledSystem, J: Array) -> tuple[Any, Any, Any]:
    """Sorted eigenvalues, the eigenvector matrix (small systems) or None, and the eigenvalues
    of the equilibrium condition's Jacobian (J, or J - I for a map)."""
    if c.n <= _LARGE:
        ws, V = eigen_sorted(J, c.kind)
        return ws, V, c.dynamics.condition_eigenvalues(ws)
    w: Any = np.linalg.eigvals(J)
    w = w[np.lexsort((np.imag(w), -c.dynamics.dominance(w)))]
    return w, None, c.dynamics.condition_eigenvalues(w)


def _unstable_basis_large(J: Array, w: Any, mask: Any) -> Array:
    """Unstable eigenvectors of a large matrix: inverse iteration for a single real unstable
    eigenvalue (one LU instead of a full eigendecomposition), else a full eig."""
    n = J.shape[0]
    idx = np.flatnonzero(mask)
    if len(idx) == 1 and abs(w[idx[0]].imag) == 0:
        import scipy.linalg

        lam = float(w[idx[0]].real)
        lu = scipy.linalg.lu_factor(J - (lam + 1e-10 * max(1.0, abs(lam))) * np.eye(n))
        v: Any = np.random.default_rng(0).standard_normal(n)
        for _ in range(3):
            v = scipy.linalg.lu_solve(lu, v)
            v /= np.linalg.norm(v)
        return v[None, :]
    w2, V = np.linalg.eig(J)
    order = [int(np.argmin(np.abs(w2 - z))) for z in w]
    return real_basis(V[:, order], w, mask)


def polish(c: CompiledSystem, X: Array, steps: int = 8) -> Array:
    """A few full Newton steps past the acceptance tolerance, batched over the rows of ``X``,
    each kept only where it lowers the residual: Newton stops as soon as |F| < tol (1e-10),
    one more step usually reaches rounding level (1e-16), and the residual reported is that
    of the state reported. A row is done when its residual is zero or its last step moved it
    by less than 4 ε |x| (at most ``steps``): not at a fixed residual (|F| < 1e-15 (1 + |x|)
    left a root at 1e-9 wrong in its seventh digit: the terms of F were of order 1e-9 too;
    states of 1e-12 in a box [0, 1] pass the search's test at the origin, 1.2e-12 from the
    root, and Newton needs six steps from there)."""
    X = np.array(X, dtype=float, copy=True)
    if not len(X):
        return X
    rows_max = max(1, (1 << 25) // (8 * X.shape[1] ** 2))  # two batches of Jacobians: 64 MB
    if len(X) > rows_max:
        return np.concatenate([polish(c, X[k:k + rows_max], steps)
                               for k in range(0, len(X), rows_max)])
    with np.errstate(all="ignore"):
        r = np.max(np.abs(residual_batch(c, X)), axis=1)
        live = r > 0
        J = jacobian_batch(c, X)
        for _ in range(steps):
            rows = np.flatnonzero(live)
            if not len(rows):
                break
            d, _ = solve_batch(J[rows], -residual_batch(c, X[rows]))
            Y = X[rows] + d
            rY = np.max(np.abs(residual_batch(c, Y)), axis=1)
            JY = jacobian_batch(c, Y)
            # never onto a point where the Jacobian is not finite (the origin of a map
            # written with sqrt(x^2 + y^2): a root at 1e-17 is classified, one at exactly 0
            # is not)
            better = (rY < r[rows]) & np.all(np.isfinite(JY), axis=(1, 2))
            X[rows[better]], r[rows[better]], J[rows[better]] = Y[better], rY[better], \
                JY[better]
            step = np.max(np.abs(d), axis=1)
            live[rows] = better & (rY > 0) & (step > 4 * np.finfo(float).eps
                                               * np.max(np.abs(Y), axis=1))
    return X


def _small_spectra(c: CompiledSystem, roots: Array) -> tuple[Array, Any, Any, Any]:
    """Jacobians, eigen-decompositions and the condition's singular values of every root at
    once (small systems: hundreds of roots of a 16-unit network, one LAPACK call each)."""
    Js = c.jac_batch(roots)
    W, V = np.linalg.eig(Js)
    SV = np.linalg.svd(c.dynamics.condition_jacobian(Js), compute_uv=False)
    return Js, W, V, SV


def _classify_all(c: CompiledSystem, roots: Array, tol: float) -> list[Equilibrium]:
    items = []
    small = c.n <= _LARGE and len(roots) > 0
    kinks = small and has_kinks(c)
    if small:
        Js, Ws, Vs, SVs = _small_spectra(c, roots)
        Fs = residual_batch(c, roots)
    for k, x in enumerate(roots):
        if small:
            J, F, sv = Js[k], Fs[k], SVs[k]
            w, V = sort_eigen(Ws[k], Vs[k], c.kind)
            wr = c.dynamics.condition_eigenvalues(w)
        else:
            J, F = c.jac(x), c.residual(x)
            w, V, wr = _spectrum(c, J)
        stability, typ, udim = classify(w, c.kind, J=J)
        kink = kinks and kinked(c, x)
        if kink:  # no linearisation decides: the network asks the flow (as for x' = -x^3)
            stability, typ, udim = ("nonhyperbolic", "non-smooth (the Jacobian jumps here: "
                                    "the one-sided linearisations differ)", 0)
        if small:
            isolated = bool(sv[-1] > 1e-9 * max(sv[0], 1.0))
        else:  # an eigenvalue of the condition's Jacobian at 0 marks a non-isolated root
            isolated = bool(np.min(np.abs(wr)) > 1e-9 * max(1.0, float(np.max(np.abs(wr)))))
        g = c.dynamics.growth(w)
        scale = max(1.0, float(np.max(np.abs(w))))
        um, sm = g > 1e-9 * scale, g < -1e-9 * scale
        if kink:  # no eigenvectors of either side
            uv, sv_ = np.zeros((0, c.n)), np.zeros((0, c.n))
        elif V is not None:
            uv, sv_ = real_basis(V, w, um), real_basis(V, w, sm)
        else:
            uv = _unstable_basis_large(J, w, um) if um.any() else np.zeros((0, c.n))
            sv_ = np.zeros((0, c.n))
        items.append((x, w, uv, sv_, stability, typ, udim, float(np.max(np.abs(F))), isolated))
    rank = {"stable": 0, "saddle": 1, "nonhyperbolic": 2, "unstable": 3}
    items.sort(key=lambda it: (rank[it[4]], it[6], tuple(np.round(-it[0], 6))))
    return [Equilibrium(id=f"E{k}", state=x, names=tuple(c.names), eigenvalues=w,
                        stability=stability, type=typ, unstable_dim=udim, residual=res,
                        unstable_vectors=uv, stable_vectors=sv_, isolated=iso)
            for k, (x, w, uv, sv_, stability, typ, udim, res, iso) in enumerate(items)]


def _in_model_units(c: CompiledSystem, unit: Array, eqs: list[Equilibrium]
                    ) -> list[Equilibrium]:
    """Equilibria found in the scaled coordinates z = x / unit, in the model's own: states and
    eigenvectors times ``unit`` (rows renormalised), the residual of the model's equations;
    eigenvalues are those of a similar matrix, the same."""
    from dataclasses import replace

    def basis(V: Array) -> Array:
        W = V * unit
        return W / np.linalg.norm(W, axis=1, keepdims=True) if len(W) else W

    # polished in the model's coordinates: the scaled search's last steps stop at a residual
    # that is rounding level there, not here (2e-12 at the roots of a cubic in a ±1e8 box)
    X = polish(c, np.array([e.state * unit for e in eqs]).reshape(len(eqs), -1))
    return [replace(e, state=x, residual=float(np.max(np.abs(c.residual(x)))),
                    unstable_vectors=basis(e.unstable_vectors),
                    stable_vectors=basis(e.stable_vectors)) for e, x in zip(eqs, X)]


def _pair_and_label(c: CompiledSystem, eqs: list[Equilibrium], gens: list[tuple[str, Array]],
                    tol: float, unit: Array | None) -> list[Equilibrium]:
    from dataclasses import replace

    if not eqs:
        return eqs
    states = np.array([e.state for e in eqs])
    glob = next((S for _, S in gens if np.all(S == -1.0)), None)  # the object, not its label
    refs = [(name, state_vector(c, vec) / (1.0 if unit is None else unit))
            for name, vec in c.model.states.items()]
    # each named state (and its mirror image) labels the one equilibrium nearest to it
    labels: dict[int, str] = {}
    for name, v in refs:
        scale = max(1.0, float(np.linalg.norm(v)))
        for ref in ([v, -v] if glob is not None else [v]):
            d = np.linalg.norm(states - ref, axis=1)
            j = int(np.argmin(d))
            if d[j] <= 0.1 * scale and j not in labels:
                labels[j] = name
    out = []
    for k, e in enumerate(eqs):
        pair = None
        if glob is not None:
            img = e.state * glob
            d = np.linalg.norm(states - img, axis=1)
            j = int(np.argmin(d))
            if d[j] <= tol * (1 + np.linalg.norm(img)) and eqs[j].id != e.id:
                pair = eqs[j].id
        out.append(replace(e, pair=pair, label=labels.get(k)))
    return out


def _slow_points(c: CompiledSystem, ends: Array, eq_states: Array, tol: float,
                 box: tuple[Array, Array], max_points: int = 32) -> list[SlowPoint]:
    """Minimise q = |F|^2/2 from stalled starts; a minimum with q > 0 inside the search box is
    a slow point (outside it, as for equilibria, nothing is claimed: a saturating network has
    flat valleys of tiny q there that are no feature of its dynamics)."""
    if not len(ends):
        return []
    with np.errstate(all="ignore"):
        r = np.max(np.abs(residual_batch(c, ends)), axis=1)
    cand = ends[np.isfinite(r) & (r < 1e-2)]
    cand = distinct_points(cand, 1e-3)[:max_points]
    out: list[SlowPoint] = []
    X, Q = minimise_speed_batch(c, cand) if len(cand) else (cand, np.zeros(0))
    lo, hi = box
    for x, q in zip(X, Q):
        q = float(q)
        if not np.all((x >= lo - 1e-9 * (1 + np.abs(lo))) & (x <= hi + 1e-9 * (1 + np.abs(hi)))):
            continue
        if not np.isfinite(q) or q <= 0.5 * (tol * np.sqrt(c.n)) ** 2:
            continue  # it converged to an equilibrium after all
        if len(eq_states) and np.min(np.linalg.norm(eq_states - x, axis=1)) < 1e-6:
            continue
        if any(np.linalg.norm(s.state - x) < 1e-5 for s in out):
            continue
        out.append(SlowPoint(x, q, tuple(c.names)))
    return out
