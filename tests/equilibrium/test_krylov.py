"""Fixed points of large networks by Newton–Krylov and Arnoldi, checked against the dense
global search (on the flagship ESN) and against simulation (a sparse reservoir of 1500 units,
whose Jacobian is never formed)."""

from __future__ import annotations

import numpy as np
import pytest
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


def test_large_sparse_memory_reservoir_pulse_network_against_the_analytic_threshold(models_dir):
    """models/memory_reservoir.py at 1500 units (sparse W, 1 % dense) with three bistable
    memory units x_i' = 0.3 x_i + 0.7 tanh(3 x_i + 4 u_i), read by the rest: eight stable
    states, found by Newton-Krylov from a trajectory, and between them the 24 single-bit
    flips. Each flip's pulse threshold is analytic: from x_i = -x* (x* = tanh(3 x*)) one pulse
    must carry x_i past the unstable point 0, 0.3(-x*) + 0.7 tanh(-3x* + 4a) = 0, so
    a = (3x* + atanh(0.3 x*/0.7))/4; recomputed here."""
    import importlib.util

    from scipy.optimize import brentq

    from dynena.network import InputPulses

    spec = importlib.util.spec_from_file_location("memory_reservoir",
                                                  models_dir / "memory_reservoir.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    c = dynena.compile_model(mod.memory_reservoir(1500))
    assert c.is_sparse
    eq = krylov_equilibria(c, trajectory_seeds(c, steps=2000, keep=100))
    assert len(eq.stable) == 8
    signs = {tuple(np.sign(e.state[:3]).astype(int)) for e in eq.stable}
    assert len(signs) == 8
    net = dynena.excitable_network(c, equilibria=eq, nodes="stable",
                                   perturbations=InputPulses(width=1, max_amplitude=3.0))
    x_star = brentq(lambda x: x - np.tanh(3 * x), 0.5, 1.0)
    exact = (3 * x_star + np.arctanh(0.3 * x_star / 0.7)) / 4
    assert exact == pytest.approx(mod.flip_threshold(), rel=1e-12)
    assert len(net.edges) == 24
    for cn in net.edges:
        a = net.node_states[net.node_ids.index(cn.source)][:3]
        b = net.node_states[net.node_ids.index(cn.target)][:3]
        flipped = np.flatnonzero(np.sign(a) != np.sign(b))
        assert list(flipped) == [cn.channel] and np.sign(b[cn.channel]) == cn.sign
        assert cn.threshold == pytest.approx(exact, rel=1e-6)


def test_leading_eigenvalues_are_the_largest_in_a_disc_of_equal_moduli():
    """A reservoir's Jacobian has a disc of nearly equal moduli (circular law): the k
    multipliers Arnoldi returns are the k largest of the dense spectrum (with ARPACK's default
    2k + 1 vectors they were not: off by 6e-3 at N = 1500)."""
    N = 1200
    rng = np.random.default_rng(1)
    W = sparse.random(N, N, density=0.01, random_state=1, format="csr",
                      data_rvs=rng.standard_normal) * (0.9 / np.sqrt(0.01 * N))
    m = dynena.load_document({
        "dynena": 1, "name": "disc", "kind": "map",
        "arrays": {"W": W, "b": 0.1 * rng.standard_normal(N)},
        "variables": {"x": {"size": N}},
        "equations": {"x": "0.3*x + 0.7*tanh(W@x + b)"}})
    c = dynena.compile_model(m)
    x = 0.1 * rng.standard_normal(N)
    J = c.jac(x)
    ref = np.sort(np.abs(np.linalg.eigvals(J.toarray() if sparse.issparse(J) else J)))[::-1]
    got = np.sort(np.abs(leading_eigenvalues(c, x, 8)))[::-1]
    assert np.max(np.abs(got - ref[:8])) < 1e-9
