"""The batched linear solve behind every Newton step, against numpy's own per-matrix answers."""

from __future__ import annotations

import numpy as np
import pytest

from dynena.equilibrium.newton import solve_batch


def test_regular_batch_is_the_exact_solve():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((50, 6, 6)) + 6 * np.eye(6)
    b = rng.standard_normal((50, 6))
    d, singular = solve_batch(A, b)
    assert not singular.any()
    assert np.allclose(np.einsum("kij,kj->ki", A, d), b, atol=1e-12)


@pytest.mark.parametrize("precheck", [True, False])
def test_singular_rows_get_the_least_squares_step_and_the_rest_the_exact_one(precheck):
    """With or without the zero-row precheck (skipped after a clean step): the same steps."""
    rng = np.random.default_rng(2)
    A = rng.standard_normal((40, 5, 5)) + 5 * np.eye(5)
    b = rng.standard_normal((40, 5))
    A[3, 2, :] = 0.0           # a zero row: a saturated unit
    A[7, :, 4] = 0.0           # a zero column
    A[11, 1] = A[11, 0]        # rank deficient without a zero row: LAPACK's own singular case
    A[19] = np.nan             # an overflowing model: no step
    d, singular = solve_batch(A, b, precheck=precheck)
    assert set(np.flatnonzero(singular)) == {3, 7, 11, 19}
    assert np.all(np.isnan(d[19]))
    for k in range(40):
        if k == 19:
            continue
        ref = np.linalg.lstsq(A[k], b[k], rcond=None)[0]
        assert np.allclose(d[k], ref, atol=1e-10), k


def test_all_singular_and_empty_batches():
    A = np.zeros((3, 4, 4))
    b = np.ones((3, 4))
    d, singular = solve_batch(A, b)
    assert singular.all() and np.allclose(d, 0.0)
    d, singular = solve_batch(np.zeros((0, 4, 4)), np.zeros((0, 4)))
    assert d.shape == (0, 4) and not singular.any()


def test_a_batch_lapack_cannot_decompose_falls_back_row_by_row(monkeypatch):
    """LAPACK's SVD can fail to converge on a badly scaled matrix (seen on a trained 2-layer
    GRU far outside its box): the batch is then solved row by row, nothing raised."""
    A = np.stack([np.eye(3), np.array([[1.0, 1.0, 0], [1.0, 1.0, 0], [0, 0, 0.0]]),
                  2 * np.eye(3)])
    b = np.ones((3, 3))

    def no_svd(*args, **kw):
        raise np.linalg.LinAlgError("SVD did not converge")

    monkeypatch.setattr(np.linalg, "svd", no_svd)
    d, singular = solve_batch(A, b)
    assert np.allclose(d[0], 1.0) and np.allclose(d[2], 0.5)
    assert singular[1] and np.all(np.isfinite(d[1]))


def test_real_basis_spans_the_invariant_subspace_of_a_complex_pair_and_a_real_eigenvalue():
    """The basis of the eigenvalues with Re > 0 of a block matrix built from known invariant
    subspaces: a rotation-expansion on span(P[:, :2]), decay along P[:, 2], growth along
    P[:, 3]."""
    from dynena.equilibrium.classify import real_basis

    rng = np.random.default_rng(5)
    P = rng.standard_normal((4, 4))
    B = np.zeros((4, 4))
    B[:2, :2] = [[0.5, -2.0], [2.0, 0.5]]
    B[2, 2], B[3, 3] = -1.0, 0.3
    J = P @ B @ np.linalg.inv(P)
    w, V = np.linalg.eig(J)
    Q = real_basis(V, w, np.real(w) > 0)
    assert Q.shape == (3, 4) and np.allclose(Q @ Q.T, np.eye(3), atol=1e-12)
    ref = P[:, [0, 1, 3]]  # the unstable subspace, independent of eig's vectors
    proj = ref @ np.linalg.lstsq(ref, Q.T, rcond=None)[0]
    assert np.allclose(proj, Q.T, atol=1e-10)
    S = real_basis(V, w, np.real(w) < 0)
    assert S.shape == (1, 4)
    assert np.isclose(abs(S[0] @ P[:, 2]) / np.linalg.norm(P[:, 2]), 1.0)
    assert real_basis(V, w, np.zeros(4, bool)).shape == (0, 4)
