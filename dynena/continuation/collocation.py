r"""Periodic orbits of ODEs by orthogonal collocation, continued in one parameter from a Hopf
point (AUTO-07p's method; Doedel, Keller & Kernévez 1991).

A periodic orbit of period :math:`T` is :math:`u(t)`, :math:`t \in [0, 1]`, with

.. math:: u'(t) = T f(u(t), p), \qquad u(0) = u(1), \qquad
          \int_0^1 \langle u(t), \hat u'(t)\rangle\, dt = 0,

the last (phase) condition fixing the orbit's phase against the previous one :math:`\hat u`.
On a mesh :math:`0 = \tau_0 < \dots < \tau_N = 1` (``ntst`` intervals), :math:`u` is a
polynomial of degree ``ncol`` = m on each interval, given by its values at m + 1 equally spaced
points (shared at the interval ends, the last one identified with the first), and the equation
holds at the m Gauss–Legendre points of each interval. The unknowns
:math:`y = (u_0, \dots, u_{Nm-1}, T, p)` follow a curve, continued by pseudo-arclength with the
exact :math:`D_x f` and :math:`D_p f`; every few steps the mesh is redistributed to
equidistribute the collocation error (de Boor's density :math:`|u^{(m+1)}|^{1/(m+1)}`, as
AUTO's adaptive mesh does).

**Floquet multipliers** come from the same linear algebra: on interval j the linearised
collocation equations express the interior and end values through the start value,
:math:`\delta u_{j,m} = M_j\, \delta u_{j,0}`, and the monodromy matrix is
:math:`M_{N-1}\cdots M_0`; one multiplier is 1 (the orbit's own direction), and its distance
from 1 is reported as a check of the discretisation.

**Special points of cycles**: LPC (fold of cycles: the tangent's parameter component changes
sign), PD (a real multiplier crosses −1: :math:`\det(M + I)`), NS (a complex pair crosses the
unit circle), each bisected on the arclength.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from typing import Any, Literal

import numpy as np
from numpy.polynomial.legendre import leggauss

from .._typing import Array
from ..compile.system import CompiledSystem
from ..results.continuation import CycleBranch, SpecialPoint
from ..results.status import Status
from .codes import C_BUDGET, C_FAILED, C_HOPF, C_SINGULAR
from .condense import MAX_REDUCED, condensed_solve
from .kernel import call, kernel_cached, palc_kernel
from .locate import sign_change

__all__ = ["CycleContinuer"]


def _basis(m: int) -> tuple[Array, Array, Array, Array]:
    """Lagrange basis on m + 1 equally spaced nodes of [0, 1]: values ``L[k, i]`` and
    derivatives ``D[k, i]`` at the m Gauss points, the Gauss points and weights on [0, 1]."""
    s = np.linspace(0.0, 1.0, m + 1)
    g, w = leggauss(m)
    z, wz = (g + 1) / 2, w / 2
    L = np.ones((m, m + 1))
    D = np.zeros((m, m + 1))
    for i in range(m + 1):
        others = [r for r in range(m + 1) if r != i]
        den = np.prod([s[i] - s[r] for r in others])
        L[:, i] = np.prod([z - s[r] for r in others], axis=0) / den
        for r in others:
            rest = [q for q in others if q != r]
            D[:, i] += np.prod([z - s[q] for q in rest], axis=0) / den if rest else 1.0 / den
    return L, D, z, wz


def _solve(A: Array, b: Array) -> Array:
    """Solve the bordered collocation system: dense LU while small, sparse LU (SuperLU) once
    the block structure pays (each row touches one interval's nodes, T, p)."""
    if A.shape[0] <= 300:
        return np.asarray(np.linalg.solve(A, b), dtype=float)
    from scipy.sparse import csc_matrix
    from scipy.sparse.linalg import splu

    return np.asarray(splu(csc_matrix(A)).solve(b))


@functools.lru_cache(maxsize=8)
def _lagrange_coefficients(m: int) -> Array:
    """``C[r, i]``: the monomial coefficients of the m + 1 Lagrange basis polynomials on
    equally spaced nodes of [0, 1] (the inverse Vandermonde matrix; condition number below
    3e4 for m <= 7)."""
    s = np.linspace(0.0, 1.0, m + 1)
    return np.asarray(np.linalg.inv(np.vander(s, m + 1, increasing=True)))


def _lagrange_at(m: int, x: Array) -> Array:
    """Values of the m + 1 Lagrange basis polynomials (equally spaced nodes) at local x,
    ``out[t, i] = l_i(x_t)``, from their monomial coefficients (one matrix product: 6-13x
    faster than the product form, which it matches to 1e-11 at m = 7)."""
    x = np.asarray(x, float)
    return np.asarray((x[:, None] ** np.arange(m + 1)[None, :]) @ _lagrange_coefficients(m))


@dataclasses.dataclass
class _Walk:
    """A branch of cycles as it grows, shared by the compiled and the Python steps: the
    points, unit tangents, multipliers, meshes and test functions so far, the special points,
    the next step, the phase reference of the next step, the first period and the time
    budget."""

    ys: list[Array]
    ts: list[Array]
    mus: list[Array]
    meshes: list[Array]
    tests: list[dict[str, float]]
    specials: list[SpecialPoint]
    ds: float
    ref: Array
    T0: float
    deadline: float
    max_time: float


_HALVED_SIZE = 40000
"""Largest collocation system (unknowns) on the halved mesh whose special points are located
again there to estimate the mesh's error."""


class CycleContinuer:
    """Continuation of the periodic orbits of one compiled ODE in one parameter."""

    def __init__(self, c: CompiledSystem, param: str, *, ntst: int = 20, ncol: int = 4,
                 ds: float = 0.01, ds_min: float = 1e-7, ds_max: float = 0.1, tol: float = 1e-9,
                 max_newton: int = 10, p_range: tuple[float, float] = (-np.inf, np.inf),
                 adapt: int = 3, locate_tol: float = 1e-9,
                 max_trivial_error: float = 1e-3,
                 compiled: bool | Literal["auto"] = "auto") -> None:
        if c.dynamics.is_map:
            raise ValueError("periodic orbits by collocation are for ODEs")
        self.c = c.with_parameters()
        self.param = param
        self.j = c.parameter_names.index(param)
        self.n, self.N, self.m = c.n, int(ntst), int(ncol)
        self.L, self.D, self.z, self.wz = _basis(self.m)
        self.mesh = np.linspace(0.0, 1.0, self.N + 1)
        self.ds, self.ds_min, self.ds_max = ds, ds_min, ds_max
        self.tol, self.max_newton = tol, max_newton
        self.p_range = p_range
        self.adapt = adapt
        self.locate_tol = locate_tol
        self.max_trivial_error = max_trivial_error
        self.size = self.N * self.m * self.n + 2
        self.counts = {"newton": 0, "points": 0}
        self._nodes = (np.arange(self.N)[:, None] * self.m + np.arange(self.m + 1)[None, :]) \
            % (self.N * self.m)
        self._phase: tuple[Array | None, Array, Array] = (None, self.mesh, np.zeros(0))
        # the Newton corrector compiled with the model (kernel.py): with True, compiled once
        # per model; with "auto" only when an earlier run left it on disk; never where the
        # condensed system is too large (the dense or sparse LU is used there)
        use = compiled is True or (compiled == "auto" and kernel_cached(self.c, "cycles"))
        small = self.N * self.n + 2 <= MAX_REDUCED
        self.kernel = palc_kernel(self.c) if use and small else None

    # -- layout ------------------------------------------------------------------------------
    @property
    def mesh(self) -> Array:
        """The mesh points 0 = τ_0 < … < τ_N = 1 (``h`` holds their spacings)."""
        return self._mesh

    @mesh.setter
    def mesh(self, value: Array) -> None:
        self._mesh = np.asarray(value, dtype=float)
        self.h = np.diff(self._mesh)

    def _split(self, y: Array) -> tuple[Array, float, float]:
        return y[:-2].reshape(self.N * self.m, self.n), float(y[-2]), float(y[-1])

    def _intervals(self, U: Array) -> Array:
        """(N, m + 1, n): each interval's node values (the last node is the next interval's
        first; the orbit closes on u_0)."""
        return U[self._nodes]

    def _set_p(self, p: float) -> None:
        if self.c.p[self.j] != p:
            q = self.c.p.copy()
            q[self.j] = p
            self.c.p = q

    def times(self) -> Array:
        """The times of the Nm nodes on [0, 1)."""
        h = self.h
        return (self.mesh[:-1, None] + h[:, None] * np.linspace(0, 1, self.m + 1)[None, :-1]
                ).ravel()

    def derivative(self, U: Array) -> Array:
        """u'(t) at the Gauss points, (N, m, n) (per unit t)."""
        h = self.h
        return np.einsum("ki,jin->jkn", self.D, self._intervals(U)) / h[:, None, None]

    def inner(self, a: Array, b: Array) -> float:
        """The pseudo-arclength inner product: the mean over nodes of u·v, plus T and p."""
        nu = self.N * self.m * self.n
        return float(a[:nu] @ b[:nu]) / (self.N * self.m) + float(a[nu:] @ b[nu:])

    # -- the defining system -----------------------------------------------------------------
    def _gauss(self, y: Array) -> tuple[float, Array, Array, Array, Array]:
        """T, the interval lengths, u and u' at the Gauss points (N, m, n) and f there (the
        parameter set from ``y``)."""
        U, T, p = self._split(y)
        self._set_p(p)
        h = self.h
        V = self._intervals(U)
        uc = np.einsum("ki,jin->jkn", self.L, V)
        du = np.einsum("ki,jin->jkn", self.D, V)
        F = self.c.f_batch(uc.reshape(-1, self.n)).reshape(uc.shape)
        return T, h, uc, du, F

    def residual(self, y: Array, ref: Array, gauss: tuple[float, Array, Array, Array, Array]
                 | None = None) -> Array:
        """Collocation equations (N m n) and the phase condition; ``ref`` is û' at the Gauss
        points."""
        T, h, uc, du, F = self._gauss(y) if gauss is None else gauss
        coll = du - h[:, None, None] * T * F
        phase = float(np.einsum("j,k,jkn,jkn->", h, self.wz, uc, ref))
        return np.append(coll.ravel(), phase)

    def _phase_row(self, ref: Array) -> Array:
        """The phase condition's derivative in the node values (N m n): d/du_{j,i} of
        sum_j h_j sum_k w_k L[k,i] u_{j,i} . ref_{j,k}; an interval's last node is the next
        one's first. Kept while the reference and the mesh stay (a Newton correction)."""
        last_ref, last_mesh, last_row = self._phase
        if last_ref is ref and last_mesh is self.mesh:
            return last_row
        g = np.einsum("j,k,ki,jkn->jin", self.h, self.wz, self.L, ref)
        row = g[:, :self.m, :].copy()
        row[:, 0, :] += np.roll(g[:, self.m, :], 1, axis=0)
        self._phase = (ref, self.mesh, row.ravel())
        return self._phase[2]

    def jacobian(self, y: Array, ref: Array) -> tuple[Array, Array]:
        """The exact Jacobian (rows: collocation, phase; columns: nodes, T, p) and the
        collocation Jacobians at the Gauss points (N, m, n, n)."""
        U, T, p = self._split(y)
        self._set_p(p)
        n, N, m = self.n, self.N, self.m
        h = self.h
        V = self._intervals(U)
        uc = np.einsum("ki,jin->jkn", self.L, V)
        X = uc.reshape(-1, n)
        F = self.c.f_batch(X).reshape(N, m, n)
        J = self.c.jac_batch(X).reshape(N, m, n, n)
        Fp = self.c.dfdp_batch(X)[:, :, self.j].reshape(N, m, n)
        out = np.zeros((N * m * n + 1, self.size))
        B = self._blocks(T, J)                                          # (N, mn, (m+1)n)
        rows = np.arange(N)[:, None, None] * m * n + np.arange(m * n)[None, :, None]
        cols = (np.arange(N)[:, None, None] * m * n + np.arange((m + 1) * n)[None, None, :]) \
            % (N * m * n)
        out[rows, cols] = B
        out[:N * m * n, -2] = (-h[:, None, None] * F).ravel()
        out[:N * m * n, -1] = (-h[:, None, None] * T * Fp).ravel()
        out[-1, :N * m * n] = self._phase_row(ref)
        return out, J

    def _blocks(self, T: float, J: Array) -> Array:
        """The linearised collocation equations of each interval on its m + 1 nodes:
        (N, m n, (m + 1) n) blocks D[k, i] I − h_j T J(u_jk) L[k, i]."""
        n, N, m = self.n, self.N, self.m
        h = self.h
        B = self.D[None, :, :, None, None] * np.eye(n) - (h * T)[:, None, None, None, None] * \
            self.L[None, :, :, None, None] * J[:, :, None, :, :]         # (N, m, m+1, n, n)
        return B.transpose(0, 1, 3, 2, 4).reshape(N, m * n, (m + 1) * n)

    # -- Newton and the tangent --------------------------------------------------------------
    def _bordered(self, y: Array, ref: Array, last: Array, rhs: Array,
                  gauss: tuple[float, Array, Array, Array, Array] | None = None
                  ) -> tuple[Array, Array]:
        """Solve the collocation system at ``y`` bordered by the phase row and ``last``; also
        the transfer matrices of the intervals (their product is the monodromy matrix).
        Condensed per interval (:mod:`~dynena.continuation.condense`) while the reduced
        system is small; else, or where an interval's block is singular, the whole system by
        LU."""
        if self.N * self.n + 2 <= MAX_REDUCED:
            T, h, uc, _, F = self._gauss(y) if gauss is None else gauss
            X = uc.reshape(-1, self.n)
            border = np.zeros((2, self.size))
            border[0, :-2] = self._phase_row(ref)
            border[1] = last
            try:
                dy, E = condensed_solve(
                    self.c.jac_batch(X).reshape(self.N, self.m, self.n, self.n), F,
                    self.c.dfdp_batch(X)[:, :, self.j].reshape(F.shape), T, h, self.L,
                    self.D, border, rhs)
                if np.all(np.isfinite(dy)):
                    return dy, E
            except np.linalg.LinAlgError:
                pass
        A, J = self.jacobian(y, ref)
        return _solve(np.vstack([A, last]), rhs), self._transfer(float(y[-2]), J)

    def _model_args(self) -> tuple[Any, ...]:
        c = self.c
        return (c.p.copy(), np.zeros(len(c.input_names)), int(getattr(c, "n_definitions", 0)),
                self.j, self.N, self.m, self.n)

    def _compiled(self, fn: str, *args: Any) -> Any:
        """Call a compiled corrector function; None (and the Python path from then on) when it
        cannot run."""
        assert self.kernel is not None
        # no ready mark from the corrector alone: "auto" must find the whole loop compiled
        # (a start from an orbit that fails compiles the corrector, not coll_advance)
        ok, out = call(self.c, self.kernel, fn, *args, part=None,
                       what="collocation corrector")
        if not ok:
            self.kernel = None
        return out

    def correct(self, y_pred: Array, t: Array, ref: Array) -> tuple[Array, bool, int]:
        if self.kernel is not None:
            h, (p, u, nd, j, N, m, n) = self.h, self._model_args()
            out = self._compiled("coll_correct", y_pred, t, self._weights(), ref,
                                 self._nodes, h, self.L, self.D, self.wz, p, u, nd, j, N, m,
                                 n, float(self.tol), int(self.max_newton))
            if out is not None and out[1] != 2:  # 2: a singular block, the dense LU below
                self.counts["newton"] += int(out[2])
                return out[0], bool(out[1] == 1), int(out[2])
        y = y_pred.copy()
        w = self._weights()
        for k in range(self.max_newton):
            gauss = self._gauss(y)
            r = np.append(self.residual(y, ref, gauss), self.inner(t, y - y_pred))
            if not np.all(np.isfinite(r)):
                return y, False, k
            if np.max(np.abs(r)) < self.tol:
                return y, True, k
            self.counts["newton"] += 1
            try:
                dy, _ = self._bordered(y, ref, t * w, -r, gauss)
            except (np.linalg.LinAlgError, RuntimeError):
                return y, False, k
            y = y + dy
            if y[-2] <= 0 or not np.all(np.isfinite(y)):
                return y, False, k
        r = self.residual(y, ref)
        return y, bool(np.max(np.abs(r)) < self.tol), self.max_newton

    def _weights(self) -> Array:
        nu = self.N * self.m * self.n
        return np.concatenate([np.full(nu, 1.0 / (self.N * self.m)), [1.0, 1.0]])

    def tangent(self, y: Array, t_prev: Array, ref: Array) -> tuple[Array, Array]:
        """The unit tangent (oriented along ``t_prev``) and the intervals' transfer matrices
        (for :meth:`multipliers`)."""
        out = None
        if self.kernel is not None:
            out = self._compiled("coll_tangent", y, t_prev * self._weights(), ref,
                                 self._nodes, self.h, self.L, self.D, self.wz,
                                 *self._model_args())
        if out is not None and out[2] and np.all(np.isfinite(out[0])):
            t, E = out[0], out[1]
        else:
            rhs = np.zeros(self.size)
            rhs[-1] = 1.0
            t, E = self._bordered(y, ref, t_prev * self._weights(), rhs)
        return t / np.sqrt(self.inner(t, t)), E

    # -- Floquet multipliers -----------------------------------------------------------------
    def _transfer(self, T: float, J: Array) -> Array:
        """The linearised collocation equations of each interval express its interior and end
        values through its start value, B[:, n:] du_1.. = -B[:, :n] du_0: the end part is the
        interval's transfer matrix (every interval in one batched solve)."""
        n = self.n
        B = self._blocks(T, J)
        return np.asarray(-np.linalg.solve(B[:, :, n:], B[:, :, :n])[:, -n:, :])

    @staticmethod
    def multipliers(E: Array) -> Any:
        """Eigenvalues of the monodromy matrix (the product of the transfer matrices), largest
        modulus first."""
        M = E[0]
        for step in E[1:]:
            M = step @ M
        return CycleContinuer._spectra(M[None])[0]

    # -- mesh adaptation ---------------------------------------------------------------------
    def regrid(self, vectors: list[Array]) -> list[Array]:
        """A new mesh that equidistributes the collocation error of the first vector — the
        density |u^(m+1)|^(1/(m+1)) (de Boor; AUTO's IAD), the (m+1)-th derivative from the
        jumps of the piecewise-constant m-th derivative between intervals — and every
        vector's node values re-interpolated onto it (T and p unchanged)."""
        from math import comb

        U, _, _ = self._split(vectors[0])
        m = self.m
        h = self.h
        V = self._intervals(U)
        coef = np.array([(-1) ** (m - i) * comb(m, i) for i in range(m + 1)], float)
        dm = np.einsum("i,jin->jn", coef, V) * (m / h[:, None]) ** m      # u^(m) per interval
        jump = (dm - np.roll(dm, 1, axis=0)) / (0.5 * (h + np.roll(h, 1)))[:, None]
        at_mesh = np.linalg.norm(jump, axis=1)                             # at mesh points j
        density = (0.5 * (at_mesh + np.roll(at_mesh, -1))) ** (1.0 / (m + 1))
        density = np.maximum(density, 1e-3 * max(float(density.max()), 1e-300))
        cum = np.concatenate([[0.0], np.cumsum(density * h)])
        cum /= cum[-1]
        new = np.interp(np.linspace(0, 1, self.N + 1), cum, self.mesh)
        t_new = (new[:-1, None] + np.diff(new)[:, None] *
                 np.linspace(0, 1, self.m + 1)[None, :-1]).ravel()
        out = [np.concatenate([self.evaluate(self._split(v)[0], t_new).ravel(), v[-2:]])
               for v in vectors]
        self.mesh = new
        return out

    def evaluate(self, U: Array, t: Array) -> Array:
        """u at the times ``t`` in [0, 1] (the piecewise polynomial)."""
        t = np.mod(t, 1.0)
        j = np.clip(np.searchsorted(self.mesh, t, side="right") - 1, 0, self.N - 1)
        loc = (t - self.mesh[j]) / self.h[j]
        V = self._intervals(U)[j]                                            # (len, m+1, n)
        return np.einsum("ti,tin->tn", _lagrange_at(self.m, loc), V)

    # -- the branch --------------------------------------------------------------------------
    def from_hopf(self, x0: Array, p0: float, omega: float, q: Array, amplitude: float
                  ) -> tuple[Array, Array, Array]:
        """The start at a Hopf point: the constant orbit, the tangent along
        Re(q e^{2πit}) and the phase reference (that tangent's derivative)."""
        t = self.times()
        phi = np.real(q[None, :] * np.exp(2j * np.pi * t)[:, None])
        y0 = np.concatenate([np.tile(x0, len(t)), [2 * np.pi / omega, p0]])
        t0 = np.concatenate([phi.ravel(), [0.0, 0.0]])
        t0 /= np.sqrt(self.inner(t0, t0))
        ref = self.derivative(self._split(t0)[0])
        return y0, t0, ref

    def from_orbit(self, x0: Array, period: float, p0: float) -> tuple[Array, Array, Array]:
        """A start on a periodic orbit given by one of its points and its period (from a
        simulation): the trajectory over one period as the first guess, corrected by Newton at
        the fixed parameter value; returns (the orbit, the tangent towards increasing p, the
        phase reference). Raises ``ValueError`` when Newton does not settle."""
        from ..flow.variational import orbit

        self._set_p(p0)
        sol = orbit(self.c, np.asarray(x0, float), float(period), dense=True)
        if sol.status != 0:  # failed, or left every bound (an escape)
            raise ValueError(f"the simulation from the start failed ({sol.message})")
        U = sol.sol(self.times() * period).T
        y = np.concatenate([U.ravel(), [float(period), p0]])
        ref = self.derivative(U)
        e_p = np.zeros(self.size)
        e_p[-1] = 1.0
        for _ in range(3):  # the phase reference follows the corrected orbit
            y, ok, _ = self.correct(y, e_p, ref)
            if not ok:
                break
            ref = self.derivative(self._split(y)[0])
        if not ok:
            gap = float(np.linalg.norm(U[0] - sol.y[:, -1]))
            raise ValueError(
                f"no periodic orbit of period near {period:g} through the start: Newton on the "
                f"collocation system did not settle (the simulation returns {gap:.2g} away "
                "from its start after one period); give a point on the orbit and its period "
                "from a simulation that has settled")
        amp = float(np.ptp(self._split(y)[0], axis=0).max())
        if amp < 1e-6 * (1.0 + float(np.abs(U).max())):
            raise ValueError(
                f"Newton from the start settled on an equilibrium (a constant orbit), not a "
                f"periodic orbit of period near {period:g}: give a point on the orbit and its "
                "period from a simulation that has settled onto it")
        t, _ = self.tangent(y, e_p, ref)
        return y, t, ref

    def first_orbit(self, y0: Array, t0: Array, ref0: Array) -> tuple[Array, bool]:
        """The first orbit of a branch: corrected from ``y0 + h t0``, h = ``ds`` at first.
        From a Hopf point the step is along the orbit alone and the parameter follows the
        amplitude, p - p_H ~ h² / (the cycles' size)²: cycles of size 1e-3 in a box of 1 had
        their first orbit at p_H + 100 and the whole branch in the range was missed; at 1e-6
        Newton failed. So h shrinks by the square-root law until p moves by at most 2 ds, and
        tenfold where Newton fails (at most 12 times)."""
        h = self.ds
        y, ok, _ = self.correct(y0 + h * t0, t0, ref0)
        for _ in range(12):
            moved = abs(float(y[-1] - y0[-1])) if ok else np.inf
            if ok and moved <= 2 * self.ds:
                break
            h *= 0.9 * float(np.sqrt(self.ds / moved)) if ok else 0.1
            y, ok, _ = self.correct(y0 + h * t0, t0, ref0)
        return y, ok

    def run(self, y0: Array, t0: Array, ref0: Array, *, max_points: int = 200,
            max_time: float = 120.0, origin: str = "", max_period: float | None = None
            ) -> CycleBranch:
        t_start = time.perf_counter()
        ds = self.ds
        y, ok = self.first_orbit(y0, t0, ref0)
        if not ok:
            return self._branch([], [], [], None, Status.FAILED,
                                "no periodic orbit next to the start (Newton on the collocation "
                                "system did not converge)", origin, t_start)
        ref = self.derivative(self._split(y)[0])
        t, E = self.tangent(y, t0, ref)
        mu = self.multipliers(E)
        w = _Walk([y], [t], [mu], [self.mesh.copy()], [self.tests(t, mu)], [], ds, ref,
                  float(y[-2]), t_start + max_time, max_time)
        done = self._compiled_steps(w, max_points, max_period) if self.kernel is not None \
            else None
        if done is None:  # no compiled loop, or it handed over (a singular block)
            done = self._python_steps(w, max_points, max_period)
        return self._branch(w.ys, w.mus, w.specials, w.meshes, done[0], done[1], origin, t_start)

    def _budget_spent(self, w: _Walk, max_points: int) -> tuple[Status, str] | None:
        if len(w.ys) >= max_points:
            return Status.BUDGET, f"point budget of {max_points} reached"
        if time.perf_counter() > w.deadline:
            return Status.BUDGET, f"time budget of {w.max_time:g} s reached"
        return None

    def _end(self, y: Array, count: int, T0: float, max_period: float | None
             ) -> tuple[Status, str] | None:
        """The end tests after a point is added (parameter range, period, shrunk orbit)."""
        p, T = y[-1], y[-2]
        if not (self.p_range[0] <= p <= self.p_range[1]):
            return Status.OK, f"reached the end of the parameter range at {p:.6g}"
        if max_period is not None and T > max_period:
            return Status.OK, (
                f"the period grew past {max_period:g} (from {T0:.4g}) at {self.param} = "
                f"{p:.6g}: a homoclinic orbit (infinite period) is near")
        if count > 5 and float(np.ptp(self._split(y)[0], axis=0).max()) < 1e-6:
            return Status.OK, (f"the cycles shrank onto an equilibrium (a Hopf "
                               f"point) at {self.param} = {p:.6g}")
        return None

    def _unresolved(self, y: Array, mu: Array) -> tuple[Status, str] | None:
        """The orbit's own direction must have multiplier 1: past ``max_trivial_error`` the
        mesh no longer resolves the orbit, and multipliers and test functions are noise."""
        drift = float(np.min(np.abs(mu - 1.0)))
        if drift <= self.max_trivial_error:
            return None
        return Status.UNRESOLVED, (
            f"at {self.param} = {y[-1]:.6g} (period {y[-2]:.4g}) the trivial Floquet "
            f"multiplier is {drift:.1e} from 1: the mesh of {self.N} x {self.m} no longer "
            "resolves the orbit; raise ntst (--ntst) to follow it further")

    def _accept(self, w: _Walk, y: Array, t: Array, mu: Array, ds: float,
                ref: Array | None) -> None:
        """Add a point after locating the special points between the last one and it (the
        mesh, ``ref`` and ``ds``: those of the step that reached it; ``ref`` None: the last
        point's derivative, computed only when a special point is located)."""
        te = self.tests(t, mu)
        for kind, v in te.items():
            v0 = w.tests[-1][kind]
            if np.isfinite(v) and np.isfinite(v0) and v0 != 0 and np.sign(v) != np.sign(v0):
                if ref is None:
                    ref = self.derivative(self._split(w.ys[-1])[0])
                sp = self._locate(kind, w.ys[-1], w.ts[-1], ds, ref, len(w.ys) - 1)
                if sp is not None:
                    w.specials.append(sp)
        w.ys.append(y)
        w.ts.append(t)
        w.mus.append(mu)
        w.tests.append(te)

    def _python_steps(self, w: _Walk, max_points: int, max_period: float | None
                      ) -> tuple[Status, str]:
        """The branch continued step by step in Python (the reference for the compiled
        loop)."""
        while (spent := self._budget_spent(w, max_points)) is None:
            y_new, ok, iters = self.correct(w.ys[-1] + w.ds * w.ts[-1], w.ts[-1], w.ref)
            if ok and np.sqrt(self.inner(y_new - w.ys[-1], y_new - w.ys[-1])) > 3 * w.ds:
                ok = False
            if not ok:
                w.ds *= 0.5
                if w.ds < self.ds_min:
                    return Status.STOPPED, (f"corrector failed below the minimum step at "
                                            f"{self.param} = {w.ys[-1][-1]:.6g}")
                continue
            ref_new = self.derivative(self._split(y_new)[0])
            if self._through_zero(w.ys[-1], y_new):
                return self._hopf_end(w.ys[-1], y_new)
            t_new, E = self.tangent(y_new, w.ts[-1], ref_new)
            mu = self.multipliers(E)
            if (stop := self._unresolved(y_new, mu)) is not None:
                return stop
            self._accept(w, y_new, t_new, mu, w.ds, w.ref)
            w.meshes.append(self.mesh.copy())
            w.ref = ref_new
            if iters <= 3:
                w.ds = min(w.ds * 1.3, self.ds_max)
            if self.adapt and len(w.ys) % self.adapt == 0:
                w.ys[-1], w.ts[-1] = self.regrid([w.ys[-1], w.ts[-1]])
                w.meshes[-1] = self.mesh.copy()
                w.ref = self.derivative(self._split(w.ys[-1])[0])
            if (stop := self._end(w.ys[-1], len(w.ys), w.T0, max_period)) is not None:
                return stop
        return spent

    def _hopf_end(self, y0: Array, y1: Array) -> tuple[Status, str]:
        # the orbits shrank to a point and came out mirrored (the phase condition keeps them
        # aligned, so a sign flip means amplitude zero was crossed)
        return Status.OK, (f"the cycles shrink onto an equilibrium (a Hopf point) between "
                           f"{self.param} = {y0[-1]:.6g} and {y1[-1]:.6g}")

    _CHUNK = 50
    """Points per call of the compiled loop (the time budget is checked between calls)."""

    def _compiled_steps(self, w: _Walk, max_points: int, max_period: float | None
                        ) -> tuple[Status, str] | None:
        """The branch continued by the compiled loop (``palc_steps.coll_advance``, the steps
        of :meth:`_python_steps`) in chunks; the multipliers, the drift check and the test
        functions of each chunk in one batch afterwards, special points located between the
        points as in Python. None when the loop hands over to Python (a singular block, or
        it cannot run)."""
        from math import comb

        assert self.kernel is not None
        rows = max_points - len(w.ys) + 1
        Y, Tg = np.empty((rows, self.size)), np.empty((rows, self.size))
        MESH, MONO = np.empty((rows, self.N + 1)), np.empty((rows, self.n, self.n))
        DS, IT = np.zeros(rows), np.zeros(rows, np.int64)
        Y[0], Tg[0], MESH[0] = w.ys[-1], w.ts[-1], self.mesh
        m = self.m
        coef = np.array([(-1) ** (m - i) * comb(m, i) for i in range(m + 1)], float)
        limits = (float(self.tol), int(self.max_newton), float(self.ds_min),
                  float(self.ds_max), float(self.p_range[0]), float(self.p_range[1]),
                  float(max_period) if max_period is not None else np.inf, int(self.adapt))
        k = 0
        while (spent := self._budget_spent(w, max_points)) is None:
            stop = min(rows, k + 1 + self._CHUNK)
            ok, out = call(self.c, self.kernel, "coll_advance", Y[:stop], Tg[:stop],
                           MESH[:stop], MONO[:stop], DS[:stop], IT[:stop], k, len(w.ys),
                           float(w.ds), w.ref, self._weights(), self._nodes, self.L, self.D,
                           self.wz, _lagrange_coefficients(m), coef, *self._model_args(),
                           *limits, part="cycles", what="periodic-orbit loop")
            if not ok:
                self.kernel = None
                return None
            code, k_new, ds, ref = out
            self.counts["newton"] += int(IT[k + 1:k_new + 1].sum())
            mus = self._spectra(MONO[k + 1:k_new + 1])
            for i in range(k + 1, k_new + 1):
                self.mesh = MESH[i - 1]
                if (fin := self._unresolved(Y[i], mus[i - k - 1])) is not None:
                    return fin
                # the step that reached row i started from row i - 1 on its mesh, with
                # that point's derivative as the phase reference (``_accept`` derives it)
                self._accept(w, Y[i].copy(), Tg[i].copy(), mus[i - k - 1], float(DS[i]), None)
                w.meshes.append(MESH[i].copy())
            self.mesh = MESH[k_new].copy()
            w.ds, w.ref, k = float(ds), ref, int(k_new)
            if code == C_SINGULAR:
                return None
            if code == C_FAILED:
                return Status.STOPPED, (f"corrector failed below the minimum step at "
                                        f"{self.param} = {w.ys[-1][-1]:.6g}")
            if code == C_HOPF:  # the step that came out mirrored is in the next row
                return self._hopf_end(w.ys[-1], Y[k + 1])
            if code != C_BUDGET:
                fin = self._end(w.ys[-1], len(w.ys), w.T0, max_period)
                assert fin is not None
                return fin
        return spent

    @staticmethod
    def _spectra(M: Array) -> Array:
        """The multipliers of a stack of monodromy matrices, largest modulus first (as
        :meth:`multipliers`, in one call)."""
        if len(M) == 0:
            return np.zeros((0, M.shape[-1]), complex)
        w = np.asarray(np.linalg.eigvals(M), complex)
        return np.take_along_axis(w, np.argsort(-np.abs(w), axis=1), axis=1)

    def _through_zero(self, y0: Array, y1: Array) -> bool:
        """The orbit's deviation from its mean changed sign between two steps."""
        a, b = self._split(y0)[0], self._split(y1)[0]
        a, b = a - a.mean(axis=0), b - b.mean(axis=0)
        return float(np.sum(a * b)) < 0

    def tests(self, t: Array, mu: Array) -> dict[str, float]:
        """LPC: dp/ds; PD: det(M + I) over the multipliers; NS: |μ| − 1 of the complex pair
        nearest the unit circle."""
        out = {"LPC": float(t[-1]), "PD": float(np.real(np.prod(mu + 1.0)))}
        cp = mu[np.abs(mu.imag) > 1e-7]
        if len(cp):
            r = np.abs(cp) - 1.0
            out["NS"] = float(r[np.argmin(np.abs(r))])
        else:
            out["NS"] = np.nan
        return out

    def _locate(self, kind: str, y0: Array, t0: Array, ds: float, ref: Array, index: int
                ) -> SpecialPoint | None:
        """The test function's zero between ``y0`` and the point ``ds`` along ``t0`` (Brent's
        method, each trial corrected onto the branch), polished, with its accuracy: the
        bracket, the residual bound (:meth:`_polished`) and the mesh's error, estimated as
        twice the change on a mesh with every interval halved (:meth:`_halved`)."""
        ends = self._bracket(kind, y0, t0, ds, ref)
        if ends is None:
            return None
        va, vb = ends
        best = va if abs(va[0]) <= abs(vb[0]) else vb
        y, mu = best[1], best[2]
        y, bound = self._polished(y, t0, ref)
        U, T, p = self._split(y)
        mesh_error, note = self._halved(kind, y0, t0, ds, p)
        return SpecialPoint(kind + ("C" if kind == "LP" else ""), p, U[0].copy(), mu, index,
                            max(abs(float(vb[1][-1] - va[1][-1])), bound, mesh_error),
                            float(best[0]),
                            {"period": T, "amplitude": float(np.ptp(U, axis=0).max())},
                            note=note)

    def _bracket(self, kind: str, y0: Array, t0: Array, ds: float, ref: Array
                 ) -> tuple[tuple[float, Array, Array], tuple[float, Array, Array]] | None:
        """The two ends (test value, point, multipliers) of the test function's sign change
        shrunk to ``locate_tol`` on the step from ``y0`` along ``t0``; None where a
        correction fails or the test function has one sign at both ends."""
        def value(h: float) -> tuple[float, Array, Array] | None:
            if h == 0:
                y = y0
            else:
                y, ok, _ = self.correct(y0 + h * t0, t0, ref)
                if not ok:
                    return None
            t, E = self.tangent(y, t0, self.derivative(self._split(y)[0]))
            mu = self.multipliers(E)
            return self.tests(t, mu)[kind], y, mu

        va, vb = value(0.0), value(ds)
        if va is None or vb is None or va[0] * vb[0] > 0:
            return None
        va, vb, _ = sign_change(value, ds, va, vb, self.locate_tol * max(1.0, ds))
        return va, vb

    def _halved(self, kind: str, y0: Array, t0: Array, ds: float, p: float
                ) -> tuple[float, str]:
        """The located point's change in the parameter when every mesh interval is halved
        (the same step, interpolated onto the finer mesh and located again): an estimate of
        the mesh's error, since collocation's error at the mesh points falls by about
        2^(2m) when the intervals halve. The Rössler period doubling moved by 3e-8 from 20
        to 80 intervals while its bracket was 3e-10. ``inf`` with a note where the finer
        mesh's system is too large or its sign change is not in the step."""
        if 2 * self.size > _HALVED_SIZE:
            return float("inf"), (f"the mesh's error was not estimated (above {_HALVED_SIZE} "
                                  "unknowns on the halved mesh); compare a finer --ntst")
        fine = CycleContinuer(self.c, self.param, ntst=2 * self.N, ncol=self.m, ds=self.ds,
                              tol=self.tol, max_newton=self.max_newton,
                              p_range=self.p_range, locate_tol=self.locate_tol,
                              compiled=False)
        fine.mesh = np.sort(np.concatenate([self.mesh, self.mesh[:-1] + self.h / 2]))
        times = fine.times()

        def onto(v: Array) -> Array:
            return np.concatenate([self.evaluate(self._split(v)[0], times).ravel(), v[-2:]])

        z0, d0 = onto(y0), onto(t0)
        d0 /= np.sqrt(fine.inner(d0, d0))
        z0, ok, _ = fine.correct(z0, d0, fine.derivative(fine._split(z0)[0]))
        ends = fine._bracket(kind, z0, d0, ds, fine.derivative(fine._split(z0)[0])) \
            if ok else None
        if ends is None:
            return float("inf"), ("the mesh's error was not estimated (on the halved mesh "
                                  "the test function does not change sign in the step)")
        va, vb = ends
        near = (va if abs(va[0]) <= abs(vb[0]) else vb)[1]
        z, _ = fine._polished(near, d0, fine.derivative(fine._split(near)[0]))
        # twice the change: it falls short of the coarse mesh's error by 1 / 2^(2m) at best
        return 2.0 * abs(float(z[-1]) - p), ""

    def _polished(self, y: Array, t: Array, ref: Array) -> tuple[Array, float]:
        r"""A located point corrected on until Newton's residual stops falling (the corrector
        stops at ``tol``), and twice the size of Newton's step from it: the distance to the
        collocation system's solution curve, to first order (:math:`\|DG^{-1} G\|`, with the
        rounding of G in it). The bracket alone is no bound at a fold of cycles, where p is
        stationary along the branch: a fold found from cycles 1e-6 across was stated as
        ±8e-17 and was 1.8e-11 off (the corrector's tolerance). The mesh's own error is not
        in it (:meth:`_halved`)."""
        best, g_best = y, float(np.max(np.abs(self.residual(y, ref))))
        step = float("inf")
        last = t * self._weights()
        for _ in range(6):
            r = np.append(self.residual(best, ref), 0.0)
            try:
                dy, _ = self._bordered(best, ref, last, -r)
            except (np.linalg.LinAlgError, RuntimeError):
                break
            step = float(np.linalg.norm(dy))
            z = best + dy
            g = float(np.max(np.abs(self.residual(z, ref))))
            if not g < g_best:
                break
            best, g_best = z, g
        return best, 2.0 * step

    def _samples(self, meshes: list[Array], Us: list[Array], t: Array) -> tuple[Array, Array]:
        """Every orbit at the times ``t`` on its own mesh, (K, len(t), n), and its L2 norm
        (all orbits at once: the mesh moves between points)."""
        from .palc_numerics import sample_orbits

        M = np.array(meshes)                                               # (K, N + 1)
        H = np.diff(M, axis=1)
        V = np.array([self._intervals(U) for U in Us])                     # (K, N, m+1, n)
        S = sample_orbits(M, V, np.mod(t, 1.0), _lagrange_coefficients(self.m))
        uc = np.einsum("gi,kjin->kjgn", self.L, V)
        l2 = np.sqrt(np.einsum("kj,g,kjgn,kjgn->k", H, self.wz, uc, uc))
        return S, l2

    def _branch(self, ys: list[Array], mus: list[Array], specials: list[SpecialPoint],
                meshes: list[Array] | None, status: Status, message: str, origin: str,
                t_start: float) -> CycleBranch:
        n = self.n
        if not ys:
            z = np.zeros((0, n))
            return CycleBranch(self.param, np.zeros(0), np.zeros(0), z, z, np.zeros(0, bool),
                               np.zeros((0, n), complex), np.zeros(0), (), status, message,
                               origin, {"ntst": self.N, "ncol": self.m})
        Us = [self._split(y)[0] for y in ys]
        fine = np.linspace(0.0, 1.0, 4 * self.N * self.m, endpoint=False)
        # the mesh moves between points (adaptation): sample each orbit on its own mesh
        meshes = meshes if meshes is not None else [self.mesh] * len(Us)
        samples, l2 = self._samples(meshes, Us, fine)
        mu = np.array(mus)
        # the trivial multiplier (the orbit's own direction) is the one nearest 1
        triv = np.array([int(np.argmin(np.abs(m - 1.0))) for m in mu])
        others = [np.delete(m, k) for m, k in zip(mu, triv)]
        stable = np.array([bool(np.all(np.abs(o) < 1.0)) for o in others])
        self.counts["points"] += len(ys)
        return CycleBranch(
            self.param, np.array([y[-1] for y in ys]), np.array([y[-2] for y in ys]),
            samples.min(axis=1), samples.max(axis=1),
            stable, mu, np.abs(mu[np.arange(len(mu)), triv] - 1.0), tuple(specials), status,
            message or f"{len(ys)} cycles", origin,
            {"ntst": self.N, "ncol": self.m, "points": len(ys), "newton": self.counts["newton"],
             "compiled_loops": int(self.kernel is not None),
             "seconds": time.perf_counter() - t_start}, l2)
