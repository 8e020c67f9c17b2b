"""The normal of a basin boundary, which the searches above three variables descend along and
check kinks with: against a boundary whose normal is known in closed form. In coordinates
(X, Y) with x = X - k Y^2, the flow x' = x - x^3, y' = -y has the saddle at the origin, and
its stable manifold x = 0 is the parabola X = k Y^2 (normal proportional to (1, -2 k Y))."""

from __future__ import annotations

import numpy as np
import pytest

import dynena
from dynena.flow.variational import orbit, orbit_pair
from dynena.network.via import boundary_normal, left_unstable_vector, separation_normal

K = 0.5


@pytest.fixture(scope="module")
def bent():
    doc = {"dynena": 1, "name": "bent_parabola", "variables": ["X", "Y"],
           "parameters": {"k": K},
           "definitions": {"x": "X - k*Y**2"},
           "equations": {"X": "x - x**3 - 2*k*Y**2", "Y": "-Y"}}
    return dynena.compile_model(dynena.load_document(doc))


def _straddle(Y0: float, eps: float = 1e-7) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two states ``eps`` either side of the boundary point at height Y0, and its normal."""
    p = np.array([K * Y0 ** 2, Y0])
    nu = np.array([1.0, -2 * K * Y0])
    nu /= np.linalg.norm(nu)
    return p - eps * nu, p + eps * nu, nu


@pytest.mark.parametrize("Y0", [-1.2, 0.3, 0.9])
def test_the_separation_of_two_trajectories_gives_the_normal(bent, Y0):
    lo, hi, nu = _straddle(Y0)
    got = separation_normal(bent, lo, hi, 40.0)
    assert got is not None
    assert abs(abs(got @ nu) - 1.0) < 1e-8


@pytest.mark.parametrize("Y0", [-1.2, 0.3, 0.9])
def test_the_saddle_normal_pulled_back_gives_the_normal(bent, Y0):
    lo, _, nu = _straddle(Y0)
    n_s = left_unstable_vector(bent.jac(np.zeros(2)), bent.kind)
    got = boundary_normal(bent, lo, np.zeros(2), n_s, 40.0)
    assert got is not None
    assert abs(abs(got @ nu) - 1.0) < 1e-8


def test_trajectories_that_never_part_give_no_normal(bent):
    """Both states on the same side, far from the boundary: they do not part within t_max."""
    assert separation_normal(bent, np.array([0.8, 0.2]), np.array([0.8 + 1e-7, 0.2]),
                             40.0) is None


def test_a_pair_in_one_run_is_the_two_orbits_and_ends_where_told(bent):
    a, b = np.array([0.18 - 1e-6, 0.6]), np.array([0.18 + 1e-6, 0.6])
    pair = orbit_pair(bent, a, b, 40.0, lambda u, v: bool(np.linalg.norm(v - u) > 1e-2))
    assert pair.status == 2
    d = pair.y[2:, :] - pair.y[:2, :]
    gaps = np.linalg.norm(d, axis=0)
    assert gaps[-1] > 1e-2 and np.all(gaps[:-1] <= 1e-2)  # the first step past it, the last
    for x0, rows in ((a, slice(0, 2)), (b, slice(2, 4))):
        alone = orbit(bent, x0, float(pair.t[-1]), dense=True)
        assert alone.sol is not None
        ref = np.array([alone.sol(t) for t in pair.t]).T
        assert np.max(np.abs(pair.y[rows, :] - ref)) < 1e-7


@pytest.mark.parametrize("Y0", [-1.2, 0.9])
def test_the_saddle_normal_pulled_back_along_a_path_already_computed(bent, Y0):
    """The network's normals integrate the trajectory once, up to capture (``until``), and
    pull the saddle's normal back along it from the closest approach."""
    lo, _, nu = _straddle(Y0)
    node = np.array([-1.0 + K * 0.0, 0.0])  # x = -1, Y -> 0: the node on lo's side
    path = orbit(bent, lo, 200.0, rtol=1e-8, atol=1e-10, dense=True,
                 until=lambda x: bool(np.linalg.norm(x - node) < 0.05))
    assert path.status == 2
    t_star = float(path.t[int(np.argmin(np.linalg.norm(path.y, axis=0)))])
    n_s = left_unstable_vector(bent.jac(np.zeros(2)), bent.kind)
    got = boundary_normal(bent, lo, np.zeros(2), n_s, 200.0, t_star=t_star, path=path)
    assert got is not None
    assert abs(abs(got @ nu) - 1.0) < 1e-6
