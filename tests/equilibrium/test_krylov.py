"""Fixed points of large networks by Newton–Krylov and Arnoldi, checked against the dense
global search (on the flagship ESN) and against simulation (a sparse reservoir of 1500 units,
whose Jacobian is never formed)."""

from __future__ import annotations

import numpy as np
from scipy import sparse

import dynena
from dynena.equilibrium.krylov import krylov_equilibria, leading_eigenvalues
from dynena.rnn.pytorch import trajectory_seeds


def test_same_points_and_stability_as_the_dense_search(models_dir):
    c = dynena.compile_model(dynena.load(models_dir / "flipflop3.yaml"))
    seeds = trajectory_seeds(c, keep=200)
    ek = krylov_equilibria(c, seeds)
    ed = dynena.find_equilibria(c, seeds=seeds, n_starts=0)  # the same starts, dense Newton
    assert len(ek.stable) == len(ed.stable) == 8
    for e in ek:
        f = min(ed, key=lambda f: np.linalg.norm(e.state - f.state))
        assert np.linalg.norm(e.state - f.state) < 1e-8
        assert (e.stability, e.unstable_dim) == (f.stability, f.unstable_dim)
        # the leading multipliers by Arnoldi are the dense eigenvalues of largest modulus
        dense = np.sort(np.abs(np.linalg.eigvals(c.jac(f.state))))[::-1][:len(e.eigenvalues)]
        assert np.allclose(np.sort(np.abs(e.eigenvalues))[::-1], dense, atol=1e-8)
    assert "no global search" in ek.guarantee


def test_sparse_reservoir_fixed_point_is_where_the_simulation_settles():
    rng = np.random.default_rng(0)
    N = 1500
    W = sparse.random(N, N, density=0.01, random_state=1, format="csr",
                      data_rvs=rng.standard_normal) * (0.8 / np.sqrt(0.01 * N))
    m = dynena.load_document({
        "dynena": 1, "name": "esn1500", "kind": "map",
        "arrays": {"W": W, "W_in": rng.uniform(-1, 1, (N, 2)), "b": 0.3 * rng.standard_normal(N)},
        "variables": {"x": {"size": N}}, "inputs": {"u": {"size": 2}},
        "equations": {"x": "0.5*x + 0.5*tanh(W@x + W_in@u + b)"}})
    assert sparse.issparse(m.arrays["W"])
    c = dynena.compile_model(m)
    eq = krylov_equilibria(c, trajectory_seeds(c, steps=600, keep=20))
    (e,) = eq.stable
    assert e.residual < 1e-10
    x = np.zeros(N)
    for _ in range(400):                       # independent: iterate the map itself
        x = c.f(x)
    assert np.linalg.norm(x - e.state) < 1e-8
    # the leading multipliers against the dense eigenvalues (the Jacobian formed once, here)
    w = leading_eigenvalues(c, e.state, 4)
    dense = np.sort(np.abs(np.linalg.eigvals(c.jac(e.state))))[::-1][:4]
    assert np.allclose(np.sort(np.abs(w))[::-1], dense, atol=1e-8)
