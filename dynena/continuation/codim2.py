r"""Two-parameter continuation of folds, Hopf, period-doubling and Neimark–Sacker points by
minimally augmented (bordered) systems, with the codimension-two points on these curves.

The curve is followed in :math:`y = (x, p_a, p_b)` (and :math:`\kappa` for H and NS) by the
same pseudo-arclength predictor–corrector as branches of equilibria; the defining system is
:math:`F(x, p) = 0` plus one or two scalar conditions from a **bordered** matrix (Govaerts,
*Numerical Methods for Bifurcations of Dynamical Equilibria*, SIAM 2000, ch. 4 and 7; Kuznetsov,
*Elements of Applied Bifurcation Theory*, 3rd ed., §10.2):

* **LP** (fold, ode and map) and **PD** (map): :math:`A = F_x` (LP) or :math:`A = D_x f + I`
  (PD) is singular. With border vectors :math:`b, c` (the previous point's null vectors),

  .. math:: \begin{pmatrix} A & b \\ c^\top & 0 \end{pmatrix}
            \begin{pmatrix} v \\ g \end{pmatrix} = \begin{pmatrix} 0 \\ 1 \end{pmatrix},
            \qquad g = 0,

  and :math:`g_z = -w^\top A_z v` with :math:`w` from the transposed system.
* **H** (ode): :math:`P = A^2 + \kappa I` has rank :math:`n - 2` at a Hopf point
  (:math:`\kappa = \omega^2`; :math:`\kappa < 0` is a neutral saddle, eigenvalues
  :math:`\pm\sqrt{-\kappa}`). **NS** (map): :math:`P = A^2 - 2\kappa A + I`, multipliers
  :math:`e^{\pm i\theta}`, :math:`\kappa = \cos\theta`. With :math:`n\times 2` borders
  :math:`B, C`, the bordered system gives a :math:`2\times 2` matrix :math:`G`, and two of its
  entries (chosen at the start for the best-conditioned Jacobian) vanish;
  :math:`G_z = -W^\top P_z V`, :math:`P_z = A_z A + A A_z + \alpha A_z`.

Every derivative is exact: :math:`A_x` and :math:`A_p` are the symbolic second derivatives
:math:`\partial^2 f/\partial x^2` and :math:`\partial^2 f/\partial x \partial p`.

**Codimension-two points** (test functions; a sign change is located by bisection on the
arclength, every trial point corrected onto the curve):

=========  ====================  ==========================================================
curve      point                 test function
=========  ====================  ==========================================================
LP (ode)   CP cusp               :math:`w^\top B(v, v)` (unit :math:`v, w`)
LP (ode)   BT Bogdanov–Takens    :math:`w^\top v` (a double zero eigenvalue, Jordan block)
LP (ode)   ZH zero-Hopf          :math:`\prod_{i<j}(\lambda_i + \lambda_j)` over the other
                                 eigenvalues, reported when the pair is complex
H (ode)    BT                    :math:`\kappa` (:math:`\omega \to 0`)
H (ode)    GH generalised Hopf   the first Lyapunov coefficient :math:`\ell_1`
H (ode)    ZH                    :math:`\det A`
LP (map)   CP, R1 (1:1)          as CP, BT; LPPD fold–flip: :math:`\det(D_x f + I)`
PD (map)   GPD, R2 (1:2)         the flip coefficient; :math:`w^\top v`; LPPD:
                                 :math:`\det(D_x f - I)`
NS (map)   R1–R4, CH             :math:`\kappa - 1, \kappa + 1, \kappa + \tfrac12, \kappa`;
                                 the Neimark–Sacker coefficient (Chenciner)
=========  ====================  ==========================================================
"""

from __future__ import annotations

import time
from itertools import combinations
from typing import Any

import numpy as np

from .._typing import Array
from ..compile import ScaledSystem
from ..compile.system import CompiledSystem
from ..errors import ParameterError
from ..model.model import Model
from ..results.continuation import Codim2Point, Curve
from ..results.status import Status
from .locate import sign_change
from .normal_form import (
    MAX_VARIABLES,
    Criticality,
    MultilinearForms,
    ScaledForms,
    flip_coefficient,
    forms_of,
    hopf_coefficient,
    neimark_sacker_coefficient,
)

__all__ = ["CurveContinuer", "CURVE_KINDS"]

CURVE_KINDS = {"ode": ("LP", "H"), "map": ("LP", "PD", "NS")}
"""Which one-parameter special points start a two-parameter curve."""

_ENTRIES = ((0, 0), (0, 1), (1, 0), (1, 1))


class CurveContinuer:
    """Follow one kind of codimension-one point (``LP``, ``H``, ``PD``, ``NS``) in the two
    parameters ``params`` of a scalar-form model."""

    def __init__(self, c: CompiledSystem, kind: str, params: tuple[str, str], *,
                 ds: float = 0.01, ds_min: float = 1e-8, ds_max: float = 0.1,
                 tol: float = 1e-10, max_newton: int = 12,
                 box: tuple[tuple[float, float], tuple[float, float]] = ((-np.inf, np.inf),) * 2,
                 max_norm: float = 1e6, locate_tol: float = 1e-10) -> None:
        if not isinstance(c.model, Model):
            raise ParameterError("two-parameter continuation needs a scalar-form model (exact "
                                 "second derivatives); a vector-form model has none")
        if c.model.n > MAX_VARIABLES:
            raise ParameterError(f"two-parameter continuation is limited to {MAX_VARIABLES} "
                                 f"variables (exact third derivatives); {c.model.name!r} has "
                                 f"{c.model.n}")
        is_map = c.dynamics.is_map
        if kind not in CURVE_KINDS["map" if is_map else "ode"]:
            raise ParameterError(f"a {kind} curve is not defined for {'maps' if is_map else 'odes'}"
                                 f"; continue one of {', '.join(CURVE_KINDS['map' if is_map else 'ode'])}")
        self.c = c.with_parameters()  # private copy: its p moves along the curve
        self.kind = kind
        self.params = params
        self.jab = [c.parameter_names.index(q) for q in params]
        self.n = c.n
        self.double = kind in ("H", "NS")
        self.m = self.n + 2 + (1 if self.double else 0)  # unknowns
        self.ds, self.ds_min, self.ds_max = ds, ds_min, ds_max
        self.tol, self.max_newton = tol, max_newton
        self.box = box
        self.max_norm = max_norm
        self.locate_tol = locate_tol
        forms = forms_of(c.model)
        # a curve followed in scaled coordinates (ScaledSystem) needs its forms in them too
        self.forms: MultilinearForms | ScaledForms = forms if not isinstance(
            c, ScaledSystem) else ScaledForms(forms, c.unit)
        self.b: Array = np.zeros(self.n)
        self.cb: Array = np.zeros(self.n)
        self.B: Array = np.zeros((self.n, 2))
        self.C: Array = np.zeros((self.n, 2))
        self.pair: tuple[int, int] = (0, 3)
        self.counts = {"newton": 0, "points": 0}
        self._raw = False

    # -- pieces of the defining system ---------------------------------------------------
    def _set(self, y: Array) -> Any:
        c = self.c
        q = c.p.copy()
        q[self.jab[0]], q[self.jab[1]] = y[self.n], y[self.n + 1]
        if not np.array_equal(q, c.p):
            c.p = q
        return c

    def _A(self, J: Array) -> Array:
        """The matrix that is singular on the curve (LP, PD) or whose square is (H, NS)."""
        if self.kind == "LP":
            return self.c.dynamics.condition_jacobian(J)
        if self.kind == "PD":
            return J + np.eye(self.n)
        return J

    def _alpha_beta(self, kappa: float) -> tuple[float, float, float, float]:
        """P = A² + αA + βI and (dα/dκ, dβ/dκ)."""
        if self.kind == "H":
            return 0.0, kappa, 0.0, 1.0
        return -2.0 * kappa, 1.0, -2.0, 0.0  # NS

    def _P(self, A: Array, kappa: float) -> Array:
        al, be, _, _ = self._alpha_beta(kappa)
        return A @ A + al * A + be * np.eye(self.n)

    def _bordered(self, y: Array) -> tuple[Any, ...]:
        """(J, A, solution blocks V, W, and G) of the bordered systems at ``y``."""
        c = self._set(y)
        x = y[:self.n]
        J = c.jac(x)
        A = self._A(J)
        n = self.n
        if not self.double:
            M = np.zeros((n + 1, n + 1))
            M[:n, :n], M[:n, n], M[n, :n] = A, self.b, self.cb
            rhs = np.zeros(n + 1)
            rhs[n] = 1.0
            vg = np.linalg.solve(M, rhs)
            wg = np.linalg.solve(M.T, rhs)
            return J, A, vg[:n, None], np.column_stack([wg[:n]]), np.array([[vg[n]]])
        P = self._P(A, float(y[-1]))
        M = np.zeros((n + 2, n + 2))
        M[:n, :n], M[:n, n:], M[n:, :n] = P, self.B, self.C.T
        rhs = np.zeros((n + 2, 2))
        rhs[n:, :] = np.eye(2)
        VG = np.linalg.solve(M, rhs)
        WG = np.linalg.solve(M.T, rhs)
        return J, A, VG[:n], WG[:n], VG[n:]

    def G(self, y: Array) -> Array:
        c = self._set(y)
        x = y[:self.n]
        F = c.dynamics.residual(c.f(x), x)
        _, _, _, _, g = self._bordered(y)
        if not self.double:
            return np.append(F, g[0, 0])
        (i1, j1), (i2, j2) = _ENTRIES[self.pair[0]], _ENTRIES[self.pair[1]]
        return np.concatenate([F, [g[i1, j1], g[i2, j2]]])

    def _contract(self, u: Array, v: Array, H: Array, Mx: Array) -> Array:
        """:math:`u^\\top A_z v` for z = every state variable, then p_a, p_b."""
        return np.concatenate([np.einsum("i,ijk,j->k", u, H, v),
                               np.einsum("i,ijm,j->m", u, Mx[:, :, self.jab], v)])

    def DG(self, y: Array) -> Array:
        """The exact Jacobian of the defining system (rows: F, then the selected g's)."""
        top, rows = self._rows(y, None if not self.double else self.pair)
        return np.vstack([top, *rows])

    def _rows(self, y: Array, entries: tuple[int, ...] | None) -> tuple[Array, list[Array]]:
        """The F rows of the Jacobian and the gradient of each condition: g (LP, PD) or the
        listed entries of G (H, NS)."""
        c = self._set(y)
        x = y[:self.n]
        J, A, V, W, _ = self._bordered(y)
        H, _ = self.forms.tensors(x, c.p)
        Mx = self.forms.mixed(x, c.p)
        top = np.column_stack([c.dynamics.condition_jacobian(J), c.dfdp(x)[:, self.jab]])
        if not self.double:
            return top, [-self._contract(W[:, 0], V[:, 0], H, Mx)]
        top = np.column_stack([top, np.zeros(self.n)])
        al, _, dal, dbe = self._alpha_beta(float(y[-1]))
        rows = []
        for e in entries if entries is not None else range(4):
            i, j = _ENTRIES[e]
            w, v = W[:, i], V[:, j]
            dz = self._contract(w, A @ v, H, Mx) + self._contract(A.T @ w, v, H, Mx) \
                + al * self._contract(w, v, H, Mx)
            dk = dal * (w @ A @ v) + dbe * (w @ v)
            rows.append(-np.append(dz, dk))
        return top, rows

    # -- borders -------------------------------------------------------------------------
    def init_borders(self, y: Array) -> None:
        """Borders from the singular vectors of A (or P) at a start on the curve; the entries
        of G kept are the pair whose Jacobian is best conditioned."""
        c = self._set(y)
        A = self._A(c.jac(y[:self.n]))
        if not self.double:
            U, _, Vt = np.linalg.svd(A)
            self.b, self.cb = U[:, -1].copy(), Vt[-1].copy()
            return
        U, _, Vt = np.linalg.svd(self._P(A, float(y[-1])))
        self.B, self.C = U[:, -2:].copy(), Vt[-2:].T.copy()
        self._select_pair(y)

    def _select_pair(self, y: Array) -> None:
        """Keep the two entries of G whose Jacobian is best conditioned (re-chosen at every
        point: which pair is best changes along the curve)."""
        top, rows = self._rows(y, None)
        best, best_s = (0, 3), -1.0
        for pr in combinations(range(4), 2):
            s = float(np.linalg.svd(np.vstack([top, rows[pr[0]], rows[pr[1]]]),
                                    compute_uv=False)[-1])
            if s > best_s:
                best, best_s = pr, s
        self.pair = (best[0], best[1])

    def update_borders(self, y: Array) -> None:
        """Borders from the null vectors at the last accepted point (they keep the bordered
        matrix well conditioned as the curve moves)."""
        _, _, V, W, _ = self._bordered(y)
        if not self.double:
            self.cb = V[:, 0] / np.linalg.norm(V[:, 0])
            self.b = W[:, 0] / np.linalg.norm(W[:, 0])
            return
        self.C = np.linalg.qr(V)[0]
        self.B = np.linalg.qr(W)[0]
        self._select_pair(y)

    # -- predictor-corrector ---------------------------------------------------------------
    def tangent(self, y: Array, t_prev: Array | None) -> Array:
        D = self.DG(y)
        if t_prev is None:
            t = np.linalg.svd(D)[2][-1]
            return t / np.linalg.norm(t)
        rhs = np.zeros(self.m)
        rhs[-1] = 1.0
        try:
            t = np.linalg.solve(np.vstack([D, t_prev]), rhs)
        except np.linalg.LinAlgError:
            t = np.linalg.lstsq(np.vstack([D, t_prev]), rhs, rcond=None)[0]
        return t / np.linalg.norm(t)

    def correct(self, y_pred: Array, t: Array) -> tuple[Array, bool, int]:
        y = y_pred.copy()
        for k in range(self.max_newton):
            try:
                g = np.append(self.G(y), t @ (y - y_pred))
            except np.linalg.LinAlgError:
                return y, False, k
            if np.max(np.abs(g)) < self.tol:
                return y, True, k
            self.counts["newton"] += 1
            try:
                dy = np.linalg.solve(np.vstack([self.DG(y), t]), -g)
            except np.linalg.LinAlgError:
                return y, False, k
            y = y + dy
            if not np.all(np.isfinite(y)):
                return y, False, k
        try:
            return y, bool(np.max(np.abs(self.G(y))) < self.tol), self.max_newton
        except np.linalg.LinAlgError:
            return y, False, self.max_newton

    # -- test functions --------------------------------------------------------------------
    def tests(self, y: Array, raw: bool = False) -> dict[str, float]:
        """Every test function of this curve kind at ``y``; ``raw`` keeps normal-form
        coefficients that vanish to rounding (during a bisection they are the point)."""
        self._raw = raw
        c = self._set(y)
        x = y[:self.n]
        J, _, V, W, _ = self._bordered(y)
        w_eig = np.linalg.eigvals(J)
        out: dict[str, float] = {}
        is_map = c.dynamics.is_map
        if not self.double:
            v, w = V[:, 0] / np.linalg.norm(V[:, 0]), W[:, 0] / np.linalg.norm(W[:, 0])
            H, T = self.forms.tensors(x, c.p)
            if self.kind == "LP":
                out["CP"] = float(w @ np.einsum("ijk,j,k->i", H, v, v))
                out["R1" if is_map else "BT"] = float(w @ v)
                if is_map:
                    out["LPPD"] = float(np.linalg.det(J + np.eye(self.n)))
                else:
                    out["ZH"] = _pair_sum_test(w_eig, exclude=0.0)
            else:  # PD
                out["R2"] = float(w @ v)
                out["LPPD"] = float(np.linalg.det(J - np.eye(self.n)))
                out["GPD"] = self._value(flip_coefficient(J, H, T))
            return out
        kappa = float(y[-1])
        if self.kind == "H":
            out["BT"] = kappa
            out["ZH"] = float(np.linalg.det(J)) if kappa > 0 else np.nan
            out["GH"] = self._coefficient(x, c, J, kappa)
        else:
            out.update({"R1": kappa - 1.0, "R2": kappa + 1.0, "R3": kappa + 0.5, "R4": kappa})
            out["CH"] = self._coefficient(x, c, J, kappa)
        return out

    def _coefficient(self, x: Array, c: Any, J: Array, kappa: float) -> float:
        """ℓ₁ on a Hopf curve, the Neimark–Sacker coefficient on an NS curve (nan on the
        neutral-saddle part of the curve, where neither is defined)."""
        H, T = self.forms.tensors(x, c.p)
        if self.kind == "H":
            return self._value(hopf_coefficient(J, H, T, float(np.sqrt(kappa)))) \
                if kappa > 0 else np.nan
        return self._value(neimark_sacker_coefficient(J, H, T, float(np.arccos(kappa)))) \
            if abs(kappa) < 1 else np.nan

    def _value(self, r: Criticality) -> float:
        """A normal-form coefficient as a test value; while following the curve, nan where it
        vanishes to rounding (an area-preserving map's NS curve: no sign to follow)."""
        return r.coefficient if self._raw or r.kind != "degenerate" else np.nan

    # -- the curve -------------------------------------------------------------------------
    def run(self, y0: Array, *, direction: int = 1, max_points: int = 500,
            origin: str = "", max_time: float = 60.0) -> Curve:
        t_start = time.perf_counter()
        self.init_borders(y0)
        t = self.tangent(y0, None)
        # direction +1 means p_b increasing first (p_a where p_b does not move)
        lead = t[self.n + 1] if abs(t[self.n + 1]) > 1e-12 else t[self.n]
        t = direction * np.sign(lead or 1.0) * t
        y, ok, _ = self.correct(y0, t)
        if not ok:
            return self._curve([y0], [], Status.FAILED,
                               f"the start is not on the {self.kind} curve (Newton on the "
                               "augmented system did not converge)", origin, t_start)
        self.update_borders(y)
        t = self.tangent(y, t)
        ys, ts, tests = [y], [t], [self.tests(y)]
        points: list[Codim2Point] = []
        ds = self.ds
        status, message = Status.OK, ""
        while len(ys) < max_points:
            if time.perf_counter() - t_start > max_time:
                status, message = Status.BUDGET, f"time budget of {max_time:g} s reached"
                break
            y_new, ok, iters = self.correct(ys[-1] + ds * ts[-1], ts[-1])
            if ok and np.linalg.norm(y_new - ys[-1]) > 3 * ds:
                ok = False
            if not ok:
                ds *= 0.5
                if ds < self.ds_min:
                    status = Status.STOPPED
                    message = (f"corrector failed below the minimum step at "
                               f"{self._where(ys[-1])}: a singularity of the curve")
                    break
                continue
            t_new = self.tangent(y_new, ts[-1])
            te = self.tests(y_new)
            for name, v in te.items():
                v0 = tests[-1].get(name, np.nan)
                if np.isfinite(v) and np.isfinite(v0) and v0 != 0 and np.sign(v) != np.sign(v0):
                    pt = self._locate(name, ys[-1], ts[-1], ds, len(ys) - 1)
                    if pt is not None:
                        points.append(pt)
            self.update_borders(y_new)
            ys.append(y_new)
            ts.append(t_new)
            tests.append(te)
            if iters <= 3:
                ds = min(ds * 1.3, self.ds_max)
            if len(ys) > 8 and np.linalg.norm(y_new - ys[0]) < 1.5 * ds and \
                    float(t_new @ ts[0]) > 0:
                status, message = Status.OK, "closed curve: returned to its start"
                break
            pa, pb = y_new[self.n], y_new[self.n + 1]
            (lo_a, hi_a), (lo_b, hi_b) = self.box
            if not (lo_a <= pa <= hi_a and lo_b <= pb <= hi_b):
                status, message = Status.OK, f"left the parameter box at {self._where(y_new)}"
                break
            if np.linalg.norm(y_new[:self.n]) > self.max_norm:
                status, message = Status.OK, "the state left the bound"
                break
        else:
            status, message = Status.BUDGET, f"point budget of {max_points} reached"
        return self._curve(ys, points, status, message, origin, t_start)

    def _where(self, y: Array) -> str:
        return f"{self.params[0]} = {y[self.n]:.6g}, {self.params[1]} = {y[self.n + 1]:.6g}"

    def _locate(self, name: str, y0: Array, t0: Array, ds: float, index: int
                ) -> Codim2Point | None:
        """The test function's zero on the arclength between two curve points whose test
        values differ in sign (Brent's method); every trial point is corrected onto the
        curve."""
        def value(h: float) -> tuple[float, Array] | None:
            if h == 0:
                return self.tests(y0, raw=True)[name], y0
            y, ok, _ = self.correct(y0 + h * t0, t0)
            if not ok:
                return None
            return self.tests(y, raw=True)[name], y

        a, b = 0.0, ds
        va, vb = value(a), value(b)
        if va is None or vb is None or not (np.isfinite(va[0]) and np.isfinite(vb[0])):
            return None
        ends = max(abs(va[0]), abs(vb[0]))
        va, vb, bisected = sign_change(value, b - a, va, vb,
                                       self.locate_tol * max(1.0, ds))
        y = va[1] if abs(va[0]) <= abs(vb[0]) else vb[1]
        if bisected and min(abs(va[0]), abs(vb[0])) > 1e-3 * ends:
            return None  # the sign changed through a pole, not a zero (a normal-form
            # coefficient at a resonance, where its normalisation ⟨p, q⟩ = 1 blows up)
        if name == "ZH" and not self.double and not _complex_pair_at_zero_sum(
                np.linalg.eigvals(self._set(y).jac(y[:self.n]))):
            return None  # a neutral saddle (real pair ±μ), not a zero-Hopf point
        acc = float(np.linalg.norm(vb[1][self.n:self.n + 2] - va[1][self.n:self.n + 2]))
        # the bracket alone overstates accuracy where the curve is nearly singular (at a cusp
        # the fold curve has a cusp of its own): bound the error by the residual over the
        # smallest singular value of the defining system's Jacobian
        try:
            smin = float(np.linalg.svd(self.DG(y), compute_uv=False)[-1])
            resid = float(np.max(np.abs(self.G(y))))
            acc = max(acc, 2.0 * max(resid, self.tol) / smin if smin > 0 else np.inf)
        except np.linalg.LinAlgError:
            acc = np.inf
        c = self._set(y)
        eig = np.linalg.eigvals(c.jac(y[:self.n]))
        extra = {"kappa": float(y[-1])} if self.double else {}
        if not bisected:
            extra["bisected"] = 0.0
        return Codim2Point(name, (float(y[self.n]), float(y[self.n + 1])), y[:self.n].copy(),
                           eig, index, acc, float(min(abs(va[0]), abs(vb[0]))), extra)

    def _curve(self, ys: list[Array], points: list[Codim2Point], status: Status, message: str,
               origin: str, t_start: float) -> Curve:
        Y = np.array(ys)
        self.counts["points"] += len(Y)
        kappa = Y[:, -1] if self.double else np.full(len(Y), np.nan)
        return Curve(self.kind, self.params, Y[:, self.n:self.n + 2], Y[:, :self.n], kappa,
                     tuple(points), status, message or f"{len(Y)} points", origin,
                     {"points": len(Y), "newton": self.counts["newton"],
                      "seconds": time.perf_counter() - t_start})


def _pair_sum_test(w: Any, exclude: float) -> float:
    """:math:`\\prod_{i<j} (\\lambda_i + \\lambda_j)` over the eigenvalues other than the one
    nearest ``exclude`` (a real number; its sign changes when a pair crosses to λ and -λ)."""
    if len(w) < 3:
        return np.nan
    rest = np.delete(w, int(np.argmin(np.abs(w - exclude))))
    prod = complex(1.0)
    for i, j in combinations(range(len(rest)), 2):
        prod *= rest[i] + rest[j]
    return float(prod.real)


def _complex_pair_at_zero_sum(w: Any) -> bool:
    """The pair of eigenvalues whose sum is nearest zero is a complex conjugate pair."""
    best, pair = np.inf, (0, 0)
    for i, j in combinations(range(len(w)), 2):
        if abs(w[i] + w[j]) < best:
            best, pair = abs(w[i] + w[j]), (i, j)
    return bool(abs(w[pair[0]].imag) > 1e-8 * max(1.0, float(np.max(np.abs(w)))))
