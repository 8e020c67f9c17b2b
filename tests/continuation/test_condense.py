"""The condensed collocation solve against the dense LU of the whole bordered system, and the
transfer matrices against a variational integration (an answer from neither solver)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import dynena
from dynena.continuation.collocation import CycleContinuer, _solve
from dynena.continuation.condense import condensed_solve


def _roessler(n_extra: int = 0):
    """A 3-variable model with a stable limit cycle (Rössler) and ``n_extra`` decoupled
    decaying variables: a larger system with the same orbit."""
    eqs = {"x": "-y - z", "y": "x + a*y", "z": "b + z*(x - c)"}
    eqs.update({f"w{k}": f"-(1 + {k})*w{k} + 0.1*x" for k in range(n_extra)})
    return dynena.compile_model(dynena.load_document({
        "dynena": 1, "name": "roessler", "variables": list(eqs),
        "parameters": {"a": 0.2, "b": 0.2, "c": 2.5}, "equations": eqs}))


def _orbit_continuer(c, ntst: int = 20):
    cc = CycleContinuer(c, "c", ntst=ntst, ncol=4)
    x0 = np.zeros(c.n)
    sol = solve_ivp(lambda t, x: c.f(x), (0, 300), x0 + 1.0, rtol=1e-10, atol=1e-12)
    y, _, ref = cc.from_orbit(sol.y[:, -1], 5.9, 2.5)
    return cc, y, ref


@pytest.mark.parametrize("n_extra", [0, 3])
def test_condensed_solve_equals_the_dense_lu_of_the_whole_system(n_extra):
    c = _roessler(n_extra)
    cc, y, ref = _orbit_continuer(c)
    rng = np.random.default_rng(1)
    last = rng.standard_normal(cc.size)
    rhs = rng.standard_normal(cc.size)
    A, J = cc.jacobian(y, ref)
    dense = _solve(np.vstack([A, last]), rhs)
    T, h, uc, _, F = cc._gauss(y)
    X = uc.reshape(-1, c.n)
    border = np.vstack([A[-1], last])
    dy, E = condensed_solve(c.jac_batch(X).reshape(cc.N, cc.m, c.n, c.n), F,
                            c.dfdp_batch(X)[:, :, cc.j].reshape(F.shape), T, h, cc.L, cc.D,
                            border, rhs)
    assert np.allclose(dy, dense, rtol=1e-9, atol=1e-9 * np.abs(dense).max())
    assert np.allclose(E, cc._transfer(T, J), rtol=1e-10, atol=1e-12)


def test_monodromy_from_the_transfer_matrices_matches_the_variational_equation():
    """Floquet multipliers of the Rössler cycle: the product of the intervals' transfer
    matrices against the monodromy matrix integrated along the converged orbit."""
    c = _roessler()
    cc, y, ref = _orbit_continuer(c, ntst=40)
    e_p = np.zeros(cc.size)
    e_p[-1] = 1.0
    _, E = cc.tangent(y, e_p, ref)
    mu = cc.multipliers(E)
    U, T, _ = cc._split(y)

    def var(t, z):
        x, M = z[:3], z[3:].reshape(3, 3)
        return np.concatenate([c.f(x), (c.jac(x) @ M).ravel()])

    sol = solve_ivp(var, (0, T), np.concatenate([U[0], np.eye(3).ravel()]), rtol=1e-11,
                    atol=1e-12)
    ref_mu = np.linalg.eigvals(sol.y[3:, -1].reshape(3, 3))
    ref_mu = ref_mu[np.argsort(-np.abs(ref_mu))]
    assert np.allclose(np.abs(mu), np.abs(ref_mu), rtol=1e-4, atol=1e-8)


def test_a_singular_interval_block_raises_and_the_continuer_falls_back_to_the_dense_lu(
        monkeypatch):
    c = _roessler()
    cc, y, ref = _orbit_continuer(c)
    T, h, uc, _, F = cc._gauss(y)
    X = uc.reshape(-1, c.n)
    Jg = c.jac_batch(X).reshape(cc.N, cc.m, c.n, c.n)
    Jg[3] = np.nan
    with pytest.raises(np.linalg.LinAlgError):
        condensed_solve(Jg, F, c.dfdp_batch(X)[:, :, cc.j].reshape(F.shape), T, h, cc.L, cc.D,
                        np.zeros((2, cc.size)), np.ones(cc.size))
    # the continuer's own path: where the condensation fails, the dense LU takes the step
    rng = np.random.default_rng(2)
    last, rhs = rng.standard_normal(cc.size), rng.standard_normal(cc.size)
    condensed, _ = cc._bordered(y, ref, last, rhs)

    def singular(*args):
        raise np.linalg.LinAlgError("singular")

    import dynena.continuation.collocation as col
    monkeypatch.setattr(col, "condensed_solve", singular)
    dy, _ = cc._bordered(y, ref, last, rhs)
    assert np.allclose(dy, condensed, atol=1e-9 * np.abs(dy).max())
    A, _ = cc.jacobian(y, ref)
    assert np.allclose(dy, _solve(np.vstack([A, last]), rhs), atol=1e-9 * np.abs(dy).max())
