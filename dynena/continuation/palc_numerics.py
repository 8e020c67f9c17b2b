r"""The model-independent numerics of the compiled continuation loop
(:mod:`~dynena.continuation.palc_steps`): small dense solves and norms; and the sampling of
a branch of periodic orbits on a fine grid (:class:`~dynena.continuation.collocation.CycleContinuer`).

Compiled by numba once per machine and cached on disk, so that a model's own loop compiles only
its model-dependent part. NumPy's ``norm`` and ``lstsq`` are avoided on purpose: under numba
they add 0.7 s and 4 s of compile time, for systems of a few unknowns that loops do as fast.
"""

from __future__ import annotations

import numba
import numpy as np

from .._typing import Array
from .condense import _lu_solve

__all__ = ["solve", "norm", "sample_orbits"]

_jit = numba.njit(cache=True, error_model="numpy")


@_jit
def solve(M: Array, rhs: Array) -> tuple[Array, bool]:  # pragma: no cover - numba
    """:math:`M z = rhs` by elimination with partial pivoting; False when a pivot is exactly
    zero (where LAPACK's ``gesv`` reports a singular matrix). ``M`` is not modified."""
    A = M.copy()
    B = rhs.copy().reshape((rhs.shape[0], 1))
    ok = _lu_solve(A, B)
    return B[:, 0].copy(), ok


@_jit
def norm(v: Array) -> float:  # pragma: no cover - numba
    s = 0.0
    for i in range(v.shape[0]):
        s += v[i] * v[i]
    return np.sqrt(s)




@_jit
def sample_orbits(M: Array, V: Array, t: Array, C: Array) -> Array:  # pragma: no cover - numba
    """Every orbit of a branch at the times ``t`` in [0, 1), each on its own mesh: ``M``
    (K, N + 1) the meshes, ``V`` (K, N, m + 1, n) each interval's node values, ``C`` the
    monomial coefficients of the Lagrange basis (``C[r, i]``); returns (K, len(t), n). One
    pass of loops: the NumPy version (a (K, len(t), N) comparison, a gather and an einsum)
    took 14 ms for 200 orbits of 20 x 4."""
    K, N, m1, n = V.shape
    out = np.zeros((K, t.shape[0], n))
    basis = np.empty(m1)
    for k in range(K):
        for s in range(t.shape[0]):
            q = min(max(np.searchsorted(M[k], t[s], side="right") - 1, 0), N - 1)
            loc = (t[s] - M[k, q]) / (M[k, q + 1] - M[k, q])
            for i in range(m1):
                v = 0.0
                power = 1.0
                for r in range(m1):
                    v += power * C[r, i]
                    power *= loc
                basis[i] = v
            for i in range(m1):
                for a in range(n):
                    out[k, s, a] += basis[i] * V[k, q, i, a]
    return out
