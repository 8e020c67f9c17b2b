"""The adjoint pulled back along a trajectory's own steps (:func:`adjoint_on_steps`, which
the boundary normals and minimal seeds of ODE searches use), against the exact propagator of
a linear system (``scipy.linalg.expm``) and against LSODA's adjoint at a tight tolerance on
a nonlinear one."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm

import dynena
from dynena.flow.oracle import OutcomeOracle
from dynena.flow.variational import adjoint, adjoint_on_steps, orbit


def _linear(A: np.ndarray, name: str):
    names = [f"x{i}" for i in range(len(A))]
    rhs = {v: " + ".join(f"({A[i, k]})*{names[k]}" for k in range(len(A)) if A[i, k])
           for i, v in enumerate(names)}
    return dynena.compile_model(dynena.load_document(
        {"dynena": 1, "name": name, "variables": names, "equations": rhs}))


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


# non-normal, with a fast mode (-300) that holds the explicit steps at the stability limit:
# without substeps the backward Runge-Kutta steps (stable for h|λ| < 2.78) blow that mode up
STIFF = np.array([[-1.0, 30.0, 0.0], [0.0, -2.0, 5.0], [0.0, 0.0, -300.0]])


@pytest.mark.parametrize("block", [3, None])
def test_the_adjoint_on_a_stiff_linear_path_is_the_exact_propagator(block):
    c = _linear(STIFF, "stiff_linear")
    oracle = OutcomeOracle(c, np.zeros((1, 3)), np.array([1e-12]), t_max=20.0)
    path = oracle.compiled_path(np.array([0.3, -0.2, 0.5]))
    assert path is not None and path.status == 0 and len(path.t) > 200
    lam = np.array([0.2, -0.7, 0.4])
    t_star = 15.0
    exact = expm(STIFF.T * t_star) @ lam
    got = adjoint_on_steps(c, path, t_star, lam, block=block)
    assert np.linalg.norm(got) == pytest.approx(1.0)
    assert _cos(got, exact) > 1 - 1e-10, (got, exact / np.linalg.norm(exact))


def test_the_adjoint_on_steps_agrees_with_lsoda_on_a_nonlinear_path():
    """A non-normal tanh network in five variables, the path from the compiled loop and from
    LSODA's dense output: the directions agree with LSODA's adjoint at rtol 1e-11."""
    rng = np.random.default_rng(3)
    W = 1.6 * rng.standard_normal((5, 5)) / np.sqrt(5)
    names = [f"x{i}" for i in range(5)]
    rhs = {v: f"-{v} + tanh(" + " + ".join(f"({W[i, k]:.6f})*{names[k]}" for k in range(5))
           + ")" for i, v in enumerate(names)}
    c = dynena.compile_model(dynena.load_document(
        {"dynena": 1, "name": "tanh5", "variables": names, "equations": rhs}))
    oracle = OutcomeOracle(c, np.zeros((0, 5)), np.zeros(0), t_max=30.0)
    x0 = 0.8 * rng.standard_normal(5)
    lam = rng.standard_normal(5)
    for path in (oracle.compiled_path(x0), orbit(c, x0, 30.0, dense=True)):
        assert path is not None and path.sol is not None
        for t_star in (0.7, 12.0, 29.0):
            ref = adjoint(c, path, t_star, lam, rtol=1e-11, atol=1e-13)
            assert _cos(adjoint_on_steps(c, path, t_star, lam), ref) > 1 - 1e-9
