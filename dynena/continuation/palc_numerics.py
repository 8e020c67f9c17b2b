r"""The model-independent numerics of the compiled continuation loop
(:mod:`~dynena.continuation.palc_steps`): small dense solves and norms.

Compiled by numba once per machine and cached on disk, so that a model's own loop compiles only
its model-dependent part. NumPy's ``norm`` and ``lstsq`` are avoided on purpose: under numba
they add 0.7 s and 4 s of compile time, for systems of a few unknowns that loops do as fast.
"""

from __future__ import annotations

import numba
import numpy as np

from .._typing import Array
from .condense import _lu_solve

__all__ = ["solve", "norm"]

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


