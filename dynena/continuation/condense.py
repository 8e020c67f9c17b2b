r"""The bordered collocation system solved by condensation of each mesh interval (AUTO-07p's
approach, Doedel et al.), compiled by numba.

The Newton (and tangent) system of :class:`~dynena.continuation.collocation.CycleContinuer` has
:math:`Nmn` collocation rows, in blocks of :math:`mn` rows per mesh interval :math:`j`

.. math:: B_j \begin{pmatrix} s_j \\ w_j \\ s_{j+1} \end{pmatrix}
          + c^T_j\, \delta T + c^p_j\, \delta p = r_j, \qquad
          B_j = D \otimes I - h_j T\, (L \otimes I)\,\mathrm{diag}(J(u_{jk})),

(:math:`s_j` the value at the mesh point, :math:`w_j` the :math:`m - 1` interior nodes,
:math:`s_N \equiv s_0`), and two bordering rows over every unknown (the phase condition and the
pseudo-arclength condition). The :math:`mn \times mn` block of :math:`B_j` on
:math:`(w_j, s_{j+1})` is one implicit Runge–Kutta step, invertible for the step sizes
collocation uses, so each interval gives

.. math:: \begin{pmatrix} w_j \\ s_{j+1} \end{pmatrix}
          = X_j \begin{pmatrix} s_j \\ \delta T \\ \delta p \\ 1 \end{pmatrix},

the interior nodes are substituted into the bordering rows, and what is left is a system of
:math:`Nn + 2` unknowns :math:`(s_0, \dots, s_{N-1}, \delta T, \delta p)`: the periodic block
recurrence :math:`s_{j+1} - E_j s_j - \dots = \dots` and the two rows. The blocks :math:`E_j` are
also the transfer matrices of the linearised flow over each interval, so the monodromy matrix
(Floquet multipliers) is their product at no extra cost.

One pass costs :math:`O(N (mn)^3 + (Nn)^3)` flops and the overhead of one call: 27 µs at
20 × 4 on two variables, where LAPACK's dense LU of the whole :math:`Nmn + 2` system took
190 µs.
"""

from __future__ import annotations

import numba
import numpy as np

from .._typing import Array

__all__ = ["condensed_solve", "MAX_REDUCED"]

MAX_REDUCED = 400
"""Largest reduced system (N n + 2 unknowns) solved dense; larger meshes or systems use the
sparse LU of the whole system."""


# compiled once per machine: cached on disk beside this file (or in numba's user cache)
@numba.njit(cache=True, error_model="numpy")
def _lu_solve(A: Array, B: Array) -> bool:  # pragma: no cover - numba
    """Solve A X = B in place (X overwrites B; A is destroyed) by Gaussian elimination with
    partial pivoting; False when a pivot is exactly zero or not finite. The blocks are small
    (8 × 8, 42 × 42 at 20 × 4 on two variables): LAPACK's call overhead would dominate."""
    n = A.shape[0]
    k_rhs = B.shape[1]
    for col in range(n):
        piv = col
        big = abs(A[col, col])
        for r in range(col + 1, n):
            if abs(A[r, col]) > big:
                big, piv = abs(A[r, col]), r
        if not big > 0.0 or not np.isfinite(big):
            return False
        if piv != col:
            for c in range(n):
                A[col, c], A[piv, c] = A[piv, c], A[col, c]
            for c in range(k_rhs):
                B[col, c], B[piv, c] = B[piv, c], B[col, c]
        inv = 1.0 / A[col, col]
        for r in range(col + 1, n):
            f = A[r, col] * inv
            if f == 0.0:
                continue
            for c in range(col + 1, n):
                A[r, c] -= f * A[col, c]
            for c in range(k_rhs):
                B[r, c] -= f * B[col, c]
    for col in range(n - 1, -1, -1):
        inv = 1.0 / A[col, col]
        for c in range(k_rhs):
            v = B[col, c]
            for r in range(col + 1, n):
                v -= A[col, r] * B[r, c]
            B[col, c] = v * inv
    return True


@numba.njit(cache=True, error_model="numpy")
def _kernel(Jg: Array, Fg: Array, Fpg: Array, T: float, h: Array, L: Array, D: Array,
            border: Array, rhs: Array) -> tuple[Array, Array, bool]:  # pragma: no cover
    N, m, n = Fg.shape
    mn = m * n
    q = N * n + 2
    R = np.zeros((q, q))
    b = np.zeros(q)
    X = np.empty((N, mn, n + 3))
    E = np.empty((N, n, n))
    B = np.empty((mn, (m + 1) * n))
    for j in range(N):
        hT = h[j] * T
        for k in range(m):
            for i in range(m + 1):
                for a in range(n):
                    for c in range(n):
                        v = -hT * L[k, i] * Jg[j, k, a, c]
                        if a == c:
                            v += D[k, i]
                        B[k * n + a, i * n + c] = v
        C = np.empty((mn, n + 3))
        for r in range(mn):
            k, a = r // n, r % n
            for c in range(n):
                C[r, c] = -B[r, c]
            C[r, n] = h[j] * Fg[j, k, a]           # -(column of dT) = h F
            C[r, n + 1] = hT * Fpg[j, k, a]        # -(column of dp) = h T F_p
            C[r, n + 2] = rhs[j * mn + r]
        K = B[:, n:].copy()
        if not _lu_solve(K, C):
            return np.empty(0), E, False
        Xj = C
        X[j] = Xj
        # s_{j+1} - E_j s_j - e_T dT - e_p dp = e_0
        jn = ((j + 1) % N) * n
        for a in range(n):
            row = j * n + a
            e = mn - n + a
            R[row, jn + a] += 1.0
            for c in range(n):
                E[j, a, c] = Xj[e, c]
                R[row, j * n + c] -= Xj[e, c]
            R[row, N * n] -= Xj[e, n]
            R[row, N * n + 1] -= Xj[e, n + 1]
            b[row] = Xj[e, n + 2]
    size = N * mn + 2
    for qq in range(2):
        row = N * n + qq
        w = border[qq]
        for j in range(N):
            base = j * mn
            for c in range(n):          # the interval's mesh point s_j
                R[row, j * n + c] += w[base + c]
            for r in range(mn - n):     # its interior nodes, substituted
                coef = w[base + n + r]
                if coef == 0.0:
                    continue
                for c in range(n):
                    R[row, j * n + c] += coef * X[j, r, c]
                R[row, N * n] += coef * X[j, r, n]
                R[row, N * n + 1] += coef * X[j, r, n + 1]
                b[row] -= coef * X[j, r, n + 2]
        R[row, N * n] += w[size - 2]
        R[row, N * n + 1] += w[size - 1]
        b[row] += rhs[N * mn + qq]
    z2 = b.reshape(q, 1)
    if not _lu_solve(R, z2):
        return np.empty(0), E, False
    z = z2[:, 0]
    dy = np.empty(size)
    dT, dp = z[N * n], z[N * n + 1]
    for j in range(N):
        base = j * mn
        for c in range(n):
            dy[base + c] = z[j * n + c]
        for r in range(mn - n):
            v = X[j, r, n + 2] + X[j, r, n] * dT + X[j, r, n + 1] * dp
            for c in range(n):
                v += X[j, r, c] * z[j * n + c]
            dy[base + n + r] = v
    dy[size - 2] = dT
    dy[size - 1] = dp
    return dy, E, True


def condensed_solve(Jg: Array, Fg: Array, Fpg: Array, T: float, h: Array, L: Array, D: Array,
                    border: Array, rhs: Array) -> tuple[Array, Array]:
    """Solve the bordered collocation system by condensation (module docstring).

    ``Jg``, ``Fg``, ``Fpg``: :math:`D_x f`, :math:`f`, :math:`\\partial f/\\partial p` at the
    Gauss points, shapes (N, m, n, n), (N, m, n), (N, m, n); ``h`` the interval lengths;
    ``L``, ``D`` the basis values and derivatives (m, m + 1); ``border`` (2, N m n + 2) the
    phase and arclength rows; ``rhs`` (N m n + 2). Returns the solution and the per-interval
    transfer matrices :math:`E_j` (N, n, n). Raises ``numpy.linalg.LinAlgError`` when an
    interval's block or the reduced system is singular.
    """
    dy, E, ok = _kernel(np.ascontiguousarray(Jg, dtype=float), np.ascontiguousarray(Fg, dtype=float),
             np.ascontiguousarray(Fpg, dtype=float), float(T), np.ascontiguousarray(h, float),
             np.ascontiguousarray(L, float), np.ascontiguousarray(D, float),
             np.ascontiguousarray(border, float), np.ascontiguousarray(rhs, float))
    if not ok:
        raise np.linalg.LinAlgError("singular block in the condensed collocation system")
    return dy, E
