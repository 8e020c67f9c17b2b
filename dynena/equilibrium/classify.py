r"""Stability and type of an equilibrium from the eigenvalues of its Jacobian.

ode: stable iff all :math:`\mathrm{Re}\,\lambda < 0`; map: stable iff all :math:`|\lambda| < 1`.
An eigenvalue within ``tol`` of the boundary makes the point non-hyperbolic.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._typing import Array
from ..compile.kind import kind_of

__all__ = ["classify", "eigen_sorted", "real_basis", "sort_eigen"]


def eigen_sorted(J: Array, kind: str) -> tuple[Array, Array]:
    """Eigenvalues and eigenvectors, most unstable first."""
    w, V = np.linalg.eig(J)
    return sort_eigen(w, V, kind)


def sort_eigen(w: Array, V: Array, kind: str) -> tuple[Array, Array]:
    """One matrix's eigenpairs (as ``np.linalg.eig`` gives them, possibly from a stack), most
    unstable first; real arrays when every eigenvalue is real (as for a single matrix)."""
    if np.iscomplexobj(w) and not np.any(np.imag(w)):
        w, V = np.real(w), np.real(V)
    key = -kind_of(kind).dominance(w)
    order = np.lexsort((np.imag(w), key))
    return w[order], V[:, order]


def classify(w: Array, kind: str, tol: float = 1e-9, J: Array | None = None
             ) -> tuple[str, str, int]:
    """``(stability, type, unstable_dim)`` from eigenvalues ``w``.

    ``tol`` is relative to ``max(1, max|w|)``. ``J`` (optional) tells a star (``J = λI``)
    from a degenerate node.
    """
    n = len(w)
    scale = max(1.0, float(np.max(np.abs(w)))) if n else 1.0
    g = kind_of(kind).growth(w)
    unstable = int(np.sum(g > tol * scale))
    centre = int(np.sum(np.abs(g) <= tol * scale))
    complex_ = bool(np.any(np.abs(np.imag(w)) > tol * scale))
    if centre:
        stability = "nonhyperbolic"
    elif unstable == 0:
        stability = "stable"
    elif unstable == n:
        stability = "unstable"
    else:
        stability = "saddle"
    return stability, _type_name(w, kind, stability, unstable, centre, complex_, tol * scale, J), \
        unstable


def _type_name(w: Array, kind: str, stability: str, unstable: int, centre: int,
               complex_: bool, tol: float, J: Array | None) -> str:
    n = len(w)
    if stability == "nonhyperbolic":
        if not kind_of(kind).is_map and n == 2 and complex_ and centre == 2:
            return "centre"
        return f"non-hyperbolic ({centre} critical eigenvalue{'s' if centre > 1 else ''})"
    if stability == "saddle":
        base = "saddle-focus" if complex_ else "saddle"
        return base if n == 2 else f"{base} (index {unstable})"
    word = "stable" if stability == "stable" else "unstable"
    if complex_:
        return f"{word} focus"
    if n >= 2 and np.ptp(np.real(w)) <= tol and J is not None \
            and np.allclose(J, np.real(w[0]) * np.eye(n), atol=tol):
        return f"{word} star"
    if kind_of(kind).is_map and np.any(np.real(w) < 0):
        return f"{word} node (flip)"
    return f"{word} node"


def real_basis(V: Array, w: Array, mask: Any) -> Array:
    """Orthonormal real basis (rows) of the span of eigenvectors ``V[:, mask]``: the real and
    imaginary parts of each eigenvector, one of each conjugate pair."""
    k = np.flatnonzero(np.asarray(mask) & ~(np.imag(w) < 0))  # the partner adds the same plane
    if not len(k):
        return np.zeros((0, V.shape[0]))
    Vk = V[:, k]
    im = np.imag(Vk)
    # columns re(v_k), im(v_k) interleaved, the imaginary part only where there is one
    both = np.stack([np.real(Vk), im], axis=2).reshape(V.shape[0], 2 * len(k))
    keep = np.stack([np.ones(len(k), bool), np.any(im != 0, axis=0)], axis=1).ravel()
    M = both[:, keep]
    if M.shape[1] == 1:
        v = M[:, 0]
        return (v / np.linalg.norm(v))[None, :]
    Q, _ = np.linalg.qr(M)
    return Q[:, : M.shape[1]].T
