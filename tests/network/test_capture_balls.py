"""The capture balls of a node checked against the thresholds from it
(:meth:`dynena.network.context._Ctx.ball_checked`): a kick shorter than a ball's radius is
never seen leaving, so a ball must be at most half of every threshold from its point. Here
against a stand-in oracle whose balls are known; the real model (the 2-cycle of Newton's map
of z^3 - 2z + 2) is checked against a brute-force scan in test_hard_cases."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from dynena.network.context import _Ctx
from dynena.results.network import Connection


class Balls:
    """The oracle's part that ball_checked uses: per-point radii of one node."""

    def __init__(self, radii: list[float]) -> None:
        self.r = np.array(radii, float)
        self.trajectories = 0

    def point_radii_of(self, k: int) -> np.ndarray:
        return self.r.copy()

    def node_radius(self, k: int) -> float:
        return float(self.r.max())

    def set_radius(self, k: int, r) -> None:
        self.r = np.broadcast_to(np.asarray(r, float), self.r.shape).copy()


def conn(threshold: float) -> Connection:
    return Connection(source="C0", target="E0", threshold=threshold, bracket=(threshold,
                      threshold), direction=np.array([1.0, 0.0]), via=None)


def check(radii, threshold, own_exits):
    """ball_checked with balls ``radii``; each run returns ``threshold`` and the points'
    own exits; the radii each run saw, and the radii after."""
    oracle = Balls(radii)
    ctx = SimpleNamespace(oracle=oracle)
    seen = []

    def run():
        seen.append(oracle.r.copy())
        return [conn(threshold)]

    exits = None if own_exits is None else (lambda: dict(own_exits))
    _Ctx.ball_checked(ctx, 3, run, exits)  # type: ignore[arg-type]
    return seen, oracle.r


def test_a_ball_is_held_to_its_own_points_kicks():
    """The threshold 0.0165 starts from point 1 (ball 0.005); point 0's ball (0.03) is half
    its own smallest kick (0.10) at most: one run, where the largest ball against the
    smallest threshold had asked for another."""
    seen, after = check([0.03, 0.005], 0.0165, {0: 0.1067, 1: 0.0165})
    assert len(seen) == 1
    assert np.allclose(after, [0.03, 0.005])  # restored (and unchanged)


def test_only_the_balls_that_fail_shrink():
    seen, after = check([0.03, 0.005, 0.02], 0.0165, {0: 0.05, 1: 0.0165, 2: 0.3})
    # point 0's own kicks (0.05) are less than twice its ball: it alone shrinks, to a
    # quarter of them, and the second run passes
    assert len(seen) == 2
    assert np.allclose(seen[1], [0.25 * 0.05, 0.005, 0.02])
    assert np.allclose(after, [0.03, 0.005, 0.02])  # restored after the search


def test_points_not_searched_are_held_to_the_smallest_threshold():
    seen, _ = check([0.03, 0.005, 0.02], 0.0165, {0: 0.2})
    # point 2 has no exits of its own: 0.0165 < 2 * 0.02, it shrinks to a quarter of that
    assert np.allclose(seen[1], [0.03, 0.005, 0.25 * 0.0165])


def test_without_exits_every_ball_shrinks_by_the_largest():
    seen, _ = check([0.03, 0.005], 0.0165, None)
    assert len(seen) == 2
    assert np.allclose(seen[1], np.array([0.03, 0.005]) * 0.25 * 0.0165 / 0.03)
