"""One direction's entry into a basin near the best value (``GlobalSearch.entry``), the step
every local minimisation takes: its bracket starts narrow and widens until it holds the
entry. Against a synthetic outcome oracle whose entry radius is known exactly, so the
answers are analytic: the entry found is a witness within ``rtol`` above the true one, a
narrow first bracket costs fewer kicks when the entry is near, and widening never loses an
entry the fixed bracket would have found."""

from __future__ import annotations

import numpy as np
import pytest

from dynena.network.certify import GlobalSearch


class _Ray1:
    """Kicks from the origin enter node 1 at radius ``R`` (any direction), and the kicks
    within ``band`` beyond it are undecided (-1) when ``band`` > 0; every kicked amplitude
    is recorded."""

    deadline = None

    def __init__(self, R: float, band: float = 0.0) -> None:
        self.R, self.band, self.amps = R, band, []

    def __call__(self, X: np.ndarray) -> np.ndarray:
        r = np.linalg.norm(np.atleast_2d(X), axis=1)
        self.amps += list(r)
        return np.where(r < self.R, 0, np.where(r < self.R + self.band, -1, 1))


def _search(R: float, best: float = 1.0, band: float = 0.0) -> tuple[GlobalSearch, _Ray1]:
    oracle = _Ray1(R, band)
    return GlobalSearch(oracle, np.zeros(2), 0, lambda s: s, {1: best}, rtol=1e-6), oracle


S = np.array([0.6, 0.8])


@pytest.mark.parametrize("R", [1.0 - 3e-4, 1.0 + 5e-4, 0.97, 1.04, 0.9201])
def test_the_entry_is_a_witness_within_rtol_whatever_the_first_bracket(R):
    costs = {}
    for first in (None, 2e-3):
        gs, _ = _search(R)
        got = gs.entry(S, 1, width=0.05, first=first)
        assert R <= got <= R * (1 + 1e-6)
        costs[first] = gs.used
    if abs(R - 1.0) < 1e-3:  # near the best value: the narrow bracket is cheaper
        assert costs[2e-3] <= costs[None] - 3
    else:  # widening costs at most a few kicks more than the fixed bracket
        assert costs[2e-3] <= costs[None] + 3


def test_an_entry_below_the_floor_is_bisected_from_zero():
    gs, _ = _search(0.5)
    assert 0.5 <= gs.entry(S, 1, width=0.05, first=2e-3) <= 0.5 * (1 + 1e-6)


@pytest.mark.parametrize("first", [None, 2e-3])
def test_no_entry_within_the_width_is_inf_after_a_bounded_number_of_kicks(first):
    gs, oracle = _search(1.08)
    assert gs.entry(S, 1, width=0.05, first=first) == np.inf
    assert gs.used <= 6 and max(oracle.amps) <= 1.05 * (1 + 1e-12)


def test_a_witness_is_not_kicked_again_and_bounds_the_entry():
    gs, oracle = _search(0.995, best=1.0)
    got = gs.entry(S, 1, width=0.05, first=2e-3, witness=0.999)
    assert 0.995 <= got <= 0.995 * (1 + 1e-6)
    assert max(oracle.amps) < 0.999


def test_a_guess_far_off_still_finds_the_entry_near_the_best_value():
    gs, _ = _search(1.01)
    got = gs.entry(S, 1, width=0.05, guess=0.9, first=1e-3)
    assert 1.01 <= got <= 1.01 * (1 + 1e-6)


@pytest.mark.parametrize("R", [0.98, 0.995])
def test_undecided_kicks_past_the_entry_stay_in_the_bracket(R):
    """Kicks within 0.01 beyond R are undecided: the entry is at R if they reach and at
    R + 0.01 if they stay, and the bracket must hold both (not be narrowed past them). At
    R = 0.995 the first bracket's two kicks are both undecided."""
    gs, _ = _search(R, band=0.01)
    gs.entry(S, 1, width=0.05, first=2e-3)
    h = gs.rays[-1].hits[1]
    assert h.lo <= R and h.hi >= R + 0.01 - 1e-9


@pytest.mark.parametrize("guess", [-0.3, 0.0, np.nan, np.inf])
def test_a_guess_that_is_no_amplitude_falls_back_to_the_best_value(guess):
    """A Newton model's extrapolation can come out negative: widening up from it never
    reached the top of the bracket (a hang)."""
    gs, _ = _search(1.01)
    got = gs.entry(S, 1, width=0.05, guess=guess, first=1e-3)
    assert 1.01 <= got <= 1.01 * (1 + 1e-6)
