r"""Pseudo-arclength continuation of equilibria with bifurcation detection.

Follows :math:`F(x, p) = 0` with :math:`F = f` (ode) or :math:`F = f - x` (map) in one parameter
:math:`p`, using the exact :math:`F_x` and :math:`F_p` (generated code).

* **Predictor**: the tangent :math:`t` solves :math:`[F_x\ F_p;\ t_{prev}^\top]\,t = (0, 1)`.
* **Corrector**: Newton on :math:`F(y) = 0,\ t^\top (y - y_{pred}) = 0`.
* **Step**: grows after quick convergence, halves on failure, stops below ``ds_min``.
  The loop runs compiled with the model where that is on disk (:mod:`.kernel`), else in Python.
* **Test functions**, at every point in one batch after the loop (a sign change between two
  points is then located by Brent's method on the arclength, each trial point corrected onto
  the branch):

  - LP: the parameter component :math:`t_p` of the tangent;
  - BP: :math:`\det [F_x\ F_p;\ t^\top]`;
  - H (ode): the real part of the complex pair nearest the imaginary axis — from the
    eigenvalues, so no :math:`n(n-1)/2` bialternate matrix is formed;
  - PD (map): :math:`\det(F_x + 2I) = \det(Df + I)`;
  - NS (map): :math:`|\lambda| - 1` of the complex pair nearest the unit circle.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, Literal, cast

import numpy as np

from .._typing import Array
from ..compile import ScaledSystem
from ..compile.system import CompiledSystem
from ..model.model import Model
from ..results.continuation import Branch, SpecialPoint
from ..results.status import Status
from .branch_point import MAX_VARIABLES as BP_MAX_VARIABLES
from .branch_point import BranchPoint, refine_branch_point
from .codes import CLOSED, FAILED, NORM, RANGE
from .cycles import IteratedMap
from .kernel import call, kernel_cached, palc_kernel
from .locate import sign_change
from .normal_form import (
    MAX_VARIABLES,
    MultilinearForms,
    flip_coefficient,
    forms_of,
    hopf_coefficient,
    neimark_sacker_coefficient,
)

__all__ = ["Continuer"]


def _det(M: Array) -> Array:
    """Determinants (of a stack of matrices) as test functions: the sign, and the size clipped
    to [e^-700, e^700] (a large system's determinant under- or overflows; an exact 0 must mean
    singular, and a continuous value lets the zero be located by interpolation, not bisection
    alone)."""
    sign, logdet = np.linalg.slogdet(M)
    return np.asarray(sign * np.exp(np.clip(logdet, -700.0, 700.0)))


_Steps = tuple[Array, Array, Array | None, Array, Status, str]
"""Points, unit tangents, bordered matrices (None when not kept), the step that reached each
point, status, message."""
_End = tuple[float, Array, Array, Array | None]
"""A trial point of a located special point: test value, point, bordered matrix, eigenvalues
(None where the test did not need them)."""
_MATRIX_BYTES = 1 << 26
"""Largest memory for the bordered matrices of one branch (64 MB: 1000 points of a
90-variable system); larger systems rebuild them in chunks after the loop."""
MIN_TANGENT_COS = 0.99
"""Smallest cosine of the angle between the tangents at two consecutive points (8°): a step
that turns more is halved. Exempt: the first step from a start (a switch's start direction is
not a tangent) and a step within 16 times the smallest (the fold of x' = p − 10⁶ x² turns
faster than 8° per smallest step, and the branch had stopped there). Next to a pitchfork the
bifurcating branch folds back where it meets the other one; a step past the fold was corrected
onto the other branch (within the 3·ds jump test) and followed it as if it were the same: the
toggle switch's states written in units of 1/100 or 1e-9 gave two branches that 'ran' from the
asymmetric states onto the symmetric ones, and no fold. The two tangents there were 25° apart
(both mostly along the parameter)."""
GROWTH = 1.0
"""How many of its starting units a ``relative`` variable may grow before the largest step
grows with it (:meth:`Continuer._cap`): one, so that the steps are those of a run started
at the current point."""
_CLOSED = "closed loop: the branch returned to its start"
_LEFT = "the state left the bound"


class Continuer:
    """Continuation engine for one compiled model and one parameter. ``relative`` flags the
    variables measured in the units of their starting states (``ScaledSystem``): the largest
    step grows with them once they outgrow those units (:meth:`_cap`)."""

    def __init__(self, c: CompiledSystem, param: str, *, ds: float = 0.01, ds_min: float = 1e-7,
                 ds_max: float = 0.2, tol: float = 1e-10, max_newton: int = 12,
                 p_range: tuple[float, float] = (-np.inf, np.inf), max_norm: float = 1e6,
                 locate_tol: float = 1e-10, compiled: bool | Literal["auto"] = "auto",
                 relative: Array | None = None) -> None:
        self.c = c.with_parameters()  # a private copy: its p is moved along the branch
        self.param = param
        self.j = c.parameter_names.index(param)
        self.n = c.n
        self.ds, self.ds_min, self.ds_max = ds, ds_min, ds_max
        self.tol, self.max_newton = tol, max_newton
        self.p_range = p_range
        self.max_norm = max_norm
        self.locate_tol = locate_tol
        self.counts = {"newton": 0, "jac": 0, "eig": 0}
        self._forms: MultilinearForms | None = None  # exact 2nd/3rd derivatives, on demand
        self._start: tuple[Array, Array] | None = None  # the last start and its tangent
        # the compiled loop: always with True (compiled once per model, seconds); with "auto"
        # only when a former run left it compiled on disk
        base = getattr(self.c, "base", self.c)  # the map whose k-th iterate is followed
        # a system in scaled coordinates runs the model's own compiled code with its units
        self._base = base.original if isinstance(base, ScaledSystem) else base
        self._unit = base.unit if isinstance(base, ScaledSystem) else np.ones(self.n)
        self._grow = np.zeros(self.n) if relative is None else np.asarray(relative, float)
        self._period = int(getattr(self.c, "period", 1))
        use = compiled is True or (compiled == "auto" and kernel_cached(self._base))
        self.kernel = palc_kernel(self._base) if use else None

    # -- the maps ------------------------------------------------------------------------
    def F(self, y: Array) -> Array:
        x, p = y[:-1], y[-1]
        c = self._model(p)
        return c.dynamics.residual(c.f(x), x)

    def DF(self, y: Array) -> Array:
        """[F_x  F_p], shape (n, n+1)."""
        x, p = y[:-1], y[-1]
        c = self._model(p)
        Jx = c.dynamics.condition_jacobian(c.jac(x))
        Jp = c.dfdp(x)[:, self.j]
        self.counts["jac"] += 1
        return np.column_stack([Jx, Jp])

    def _model(self, p: float) -> Any:
        c = self.c
        if c.p[self.j] != p:
            q = c.p.copy()
            q[self.j] = p
            c.p = q  # the generated code reads p at call time; one object, no copies
        return c

    # -- geometry --------------------------------------------------------------------------
    def tangent(self, y: Array, t_prev: Array | None) -> Array:
        return self.tangent_matrix(y, t_prev)[0]

    def tangent_matrix(self, y: Array, t_prev: Array | None) -> tuple[Array, Array]:
        """The unit tangent at ``y`` and the bordered matrix :math:`[F_x\\ F_p;\\ t^\\top]`
        with it (the test functions' matrix)."""
        A = self.DF(y)
        if t_prev is None:
            _, _, Vt = np.linalg.svd(A)
            t = Vt[-1]
            if t[-1] < 0:
                t = -t
        else:
            M = np.vstack([A, t_prev])
            rhs = np.zeros(self.n + 1)
            rhs[-1] = 1.0
            try:
                t = np.linalg.solve(M, rhs)
            except np.linalg.LinAlgError:
                t = np.linalg.lstsq(M, rhs, rcond=None)[0]
        t = t / np.linalg.norm(t)
        return t, np.vstack([A, t])

    def correct(self, y_pred: Array, t: Array) -> tuple[Array, bool, int]:
        y = y_pred.copy()
        for k in range(self.max_newton):
            Fy = self.F(y)
            g = np.append(Fy, t @ (y - y_pred))
            if np.max(np.abs(Fy)) < self.tol and abs(g[-1]) < self.tol:
                return y, True, k
            M = np.vstack([self.DF(y), t])
            self.counts["newton"] += 1
            try:
                dy = np.linalg.solve(M, -g)
            except np.linalg.LinAlgError:
                return y, False, k
            y = y + dy
            if not np.all(np.isfinite(y)):
                return y, False, k
        Fy = self.F(y)
        return y, bool(np.max(np.abs(Fy)) < self.tol), self.max_newton

    # -- test functions --------------------------------------------------------------------
    def eigenvalues(self, M: Array) -> Array:
        """Eigenvalues of :math:`D_x f` at a batch of points from their bordered matrices
        ``M`` (shape (K, n + 1, n + 1)): :math:`F_x` is :math:`D_x f` (ode) or
        :math:`D_x f - I` (map)."""
        Df = M[:, :-1, :-1]
        if self.c.dynamics.is_map:
            Df = Df + np.eye(self.n)
        self.counts["eig"] += len(M)
        return cast(Array, np.linalg.eigvals(Df))  # complex values

    def test_values(self, M: Array, W: Array, kinds: tuple[str, ...] | None = None
                    ) -> dict[str, Array]:
        """The test functions at a batch of points: LP (the tangent's parameter component,
        the last row of ``M``), BP, and H (ode) or PD, NS (map); ``W`` their eigenvalues.
        H is the real part, NS :math:`|\\lambda| - 1`, of the complex eigenvalue nearest the
        imaginary axis or the unit circle (NaN without one)."""
        every = ("LP", "BP", "PD", "NS") if self.c.dynamics.is_map else ("LP", "BP", "H")
        want = kinds or every
        out: dict[str, Array] = {}
        if "LP" in want:
            out["LP"] = M[:, -1, -1].copy()
        if "BP" in want:
            out["BP"] = _det(M)
        if not {"H", "PD", "NS"} & set(want):
            return out
        big = np.maximum(1.0, np.max(np.abs(W), axis=1, initial=0.0))
        cplx = np.abs(W.imag) > 1e-9 * big[:, None]
        has = cplx.any(axis=1)
        rows = np.arange(len(W))

        def nearest(v: Array) -> Array:
            i = np.argmin(np.where(cplx, np.abs(v), np.inf), axis=1)
            return np.where(has, v[rows, i], np.nan)

        if "H" in want:
            out["H"] = nearest(W.real)
        if "PD" in want:
            out["PD"] = _det(M[:, :-1, :-1] + 2 * np.eye(self.n))
        if "NS" in want:
            out["NS"] = nearest(np.abs(W) - 1)
        return out

    # -- the branch ------------------------------------------------------------------------
    def run(self, x0: Array, p0: float, *, direction: int = 1, max_points: int = 500,
            t0: Array | None = None, origin: str = "", detect: bool = True) -> Branch:
        """Follow the branch from ``(x0, p0)`` for at most ``max_points`` points: the steps
        (compiled loop where available, see :mod:`~dynena.continuation.kernel`), then the
        eigenvalues and test functions of every point in one batch, then every sign change
        located."""
        t_start = time.perf_counter()
        y = np.append(np.asarray(x0, float), p0)
        if t0 is not None:
            t = t0 / np.linalg.norm(t0)
        elif self._start is not None and np.array_equal(self._start[0], y):
            t = self._start[1]  # the other direction from the same start
        else:
            t = self.tangent(y, None)
            self._start = (y, t)
        t = direction * t
        y, ok, _ = self.correct(y, t)
        if not ok:
            return Branch(self.param, np.array([p0]), np.array([x0]), np.array([False]),
                          np.array([-1]), (), Status.FAILED,
                          f"the start at {self.param} = {p0:g} is not an equilibrium (Newton "
                          "did not converge)", origin)
        # the points' bordered matrices are kept for the batch of tests while they are small
        keep = (self.n + 1) ** 2 * 8 * max_points <= _MATRIX_BYTES
        steps = (self._compiled_steps(y, t, max_points) if self.kernel is not None and keep
                 else None)
        compiled = steps is not None
        if steps is None:
            steps = self._python_steps(y, t, max_points, keep)
        Y, T, M, DS, status, message = steps
        W, TE = self._spectra(Y, T, M)
        specials = self._detect(Y, T, W, TE, DS, M) if detect else []
        # Kind.unstable_dimension, for every point at once
        udim = np.sum(self.c.dynamics.growth(W) > 1e-9, axis=1)
        return Branch(self.param, Y[:, -1], Y[:, :-1], udim == 0, udim, tuple(specials),
                      status, message or f"{len(Y)} points", origin,
                      {"points": len(Y), **self.counts, "compiled_loops": int(compiled),
                       "seconds": time.perf_counter() - t_start})

    def _python_steps(self, y: Array, t: Array, max_points: int, keep: bool = True
                      ) -> _Steps:
        """The predictor–corrector loop in Python (the reference the compiled loop follows);
        without ``keep`` the bordered matrices are not kept (large systems: see
        :meth:`_spectra`)."""
        ys, ts, ms, dss = [y], [t], [np.vstack([self.DF(y), t])], [0.0]
        status, message = Status.OK, ""
        ds = self.ds
        far = 0.0
        cycles = self.c if isinstance(self.c, IteratedMap) and self.c.period > 1 else None
        while len(ys) < max_points:
            y_new, ok, iters = self.correct(ys[-1] + ds * ts[-1], ts[-1])
            if ok and np.linalg.norm(y_new - ys[-1]) > 3 * ds:
                ok = False  # jumped to another branch: take a smaller step
            lower = cycles.lower_period(y_new[:-1]) if ok and cycles is not None else None
            if lower is not None:
                ok = False  # on the parent cycle (f^k has its fixed points too): not this branch
            if ok:
                t_new, m_new = self.tangent_matrix(y_new, ts[-1])
                # (not the first step: a switch's start direction is not a tangent; nor a
                # step near the smallest, where a fold is that sharp)
                ok = len(ys) == 1 or ds < 16 * self.ds_min or \
                    float(t_new @ ts[-1]) >= MIN_TANGENT_COS
            if not ok:
                ds *= 0.5
                if ds < self.ds_min:
                    status, message = self._failed(ys[-1])
                    if lower is not None:
                        status = Status.OK
                        message = (f"the cycle merges into a cycle of period {lower} at "
                                   f"{self.param} = {ys[-1][-1]:.6g}")
                    break
                continue
            ys.append(y_new)
            ts.append(t_new)
            if keep:
                ms.append(m_new)
            dss.append(ds)
            # a closed loop of equilibria (an isola): back at the start, moving the same way
            far = max(far, float(np.linalg.norm(y_new - ys[0])))
            if far > 4 * ds and np.linalg.norm(y_new - ys[0]) < 1.5 * ds and \
                    float(t_new @ ts[0]) > 0:
                status, message = Status.OK, _CLOSED
                break
            cap = self._cap(y_new)
            if iters <= 3:
                ds = min(ds * 1.3, cap)
            elif cap > self.ds_max:
                ds = min(ds, cap)
            p = y_new[-1]
            if not (self.p_range[0] <= p <= self.p_range[1]):
                status, message = Status.OK, f"reached the end of the parameter range at {p:.6g}"
                break
            if np.linalg.norm(y_new[:-1]) > self.max_norm:
                status, message = Status.OK, _LEFT
                break
        else:
            message = f"point budget of {max_points} reached"
        return (np.array(ys), np.array(ts), np.array(ms) if keep else None, np.array(dss),
                status, message)

    def _spectra(self, Y: Array, T: Array, M: Array | None) -> tuple[Array, dict[str, Array]]:
        """Eigenvalues and test values of every point, from the kept bordered matrices, or
        (``M`` None: a large system) rebuilt in chunks of at most ``_MATRIX_BYTES``."""
        if M is not None:
            W = self.eigenvalues(M)
            return W, self.test_values(M, W)
        rows = max(1, _MATRIX_BYTES // ((self.n + 1) ** 2 * 8))
        Ws: list[Array] = []
        TEs: list[dict[str, Array]] = []
        for a in range(0, len(Y), rows):
            Mc = np.array([np.vstack([self.DF(y), t]) for y, t in zip(Y[a:a + rows],
                                                                      T[a:a + rows])])
            Ws.append(self.eigenvalues(Mc))
            TEs.append(self.test_values(Mc, Ws[-1]))
        return np.concatenate(Ws), {k: np.concatenate([te[k] for te in TEs]) for k in TEs[0]}

    def _compiled_steps(self, y: Array, t: Array, max_points: int) -> _Steps | None:
        """The same loop compiled with the model (:mod:`~dynena.continuation.palc_steps`);
        None when it cannot run (the Python loop is then used)."""
        K = self.kernel
        assert K is not None
        n1 = self.n + 1
        Y, T = np.zeros((max_points, n1)), np.zeros((max_points, n1))
        M, DS = np.zeros((max_points, n1, n1)), np.zeros(max_points)
        Y[0], T[0], M[0] = y, t, np.vstack([self.DF(y), t])
        ok, out = call(self._base, K, "advance", Y, T, M, DS, 0, float(self.ds), 0.0,
                       *self._model_args(), float(self.ds_min), float(self.ds_max),
                       float(self.p_range[0]), float(self.p_range[1]), float(self.max_norm),
                       MIN_TANGENT_COS, self._grow, GROWTH)
        if not ok:
            self.kernel = None
            return None
        code, k, _, _, lower = out
        Y, T, M, DS = Y[:k + 1], T[:k + 1], M[:k + 1], DS[:k + 1]
        status, message = Status.OK, ""
        if code == FAILED and lower:
            message = (f"the cycle merges into a cycle of period {lower} at {self.param} = "
                       f"{Y[-1, -1]:.6g}")
        elif code == FAILED:
            status, message = self._failed(Y[-1])
        elif code == CLOSED:
            message = _CLOSED
        elif code == RANGE:
            message = f"reached the end of the parameter range at {Y[-1, -1]:.6g}"
        elif code == NORM:
            message = _LEFT
        else:
            message = f"point budget of {max_points} reached"
        return Y, T, M, DS, status, message

    def _cap(self, y: Array) -> float:
        r"""The largest step at ``y``: ``ds_max`` times :math:`\max_i |z_i|` over the
        ``relative`` variables (those measured in the units of their starting states), once
        one has grown past one such unit: the step a run started here would take. A variable
        that grows from 1e-6 to 1 along the branch had taken the whole point budget to cover
        a tenth of the parameter range."""
        g = float(np.max(self._grow * np.abs(y[:-1]), initial=0.0))
        return self.ds_max * max(1.0, g / GROWTH)

    def _model_args(self) -> tuple[Any, ...]:
        """The compiled loop's model arguments: a work copy of the parameters, the input
        (zero), the units the branch is followed in, the definitions' count, the parameter
        index, map or not, the period, the corrector's tolerance and iteration limit."""
        b = self._base
        return (self.c.p.copy(), np.zeros(len(b.input_names)), self._unit,
                int(getattr(b, "n_definitions", 0)), self.j, bool(b.dynamics.is_map),
                self._period, float(self.tol), int(self.max_newton))

    def _point(self, y0: Array, t0: Array, h: float) -> tuple[Array, Array] | None:
        """The branch point corrected from :math:`y_0 + h t_0` and its bordered matrix
        :math:`[F_x\\ F_p;\\ t^\\top]` (``t`` its tangent), or None where the corrector fails."""
        if h == 0:
            return y0, np.vstack([self.DF(y0), t0])
        if self.kernel is not None:
            ran, out = call(self._base, self.kernel, "point_at", y0, t0, float(h),
                            *self._model_args())
            if ran:
                y, _, M, ok = out
                if ok:
                    return y, M
                # not ok: also where the corrector converged onto a point whose bordered
                # matrix is exactly singular (a secant step landing on Lorenz's pitchfork at
                # rho = 1 exactly); the Python corrector's tangent takes a least-squares solve
            else:
                self.kernel = None
        y, ok, _ = self.correct(y0 + h * t0, t0)
        if not ok:
            return None
        return y, self.tangent_matrix(y, t0)[1]

    def _failed(self, y: Array) -> tuple[Status, str]:
        return Status.STOPPED, (f"corrector failed below the minimum step at {self.param} = "
                                f"{y[-1]:.6g}: a singularity or a very sharp turn")

    def _detect(self, Y: Array, T: Array, W: Array, TE: dict[str, Array], DS: Array,
                M: Array | None = None) -> list[SpecialPoint]:
        """Every sign change of a test function between consecutive points, located (with
        the points' bordered matrices ``M`` where they were kept, the two ends of the bracket
        are not computed again)."""
        specials: list[SpecialPoint] = []
        change = {kind: np.isfinite(v[1:]) & np.isfinite(v[:-1]) & (v[:-1] != 0)
                  & (np.sign(v[1:]) != np.sign(v[:-1])) for kind, v in TE.items()}
        steps = np.flatnonzero(np.any(np.array(list(change.values())), axis=0)) + 1
        for k in steps.tolist():
            for kind, vals in TE.items():
                if not change[kind][k - 1]:
                    continue
                v, v0 = vals[k], vals[k - 1]
                if kind == "H" and not self._is_hopf(W[k - 1], W[k]):
                    continue  # a neutral saddle, not a Hopf point
                ends = None if M is None else ((float(v0), Y[k - 1], M[k - 1], W[k - 1]),
                                               (float(v), Y[k], M[k], W[k]))
                sp = self._locate(kind, Y[k - 1], T[k - 1], float(DS[k]), k - 1, ends)
                if sp is None:
                    # the corrector failed next to a singular point (a pitchfork is LP and
                    # BP at once): report the bracket, never drop; a BP found as the
                    # crossing of two branches all the same
                    sp = self._bracketed(kind, Y[k - 1], Y[k], W[k - 1], W[k], float(v0),
                                         float(v), k - 1)
                    if kind == "BP":
                        sp = self._crossing_in(sp, Y[k - 1], Y[k], T[k - 1])
                specials.append(sp)
        return specials

    def _is_hopf(self, w0: Array, w1: Array) -> bool:
        if self.c.dynamics.is_map:
            return True
        def cnt(w: Array) -> tuple[int, int]:
            cp = np.abs(w.imag) > 1e-9
            return int(np.sum((w.real > 0) & cp)), int(np.sum((w.real > 0) & ~cp))
        a, b = cnt(w0), cnt(w1)
        return abs(a[0] - b[0]) == 2 and a[1] == b[1]

    def _locate(self, kind: str, y0: Array, t0: Array, ds: float, index: int,
                ends: tuple[_End, _End] | None = None
                ) -> SpecialPoint | None:
        """The test function's zero on the step length (Brent's method,
        :func:`~dynena.continuation.locate.sign_change`), each trial corrected onto the
        branch. ``ends``: the (test value, point, bordered matrix, eigenvalues) of the step's
        two points where the loop kept them (the corrector from ``y0 + ds t0`` gives the
        second one)."""
        def value(h: float) -> _End | None:
            at = self._point(y0, t0, h)
            if at is None:
                return None
            y, M = at
            W = self.eigenvalues(M[None]) if kind in ("H", "NS") else None
            test = self.test_values(M[None], W if W is not None else np.zeros((1, self.n)),
                                    (kind,))
            return float(test[kind][0]), y, M, None if W is None else W[0]

        a, b = 0.0, ds
        va, vb = ends if ends is not None else (value(a), value(b))
        if va is None or vb is None:
            return None
        step_width = abs(float(vb[1][-1] - va[1][-1]))
        va, vb, done = sign_change(value, b - a, va, vb, self.locate_tol * max(1.0, abs(ds)))
        if not done:
            return None
        best = va if abs(va[0]) <= abs(vb[0]) else vb
        if kind == "BP" and abs(best[0]) > 0:
            best = vb
        y = best[1]
        w = best[3] if best[3] is not None else self.eigenvalues(best[2][None])[0]
        acc = abs(vb[1][-1] - va[1][-1])
        # the bracket alone overstates accuracy next to a singular point (a pitchfork: F_p and
        # F_x vanish together and a tiny residual admits a large error in p); bound the error
        # by the residual, and its rounding (an exact zero is exact only to rounding: a Hopf
        # point at b1 = 0 was stated as ±0), over the smallest singular value of [F_x F_p]
        DFy = self.DF(y)
        sv_df = np.linalg.svd(DFy, compute_uv=False)
        resid = float(np.max(np.abs(self.F(y))))
        a = float(np.max(np.abs(DFy))) + (1.0 if self.c.dynamics.is_map else 0.0)
        resid += 4.0 * np.finfo(float).eps * a * (1.0 + float(np.linalg.norm(y)))
        acc = max(acc, 2.0 * resid / sv_df[-1] if sv_df[-1] > 0 else np.inf)
        extra: dict[str, float] = {}
        note = ""
        crossing = kind == "BP"
        if kind == "LP":
            # the bordered matrix [F_x F_p; t] singular too: two branches cross here (a
            # pitchfork seen from its bifurcating branch), and the test function's zero is
            # not the fold's location: the step's bracket is all that is known ...
            sv = np.linalg.svd(np.vstack([self.DF(y), t0]), compute_uv=False)
            crossing = bool(sv[-1] < 1e-6 * sv[0])
            if crossing:
                acc = max(acc, step_width)
        if crossing:
            # ... unless the crossing is found as a regular zero of Moore's system
            bp, why = self._at_crossing(y, max(acc, step_width))
            if bp is not None:
                y, acc = bp.y, bp.bound
                w = self.eigenvalues(np.vstack([self.DF(y), t0])[None])[0]
            else:
                note = f"not confirmed as a crossing of two branches: {why}"
        if kind == "H":
            cp = w[np.abs(w.imag) > 1e-9]
            if len(cp):
                extra["frequency"] = float(np.abs(cp.imag[np.argmin(np.abs(cp.real))]))
        if kind == "NS":
            cp = w[np.abs(w.imag) > 1e-9]
            if len(cp):
                z = cp[np.argmin(np.abs(np.abs(cp) - 1))]
                extra["angle"] = float(abs(np.angle(z)))
        coef, crit, why = self._criticality(kind, y, extra.get("frequency", extra.get("angle")))
        return SpecialPoint(kind, float(y[-1]), y[:-1].copy(), w, index, float(acc),
                            float(best[0]), extra, coef, crit, note or why)

    def _crossing_in(self, sp: SpecialPoint, ya: Array, yb: Array, t: Array) -> SpecialPoint:
        """The bracketed branch point ``sp`` (between ``ya`` and ``yb``) solved for as a
        crossing (:meth:`_at_crossing`), or ``sp`` with the reason it was not."""
        y = np.append(sp.state, sp.p)
        bp, why = self._at_crossing(y, abs(float(yb[-1] - ya[-1])))
        if bp is None:
            return dataclasses.replace(sp, note=f"not confirmed as a crossing of two "
                                                f"branches: {why}")
        w = self.eigenvalues(np.vstack([self.DF(bp.y), t])[None])[0]
        return SpecialPoint("BP", float(bp.y[-1]), bp.y[:-1].copy(), w, sp.index, bp.bound,
                            sp.test_value)

    def _at_crossing(self, y: Array, reach: float) -> tuple[BranchPoint | None, str]:
        """A branch point (two branches cross) next to the test function's zero ``y``: the
        regular zero of Moore's extended system (:mod:`~dynena.continuation.branch_point`),
        with its error bound; or None and why not: no convergence, a zero outside the step
        where the test changed sign or the location's uncertainty, ``reach`` (in the
        parameter; plus 1e-3 (1 + |y|) in the state), or an unfolding β ≠ 0 (an imperfect
        bifurcation, no crossing)."""
        if self.n > BP_MAX_VARIABLES:
            return None, f"not refined above {BP_MAX_VARIABLES} variables"
        bp = refine_branch_point(self.F, self.DF, y, map_residual=self.c.dynamics.is_map)
        near = abs(float(bp.y[-1] - y[-1])) <= reach and \
            float(np.linalg.norm(bp.y - y)) <= 1e-3 * (1.0 + float(np.linalg.norm(y))) + reach
        if bp.converged and near and abs(bp.beta) <= 2.0 * bp.bound:
            return bp, ""
        return None, ("Newton on the extended system did not converge" if not bp.converged else
                      "the extended system's zero is far from the sign change" if not near else
                      f"the unfolding beta = {bp.beta:.3g} is not zero (an imperfect "
                      "bifurcation?)")

    def _criticality(self, kind: str, y: Array, omega: float | None
                     ) -> tuple[float | None, str | None, str]:
        """Normal-form coefficient at H (ode), PD and NS (map) from exact derivatives;
        ``omega`` is the Hopf frequency or the NS angle."""
        if kind not in ("H", "PD", "NS") or (kind in ("H", "NS") and not omega):
            return None, None, ""
        m = self.c.model
        if not isinstance(m, Model):
            return None, None, "not computed for vector-form models"
        if isinstance(self.c, IteratedMap) and self.c.period > 1:
            return None, None, "not computed for cycles (period > 1)"
        if m.n > MAX_VARIABLES:
            return None, None, f"not computed above {MAX_VARIABLES} variables"
        if self._forms is None:
            self._forms = forms_of(m)
        c = self._model(y[-1])
        # the coefficient in the model's own coordinates (it has units: l1 ~ 1/length^2)
        x, base = (y[:-1] * c.unit, c.original) if isinstance(c, ScaledSystem) else (y[:-1], c)
        H, T = self._forms.tensors(x, c.p)
        A = base.jac(x)
        if kind == "H":
            r = hopf_coefficient(A, H, T, float(omega or 0.0))
        elif kind == "NS":
            r = neimark_sacker_coefficient(A, H, T, float(omega or 0.0))
        else:
            r = flip_coefficient(A, H, T)
        return r.coefficient, r.kind, ""

    def _bracketed(self, kind: str, ya: Array, yb: Array, wa: Array, wb: Array, va: float,
                   vb: float, index: int) -> SpecialPoint:
        """A special point known only to lie between two branch points (not bisected):
        the nearer endpoint by test value, its accuracy the bracket's parameter width."""
        y, w = (ya, wa) if abs(va) <= abs(vb) else (yb, wb)
        acc = abs(float(yb[-1] - ya[-1])) + float(np.linalg.norm(yb[:-1] - ya[:-1]))
        return SpecialPoint(kind, float(y[-1]), y[:-1].copy(), w, index, acc,
                            float(min(abs(va), abs(vb))), {"bisected": 0.0})
