"""Outcome codes, and the outcome of one state checked by compiled code.

A single trajectory checks its state after every integration step, where NumPy's per-call
overhead (norms, argmin, ``where``) was half the cost of the oracle (measured on the AP 3-cube
design); :func:`fate_one` is the same rule compiled by numba (cached per machine), used by the
oracle's hand-stepped solvers and by the compiled Dormand-Prince loop
(:mod:`~dynena.flow.dp5_steps`).
"""

from __future__ import annotations

import numba
import numpy as np

from .._typing import Array, IntArray

__all__ = ["UNKNOWN", "DIVERGED", "UNDECIDED", "RUNNING", "fate_one", "gap_to_balls"]

UNKNOWN = -1
DIVERGED = -2
UNDECIDED = -3
RUNNING = -1000


@numba.njit(cache=True)
def fate_one(y: Array, pts: Array, prad: Array, owner: IntArray, max_norm: float,
             euclidean: bool) -> int:  # pragma: no cover - numba
    """The node whose capture ball holds ``y`` (the nearest point ``pts[i]``, ball radius
    ``prad[i]``, node ``owner[i]``), ``DIVERGED`` (not finite, or beyond ``max_norm``), or
    ``RUNNING``. ``euclidean``: the nearest point by distance (the k-d tree's rule of
    :meth:`~dynena.flow.oracle.OutcomeOracle.captured`), else by distance over its radius."""
    s = 0.0
    for a in range(y.shape[0]):
        if not np.isfinite(y[a]):
            return DIVERGED
        s += y[a] * y[a]
    if np.sqrt(s) > max_norm:
        return DIVERGED
    best, dk, k = np.inf, np.inf, -1
    for i in range(pts.shape[0]):
        d = 0.0
        for a in range(y.shape[0]):
            z = y[a] - pts[i, a]
            d += z * z
        d = np.sqrt(d)
        key = d if euclidean else d / prad[i]
        if key < best:
            best, dk, k = key, d, i
    if k >= 0 and dk < prad[k]:
        return int(owner[k])
    return RUNNING


@numba.njit(cache=True)
def gap_to_balls(y: Array, pts: Array, prad: Array) -> float:  # pragma: no cover - numba
    """How far ``y`` is from every capture ball: :math:`\\min_i (|y - p_i| - r_i)`. A trajectory
    whose path since ``y`` is shorter than this has entered none, so a loop need not look
    again before (with 2 000 sample points of a chaotic node, looking after every step was
    most of an integration)."""
    g = np.inf
    for i in range(pts.shape[0]):
        d = 0.0
        for a in range(y.shape[0]):
            z = y[a] - pts[i, a]
            d += z * z
        g = min(g, np.sqrt(d) - prad[i])
    return g
