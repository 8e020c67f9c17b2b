r"""Pseudo-arclength steps of :class:`~dynena.continuation.palc.Continuer`, as one compiled loop.

This file is a **template**: :mod:`dynena.continuation.kernel` writes a copy per model into the
code cache with the block between the ``header`` markers replaced by the model's generated
:math:`f`, :math:`D_x f`, :math:`D_p f` under numba, so that numba can cache the whole loop on
disk (a kernel that took the model's functions as arguments would be compiled again in every
process). Imported as it is, the functions are plain Python with stub model functions (for
reading and linting only).

The algorithm is the Python loop of :meth:`Continuer._python_steps
<dynena.continuation.palc.Continuer>` step for step — predictor :math:`y + \Delta s\,t`, Newton
corrector on :math:`F(y) = 0,\ t^\top (y - y_{pred}) = 0`, tangent from
:math:`[F_x\ F_p;\ t_{prev}^\top]\,t = e_{n+1}`, step control, the end tests (parameter range,
state bound, closed loop), and for a k-cycle of a map the Jacobians of :math:`f^k` along the
orbit and the test for falling onto the parent cycle. It returns every point with its bordered
matrix; the eigenvalues and test functions are computed afterwards in one numpy batch, and
:func:`point_at` corrects the trial points when a special point is located. The
model-independent solves are in :mod:`~dynena.continuation.palc_numerics` (compiled once per
machine), so a model's loop compiles only what depends on the model. One difference from the
Python loop: where the tangent's bordered system is exactly singular the Python loop takes a
least-squares tangent and this loop halves the step (NumPy's ``lstsq`` under numba costs 4 s of
compile time; an exactly singular matrix at a converged point is a measure-zero event).
"""

# ruff: noqa: E402
from __future__ import annotations

import numpy as np

from dynena.continuation.codes import (
    BUDGET,
    C_BUDGET,
    C_FAILED,
    C_HOPF,
    C_PERIOD,
    C_RANGE,
    C_SHRUNK,
    C_SINGULAR,
    CLOSED,
    FAILED,
    NORM,
    RANGE,
)
from dynena.continuation.condense import _kernel as _condensed
from dynena.continuation.palc_numerics import norm, solve

# header begin: replaced in the generated copy by the model's compiled functions


def _jit(fn):  # type: ignore[no-untyped-def]
    return fn


def _f(x, p, u, out):  # type: ignore[no-untyped-def]  # pragma: no cover - stub
    raise NotImplementedError("template: see dynena.continuation.kernel")


def _jac(x, p, u, out, fd, dd):  # type: ignore[no-untyped-def]  # pragma: no cover - stub
    raise NotImplementedError("template: see dynena.continuation.kernel")


def _dfdp(x, p, u, out, fd, dd):  # type: ignore[no-untyped-def]  # pragma: no cover - stub
    raise NotImplementedError("template: see dynena.continuation.kernel")


# header end



@_jit
def _chain(out, fd, dd):  # type: ignore[no-untyped-def]
    """``out += fd @ dd``: the chain rule through the definitions (a loop: numba's matmul
    costs seconds of compile time)."""
    for r in range(out.shape[0]):
        for k in range(fd.shape[1]):
            if fd[r, k] != 0.0:
                for c in range(out.shape[1]):
                    out[r, c] += fd[r, k] * dd[k, c]


@_jit
def _jx(x, p, u, nd):  # type: ignore[no-untyped-def]
    """:math:`D_x f` with the chain rule through the definitions."""
    n = x.shape[0]
    out, fd, dd = _jac(x, p, u, np.zeros((n, n)), np.zeros((n, nd)), np.zeros((nd, n)))
    _chain(out, fd, dd)
    return out


@_jit
def _jp(x, p, u, nd, j):  # type: ignore[no-untyped-def]
    """Column ``j`` of :math:`D_p f`."""
    n = x.shape[0]
    npar = p.shape[0]
    out, fd, dd = _dfdp(x, p, u, np.zeros((n, npar)), np.zeros((n, nd)), np.zeros((nd, npar)))
    _chain(out, fd, dd)
    return out[:, j].copy()


@_jit
def _residual(y, p, u, w, j, is_map, period):  # type: ignore[no-untyped-def]
    r""":math:`F(y)` at the branch point :math:`y = (z, p_j)` followed in the coordinates
    :math:`z = x / w` (``ScaledSystem``; ``w`` is all ones for a model in its own units):
    :math:`f(x) / w` (ode) or :math:`(f^k(x) - x) / w` (map, ``k = period``)."""
    x = y[:-1] * w
    p[j] = y[-1]
    z = x
    for _ in range(period):
        z = _f(z, p, u, np.empty(x.shape[0]))
    if is_map:
        z = z - x
    return z / w


@_jit
def _matmul(A, B):  # type: ignore[no-untyped-def]
    """A @ B for small matrices (a loop: numba's matmul goes through BLAS bindings that cost
    compile time)."""
    C = np.zeros((A.shape[0], B.shape[1]))
    for r in range(A.shape[0]):
        for k in range(A.shape[1]):
            if A[r, k] != 0.0:
                for c in range(B.shape[1]):
                    C[r, c] += A[r, k] * B[k, c]
    return C


@_jit
def _bordered(y, p, u, w, nd, j, is_map, period, t):  # type: ignore[no-untyped-def]
    r""":math:`[F_x\ F_p;\ t^\top]`, shape (n + 1, n + 1), in the coordinates :math:`z = x / w`
    (:math:`D^{-1} F_x D` and :math:`D^{-1} F_p`, :math:`D = \mathrm{diag}(w)`); for a k-cycle
    of a map the Jacobians of :math:`f^k` by the chain rule along the orbit, as
    ``IteratedMap``."""
    x = y[:-1] * w
    p[j] = y[-1]
    n = x.shape[0]
    M = np.empty((n + 1, n + 1))
    if period == 1:
        J = _jx(x, p, u, nd)
        Jp = _jp(x, p, u, nd, j)
    else:
        J = np.eye(n)
        Jp = np.zeros(n)
        z = x
        for _ in range(period):
            Jz = _jx(z, p, u, nd)
            Jp = _matmul(Jz, Jp.reshape((n, 1)))[:, 0] + _jp(z, p, u, nd, j)
            J = _matmul(Jz, J)
            z = _f(z, p, u, np.empty(n))
    if is_map:
        for i in range(n):
            J[i, i] -= 1.0
    for r in range(n):
        for c in range(n):
            M[r, c] = J[r, c] * w[c] / w[r]
        M[r, n] = Jp[r] / w[r]
    M[n, :] = t
    return M


@_jit
def _lower_period(y, p, u, w, j, period, tol):  # type: ignore[no-untyped-def]
    """The smallest proper divisor d of the period with :math:`f^d(x) = x` (to ``tol``,
    relative, in the coordinates :math:`x / w`), 0 when none: as ``IteratedMap.lower_period``."""
    x = y[:-1] * w
    p[j] = y[-1]
    scale = 1.0 + norm(y[:-1])
    z = x
    for d in range(1, period):
        z = _f(z, p, u, np.empty(x.shape[0]))
        if period % d == 0 and norm((z - x) / w) < tol * scale:
            return d
    return 0


@_jit
def _correct(y_pred, t, p, u, w, nd, j, is_map, period, tol, max_newton):  # type: ignore[no-untyped-def]
    r"""Newton on :math:`F(y) = 0,\ t^\top (y - y_{pred}) = 0`, as ``Continuer.correct``."""
    y = y_pred.copy()
    n = y.shape[0] - 1
    g = np.empty(n + 1)
    for k in range(max_newton):
        F = _residual(y, p, u, w, j, is_map, period)
        g[:n] = F
        g[n] = t @ (y - y_pred)
        if np.max(np.abs(F)) < tol and abs(g[n]) < tol:
            return y, True, k
        dy, ok = solve(_bordered(y, p, u, w, nd, j, is_map, period, t), -g)
        if not ok:
            return y, False, k
        y = y + dy
        if not np.all(np.isfinite(y)):
            return y, False, k
    F = _residual(y, p, u, w, j, is_map, period)
    return y, bool(np.max(np.abs(F)) < tol), max_newton


@_jit
def advance(Y, T, M, DS, k, ds, far, p, u, w, nd, j, is_map, period,  # type: ignore[no-untyped-def]
            tol, max_newton, ds_min, ds_max, p_lo, p_hi, max_norm, min_cos, grow, growth):
    r"""Continue from row ``k`` of ``Y`` (points) and ``T`` (unit tangents) while rows remain,
    writing also ``M`` (each point's :math:`[F_x\ F_p;\ t^\top]`, for the eigenvalues and
    test functions computed afterwards in one batch) and ``DS`` (the step that reached it).
    ``p`` is a work copy of the parameter vector (entry ``j`` is overwritten); ``period`` > 1
    follows k-cycles of a map (fixed points of :math:`f^k`); a step whose tangent turns by
    more than ``arccos(min_cos)`` is halved (not the first, nor one below 16 ``ds_min``);
    the largest step grows with the variables flagged in ``grow`` past ``growth`` of their
    units (``Continuer._cap``).
    Returns ``(code, k, ds, far, lower)``: how the branch ended, the last row written, the
    next step, the largest distance from row 0 (the closed-loop test), and the lower period of
    the cycle the last attempted step fell onto (0 when none)."""
    n1 = Y.shape[1]
    e = np.zeros(n1)
    e[n1 - 1] = 1.0
    lower = 0
    while k + 1 < Y.shape[0]:
        y_new, ok, iters = _correct(Y[k] + ds * T[k], T[k], p, u, w, nd, j, is_map, period,
                                    tol, max_newton)
        if ok and norm(y_new - Y[k]) > 3 * ds:
            ok = False  # jumped to another branch: take a smaller step
        lower = _lower_period(y_new, p, u, w, j, period, 1e-7) if ok and period > 1 else 0
        if lower > 0:
            ok = False  # on the parent cycle (f^k has its fixed points too): not this branch
        A = np.empty((n1, n1))
        t_new = e
        if ok:
            A = _bordered(y_new, p, u, w, nd, j, is_map, period, T[k])
            t_new, ok = solve(A, e)  # exactly singular: a smaller step (see the docstring)
            # a sharp turn: another branch, met past a fold (Continuer's MIN_TANGENT_COS)
            ok = ok and (k == 0 or ds < 16.0 * ds_min
                         or t_new @ T[k] >= min_cos * norm(t_new))
        if not ok:
            ds *= 0.5
            if ds < ds_min:
                return FAILED, k, ds, far, lower
            continue
        t_new = t_new / norm(t_new)
        A[n1 - 1, :] = t_new
        k += 1
        Y[k] = y_new
        T[k] = t_new
        M[k] = A
        DS[k] = ds
        d0 = norm(y_new - Y[0])
        far = max(far, d0)
        if far > 4 * ds and d0 < 1.5 * ds and t_new @ T[0] > 0:
            return CLOSED, k, ds, far, lower
        g = 0.0
        for i in range(n1 - 1):
            g = max(g, grow[i] * abs(y_new[i]))
        cap = ds_max * max(1.0, g / growth)
        if iters <= 3:
            ds = min(ds * 1.3, cap)
        elif cap > ds_max:
            ds = min(ds, cap)
        if not (p_lo <= y_new[-1] <= p_hi):
            return RANGE, k, ds, far, lower
        if norm(y_new[:-1]) > max_norm:
            return NORM, k, ds, far, lower
    return BUDGET, k, ds, far, lower


@_jit
def point_at(y0, t0, h, p, u, w, nd, j, is_map, period, tol, max_newton):  # type: ignore[no-untyped-def]
    r"""The branch point corrected from :math:`y_0 + h\,t_0`, its unit tangent and its
    bordered matrix (for locating a special point between two points): ``(y, t, M, ok)``."""
    n1 = y0.shape[0]
    e = np.zeros(n1)
    e[n1 - 1] = 1.0
    y, ok, _ = _correct(y0 + h * t0, t0, p, u, w, nd, j, is_map, period, tol, max_newton)
    A = np.zeros((n1, n1))
    t = t0.copy()
    if ok:
        A = _bordered(y, p, u, w, nd, j, is_map, period, t0)
        t, ok = solve(A, e)
        t = t / norm(t)
        A[n1 - 1, :] = t
    return y, t, A, ok


# -- periodic orbits: the Newton corrector of CycleContinuer (collocation.py) -----------------


@_jit
def _jx_into(x, p, u, out, fd, dd):  # type: ignore[no-untyped-def]
    """:math:`D_x f` into ``out`` (work arrays ``fd``, ``dd`` for the definitions): the
    generated code writes only the structural non-zeros, so the buffers are cleared first."""
    out[:] = 0.0
    fd[:] = 0.0
    dd[:] = 0.0
    _jac(x, p, u, out, fd, dd)
    _chain(out, fd, dd)


@_jit
def _jp_into(x, p, u, j, out, fd, dd, dest):  # type: ignore[no-untyped-def]
    """Column ``j`` of :math:`D_p f` into ``dest`` (``out``, ``fd``, ``dd`` work arrays)."""
    out[:] = 0.0
    fd[:] = 0.0
    dd[:] = 0.0
    _dfdp(x, p, u, out, fd, dd)
    _chain(out, fd, dd)
    for a in range(dest.shape[0]):
        dest[a] = out[a, j]


@_jit
def _at_gauss(y, nodes, B, N, m, n):  # type: ignore[no-untyped-def]
    r""":math:`\sum_i B_{ki}\, u_{j,i}` at the Gauss points (N, m, n) of the orbit in ``y``:
    its values (``B`` = L) or its derivatives in the interval's local time (``B`` = D)."""
    out = np.zeros((N, m, n))
    for jj in range(N):
        for k in range(m):
            for i in range(m + 1):
                base = nodes[jj, i] * n
                for a in range(n):
                    out[jj, k, a] += B[k, i] * y[base + a]
    return out


@_jit
def _gauss(y, nodes, L, D, p, u, j, N, m, n):  # type: ignore[no-untyped-def]
    """u, u' and f at the Gauss points (N, m, n) of the orbit in ``y`` = (nodes, T, p)."""
    p[j] = y[-1]
    uc = _at_gauss(y, nodes, L, N, m, n)
    du = _at_gauss(y, nodes, D, N, m, n)
    F = np.empty((N, m, n))
    for jj in range(N):
        for k in range(m):
            _f(uc[jj, k], p, u, F[jj, k])  # views: no allocation per Gauss point
    return uc, du, F


@_jit
def _coll_residual(y, ref, h, wz, uc, du, F, N, m, n):  # type: ignore[no-untyped-def]
    """The collocation equations (N m n) and the phase condition, as
    ``CycleContinuer.residual``."""
    T = y[-2]
    r = np.empty(N * m * n + 1)
    phase = 0.0
    for jj in range(N):
        for k in range(m):
            for a in range(n):
                r[(jj * m + k) * n + a] = du[jj, k, a] - h[jj] * T * F[jj, k, a]
                phase += h[jj] * wz[k] * uc[jj, k, a] * ref[jj, k, a]
    r[N * m * n] = phase
    return r


@_jit
def _coll_solve(y, uc, F, h, L, D, border, rhs, p, u, nd, j, N, m, n):  # type: ignore[no-untyped-def]
    """The bordered collocation system at ``y`` by condensation: (dy, E, ok)."""
    Jg = np.empty((N, m, n, n))
    Fp = np.empty((N, m, n))
    npar = p.shape[0]
    fd, dd = np.empty((n, nd)), np.empty((nd, n))
    po, pfd, pdd = np.empty((n, npar)), np.empty((n, nd)), np.empty((nd, npar))
    for jj in range(N):
        for k in range(m):
            _jx_into(uc[jj, k], p, u, Jg[jj, k], fd, dd)
            _jp_into(uc[jj, k], p, u, j, po, pfd, pdd, Fp[jj, k])
    return _condensed(Jg, F, Fp, y[-2], h, L, D, border, rhs)


@_jit
def _phase_row(ref, h, wz, L, N, m, n):  # type: ignore[no-untyped-def]
    """The phase condition's derivative in the node values, as
    ``CycleContinuer._phase_row``: sum over Gauss points of h_j w_k L[k, i] ref_{j,k}, an
    interval's last node being the next one's first."""
    row = np.zeros(N * m * n)
    for jj in range(N):
        for i in range(m + 1):
            node = (jj * m + i) % (N * m)
            for k in range(m):
                c = h[jj] * wz[k] * L[k, i]
                for a in range(n):
                    row[node * n + a] += c * ref[jj, k, a]
    return row


@_jit
def coll_correct(y_pred, t, weights, ref, nodes, h, L, D, wz,  # type: ignore[no-untyped-def]
                 p, u, nd, j, N, m, n, tol, max_newton):
    """Newton on the collocation system bordered by the phase and pseudo-arclength rows, as
    ``CycleContinuer.correct``. Returns ``(y, code, iterations)``: code 1 converged, 0 failed,
    2 a condensed solve was singular (the caller redoes the correction with the dense LU)."""
    size = y_pred.shape[0]
    nu = N * m * n
    y = y_pred.copy()
    border = np.zeros((2, size))
    border[0, :nu] = _phase_row(ref, h, wz, L, N, m, n)
    border[1] = t * weights
    for k in range(max_newton):
        uc, du, F = _gauss(y, nodes, L, D, p, u, j, N, m, n)
        rc = _coll_residual(y, ref, h, wz, uc, du, F, N, m, n)
        r = np.empty(size)
        r[:nu + 1] = rc
        d = y - y_pred
        s = 0.0
        for i in range(nu):
            s += t[i] * d[i]
        r[size - 1] = s / (N * m) + t[size - 2] * d[size - 2] + t[size - 1] * d[size - 1]
        if not np.all(np.isfinite(r)):
            return y, 0, k
        if np.max(np.abs(r)) < tol:
            return y, 1, k
        dy, _, ok = _coll_solve(y, uc, F, h, L, D, border, -r, p, u, nd, j, N, m, n)
        if not ok or not np.all(np.isfinite(dy)):
            return y_pred, 2, k
        y = y + dy
        if y[-2] <= 0 or not np.all(np.isfinite(y)):
            return y, 0, k
    uc, du, F = _gauss(y, nodes, L, D, p, u, j, N, m, n)
    rc = _coll_residual(y, ref, h, wz, uc, du, F, N, m, n)
    return y, 1 if np.max(np.abs(rc)) < tol else 0, max_newton


@_jit
def coll_tangent(y, last, ref, nodes, h, L, D, wz, p, u, nd, j,  # type: ignore[no-untyped-def]
                 N, m, n):
    """The solution of the bordered system with right-hand side (0, …, 0, 1) (the tangent,
    not normalised) and the intervals' transfer matrices: ``(t, E, ok)``."""
    size = y.shape[0]
    border = np.zeros((2, size))
    border[0, :N * m * n] = _phase_row(ref, h, wz, L, N, m, n)
    border[1] = last
    rhs = np.zeros(size)
    rhs[size - 1] = 1.0
    uc, _, F = _gauss(y, nodes, L, D, p, u, j, N, m, n)
    return _coll_solve(y, uc, F, h, L, D, border, rhs, p, u, nd, j, N, m, n)


# -- periodic orbits: the whole step of CycleContinuer.run (collocation.py) --------------------



@_jit
def _coll_inner(a, b, N, m, n):  # type: ignore[no-untyped-def]
    """The pseudo-arclength inner product, as ``CycleContinuer.inner``."""
    nu = N * m * n
    s = 0.0
    for i in range(nu):
        s += a[i] * b[i]
    return s / (N * m) + a[nu] * b[nu] + a[nu + 1] * b[nu + 1]


@_jit
def _coll_derivative(y, nodes, D, h, N, m, n):  # type: ignore[no-untyped-def]
    """u'(t) at the Gauss points (N, m, n), as ``CycleContinuer.derivative``."""
    out = _at_gauss(y, nodes, D, N, m, n)
    for jj in range(N):
        out[jj] /= h[jj]
    return out


@_jit
def _through_zero(y0, y1, K, n):  # type: ignore[no-untyped-def]
    """The orbit's deviation from its mean changed sign between two steps, as
    ``CycleContinuer._through_zero``."""
    s = 0.0
    for a in range(n):
        m0 = 0.0
        m1 = 0.0
        for i in range(K):
            m0 += y0[i * n + a]
            m1 += y1[i * n + a]
        m0 /= K
        m1 /= K
        for i in range(K):
            s += (y0[i * n + a] - m0) * (y1[i * n + a] - m1)
    return s < 0


@_jit
def _amplitude(y, K, n):  # type: ignore[no-untyped-def]
    """The largest peak-to-peak range of a variable over the nodes."""
    best = 0.0
    for a in range(n):
        lo = y[a]
        hi = y[a]
        for i in range(1, K):
            v = y[i * n + a]
            lo = min(lo, v)
            hi = max(hi, v)
        best = max(best, hi - lo)
    return best


@_jit
def _regrid(y, t, mesh, nodes, C, coef, N, m, n):  # type: ignore[no-untyped-def]
    """A new mesh equidistributing the collocation error of ``y`` and ``y``, ``t``
    re-interpolated onto it, as ``CycleContinuer.regrid``: ``(mesh, y, t)``."""
    h = np.diff(mesh)
    dm = np.zeros((N, n))
    for jj in range(N):
        s = (m / h[jj]) ** m
        for i in range(m + 1):
            base = nodes[jj, i] * n
            for a in range(n):
                dm[jj, a] += coef[i] * y[base + a] * s
    at_mesh = np.empty(N)
    for jj in range(N):
        prev = (jj - 1) % N
        w = 0.5 * (h[jj] + h[prev])
        s = 0.0
        for a in range(n):
            d = (dm[jj, a] - dm[prev, a]) / w
            s += d * d
        at_mesh[jj] = np.sqrt(s)
    density = np.empty(N)
    for jj in range(N):
        density[jj] = (0.5 * (at_mesh[jj] + at_mesh[(jj + 1) % N])) ** (1.0 / (m + 1))
    floor = 1e-3 * max(density.max(), 1e-300)
    cum = np.zeros(N + 1)
    for jj in range(N):
        cum[jj + 1] = cum[jj] + max(density[jj], floor) * h[jj]
    cum /= cum[N]
    new = np.interp(np.linspace(0.0, 1.0, N + 1), cum, mesh)
    y_new = y.copy()
    t_new = t.copy()
    basis = np.empty(m + 1)
    for jj in range(N):
        for i in range(m):
            tt = new[jj] + (new[jj + 1] - new[jj]) * (i / m)
            tt = tt - np.floor(tt)
            q = min(max(np.searchsorted(mesh, tt, side="right") - 1, 0), N - 1)
            loc = (tt - mesh[q]) / h[q]
            for b in range(m + 1):
                s = 0.0
                power = 1.0
                for r in range(m + 1):
                    s += power * C[r, b]
                    power *= loc
                basis[b] = s
            dest = (jj * m + i) * n
            for a in range(n):
                sy = 0.0
                st = 0.0
                for b in range(m + 1):
                    src = nodes[q, b] * n + a
                    sy += basis[b] * y[src]
                    st += basis[b] * t[src]
                y_new[dest + a] = sy
                t_new[dest + a] = st
    return new, y_new, t_new


@_jit
def _monodromy(E):  # type: ignore[no-untyped-def]
    """The product of the intervals' transfer matrices, E_{N-1} … E_0."""
    M = E[0].copy()
    for q in range(1, E.shape[0]):
        M = _matmul(E[q], M)
    return M


@_jit
def coll_advance(Y, Tg, MESH, MONO, DS, ITERS, k, count, ds, ref,  # type: ignore[no-untyped-def]
                 weights, nodes, L, D, wz, C, coef, p, u, nd, j, N, m, n, tol, max_newton,
                 ds_min, ds_max, p_lo, p_hi, max_period, adapt):
    r"""Continue the periodic orbits from row ``k`` of ``Y`` (points), ``Tg`` (unit tangents)
    and ``MESH`` (their meshes) while rows remain, as the loop of ``CycleContinuer.run`` step
    for step: predictor, the Newton corrector, the step-length check, the shrink-through-zero
    test, the tangent and the intervals' transfer matrices, whose product (the monodromy
    matrix) goes to ``MONO`` for the multipliers computed afterwards in one batch, ``DS``
    (the step that reached the row), ``ITERS`` (its Newton iterations), step control, the
    mesh adaptation every ``adapt`` points (``count`` = points in the branch at row ``k``)
    and the end tests. ``ref`` is the phase reference of the step from row ``k``. Returns
    ``(code, k, ds, ref)``; ``C_SINGULAR``: a condensed solve was singular (the caller takes
    over in Python, whose dense LU handles it)."""
    K = N * m
    mesh = MESH[k].copy()
    h = np.diff(mesh)
    while k + 1 < Y.shape[0]:
        y = Y[k]
        t = Tg[k]
        y_new, code, iters = coll_correct(y + ds * t, t, weights, ref, nodes, h, L, D, wz, p,
                                          u, nd, j, N, m, n, tol, max_newton)
        if code == 2:
            return C_SINGULAR, k, ds, ref
        ok = code == 1
        if ok:
            d = y_new - y
            ok = np.sqrt(_coll_inner(d, d, N, m, n)) <= 3 * ds
        if not ok:
            ds *= 0.5
            if ds < ds_min:
                return C_FAILED, k, ds, ref
            continue
        ref_new = _coll_derivative(y_new, nodes, D, h, N, m, n)
        if _through_zero(y, y_new, K, n):
            Y[k + 1] = y_new  # for the message (not a point of the branch)
            return C_HOPF, k, ds, ref
        t_new, E, ok = coll_tangent(y_new, t * weights, ref_new, nodes, h, L, D, wz, p, u, nd,
                                    j, N, m, n)
        if not ok or not np.all(np.isfinite(t_new)):
            return C_SINGULAR, k, ds, ref
        t_new = t_new / np.sqrt(_coll_inner(t_new, t_new, N, m, n))
        k += 1
        count += 1
        Y[k] = y_new
        Tg[k] = t_new
        MONO[k] = _monodromy(E)
        DS[k] = ds
        ITERS[k] = iters
        ref = ref_new
        if iters <= 3:
            ds = min(ds * 1.3, ds_max)
        if adapt > 0 and count % adapt == 0:
            mesh, Y[k], Tg[k] = _regrid(y_new, t_new, mesh, nodes, C, coef, N, m, n)
            h = np.diff(mesh)
            ref = _coll_derivative(Y[k], nodes, D, h, N, m, n)
        MESH[k] = mesh
        if not (p_lo <= Y[k, -1] <= p_hi):
            return C_RANGE, k, ds, ref
        if Y[k, -2] > max_period:
            return C_PERIOD, k, ds, ref
        if count > 5 and _amplitude(Y[k], K, n) < 1e-6:
            return C_SHRUNK, k, ds, ref
    return C_BUDGET, k, ds, ref
