r"""Pseudo-arclength continuation of equilibria with bifurcation detection.

Follows :math:`F(x, p) = 0` with :math:`F = f` (ode) or :math:`F = f - x` (map) in one parameter
:math:`p`, using the exact :math:`F_x` and :math:`F_p` (generated code).

* **Predictor**: the tangent :math:`t` solves :math:`[F_x\ F_p;\ t_{prev}^\top]\,t = (0, 1)`.
* **Corrector**: Newton on :math:`F(y) = 0,\ t^\top (y - y_{pred}) = 0`.
* **Step**: grows after quick convergence, halves on failure, stops below ``ds_min``.
* **Test functions** (a sign change between two points is then located by bisection on the
  arclength, each trial point corrected onto the branch):

  - LP: the parameter component :math:`t_p` of the tangent;
  - BP: :math:`\det [F_x\ F_p;\ t^\top]`;
  - H (ode): the real part of the complex pair nearest the imaginary axis — from the
    eigenvalues, so no :math:`n(n-1)/2` bialternate matrix is formed;
  - PD (map): :math:`\det(F_x + 2I) = \det(Df + I)`;
  - NS (map): :math:`|\lambda| - 1` of the complex pair nearest the unit circle.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .._typing import Array
from ..compile.system import CompiledSystem
from ..model.model import Model
from ..results.continuation import Branch, SpecialPoint
from ..results.status import Status
from .cycles import IteratedMap
from .locate import sign_change
from .normal_form import (
    MAX_VARIABLES,
    MultilinearForms,
    flip_coefficient,
    hopf_coefficient,
    neimark_sacker_coefficient,
)

__all__ = ["Continuer"]


def _det(M: Array) -> float:
    """The determinant as a test function: its sign, and its size clipped to [e^-700, e^700]
    (a large system's determinant under- or overflows; an exact 0 must mean singular, and
    a continuous value lets the zero be located by interpolation, not bisection alone)."""
    sign, logdet = np.linalg.slogdet(M)
    return float(sign * np.exp(np.clip(logdet, -700.0, 700.0)))


class Continuer:
    """Continuation engine for one compiled model and one parameter."""

    def __init__(self, c: CompiledSystem, param: str, *, ds: float = 0.01, ds_min: float = 1e-7,
                 ds_max: float = 0.2, tol: float = 1e-10, max_newton: int = 12,
                 p_range: tuple[float, float] = (-np.inf, np.inf), max_norm: float = 1e6,
                 locate_tol: float = 1e-10) -> None:
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

    def eig(self, y: Array) -> Array:
        self.counts["eig"] += 1
        c = self._model(y[-1])
        w = np.linalg.eigvals(c.jac(y[:-1]))
        return w

    # -- geometry --------------------------------------------------------------------------
    def tangent(self, y: Array, t_prev: Array | None) -> Array:
        A = self.DF(y)
        if t_prev is None:
            _, _, Vt = np.linalg.svd(A)
            t = Vt[-1]
            if t[-1] < 0:
                t = -t
            return t / np.linalg.norm(t)
        M = np.vstack([A, t_prev])
        rhs = np.zeros(self.n + 1)
        rhs[-1] = 1.0
        try:
            t = np.linalg.solve(M, rhs)
        except np.linalg.LinAlgError:
            t = np.linalg.lstsq(M, rhs, rcond=None)[0]
        return t / np.linalg.norm(t)

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
    def tests(self, y: Array, t: Array, w: Array) -> dict[str, float]:
        A = self.DF(y)
        M = np.vstack([A, t])
        out = {"LP": float(t[-1]), "BP": _det(M)}
        cplx = w[np.abs(w.imag) > 1e-9 * max(1.0, float(np.max(np.abs(w))))]
        if not self.c.dynamics.is_map:
            out["H"] = float(cplx.real[np.argmin(np.abs(cplx.real))]) if len(cplx) else np.nan
        else:
            Jx = A[:, :-1]
            out["PD"] = _det(Jx + 2 * np.eye(self.n))
            if len(cplx):
                r = np.abs(cplx) - 1
                out["NS"] = float(r[np.argmin(np.abs(r))])
            else:
                out["NS"] = np.nan
        return out

    # -- the branch ------------------------------------------------------------------------
    def run(self, x0: Array, p0: float, *, direction: int = 1, max_points: int = 500,
            t0: Array | None = None, origin: str = "", detect: bool = True) -> Branch:
        t_start = time.perf_counter()
        y = np.append(np.asarray(x0, float), p0)
        t = self.tangent(y, None) if t0 is None else t0 / np.linalg.norm(t0)
        t = direction * t
        y, ok, _ = self.correct(y, t)
        status, message = Status.OK, ""
        if not ok:
            return Branch(self.param, np.array([p0]), np.array([x0]), np.array([False]),
                          np.array([-1]), (), Status.FAILED,
                          f"the start at {self.param} = {p0:g} is not an equilibrium (Newton "
                          "did not converge)", origin)
        ys, ts, ws = [y], [t], [self.eig(y)]
        tests = [self.tests(y, t, ws[0])]
        specials: list[SpecialPoint] = []
        ds = self.ds
        far = 0.0
        cycles = self.c if isinstance(self.c, IteratedMap) and self.c.period > 1 else None
        while len(ys) < max_points:
            y_pred = ys[-1] + ds * ts[-1]
            y_new, ok, iters = self.correct(y_pred, ts[-1])
            if ok and np.linalg.norm(y_new - ys[-1]) > 3 * ds:
                ok = False  # jumped to another branch: take a smaller step
            lower = cycles.lower_period(y_new[:-1]) if ok and cycles is not None else None
            if lower is not None:
                ok = False  # on the parent cycle (f^k has its fixed points too): not this branch
            if not ok:
                ds *= 0.5
                if ds < self.ds_min:
                    status = Status.STOPPED
                    message = (f"corrector failed below the minimum step at {self.param} = "
                               f"{ys[-1][-1]:.6g}: a singularity or a very sharp turn")
                    if lower is not None:
                        status = Status.OK
                        message = (f"the cycle merges into a cycle of period {lower} at "
                                   f"{self.param} = {ys[-1][-1]:.6g}")
                    break
                continue
            t_new = self.tangent(y_new, ts[-1])
            w_new = self.eig(y_new)
            te = self.tests(y_new, t_new, w_new)
            if detect:
                for kind, v in te.items():
                    v0 = tests[-1][kind]
                    if np.isfinite(v) and np.isfinite(v0) and np.sign(v) != np.sign(v0) \
                            and v0 != 0:
                        if kind == "H" and not self._is_hopf(ws[-1], w_new):
                            continue  # a neutral saddle, not a Hopf point
                        sp = self._locate(kind, ys[-1], ts[-1], ds, len(ys) - 1)
                        if sp is None:
                            # the bisection's corrector failed next to a singular point (a
                            # pitchfork is LP and BP at once): report the bracket, never drop
                            sp = self._bracketed(kind, ys[-1], y_new, ws[-1], w_new,
                                                 tests[-1][kind], v, len(ys) - 1)
                        specials.append(sp)
            ys.append(y_new)
            ts.append(t_new)
            ws.append(w_new)
            tests.append(te)
            # a closed loop of equilibria (an isola): back at the start, moving the same way
            far = max(far, float(np.linalg.norm(y_new - ys[0])))
            if far > 4 * ds and np.linalg.norm(y_new - ys[0]) < 1.5 * ds and \
                    float(t_new @ ts[0]) > 0:
                status, message = Status.OK, "closed loop: the branch returned to its start"
                break
            if iters <= 3:
                ds = min(ds * 1.3, self.ds_max)
            p = y_new[-1]
            if not (self.p_range[0] <= p <= self.p_range[1]):
                status, message = Status.OK, f"reached the end of the parameter range at {p:.6g}"
                break
            if np.linalg.norm(y_new[:-1]) > self.max_norm:
                status, message = Status.OK, "the state left the bound"
                break
        else:
            message = f"point budget of {max_points} reached"
        Y = np.array(ys)
        W = ws
        udim = np.array([self.c.dynamics.unstable_dimension(w) for w in W])
        return Branch(self.param, Y[:, -1], Y[:, :-1], udim == 0, udim, tuple(specials),
                      status, message or f"{len(Y)} points", origin,
                      {"points": len(Y), **self.counts,
                       "seconds": time.perf_counter() - t_start})

    def _is_hopf(self, w0: Array, w1: Array) -> bool:
        if self.c.dynamics.is_map:
            return True
        def cnt(w: Array) -> tuple[int, int]:
            cp = np.abs(w.imag) > 1e-9
            return int(np.sum((w.real > 0) & cp)), int(np.sum((w.real > 0) & ~cp))
        a, b = cnt(w0), cnt(w1)
        return abs(a[0] - b[0]) == 2 and a[1] == b[1]

    def _locate(self, kind: str, y0: Array, t0: Array, ds: float, index: int
                ) -> SpecialPoint | None:
        """The test function's zero on the step length (Brent's method,
        :func:`~dynena.continuation.locate.sign_change`), each trial corrected onto the
        branch."""
        def value(h: float) -> tuple[float, Array, Array] | None:
            if h == 0:
                y = y0
                t = t0
            else:
                y, ok, _ = self.correct(y0 + h * t0, t0)
                if not ok:
                    return None
                t = self.tangent(y, t0)
            w = self.eig(y)
            return self.tests(y, t, w)[kind], y, w

        a, b = 0.0, ds
        va, vb = value(a), value(b)
        if va is None or vb is None:
            return None
        step_width = abs(float(vb[1][-1] - va[1][-1]))
        va, vb, done = sign_change(value, b - a, va, vb, self.locate_tol * max(1.0, abs(ds)))
        if not done:
            return None
        best = va if abs(va[0]) <= abs(vb[0]) else vb
        if kind == "BP" and abs(best[0]) > 0:
            best = vb
        y, w = best[1], best[2]
        acc = abs(vb[1][-1] - va[1][-1])
        # the bracket alone overstates accuracy next to a singular point (a pitchfork: F_p and
        # F_x vanish together and a tiny residual admits a large error in p); bound the error
        # by the residual over the smallest singular value of [F_x F_p]
        smin = float(np.linalg.svd(self.DF(y), compute_uv=False)[-1])
        resid = float(np.max(np.abs(self.F(y))))
        acc = max(acc, 2.0 * resid / smin if smin > 0 else np.inf)
        # where the bordered matrix [F_x F_p; t] is singular too (two branches cross: the
        # point is a BP), the test function's zero is not the fold's location: the step's
        # bracket is all that is known
        M = np.vstack([self.DF(y), t0])
        sv = np.linalg.svd(M, compute_uv=False)
        if kind == "LP" and sv[-1] < 1e-6 * sv[0]:
            acc = max(acc, step_width)
        extra: dict[str, float] = {}
        if kind == "H":
            cp = w[np.abs(w.imag) > 1e-9]
            if len(cp):
                extra["frequency"] = float(np.abs(cp.imag[np.argmin(np.abs(cp.real))]))
        if kind == "NS":
            cp = w[np.abs(w.imag) > 1e-9]
            if len(cp):
                z = cp[np.argmin(np.abs(np.abs(cp) - 1))]
                extra["angle"] = float(abs(np.angle(z)))
        coef, crit, note = self._criticality(kind, y, extra.get("frequency", extra.get("angle")))
        return SpecialPoint(kind, float(y[-1]), y[:-1].copy(), w, index, float(acc),
                            float(best[0]), extra, coef, crit, note)

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
            self._forms = MultilinearForms(m)
        c = self._model(y[-1])
        H, T = self._forms.tensors(y[:-1], c.p)
        A = c.jac(y[:-1])
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
