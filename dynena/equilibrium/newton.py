r"""Batched Newton, deflated Newton and pseudo-transient continuation on :math:`F(x) = 0`.

:math:`F = f` (ode) or :math:`F = f - \mathrm{id}` (map). All starts advance together: one
batched evaluation of the generated code and one batched linear solve per iteration.

**Deflation** (Farrell, Birkisson & Funke, SIAM J. Sci. Comput. 37, 2015): with known roots
:math:`r_i`, Newton is applied to :math:`M(x)F(x)`,
:math:`M(x) = \prod_i (\|x - r_i\|^{-2} + 1)`, so the known roots repel. The deflated step is
the Newton step :math:`d` rescaled, :math:`d / (1 - \nabla\log M \cdot d)` (Sherman–Morrison),
so it costs nothing extra.

**Pseudo-transient continuation** (Kelley & Keyes 1998) follows the flow with implicit Euler
steps :math:`(I/\Delta t - J)\,d = F` whose step grows as the residual falls (SER rule); it
converges to stable equilibria where plain Newton may land on saddles.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._typing import Array
from ..compile.system import CompiledSystem

__all__ = ["batched_newton", "batched_ptc", "residual_batch", "jacobian_batch", "solve_batch"]


def residual_batch(model: CompiledSystem, X: Array) -> Array:
    return model.dynamics.residual(model.f_batch(X), X)


def jacobian_batch(model: CompiledSystem, X: Array) -> Array:
    return model.dynamics.condition_jacobian(model.jac_batch(X), overwrite=True)


def solve_batch(A: Array, b: Array, *, precheck: bool = True) -> tuple[Any, Any]:
    """Solve A[k] d[k] = b[k]; singular systems get the minimum-norm least-squares step
    (flag returned).

    Singular rows are solved together by one batched SVD, d = V Σ⁺ Uᵀ b with singular values
    below ε·n·σ_max dropped (what ``lstsq`` does), the others by one batched LU solve — not one
    solve per row: saturated recurrent networks (a GRU's gates at 0 or 1) give thousands of
    singular Jacobians per search. With ``precheck`` a zero row or column marks a row at once
    (a quarter of the cost of the LU of a 16 × 16 batch: worth it only where singular rows are
    expected); when LAPACK still meets an exact zero pivot, the sign of ``slogdet`` (the same
    LU, no exception) tells which rows.
    """
    with np.errstate(all="ignore"):
        if precheck:
            Z = A == 0
            zero = np.any(Z.all(axis=2) | Z.all(axis=1), axis=1)
            del Z
        else:
            zero = np.zeros(len(A), bool)
        d = np.empty_like(b)
        bad = zero.copy()
        rest = ~zero
        try:
            if rest.all():  # the usual case: no copy of the batch
                d[:] = np.linalg.solve(A, b[..., None])[..., 0]
            else:
                d[rest] = np.linalg.solve(A[rest], b[rest][..., None])[..., 0]
        except np.linalg.LinAlgError:
            idx = np.flatnonzero(rest)
            sign, _ = np.linalg.slogdet(A[idx])
            sing = idx[(sign == 0) | ~np.isfinite(sign)]
            bad[sing] = True
            rest[sing] = False
            try:
                d[rest] = np.linalg.solve(A[rest], b[rest][..., None])[..., 0]
            except np.linalg.LinAlgError:  # pivoting differs at the margin: SVD them all
                bad |= rest
                rest[:] = False
        if bad.any():
            d[bad], bad[bad] = _svd_solve(A[bad], b[bad])
        finite = np.isfinite(d).all(axis=1)
        if finite.all():
            return d, bad
        bad |= rest & ~finite
        for j in np.flatnonzero(~finite):
            # a non-finite step: the model overflows there (exp of a huge argument), or the
            # SVD did not converge; no step from that start
            if not (np.all(np.isfinite(A[j])) and np.all(np.isfinite(b[j]))):
                d[j] = np.nan
                continue
            try:
                d[j] = np.linalg.lstsq(A[j], b[j], rcond=None)[0]
            except np.linalg.LinAlgError:
                d[j] = np.nan
    return d, bad


def _svd_solve(A: Array, b: Array) -> tuple[Array, Any]:
    """Minimum-norm least-squares solutions of a batch, and which rows were singular."""
    finite = np.all(np.isfinite(A), axis=(1, 2)) & np.all(np.isfinite(b), axis=1)
    d = np.full(b.shape, np.nan)
    singular = ~finite
    if finite.any():
        try:
            U, s, Vt = np.linalg.svd(A[finite])
        except np.linalg.LinAlgError:  # one badly scaled matrix: left to the per-row loop
            return d, np.ones(len(b), bool)
        cut = np.finfo(float).eps * A.shape[-1] * s[:, :1]
        inv = np.where(s > cut, 1.0 / np.where(s > cut, s, 1.0), 0.0)
        c = np.einsum("kji,kj->ki", U, b[finite]) * inv
        d[finite] = np.einsum("kji,kj->ki", Vt, c)
        singular[finite] = np.any(s <= cut, axis=1)
    return d, singular


class _Batch:
    """Bookkeeping shared by the batched iterations: which starts are still running, their
    residuals, convergence, and the counters."""

    def __init__(self, model: CompiledSystem, X0: Array, tol: float, max_norm: float) -> None:
        self.model, self.tol, self.max_norm = model, tol, max_norm
        self.X = np.array(X0, dtype=float)
        self.active = np.ones(len(self.X), bool)
        self.conv = np.zeros(len(self.X), bool)
        self.res = np.full(len(self.X), np.inf)
        self.counts = {"iterations": 0, "f_evals": 0, "jac_evals": 0, "singular": 0}
        self.singular_seen = True  # the zero-row precheck of solve_batch, until a clean solve

    def running(self) -> tuple[Any, Array, Array, Array] | None:
        """Evaluate F on the running starts, retire converged or diverged ones; return
        ``(indices, states, F, |F|_inf)`` of those that go on, or None when none do."""
        idx = np.flatnonzero(self.active)
        if not len(idx):
            return None
        self.counts["iterations"] += 1
        Xa = self.X[idx]
        with np.errstate(all="ignore"):
            F = residual_batch(self.model, Xa)
        self.counts["f_evals"] += len(idx)
        r = np.max(np.abs(F), axis=1)
        self.res[idx] = r
        ok = r < self.tol
        self.conv[idx[ok]] = True
        bad = ~np.isfinite(r) | (np.linalg.norm(Xa, axis=1) > self.max_norm)
        self.active[idx[ok | bad]] = False
        keep = ~(ok | bad)
        if not keep.any():
            return None
        return idx[keep], Xa[keep], F[keep], r[keep]

    def jacobians(self, Xa: Array) -> Array:
        self.counts["jac_evals"] += len(Xa)
        return jacobian_batch(self.model, Xa)

    def solve(self, A: Array, b: Array) -> Array:
        d, sing = solve_batch(A, b, precheck=self.singular_seen)
        n_sing = int(sing.sum())
        self.counts["singular"] += n_sing
        self.singular_seen = n_sing > 0
        return d

    def result(self) -> tuple[Array, Array, Any, dict[str, int]]:
        return self.X, self.res, self.conv, self.counts


_CHUNK_ENTRIES = 2_500_000
"""Largest batch of Jacobian entries (20 MB) iterated at once: a batch of large Jacobians
that does not fit in cache is slower per row (600 starts of a 200-unit network: 1.4 s at
once, 0.96 s in chunks of 64)."""

Result = tuple[Array, Array, Any, dict[str, int]]


def _in_chunks(model: CompiledSystem, X0: Array, run: Callable[[Array], Result]) -> Result | None:
    """``run`` on chunks of the rows of ``X0`` (None when one chunk holds them all); the
    results concatenated and the counters added."""
    rows = max(1, _CHUNK_ENTRIES // max(1, model.n * model.n))
    if len(X0) <= rows:
        return None
    parts = [run(X0[i:i + rows]) for i in range(0, len(X0), rows)]
    counts = {k: sum(p[3][k] for p in parts) for k in parts[0][3]}
    return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]), counts)


def batched_newton(model: CompiledSystem, X0: Array, *, tol: float = 1e-10, max_iter: int = 50,
                   roots: Array | None = None, max_norm: float = 1e6) -> Result:
    """Damped (deflated) Newton from every row of ``X0``.

    Returns ``(X, residual_inf_norm, converged, counters)``.
    """
    chunked = _in_chunks(model, X0, lambda X: batched_newton(
        model, X, tol=tol, max_iter=max_iter, roots=roots, max_norm=max_norm))
    if chunked is not None:
        return chunked
    B = _Batch(model, X0, tol, max_norm)
    R = None if roots is None or len(roots) == 0 else np.asarray(roots, float)
    for _ in range(max_iter):
        run = B.running()
        if run is None:
            break
        idx, Xa, F, _ = run
        d = B.solve(B.jacobians(Xa), -F)
        if R is not None:
            diff = Xa[:, None, :] - R[None, :, :]
            n2 = np.maximum(np.sum(diff**2, axis=2), 1e-300)
            # grad log M = sum_i -2 (x - r_i) n2^-2 / (n2^-1 + 1)
            w = (-2.0 / n2**2) / (1.0 / n2 + 1.0)
            glog = np.einsum("br,brn->bn", w, diff)
            denom = 1.0 - np.sum(glog * d, axis=1)
            denom = np.where(np.abs(denom) < 1e-12, 1e-12, denom)
            d = d / denom[:, None]
        # Damping: limit a step to a multiple of the state scale (keeps far starts sane).
        step = np.linalg.norm(d, axis=1)
        cap = 10.0 * (1.0 + np.linalg.norm(Xa, axis=1))
        d *= np.minimum(1.0, cap / np.maximum(step, 1e-300))[:, None]
        B.X[idx] = Xa + d
    # final residual for the still-active ones
    rest = np.flatnonzero(B.active & ~B.conv)
    if len(rest):
        with np.errstate(all="ignore"):
            r = np.max(np.abs(residual_batch(model, B.X[rest])), axis=1)
        B.res[rest] = r
        B.conv[rest] = r < tol
    return B.result()


def batched_ptc(model: CompiledSystem, X0: Array, *, tol: float = 1e-10, max_iter: int = 200,
                dt0: float = 0.1, max_norm: float = 1e6) -> Result:
    """Pseudo-transient continuation from every row of ``X0`` (towards stable equilibria)."""
    chunked = _in_chunks(model, X0, lambda X: batched_ptc(
        model, X, tol=tol, max_iter=max_iter, dt0=dt0, max_norm=max_norm))
    if chunked is not None:
        return chunked
    B = _Batch(model, X0, tol, max_norm)
    dt = np.full(len(B.X), dt0)
    prev = np.full(len(B.X), np.nan)
    eye = np.eye(B.X.shape[1])[None]
    for _ in range(max_iter):
        run = B.running()
        if run is None:
            break
        idx, Xa, F, r = run
        # switched evolution relaxation: dt grows as the residual shrinks
        p = prev[idx]
        grow = np.where(np.isfinite(p), np.clip(p / np.maximum(r, 1e-300), 0.5, 10.0), 1.0)
        dt[idx] = np.minimum(dt[idx] * grow, 1e12)
        prev[idx] = r
        A = eye / dt[idx][:, None, None] - B.jacobians(Xa)
        B.X[idx] = Xa + B.solve(A, F)
    return B.result()
