"""The closest approach of a trajectory to a target node and its gradient, which the minimal
seeds of the searches above three variables ascend along: against central differences of the
closest approach computed here, by a forward pass written with NumPy (the map) and by
scipy's ``solve_ivp`` with its dense output minimised (the ODE), independent of dynena's
compiled code and oracle."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import minimize_scalar

import dynena
from dynena.flow.oracle import OutcomeOracle
from dynena.network.via import approach_gradient

# a non-normal contraction: small states grow for a few steps before they decay
A = np.array([[0.5, 2.0, 0.0], [0.0, 0.5, 1.5], [0.0, 0.0, 0.4]])
P = np.array([[0.6, 0.1, -0.1]])


def _model(kind: str):
    rows = [" + ".join(f"({A[i, k]})*{v}" for k, v in enumerate("xyz") if A[i, k]) for i in
            range(3)]
    rhs = {v: (f"tanh({r})" if kind == "map" else f"-{v} + tanh({r})") for v, r in
           zip("xyz", rows)}
    doc = {"dynena": 1, "name": f"nonnormal_{kind}", "kind": kind, "variables": list("xyz"),
           "equations": rhs}
    return dynena.compile_model(dynena.load_document(doc))


def _closest_map(x: np.ndarray, steps: int = 200) -> float:
    best = float(np.sum((x - P[0]) ** 2))
    for _ in range(steps):
        x = np.tanh(A @ x)
        best = min(best, float(np.sum((x - P[0]) ** 2)))
    return best


def _closest_ode(x: np.ndarray) -> float:
    sol = solve_ivp(lambda t, y: -y + np.tanh(A @ y), (0.0, 40.0), x, rtol=1e-12,
                    atol=1e-14, dense_output=True)
    T = np.linspace(0.0, 40.0, 4001)
    d = np.sum((sol.sol(T).T - P[0]) ** 2, axis=1)
    k = int(np.argmin(d))
    res = minimize_scalar(lambda t: float(np.sum((sol.sol(t) - P[0]) ** 2)),
                          bounds=(T[max(k - 1, 0)], T[min(k + 1, 4000)]), method="bounded",
                          options={"xatol": 1e-12})
    return float(res.fun)


@pytest.mark.parametrize("kind", ["map", "ode", "ode-scipy"])
@pytest.mark.parametrize("x0", [[0.05, -0.1, 0.3], [-0.2, 0.25, 0.1]])
def test_the_gradient_of_the_closest_approach_matches_differences(kind, x0, monkeypatch):
    """``ode``: the path is the compiled loop's kept steps; ``ode-scipy``: without the loop
    (a model evaluated as plain Python has none), LSODA's dense trajectory."""
    if kind == "ode-scipy":
        monkeypatch.setenv("DYNENA_NO_STEPPER", "1")
    c = _model(kind.removesuffix("-scipy"))
    oracle = OutcomeOracle(c, np.zeros((1, 3)), np.array([1e-4]), t_max=200.0)
    assert (oracle.compiled_path(np.array(x0)) is None) == (kind != "ode")
    kind = kind.removesuffix("-scipy")
    closest = _closest_map if kind == "map" else _closest_ode
    x0 = np.array(x0)
    got = approach_gradient(c, oracle, x0, P)
    assert got is not None
    D, g, node = got
    assert node == 0  # the trajectory ends at the stable origin
    assert D == pytest.approx(closest(x0), rel=1e-6)
    h = 1e-6
    fd = np.array([(closest(x0 + h * e) - closest(x0 - h * e)) / (2 * h) for e in np.eye(3)])
    # the gradient's direction, the only part the ascent uses
    assert g @ fd / np.linalg.norm(fd) > 1 - 1e-6, (g, fd / np.linalg.norm(fd))
