"""Outcome codes, and the outcome of one state checked by compiled code.

A single trajectory checks its state after every integration step, where NumPy's per-call
overhead (norms, argmin, ``where``) was half the cost of the oracle (measured on the AP 3-cube
design); :func:`fate_one` is the same rule compiled by numba (cached per machine), used by the
oracle's hand-stepped solvers and by the compiled Dormand-Prince loop
(:mod:`~dynena.flow.dp5_steps`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from .._typing import Array, IntArray

__all__ = ["UNKNOWN", "DIVERGED", "UNDECIDED", "LEFT_DOMAIN", "RUNNING", "reached",
           "fate_one", "gap_to_balls", "CaptureGrid", "capture_grid", "fate_grid", "gap_grid"]

UNKNOWN = -1
DIVERGED = -2
UNDECIDED = -3
LEFT_DOMAIN = -4
RUNNING = -1000


def reached(code: int) -> bool:
    """The outcome says where the trajectory went: a node, escape to infinity, or out of the
    equations' domain (not ``UNKNOWN`` or ``UNDECIDED``)."""
    return code >= 0 or code == DIVERGED or code == LEFT_DOMAIN


@numba.njit(cache=True)
def _escaped(y: Array, max_norm: float) -> int:  # pragma: no cover - numba
    """``DIVERGED`` (an infinite component, or beyond ``max_norm``), ``LEFT_DOMAIN`` (a NaN
    component and no infinite one: a map's image where the map is undefined, such as the
    square root of a negative number), or ``RUNNING``."""
    s, nan = 0.0, False
    for a in range(y.shape[0]):
        if np.isnan(y[a]):
            nan = True
        elif np.isinf(y[a]):
            return DIVERGED
        else:
            s += y[a] * y[a]
    if nan:
        return LEFT_DOMAIN
    if np.sqrt(s) > max_norm:
        return DIVERGED
    return RUNNING


@numba.njit(cache=True)
def _dist(y: Array, pts: Array, i: int) -> float:  # pragma: no cover - numba
    """Euclidean distance from ``y`` to ``pts[i]``."""
    d = 0.0
    for a in range(y.shape[0]):
        z = y[a] - pts[i, a]
        d += z * z
    return float(np.sqrt(d))


@numba.njit(cache=True)
def fate_one(y: Array, pts: Array, prad: Array, owner: IntArray, max_norm: float,
             euclidean: bool) -> int:  # pragma: no cover - numba
    """The node whose capture ball holds ``y`` (the nearest point ``pts[i]``, ball radius
    ``prad[i]``, node ``owner[i]``), ``DIVERGED`` or ``LEFT_DOMAIN`` (see :func:`_escaped`),
    or ``RUNNING``. ``euclidean``: the nearest point by distance (the k-d tree's rule of
    :meth:`~dynena.flow.oracle.OutcomeOracle.captured`), else by distance over its radius."""
    gone = _escaped(y, max_norm)
    if gone != RUNNING:
        return gone
    best, dk, k = np.inf, np.inf, -1
    for i in range(pts.shape[0]):
        d = _dist(y, pts, i)
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
        g = min(g, _dist(y, pts, i) - prad[i])
    return g


_GRID_MIN_POINTS = 64  # fewer capture points: a scan is as quick
_GRID_MAX_DIM = 4  # a cell's 3^n neighbours: 81 in 4-D
_GRID_MAX_CELLS = 1 << 20


@dataclass(frozen=True)
class CaptureGrid:
    """Capture points binned on a regular grid, for :func:`fate_grid` and :func:`gap_grid`.

    ``pts``, ``prad``, ``owner``: the points, radii and nodes, sorted by cell; cell
    :math:`(i_1, \\dots, i_n)` (C order in a ``dims`` box from ``lo``, side ``par[0]``) holds
    points ``start[c]`` to ``start[c + 1]``; ``par[1]`` is the largest radius :math:`R`, and
    the side is at least :math:`2R`, so every ball that can hold ``y`` has its centre in the
    :math:`3^n` cells around ``y``'s. ``near[c]``: the distance from cell ``c``'s centre to
    the nearest point less half the cell's diagonal, a lower bound of every state's distance
    to the points in that cell. An empty ``start``: no grid (scan every point)."""

    pts: Array
    prad: Array
    owner: IntArray
    lo: Array
    par: Array
    dims: IntArray
    start: IntArray
    near: Array

    def values(self) -> tuple[Array, Array, IntArray, Array, Array, IntArray, IntArray, Array]:
        return (self.pts, self.prad, self.owner, self.lo, self.par, self.dims, self.start,
                self.near)


def capture_grid(pts: Array, prad: Array, owner: IntArray) -> CaptureGrid:
    """The grid of :class:`CaptureGrid` over the points' bounding box, with cells of side
    :math:`2R` (the fewest points to look at: 0.8 µs a look among Lorenz's 2 000 samples, 1.1
    µs at 3.3 R, 9 µs scanning them all), widened until there are at most 2^20 cells. Few
    points (< 64), or more than 4 variables: no grid, the points as they are."""
    pts = np.ascontiguousarray(pts, dtype=float)
    prad = np.ascontiguousarray(prad, dtype=float)
    owner = np.ascontiguousarray(owner, dtype=np.int64)
    n = pts.shape[1] if pts.ndim == 2 else 0
    none = CaptureGrid(pts, prad, owner, np.zeros(n), np.zeros(2), np.zeros(n, np.int64),
                       np.zeros(0, np.int64), np.zeros(0))
    if len(pts) < _GRID_MIN_POINTS or n > _GRID_MAX_DIM or n == 0 \
            or not np.all(np.isfinite(pts)) or not np.all(np.isfinite(prad)) \
            or not prad.max() > 0:
        return none
    R = float(prad.max())
    lo, ext = pts.min(axis=0), np.ptp(pts, axis=0)
    side = 2 * R
    while True:
        dims = (np.floor(ext / side) + 1).astype(np.int64)
        if int(np.prod(dims.astype(float))) <= _GRID_MAX_CELLS:
            break
        side *= 1.25
    cell = np.minimum((np.floor((pts - lo) / side)).astype(np.int64), dims - 1)
    lin = np.ravel_multi_index(tuple(cell.T), tuple(dims))
    order = np.argsort(lin, kind="stable")
    start = np.searchsorted(lin[order], np.arange(int(np.prod(dims)) + 1)).astype(np.int64)
    return CaptureGrid(np.ascontiguousarray(pts[order]), np.ascontiguousarray(prad[order]),
                       np.ascontiguousarray(owner[order]), np.ascontiguousarray(lo, dtype=float),
                       np.array([side, R]), dims, start, _near(pts, lo, side, dims))


def _near(pts: Array, lo: Array, side: float, dims: IntArray) -> Array:
    """Per cell: distance from its centre to the nearest point, less half its diagonal."""
    from scipy.spatial import cKDTree

    axes = [lo[a] + side * (np.arange(dims[a]) + 0.5) for a in range(len(dims))]
    centres = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(dims))
    d = cKDTree(pts).query(centres)[0]
    return np.ascontiguousarray(d - 0.5 * side * np.sqrt(len(dims)))


@numba.njit(cache=True)
def _block(y: Array, lo: Array, side: float, dims: IntArray, first: IntArray, last: IntArray
           ) -> bool:  # pragma: no cover - numba
    """The cells around ``y``'s (``first`` to ``last`` on each axis, clipped to the grid);
    False if none is in the grid."""
    for a in range(y.shape[0]):
        f = (y[a] - lo[a]) / side
        f = min(max(f, -2.0), float(dims[a]) + 1.0)  # no overflow converting far states
        i = int(np.floor(f))
        first[a], last[a] = max(i - 1, 0), min(i + 1, dims[a] - 1)
        if first[a] > last[a]:
            return False
    return True


@numba.njit(cache=True)
def _next_cell(idx: IntArray, first: IntArray, last: IntArray) -> bool:  # pragma: no cover
    """Step the cell index ``idx`` through the block like an odometer; False after the last."""
    a = idx.shape[0] - 1
    while a >= 0:
        idx[a] += 1
        if idx[a] <= last[a]:
            return True
        idx[a] = first[a]
        a -= 1
    return False


@numba.njit(cache=True)
def _linear(idx: IntArray, dims: IntArray) -> int:  # pragma: no cover - numba
    c = 0
    for a in range(idx.shape[0]):
        c = c * dims[a] + idx[a]
    return c


@numba.njit(cache=True)
def fate_grid(y: Array, pts: Array, prad: Array, owner: IntArray, max_norm: float,
              euclidean: bool, lo: Array, par: Array, dims: IntArray, start: IntArray
              ) -> int:  # pragma: no cover - numba
    """:func:`fate_one` looking only at the points in the cells around ``y``'s
    (:class:`CaptureGrid`; without a grid, all of them). The same answer: a ball holding
    ``y`` has its centre within :math:`R \\le` side of ``y``, hence in those cells; the nearest
    point (or smallest distance over radius) outside them is at least :math:`R` away (a
    ratio of at least 1), so it captures nothing and no point of the block it would beat
    does either."""
    if start.shape[0] == 0:
        return fate_one(y, pts, prad, owner, max_norm, euclidean)
    n = y.shape[0]
    gone = _escaped(y, max_norm)
    if gone != RUNNING:
        return gone
    first = np.empty(n, np.int64)
    last = np.empty(n, np.int64)
    if not _block(y, lo, par[0], dims, first, last):
        return RUNNING
    idx = first.copy()
    best, dk, k = np.inf, np.inf, -1
    while True:
        c = _linear(idx, dims)
        for i in range(start[c], start[c + 1]):
            d = _dist(y, pts, i)
            key = d if euclidean else d / prad[i]
            if key < best:
                best, dk, k = key, d, i
        if not _next_cell(idx, first, last):
            break
    if k >= 0 and dk < prad[k]:
        return int(owner[k])
    return RUNNING


@numba.njit(cache=True)
def gap_grid(y: Array, pts: Array, prad: Array, lo: Array, par: Array, dims: IntArray,
             start: IntArray, near: Array) -> float:  # pragma: no cover - numba
    """A lower bound of :func:`gap_to_balls` from the grid (exact without one): outside the
    grid's box, the distance to it less :math:`R`; inside, the bound ``near`` of ``y``'s cell
    less :math:`R` where that is at least side :math:`- R`, else the least
    :math:`|y - p_i| - r_i` over the cells around ``y``'s, capped by side :math:`- R` (every
    point outside them is at least a side away)."""
    if start.shape[0] == 0:
        return gap_to_balls(y, pts, prad)
    n = y.shape[0]
    side, R = par[0], par[1]
    out = 0.0
    cell, inside = 0, True
    for a in range(n):
        hi = lo[a] + side * dims[a]
        z = lo[a] - y[a] if y[a] < lo[a] else (y[a] - hi if y[a] > hi else 0.0)
        out += z * z
        if z > 0.0:
            inside = False
        else:
            cell = cell * dims[a] + min(int((y[a] - lo[a]) / side), dims[a] - 1)
    if not inside:
        return float(np.sqrt(out) - R)
    if near[cell] - R >= side - R:
        return float(near[cell] - R)
    first = np.empty(n, np.int64)
    last = np.empty(n, np.int64)
    g = side - R
    if _block(y, lo, side, dims, first, last):
        idx = first.copy()
        while True:
            c = _linear(idx, dims)
            for i in range(start[c], start[c + 1]):
                g = min(g, _dist(y, pts, i) - prad[i])
            if not _next_cell(idx, first, last):
                break
    return float(max(g, near[cell] - R))
