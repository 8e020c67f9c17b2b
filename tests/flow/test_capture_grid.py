"""Capture balls binned on a grid: the same outcome as scanning every ball, and a gap that
never exceeds the true one (a loop that skips looks by it cannot miss a ball)."""

from __future__ import annotations

import numpy as np
import pytest

from dynena.flow.fate import RUNNING, capture_grid, fate_grid, fate_one, gap_grid, gap_to_balls


def _cloud(rng, n, m):
    """m points on a curved sheet (as a chaotic attractor's samples lie), two owners, and a
    few isolated points of other owners with larger balls."""
    s = rng.uniform(-1, 1, (m, 2))
    P = np.zeros((m, n))
    P[:, 0], P[:, 1] = 5 * s[:, 0], 5 * s[:, 1]
    if n > 2:
        P[:, 2] = np.sin(2 * s[:, 0]) * 3
    if n > 3:
        P[:, 3] = s[:, 0] * s[:, 1]
    iso = rng.uniform(-8, 8, (6, n))
    pts = np.vstack([P, iso])
    prad = np.concatenate([np.full(m, 0.15), rng.uniform(0.2, 0.9, 6)])
    owner = np.concatenate([(s[:, 0] > 0).astype(np.int64), np.arange(2, 8)])
    return pts, prad, owner


@pytest.mark.parametrize("n, euclidean", [(1, True), (2, False), (3, True), (3, False),
                                          (4, True)])
def test_grid_gives_the_scans_outcome_and_a_lower_bound_of_the_gap(n, euclidean):
    rng = np.random.default_rng(n)
    pts, prad, owner = _cloud(rng, n, 600) if n > 1 else (
        rng.uniform(-5, 5, (200, 1)), rng.uniform(0.01, 0.2, 200),
        rng.integers(0, 3, 200).astype(np.int64))
    g = capture_grid(pts, prad, owner)
    assert len(g.start) > 1, "600 points in at most 4 variables are binned"
    assert g.par[0] >= 2 * prad.max()
    # states near the balls (on them, just outside), far away, and beyond the grid's box
    Y = np.vstack([pts[rng.integers(0, len(pts), 3000)] + rng.normal(0, 0.2, (3000, n)),
                   rng.uniform(-12, 12, (3000, n)), rng.normal(0, 1e3, (200, n)),
                   np.full((1, n), 1e300)])
    hits = 0
    for y in Y:
        a = fate_one(y, pts, prad, owner, 1e301, euclidean)
        b = fate_grid(y, *g.values()[:3], 1e301, euclidean, *g.values()[3:7])
        assert a == b, (y, a, b)
        hits += a != RUNNING
        exact = gap_to_balls(y, pts, prad)
        lower = gap_grid(y, g.pts, g.prad, *g.values()[3:])
        assert lower <= exact + 1e-12
        # and useful: in the grid's box, short of the exact gap by at most a cell's diagonal
        # and the spread of the radii (or at least side - R)
        side, R = g.par
        if np.all((y >= g.lo) & (y <= g.lo + side * g.dims)):
            assert lower >= min(exact - side * np.sqrt(n) - (R - prad.min()), side - R) - 1e-12
    assert 150 < hits < len(Y) - 1000  # both outcomes exercised


def test_few_points_or_many_variables_are_scanned():
    rng = np.random.default_rng(0)
    few = capture_grid(rng.normal(size=(10, 2)), np.full(10, 0.1), np.zeros(10, np.int64))
    wide = capture_grid(rng.normal(size=(500, 6)), np.full(500, 0.1), np.zeros(500, np.int64))
    assert len(few.start) == 0 and len(wide.start) == 0
    y = rng.normal(size=6)
    assert gap_grid(y, wide.pts, wide.prad, *wide.values()[3:]) == \
        pytest.approx(gap_to_balls(y, wide.pts, wide.prad))


def test_a_huge_spread_keeps_the_grid_small():
    """Two clusters 1e6 apart with tiny balls: the cells widen to at most 2^21 of them."""
    rng = np.random.default_rng(1)
    pts = np.vstack([rng.normal(0, 1, (100, 3)), rng.normal(1e6, 1, (100, 3))])
    g = capture_grid(pts, np.full(200, 1e-3), np.arange(200) % 2)
    assert len(g.start) - 1 <= 1 << 21
    for y in pts[::7] + 5e-4:
        assert fate_grid(y, g.pts, g.prad, g.owner, 1e9, True, *g.values()[3:7]) == \
            fate_one(y, pts, np.full(200, 1e-3), np.arange(200) % 2, 1e9, True)
