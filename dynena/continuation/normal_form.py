r"""Normal-form coefficients at Hopf and period-doubling points, from exact derivatives.

With :math:`A = D_x f` at the bifurcation and the multilinear forms of the exact second and
third derivatives,

.. math:: B(u, v)_i = \sum_{jk} \frac{\partial^2 f_i}{\partial x_j \partial x_k} u_j v_k, \qquad
          C(u, v, w)_i = \sum_{jkl} \frac{\partial^3 f_i}{\partial x_j \partial x_k
          \partial x_l} u_j v_k w_l,

(Kuznetsov, *Elements of Applied Bifurcation Theory*, 3rd ed., §3.5 and §5.4):

* **Hopf** (ode), :math:`Aq = i\omega_0 q`, :math:`A^\top p = -i\omega_0 p`,
  :math:`\langle q, q\rangle = \langle p, q\rangle = 1` (:math:`\langle p, q\rangle = \bar p^\top q`):
  the first Lyapunov coefficient

  .. math:: \ell_1 = \frac{1}{2\omega_0}\,\mathrm{Re}\Big[\langle p, C(q,q,\bar q)\rangle
            - 2\langle p, B(q, A^{-1}B(q,\bar q))\rangle
            + \langle p, B(\bar q, (2i\omega_0 I - A)^{-1} B(q,q))\rangle\Big];

  :math:`\ell_1 < 0`: **supercritical** (a stable limit cycle is born), :math:`\ell_1 > 0`:
  **subcritical** (an unstable cycle dies).
* **Period doubling** (map), :math:`Aq = -q`, :math:`A^\top p = -p`, same normalisation:

  .. math:: c = \tfrac16\langle p, C(q,q,q)\rangle
            + \tfrac12\langle p, B(q, (I - A)^{-1} B(q,q))\rangle ;

  :math:`c > 0`: **supercritical** (a stable 2-cycle is born), :math:`c < 0`: subcritical.
* **Neimark–Sacker** (map), :math:`Aq = e^{i\theta_0} q`, :math:`A^\top p = e^{-i\theta_0} p`:

  .. math:: d = \tfrac12\,\mathrm{Re}\Big\{e^{-i\theta_0}\big[\langle p, C(q,q,\bar q)\rangle
            + 2\langle p, B(q, (I - A)^{-1}B(q,\bar q))\rangle
            + \langle p, B(\bar q, (e^{2i\theta_0} I - A)^{-1}B(q,q))\rangle\big]\Big\} ;

  :math:`d < 0`: **supercritical** (a stable invariant circle is born), :math:`d > 0`:
  subcritical (away from strong resonances :math:`e^{ik\theta_0} = 1`, k ≤ 4).

The value of a coefficient depends on the normalisation of :math:`q`; its sign does not.
Derivatives are taken symbolically once per model (up to :data:`MAX_VARIABLES` variables).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations_with_replacement
from typing import Any

import numpy as np
import sympy as sp

from .._typing import Array
from ..model.derivative import almost_everywhere, real_symbols
from ..model.model import Model

__all__ = ["Criticality", "MultilinearForms", "forms_of", "hopf_coefficient", "flip_coefficient",
           "neimark_sacker_coefficient", "MAX_VARIABLES", "ScaledForms"]

MAX_VARIABLES = 12
"""Above this many variables the third-derivative tensor (n⁴/6 entries) is not formed."""


@dataclass(frozen=True)
class Criticality:
    """A normal-form coefficient and what its sign says."""

    coefficient: float
    kind: str  # "supercritical", "subcritical" or "degenerate"


class MultilinearForms:
    """Exact second and third derivatives of a scalar-form model, as numeric tensors at any
    state and parameter values."""

    def __init__(self, model: Model) -> None:
        n = model.n
        x = [sp.Symbol(v, real=True) for v in model.variables]
        p = [sp.Symbol(k, real=True) for k in model.parameters]
        u0 = {s: sp.Integer(0) for s in model.u}  # autonomous
        eqs = [real_symbols(e).xreplace(u0) for e in model.expanded_equations()]
        second: list[tuple[int, int, int, sp.Expr]] = []
        third: list[tuple[int, int, int, int, sp.Expr]] = []
        for i, e in enumerate(eqs):
            d1 = [sp.diff(e, xj) for xj in x]
            for j, k in combinations_with_replacement(range(n), 2):
                d2 = almost_everywhere(sp.diff(d1[j], x[k]))
                if d2 != 0:
                    second.append((i, j, k, d2))
                    for m in range(k, n):
                        d3 = almost_everywhere(sp.diff(d2, x[m]))
                        if d3 != 0:
                            third.append((i, j, k, m, d3))
        mixed: list[tuple[int, int, int, sp.Expr]] = []
        for i, e in enumerate(eqs):
            for j, xj in enumerate(x):
                d1 = sp.diff(e, xj)
                for m, pm in enumerate(p):
                    d2 = almost_everywhere(sp.diff(d1, pm))
                    if d2 != 0:
                        mixed.append((i, j, m, d2))
        self.n = n
        self.n_parameters = len(p)
        self._mixed = [t[:3] for t in mixed]
        self._fm: Callable[..., Any] = sp.lambdify([*x, *p], [t[3] for t in mixed] or [0],
                                                  "numpy")
        self._second = [t[:3] for t in second]
        self._third = [t[:4] for t in third]
        args = [*x, *p]
        self._f2: Callable[..., Any] = sp.lambdify(args, [t[3] for t in second] or [0],
                                                  "numpy")
        self._f3: Callable[..., Any] = sp.lambdify(args, [t[4] for t in third] or [0], "numpy")

    def tensors(self, x: Array, p: Array) -> tuple[Array, Array]:
        """``H[i, j, k]`` and ``T[i, j, k, l]`` at the state ``x`` and parameters ``p``,
        symmetric in the derivative indices."""
        n = self.n
        H = np.zeros((n, n, n))
        T = np.zeros((n, n, n, n))
        vals2 = np.atleast_1d(np.asarray(self._f2(*x, *p), dtype=float))
        for (i, j, k), v in zip(self._second, vals2):
            H[i, j, k] = H[i, k, j] = v
        vals3 = np.atleast_1d(np.asarray(self._f3(*x, *p), dtype=float))
        for (i, j, k, m), v in zip(self._third, vals3):
            for a, b, c in {(j, k, m), (j, m, k), (k, j, m), (k, m, j), (m, j, k), (m, k, j)}:
                T[i, a, b, c] = v
        return H, T


    def mixed(self, x: Array, p: Array) -> Array:
        """``M[i, j, m]`` = ∂²f_i/∂x_j∂p_m: how the Jacobian moves with each parameter."""
        M = np.zeros((self.n, self.n, self.n_parameters))
        vals = np.atleast_1d(np.asarray(self._fm(*x, *p), dtype=float))
        for (i, j, m), v in zip(self._mixed, vals):
            M[i, j, m] = v
        return M


class ScaledForms:
    r"""The forms of :math:`g(z) = D^{-1} f(D z)` (:class:`~dynena.compile.ScaledSystem`):
    :math:`H^g_{ijk} = H_{ijk}\, d_j d_k / d_i`, :math:`T^g_{ijkl} = T_{ijkl}\, d_j d_k d_l / d_i`,
    :math:`M^g_{ijm} = M_{ijm}\, d_j / d_i`, each at :math:`x = D z`: a curve followed in
    scaled coordinates needs its derivatives in the same coordinates."""

    def __init__(self, forms: MultilinearForms, unit: Array) -> None:
        self.forms, self.d = forms, np.asarray(unit, float)

    def tensors(self, z: Array, p: Array) -> tuple[Array, Array]:
        d = self.d
        H, T = self.forms.tensors(z * d, p)
        return (H * d[None, :, None] * d[None, None, :] / d[:, None, None],
                T * d[None, :, None, None] * d[None, None, :, None] * d[None, None, None, :]
                / d[:, None, None, None])

    def mixed(self, z: Array, p: Array) -> Array:
        d = self.d
        out: Array = self.forms.mixed(z * d, p) * d[None, :, None] / d[:, None, None]
        return out


_FORMS: dict[int, tuple[Model, MultilinearForms]] = {}


def forms_of(model: Model) -> MultilinearForms:
    """The exact second and third derivatives of ``model``, derived once per model object
    (sympy's derivation and lambdify are this analysis's compile step; the derivatives depend
    on the mathematics alone, not on parameter values)."""
    hit = _FORMS.get(id(model))
    if hit is not None and hit[0] is model:
        return hit[1]
    if len(_FORMS) >= 16:
        _FORMS.pop(next(iter(_FORMS)))
    forms = MultilinearForms(model)
    _FORMS[id(model)] = (model, forms)
    return forms


def _B(H: Array, u: Any, v: Any) -> Any:
    return np.einsum("ijk,j,k->i", H, u, v)


def _C(T: Array, u: Any, v: Any, w: Any) -> Any:
    return np.einsum("ijkl,j,k,l->i", T, u, v, w)


def _pair(A: Array, lam: complex) -> tuple[Any, Any]:
    """Right eigenvector q (Aq = λq, ⟨q,q⟩ = 1) and adjoint p (Aᵀp = λ̄p, ⟨p,q⟩ = 1)."""
    w, V = np.linalg.eig(A)
    q = V[:, int(np.argmin(np.abs(w - lam)))]
    q = q / np.linalg.norm(q)
    wt, U = np.linalg.eig(A.T)
    p = U[:, int(np.argmin(np.abs(wt - np.conj(lam))))]
    return q, p / np.conj(np.vdot(p, q))


def _verdict(value: float, positive: str, negative: str, scale: float) -> Criticality:
    """The coefficient's sign, or ``degenerate`` where it is zero relative to the size of the
    nonlinear terms (``scale``, which has the coefficient's units: the Brusselator in units of
    1e6, l1 = -5e-13, was 'degenerate' against an absolute 1e-9)."""
    if not np.isfinite(value) or abs(value) <= 1e-9 * scale:
        return Criticality(float(value), "degenerate")
    return Criticality(float(value), positive if value > 0 else negative)


def hopf_coefficient(A: Array, H: Array, T: Array, omega: float) -> Criticality:
    r"""The first Lyapunov coefficient :math:`\ell_1` at a Hopf point with frequency
    :math:`\omega_0` (see the module docstring).

    >>> import numpy as np
    >>> A = np.array([[0.0, -2.0], [2.0, 0.0]])           # x' = -2y + x r², y' = 2x + y r²
    >>> T = np.zeros((2, 2, 2, 2))
    >>> T[0, 0, 0, 0] = 6; T[1, 1, 1, 1] = 6
    >>> for a, b, c in [(0, 1, 1), (1, 0, 1), (1, 1, 0)]: T[0, a, b, c] = 2
    >>> for a, b, c in [(1, 0, 0), (0, 1, 0), (0, 0, 1)]: T[1, a, b, c] = 2
    >>> r = hopf_coefficient(A, np.zeros((2, 2, 2)), T, 2.0)
    >>> round(r.coefficient, 12), r.kind     # 2ℓ/ω, ℓ = 1: x + iy = √2 z when ⟨q,q⟩ = 1
    (1.0, 'subcritical')
    """
    n = A.shape[0]
    q, p = _pair(A, 1j * omega)
    a = np.linalg.solve(A.astype(complex), _B(H, q, np.conj(q)))
    b = np.linalg.solve(2j * omega * np.eye(n) - A, _B(H, q, q))
    g = _C(T, q, q, np.conj(q)) - 2 * _B(H, q, a) + _B(H, np.conj(q), b)
    l1 = float(np.real(np.vdot(p, g))) / (2 * omega)
    return _verdict(l1, "subcritical", "supercritical", float(np.max(np.abs(T))) +
                    float(np.max(np.abs(H))) ** 2)


def flip_coefficient(A: Array, H: Array, T: Array) -> Criticality:
    r"""The period-doubling coefficient :math:`c` of a map (see the module docstring).

    >>> import numpy as np                                  # logistic map at r = 3, x* = 2/3
    >>> r = flip_coefficient(np.array([[-1.0]]), np.array([[[-6.0]]]), np.zeros((1, 1, 1, 1)))
    >>> round(r.coefficient, 12), r.kind                    # a₂² + a₃ = 9
    (9.0, 'supercritical')
    """
    n = A.shape[0]
    q, p = _pair(A, -1.0)
    q, p = np.real(q), np.real(p)
    v = np.linalg.solve(np.eye(n) - A, _B(H, q, q))
    c = float(np.dot(p, _C(T, q, q, q)) / 6 + np.dot(p, _B(H, q, v)) / 2)
    return _verdict(c, "supercritical", "subcritical", float(np.max(np.abs(T))) +
                    float(np.max(np.abs(H))) ** 2)


def neimark_sacker_coefficient(A: Array, H: Array, T: Array, theta: float) -> Criticality:
    r"""The Neimark–Sacker coefficient :math:`d` of a map at multipliers
    :math:`e^{\pm i\theta_0}` (see the module docstring).

    >>> import numpy as np                 # w -> e^{i θ}(w + ℓ w|w|²), ℓ = -1, θ = 1
    >>> th = 1.0
    >>> A = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    >>> T = np.zeros((2, 2, 2, 2))          # cubic part: ℓ R (x r², y r²)
    >>> G = np.zeros((2, 2, 2, 2))
    >>> G[0, 0, 0, 0] = G[1, 1, 1, 1] = 6
    >>> for a, b, c in [(0, 1, 1), (1, 0, 1), (1, 1, 0)]: G[0, a, b, c] = 2
    >>> for a, b, c in [(1, 0, 0), (0, 1, 0), (0, 0, 1)]: G[1, a, b, c] = 2
    >>> T = -np.einsum("ij,jklm->iklm", A, G)
    >>> r = neimark_sacker_coefficient(A, np.zeros((2, 2, 2)), T, th)
    >>> round(r.coefficient, 12), r.kind    # 2ℓ with ⟨q,q⟩ = 1
    (-2.0, 'supercritical')
    """
    n = A.shape[0]
    mu = np.exp(1j * theta)
    q, p = _pair(A, mu)
    a = np.linalg.solve(np.eye(n) - A, _B(H, q, np.conj(q)))
    b = np.linalg.solve(mu * mu * np.eye(n) - A, _B(H, q, q))
    g = _C(T, q, q, np.conj(q)) + 2 * _B(H, q, a) + _B(H, np.conj(q), b)
    d = 0.5 * float(np.real(np.conj(mu) * np.vdot(p, g)))
    return _verdict(d, "subcritical", "supercritical", float(np.max(np.abs(T))) +
                    float(np.max(np.abs(H))) ** 2)
