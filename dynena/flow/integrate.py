r"""Batched integration of :math:`\dot x = f(x)` for many initial states at once.

Dormand–Prince 5(4) with a step size per trajectory: every stage is one call of the compiled
batch function on all trajectories still running, so a thousand kicks cost about as many
Python-level steps as one. Error control per row (the mixed norm of :func:`scipy.integrate.
solve_ivp`). After each accepted step a ``check`` callback may finish rows (captured by an
attractor, escaped). Rows whose step size collapses (stiffness, blow-up) are handed back as
``stiff`` so the caller can finish them with an implicit method.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._typing import Array, BoolArray, IntArray

__all__ = ["BatchResult", "integrate_batch"]

# Dormand–Prince 5(4) tableau (Dormand & Prince 1980), FSAL.
_C = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0])
_A = [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
]
_B5 = np.array([35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0.0])
_B4 = np.array([5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100,
                1 / 40])
_E = _B5 - _B4


@dataclass
class BatchResult:
    """Final states and per-row bookkeeping of :func:`integrate_batch`.

    ``t`` is the time each row reached; ``done`` rows were finished by ``check`` (their code
    in ``code``); ``stiff`` rows stopped because the step size collapsed (``collapsed``) or
    the steps ran out; ``steps`` counts accepted steps per row.
    """

    x: Array
    t: Array
    code: IntArray
    done: BoolArray
    stiff: BoolArray
    steps: IntArray
    collapsed: BoolArray


def integrate_batch(
    f: Callable[[Array, IntArray], Array],
    X0: Array,
    t_end: float | Array,
    *,
    rtol: float = 1e-8,
    atol: float = 1e-10,
    check: Callable[[Array, IntArray], IntArray] | None = None,
    max_steps: int = 200_000,
    h_min_rel: float = 1e-12,
) -> BatchResult:
    r"""Integrate every row of ``X0`` from 0 to ``t_end`` (scalar or one per row).

    ``f(X, rows)`` is the vector field at states ``X`` of the rows ``rows`` (indices into
    ``X0``), so that a per-row input can be applied.

    ``check(X, rows)`` is called with the states of rows that just took a step (and their row
    indices) and returns an integer code per row: negative ``-1000`` or less keeps the row
    running, any other value finishes it with that code. Rows reaching ``t_end`` unfinished
    keep code ``-1000``.
    """
    X = np.array(X0, dtype=float, copy=True)
    B, n = X.shape
    t_end_arr = np.broadcast_to(np.asarray(t_end, float), (B,)).copy()
    t = np.zeros(B)
    code = np.full(B, -1000, dtype=int)
    done = np.zeros(B, bool)
    stiff = np.zeros(B, bool)
    collapsed = np.zeros(B, bool)
    steps = np.zeros(B, dtype=int)
    if B == 0:
        return BatchResult(X, t, code, done, stiff, steps, collapsed)
    if check is not None:
        c0 = check(X, np.arange(B))
        fin = c0 > -1000
        code[fin], done[fin] = c0[fin], True
    with np.errstate(all="ignore"):
        K1 = f(X, np.arange(B))
        # initial step from the scale of the state and of the field (Hairer's heuristic, light)
        sc = atol + rtol * np.abs(X)
        d0 = np.sqrt(np.mean((X / sc) ** 2, axis=1))
        d1 = np.sqrt(np.mean((K1 / sc) ** 2, axis=1))
        h = np.where((d0 < 1e-5) | (d1 < 1e-5), 1e-6, 0.01 * d0 / np.maximum(d1, 1e-300))
        h = np.minimum(h, t_end_arr)
        h = np.where(np.isfinite(h) & (h > 0), h, 1e-6)
        active = ~done & (t < t_end_arr)
        for _ in range(max_steps):
            idx = np.flatnonzero(active)
            if not len(idx):
                break
            x, hh = X[idx], np.minimum(h[idx], t_end_arr[idx] - t[idx])[:, None]
            k = [K1[idx]]
            for s in range(1, 7):
                xs = x + hh * sum(a * k[j] for j, a in enumerate(_A[s]) if a != 0.0)
                k.append(f(xs, idx))
            x_new = xs  # stage 7 is evaluated at the 5th-order solution (FSAL)
            err = hh * sum(e * k[j] for j, e in enumerate(_E) if e != 0.0)
            scale = atol + rtol * np.maximum(np.abs(x), np.abs(x_new))
            en = np.sqrt(np.mean((err / scale) ** 2, axis=1))
            bad_num = ~np.all(np.isfinite(x_new), axis=1) | ~np.isfinite(en)
            en = np.where(bad_num, np.inf, en)
            acc = en <= 1.0
            fac = np.where(en == 0, 5.0, np.clip(0.9 * np.power(np.maximum(en, 1e-300), -0.2),
                                                   0.2, 5.0))
            fac = np.where(acc, fac, np.minimum(fac, 0.5))
            ia = idx[acc]
            X[ia] = x_new[acc]
            K1[ia] = k[6][acc]
            t[ia] += hh[acc, 0]
            steps[ia] += 1
            h[idx] = hh[:, 0] * fac
            tiny = h[idx] < h_min_rel * np.maximum(1.0, t[idx])
            if tiny.any():
                stiff[idx[tiny]] = True
                collapsed[idx[tiny]] = True
                active[idx[tiny]] = False
            if check is not None and len(ia):
                cc = check(X[ia], ia)
                fin = cc > -1000
                code[ia[fin]], done[ia[fin]] = cc[fin], True
                active[ia[fin]] = False
            reached = ia[t[ia] >= t_end_arr[ia] * (1 - 1e-14)]
            active[reached] = False
        else:
            stiff[active] = True
    return BatchResult(X, t, code, done, stiff, steps, collapsed)
