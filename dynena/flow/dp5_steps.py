r"""Dormand–Prince 5(4) steps of one trajectory with its outcome checked after each, as one
compiled loop.

This file is a **template**: :mod:`dynena.flow.stepper` writes a copy per model into the code
cache (:mod:`dynena.compile.templates`) with the block between the ``header`` markers replaced
by the model's generated :math:`f` under numba, so that numba caches the loop on disk. Imported
as it is, the functions are plain Python with a stub model function (for reading and linting).

The method is scipy's ``RK45`` (its tableau, error estimate and dense output are passed in
from ``scipy.integrate.RK45``): stages :math:`k_s = f(y + h \sum_{j<s} a_{sj} k_j)`, the
5th-order solution :math:`y_{new} = y + h \sum_j b_j k_j`, :math:`k_7 = f(y_{new})` (FSAL),
the error :math:`h \sum_j e_j k_j` in the rms norm scaled by
:math:`atol + rtol \max(|y|, |y_{new}|)`, the step factor :math:`0.9\,err^{-1/5}` within
[0.2, 10] (at most 1 right after a rejected step). Its first step is scipy's
``select_initial_step`` rule.

Why: a trajectory that outlasts the explicit batch (a weakly damped oscillator, a slow spiral
into a weak focus) was stepped by scipy's solvers at ~76 µs a step of Python overhead; this
loop takes ~0.1 µs a step on a two-variable model.
"""

# ruff: noqa: E402
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from dynena._typing import Array, IntArray
from dynena.flow.fate import DIVERGED, LEFT_DOMAIN, RUNNING, fate_grid, gap_grid

COLLAPSED = -1001  # the step size fell below what the time can resolve (stiff, or blow-up)
RUNOFF = -1002  # the state passed the run-off norm: the caller follows it at slowed speed
STIFF = -1003  # the step size is held at the stability limit: an implicit method's job

# header begin: replaced in the generated copy by the model's compiled function


def _jit(fn: Callable[..., Any]) -> Callable[..., Any]:
    return fn


def _f(x: Array, p: Array, u: Array, out: Array) -> Array:  # pragma: no cover - stub
    raise NotImplementedError("template: see dynena.flow.stepper")


# header end


@_jit
def _rms(v: Array, y: Array, z: Array, rtol: float, atol: float) -> float:
    """rms of ``v`` scaled by atol + rtol max(|y|, |z|)."""
    s = 0.0
    for a in range(v.shape[0]):
        w = v[a] / (atol + rtol * max(abs(y[a]), abs(z[a])))
        s += w * w
    return float(np.sqrt(s / v.shape[0]))


@_jit
def _first_step(y: Array, k0: Array, p: Array, u: Array, rtol: float, atol: float,
                t_span: float) -> float:
    """scipy's ``select_initial_step`` for a 5th-order method."""
    n = y.shape[0]
    d0 = d1 = 0.0
    for a in range(n):
        sc = atol + rtol * abs(y[a])
        d0 += (y[a] / sc) ** 2
        d1 += (k0[a] / sc) ** 2
    d0, d1 = np.sqrt(d0 / n), np.sqrt(d1 / n)
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    h0 = min(h0, t_span)
    y1 = np.empty(n)
    for a in range(n):
        y1[a] = y[a] + h0 * k0[a]
    k1 = np.empty(n)
    _f(y1, p, u, k1)
    d2 = 0.0
    for a in range(n):
        d2 += ((k1[a] - k0[a]) / (atol + rtol * abs(y[a]))) ** 2
    d2 = np.sqrt(d2 / n) / h0
    if d1 <= 1e-15 and d2 <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** 0.2
    return min(100.0 * h0, h1, t_span)


@_jit
def _h_lambda(K: Array, yn: Array, ys: Array, hh: float) -> float:
    """Hairer's estimate of h λ for this method: h |k_7 - k_6| / |y_new - y_6| (``ys`` the 6th
    stage's argument; 0 where they coincide)."""
    num, den = 0.0, 0.0
    for a in range(yn.shape[0]):
        num += (K[6, a] - K[5, a]) ** 2
        den += (yn[a] - ys[a]) ** 2
    return hh * float(np.sqrt(num / den)) if den > 0.0 else 0.0


@_jit
def _nan_in(K: Array, first: int, last: int) -> bool:
    """A NaN in rows ``first`` to ``last`` of ``K`` (the field undefined at those stages)."""
    for s in range(first, last + 1):
        for a in range(K.shape[1]):
            if np.isnan(K[s, a]):
                return True
    return False


@_jit
def _inside_step(y: Array, K: Array, hh: float, W: Array, ys: Array, pts: Array, prad: Array,
                 owner: IntArray, lo: Array, par: Array, dims: IntArray, start: IntArray,
                 max_norm: float, euclidean: bool) -> tuple[int, int]:
    """The first dense-output point of the step (rows of ``W``) inside a capture ball:
    ``(node, row)``, ``y`` moved there; else ``(RUNNING, -1)``."""
    for m in range(W.shape[0]):
        for a in range(y.shape[0]):
            acc = y[a]
            for j in range(7):
                acc += hh * W[m, j] * K[j, a]
            ys[a] = acc
        code = fate_grid(ys, pts, prad, owner, max_norm, euclidean, lo, par, dims, start)
        if code >= 0:
            for a in range(y.shape[0]):
                y[a] = ys[a]
            return code, m
    return RUNNING, -1


@_jit
def advance(y: Array, t: float, t_end: float, h: float, steps: int, p: Array, u: Array,
            rtol: float, atol: float, A: Array, B: Array, E: Array, W: Array, pts: Array,
            prad: Array, owner: IntArray, lo: Array, par: Array, dims: IntArray,
            start: IntArray, near: Array, max_norm: float, euclidean: bool, runoff: float,
            transit: bool) -> tuple[int, float, float, int]:
    r"""Step ``y`` (in place) from time ``t`` towards ``t_end`` for at most ``steps`` attempted
    steps, starting with step ``h`` (``h <= 0``: chosen here). Returns ``(code, t, h,
    attempts)``: ``code`` a node (``owner`` of the capture ball entered), ``DIVERGED``,
    ``LEFT_DOMAIN`` (the field is undefined at ``y``, or the steps shrank onto a point past
    which it is), ``COLLAPSED``, ``RUNOFF`` (the norm passed ``runoff``), ``STIFF`` or
    ``RUNNING`` (steps used up, or ``t_end`` reached). With ``transit`` the capture is also
    checked inside each step, at the dense-output points whose weights are the rows of ``W``.
    The capture points come binned on a grid (``lo``, ``par``, ``dims``, ``start``, ``near``: see
    :class:`~dynena.flow.fate.CaptureGrid`; an empty ``start``, none).

    Stiffness is Hairer's test for this method (``dopri5``): :math:`h\lambda` estimated as
    :math:`h \|k_7 - k_6\| / \|y_{new} - y_6\|` (:math:`y_6` the 6th stage's argument)
    above 3.25 at 15 accepted steps without 6 in a row below it."""
    n = y.shape[0]
    K = np.empty((7, n))
    ys = np.empty(n)
    yn = np.empty(n)
    err = np.empty(n)
    _f(y, p, u, K[0])
    if _nan_in(K, 0, 0):  # the field is undefined here: outside the equations' domain
        return LEFT_DOMAIN, t, h, 0
    if h <= 0.0:
        h = _first_step(y, K[0], p, u, rtol, atol, t_end - t)
    rejected = False
    attempts = 0
    stiff_count, calm = 0, 0
    free = -1.0  # path length left before the capture balls need a look (gap_grid)
    undefined = False  # the last attempt met the field undefined (NaN) at a stage
    while attempts < steps and t < t_end:
        attempts += 1
        h_min = 10.0 * (np.nextafter(abs(t), np.inf) - abs(t))
        if h < max(h_min, 1e-12 * max(1.0, abs(t))):
            # shrunk onto a point past which the field is undefined (NaN; an overflow is inf)
            return (LEFT_DOMAIN if undefined else COLLAPSED), t, h, attempts
        hh = min(h, t_end - t)
        for s in range(1, 6):
            for a in range(n):
                acc = y[a]
                for j in range(s):
                    acc += hh * A[s, j] * K[j, a]
                ys[a] = acc
            _f(ys, p, u, K[s])
        for a in range(n):
            acc = y[a]
            for j in range(6):
                acc += hh * B[j] * K[j, a]
            yn[a] = acc
        _f(yn, p, u, K[6])
        undefined = _nan_in(K, 1, 6)
        for a in range(n):
            acc = 0.0
            for j in range(7):
                acc += E[j] * K[j, a]
            err[a] = hh * acc
        en = _rms(err, y, yn, rtol, atol)
        if not np.isfinite(en):
            en = np.inf
        if en > 1.0:  # rejected: a smaller step
            h = hh * max(0.2, 0.9 * en ** -0.2) if np.isfinite(en) else hh * 0.2
            rejected = True
            continue
        fac = 10.0 if en == 0.0 else min(10.0, 0.9 * en ** -0.2)
        if rejected:
            fac = min(1.0, fac)
        rejected = False
        if _h_lambda(K, yn, ys, hh) > 3.25:
            stiff_count, calm = stiff_count + 1, 0
        else:
            calm += 1
            if calm == 6:
                stiff_count = 0
        if transit:  # a node the trajectory may pass by: its ball checked inside the step
            code, m = _inside_step(y, K, hh, W, ys, pts, prad, owner, lo, par, dims, start,
                                   max_norm, euclidean)
            if code != RUNNING:
                return code, t + hh * (m + 1) / (W.shape[0] + 1), hh, attempts
        t += hh
        h = hh * fac
        s2, moved = 0.0, 0.0
        for a in range(n):
            moved += (yn[a] - y[a]) ** 2
            y[a] = yn[a]
            K[0, a] = K[6, a]
            s2 += yn[a] * yn[a]
        free -= np.sqrt(moved)
        if free <= 0.0 or np.sqrt(s2) > max_norm:
            code = fate_grid(y, pts, prad, owner, max_norm, euclidean, lo, par, dims, start)
            if code != RUNNING:
                return code, t, h, attempts
            free = gap_grid(y, pts, prad, lo, par, dims, start, near)
        if np.sqrt(s2) > runoff:
            return RUNOFF, t, h, attempts
        if stiff_count >= 15:
            return STIFF, t, h, attempts
    return RUNNING, t, h, attempts


@_jit
def advance_rows(Y: Array, t_end: float, steps: int, p: Array, u: Array, rtol: float,
                 atol: float, A: Array, B: Array, E: Array, W: Array, pts: Array, prad: Array,
                 owner: IntArray, lo: Array, par: Array, dims: IntArray, start: IntArray,
                 near: Array, max_norm: float, euclidean: bool, runoff: float,
                 transit: bool) -> tuple[IntArray, Array, Array]:
    """:func:`advance` of every row of ``Y`` (in place) from time 0 with a step chosen here:
    the codes, times and next steps per row (one call for a batch of kicks: the Python
    around one call per row cost more than the integration of a decided kick)."""
    m = Y.shape[0]
    codes = np.empty(m, np.int64)
    T = np.empty(m)
    H = np.empty(m)
    for i in range(m):
        code, t, h, _ = advance(Y[i], 0.0, t_end, 0.0, steps, p, u, rtol, atol, A, B, E, W,
                                pts, prad, owner, lo, par, dims, start, near, max_norm,
                                euclidean, runoff, transit)
        codes[i], T[i], H[i] = code, t, h
    return codes, T, H


@_jit
def record(y: Array, t_end: float, p: Array, u: Array, rtol: float, atol: float, A: Array,
           B: Array, E: Array, W: Array, pts: Array, prad: Array, owner: IntArray, lo: Array,
           par: Array, dims: IntArray, start: IntArray, near: Array, max_norm: float,
           euclidean: bool, runoff: float, transit: bool, T: Array, Y: Array, F: Array
           ) -> tuple[int, int]:
    r""":func:`advance` of ``y`` from time 0 one step at a time, each accepted step's time,
    state and :math:`f` kept in ``T``, ``Y``, ``F`` (row 0 the start), until a capture, an
    end code, ``t_end`` or the rows run out. Returns ``(code, rows kept)``. The rows give a
    cubic Hermite interpolant of the trajectory, along which an adjoint is pulled back
    (:func:`~dynena.network.via.approach_gradient`); a trajectory stepped from Python with
    dense output cost ~20 ms in 32 variables (the AP 3-cube), this loop ~1 ms."""
    T[0] = 0.0
    for a in range(y.shape[0]):
        Y[0, a] = y[a]
    _f(y, p, u, F[0])
    kept, t, h, code = 1, 0.0, 0.0, RUNNING
    while kept < T.shape[0] and t < t_end:
        # one attempt per call: a rejected step returns with the time unchanged
        code, t_new, h, _ = advance(y, t, t_end, h, 1, p, u, rtol, atol, A, B, E, W, pts,
                                    prad, owner, lo, par, dims, start, near, max_norm,
                                    euclidean, runoff, transit)
        if t_new > t:
            T[kept] = t_new
            for a in range(y.shape[0]):
                Y[kept, a] = y[a]
            _f(y, p, u, F[kept])
            kept += 1
        t = t_new
        if code != RUNNING:
            break
    return code, kept


__all__ = ["advance", "advance_rows", "record", "COLLAPSED", "RUNOFF", "STIFF", "DIVERGED",
           "LEFT_DOMAIN", "RUNNING"]
