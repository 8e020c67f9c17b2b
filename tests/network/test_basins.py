"""Basin pictures and basin entropy: the entropy against values computed by hand, the picture
against an independent classification of the same cells, the fractality verdict on a Julia-set
boundary and on smooth ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import dynena
from dynena.errors import ParameterError
from dynena.results.attractors import BasinGrid

ROOT = Path(__file__).resolve().parents[2] / "models"


def grid_of(codes: np.ndarray, outcomes=("A", "B")) -> BasinGrid:
    return BasinGrid(("x", "y"), (0.0, 0.0), (1.0, 1.0), tuple(outcomes), codes)


def test_basin_entropy_by_hand():
    """A 20 × 20 grid split at column 12: the boxes of columns 10–14 hold 2/5 and 3/5 of the
    two outcomes, S = −0.4 log 0.4 − 0.6 log 0.6; the other 12 boxes of 16 hold one."""
    codes = np.zeros((20, 20), int)
    codes[:, 12:] = 1
    sb, sbb = grid_of(codes).entropy
    s = -0.4 * np.log(0.4) - 0.6 * np.log(0.6)
    assert sbb == pytest.approx(s, rel=1e-12)
    assert sb == pytest.approx(4 * s / 16, rel=1e-12)
    assert not grid_of(codes).fractal
    # a boundary on a box edge: no box holds two outcomes
    codes[:, 10:] = 1
    codes[:, :10] = 0
    assert grid_of(codes).entropy == (0.0, 0.0)


def test_undecided_cells_are_left_out_of_the_fractions():
    codes = np.zeros((5, 5), int)
    codes[:, 3:] = 1
    codes[2, 2] = 2  # "undecided" (a cell centre on the separatrix)
    sb, sbb = grid_of(codes, ("A", "B", "undecided")).entropy
    p = np.array([14, 10]) / 24
    assert sbb == pytest.approx(-np.sum(p * np.log(p)), rel=1e-12)


def test_three_well_mixed_outcomes_are_fractal():
    rng = np.random.default_rng(0)
    g = grid_of(rng.integers(0, 3, size=(50, 50)), ("A", "B", "C"))
    assert g.entropy[1] > np.log(2) + 0.2 and g.fractal


def test_newton_map_basin_picture_matches_newtons_iteration_and_is_fractal():
    """Newton's method for z³ = 1: the grid's outcomes against the iteration written here, and
    the boundary basin entropy above log 2 (a Julia set)."""
    m = dynena.compile_model(dynena.load(ROOT / "hard" / "newton_cubic.yaml"))
    a = dynena.find_attractors(m)
    g = a.grid
    assert g is not None and g.codes.shape == (100, 100)
    eq = dynena.find_equilibria(m)
    roots = {e.id: complex(*e.state) for e in eq.equilibria if e.stability == "stable"}
    ny, nx = g.codes.shape
    xs = g.lo[0] + (np.arange(nx) + 0.5) * (g.hi[0] - g.lo[0]) / nx
    ys = g.lo[1] + (np.arange(ny) + 0.5) * (g.hi[1] - g.lo[1]) / ny
    z = xs[None, :] + 1j * ys[:, None]
    with np.errstate(all="ignore"):
        for _ in range(200):
            z = 2 * z / 3 + 1 / (3 * z * z)
    want = np.full(z.shape, -1)
    for k, name in enumerate(g.outcomes):
        if name in roots:
            want[np.abs(z - roots[name]) < 1e-6] = k
    decided = want >= 0
    assert decided.mean() > 0.99
    assert np.mean(g.codes[decided] == want[decided]) > 0.999
    assert g.fractal
    d = a.to_dict()["grid"]
    assert d["fractal_by_entropy"] is True and len(d["codes"]) == 100


def test_escape_witnesses_are_states_that_diverge_by_an_independent_iteration():
    """The Hénon map's diverged starts and diverged grid cells (``AttractorSet.escapes``, the
    bounds of the network's escape searches): every one escapes under the map iterated here,
    and the grid's cells are among them (placed at their centres, x along the columns)."""
    m = dynena.compile_model(dynena.load(ROOT / "henon.yaml"))
    a = dynena.find_attractors(m)
    E = a.escapes
    g = a.grid
    k = g.outcomes.index("diverged")
    assert E is not None and len(E) >= int(np.sum(g.codes == k)) > 100
    x, y = E[:, 0].copy(), E[:, 1].copy()
    gone = np.zeros(len(E), bool)
    with np.errstate(all="ignore"):
        for _ in range(1000):
            x, y = 1 - 1.4 * x * x + y, 0.3 * x
            gone |= ~(np.abs(x) < 1e6)
    assert gone.all()
    assert a.to_dict()["escapes"] == len(E)


@pytest.mark.parametrize("name", ["double_well.yaml", "hard/bent_separatrix.yaml"])
def test_smooth_boundaries_are_not_called_fractal(name):
    a = dynena.find_attractors(dynena.load(ROOT / name))
    assert a.grid is not None and a.grid.codes.shape == (48, 48)
    sb, sbb = a.grid.entropy
    assert 0 < sbb < np.log(2) and not a.grid.fractal


def test_grid_option_is_checked():
    m = dynena.load(ROOT / "double_well.yaml")
    with pytest.raises(ParameterError, match="grid=5"):
        dynena.find_attractors(m, grid=5)
    with pytest.raises(ParameterError, match="two variables"):
        dynena.find_attractors(dynena.load(ROOT / "tristable.yaml"), grid=20)
    assert dynena.find_attractors(m, grid=0, uncertainty=False).grid is None
