r"""Trajectories with their linearisation: the flow, its monodromy matrix, tangent vectors
and the adjoint. All integrate with the exact Jacobian :math:`J = D_x f` of the compiled
system.

- :func:`orbit`: :math:`\dot x = f(x)` (LSODA, optionally with dense output);
  :func:`orbit_pair`: two of them in one run, until a condition on the pair holds;
- :func:`monodromy`: :math:`\dot x = f(x),\ \dot\Phi = J(x)\Phi,\ \Phi(0) = I`, whose
  :math:`\Phi(T)` at a period :math:`T` has the Floquet multipliers as eigenvalues;
- :func:`tangent`: one tangent vector, :math:`\dot v = J(x) v` (Lyapunov exponents);
- :func:`adjoint`: :math:`\dot\lambda = -J(x(t))^\top \lambda` backwards along an orbit
  (normals of stable manifolds); :func:`adjoint_on_steps`: its direction, by the classical
  Runge–Kutta method on the orbit's own steps (gradients to ascend along).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numba
import numpy as np
from scipy.integrate import LSODA, OdeSolution, solve_ivp

from .._typing import Array
from ..compile.system import CompiledSystem

__all__ = ["Orbit", "orbit", "orbit_pair", "monodromy", "tangent", "adjoint", "steps_dense",
           "adjoint_on_steps"]


@dataclass(frozen=True)
class Orbit:
    """The result of :func:`orbit`, read like ``solve_ivp``'s: ``t``, ``y`` (one column per
    step), ``sol`` (dense output, or None), ``status`` (0 reached ``T``, 1 left the bound,
    2 ended by a stop condition, -1 failed), ``success`` and ``message``."""

    t: Array
    y: Array
    sol: Any
    status: int
    message: str

    @property
    def success(self) -> bool:
        return self.status >= 0


def orbit(c: CompiledSystem, x0: Array, T: float, *, rtol: float = 1e-10, atol: float = 1e-12,
          dense: bool = False, max_steps: int = 200_000,
          until: Callable[[Array], bool] | None = None) -> Orbit:
    """The autonomous flow over ``[0, T]`` by scipy's LSODA, stepped here: it stops (status 1)
    where :math:`|x|` exceeds :math:`10^8 (1 + |x_0|)` or stops being finite, and fails
    (status -1) after ``max_steps`` steps; ``until``: it ends (status 2) after the first
    step whose state satisfies it.

    ``solve_ivp`` alone never ended on a finite-time blow-up: past overflow every step is
    rejected and LSODA shrinks it without limit (a start on its way out of
    :math:`r' = r (1 - r^2)(9 - r^2) / 8` ran for 15 minutes), and a terminal event on the
    norm made its root finder raise on the overflowing step."""
    return _stepped(lambda t, x: c.f(x), lambda t, x: c.jac(x), np.asarray(x0, float), T,
                    rtol=rtol, atol=atol, dense=dense, max_steps=max_steps, until=until)


def orbit_pair(c: CompiledSystem, xa: Array, xb: Array, T: float,
               until: Callable[[Array, Array], bool], *, rtol: float = 1e-10,
               atol: float = 1e-12, max_steps: int = 200_000) -> Orbit:
    r"""Two trajectories of the flow in one LSODA run of the stacked system
    :math:`(x_a, x_b)` (so they share their steps), with dense output, over ``[0, T]`` or
    until the first step at which ``until(x_a, x_b)`` holds (status 2; that step is the
    last one kept). Rows ``:n`` of ``y`` and of ``sol`` are :math:`x_a`, rows ``n:`` are
    :math:`x_b`. Two separate runs stepped on to ``T`` and their states compared through
    dense output at one's steps cost three times as much where the pair parts early (the
    normals of basin boundaries, :func:`~dynena.network.via.separation_normal`)."""
    n = c.n

    def f(t: float, y: Array) -> Array:
        return np.concatenate([c.f(y[:n]), c.f(y[n:])])

    def jac(t: float, y: Array) -> Array:
        J = np.zeros((2 * n, 2 * n))
        J[:n, :n], J[n:, n:] = c.jac(y[:n]), c.jac(y[n:])
        return J

    y0 = np.concatenate([np.asarray(xa, float), np.asarray(xb, float)])
    return _stepped(f, jac, y0, T, rtol=rtol, atol=atol, dense=True, max_steps=max_steps,
                    until=lambda y: until(y[:n], y[n:]))


def _stepped(f: Callable[[float, Array], Array], jac: Callable[[float, Array], Array],
             x0: Array, T: float, *, rtol: float, atol: float, dense: bool, max_steps: int,
             until: Callable[[Array], bool] | None = None) -> Orbit:
    """LSODA stepped here from ``x0`` over ``[0, T]`` (see :func:`orbit`); ``until``: end
    after the first step whose state satisfies it (status 2)."""
    bound = 1e8 * (1.0 + float(np.linalg.norm(x0)))
    ts, ys, interps = [0.0], [x0.copy()], []
    status, message = 0, "reached the end"
    with np.errstate(all="ignore"):
        solver = LSODA(f, 0.0, x0, T, rtol=rtol, atol=atol, jac=jac)
        while solver.status == "running":
            if len(ts) > max_steps:
                status, message = -1, f"more than {max_steps} steps"
                break
            msg = solver.step()
            if solver.status == "failed":
                status, message = -1, str(msg)
                break
            y = solver.y
            if not (np.all(np.isfinite(y)) and float(np.linalg.norm(y)) <= bound):
                status, message = 1, f"left the ball of radius {bound:.3g}"
                break
            if not solver.t > ts[-1]:  # the step underflowed: time no longer advances
                status, message = -1, f"the step size underflowed at t = {solver.t:g}"
                break
            if dense:
                interps.append(solver.dense_output())
            ts.append(solver.t)
            ys.append(y.copy())
            if until is not None and until(y):
                status, message = 2, "the stop condition holds"
                break
    t = np.array(ts)
    sol = OdeSolution(t, interps) if dense and interps else None
    return Orbit(t, np.array(ys).T, sol, status, message)


def monodromy(c: CompiledSystem, x0: Array, T: float) -> tuple[Array, Array]:
    """The state at ``T`` and :math:`\\Phi(T)`.

    >>> import numpy as np, dynena
    >>> m = dynena.load_document({"dynena": 1, "name": "lin", "variables": ["x", "y"],
    ...     "equations": {"x": "-x", "y": "-2*y"}})
    >>> _, Phi = monodromy(dynena.compile_model(m), np.ones(2), 1.0)
    >>> np.allclose(np.diag(Phi), np.exp([-1.0, -2.0]), rtol=1e-8)
    True
    """
    n = c.n

    def rhs(t: float, y: Array) -> Array:
        x, Phi = y[:n], y[n:].reshape(n, n)
        return np.concatenate([c.f(x), (c.jac(x) @ Phi).ravel()])

    y0 = np.concatenate([x0, np.eye(n).ravel()])
    with np.errstate(all="ignore"):
        sol = solve_ivp(rhs, (0.0, T), y0, method="LSODA", rtol=1e-10, atol=1e-12)
    y = sol.y[:, -1]
    return y[:n], y[n:].reshape(n, n)


def tangent(c: CompiledSystem, x: Array, v: Array, dt: float, *, rtol: float = 1e-8,
            atol: float = 1e-10) -> tuple[Array, Array]:
    """The state and the tangent vector after ``dt`` (explicit Runge–Kutta, scipy's default)."""
    n = c.n
    sol = solve_ivp(lambda t, y: np.concatenate([c.f(y[:n]), c.jac(y[:n]) @ y[n:]]),
                    (0.0, dt), np.concatenate([x, v]), rtol=rtol, atol=atol)
    return sol.y[:n, -1], sol.y[n:, -1]


def adjoint(c: CompiledSystem, path: Any, t_star: float, lam: Array, *, rtol: float = 1e-8,
            atol: float = 1e-12, max_steps: int = 5000) -> Array:
    """:math:`\\lambda(0)` from :math:`\\lambda(t_*)` backwards along ``path`` (a dense
    :func:`orbit` solution); NaN when ``max_steps`` LSODA steps do not get there (a passage
    that lingers near a saddle of a 16-variable design took one call minutes, past every
    wall-clock budget: the caller then goes without the normal)."""
    from scipy.integrate import LSODA

    with np.errstate(all="ignore"):
        solver = LSODA(lambda t, y: -c.jac(path.sol(t)).T @ y, t_star, np.asarray(lam, float),
                       0.0, rtol=rtol, atol=atol)
        for _ in range(max_steps):
            if solver.status != "running":
                break
            solver.step()
    if solver.status != "finished":
        return np.full(len(lam), np.nan)
    return np.asarray(solver.y, dtype=float)


def steps_dense(T: Array, Y: Array, F: Array) -> Callable[[Any], Array]:
    """The cubic Hermite interpolant of a trajectory's steps (times ``T``, states ``Y`` and
    :math:`f` at them, one row each), read like ``OdeSolution``: a state at a scalar time,
    one column per time at an array of them."""
    from scipy.interpolate import CubicHermiteSpline

    spline = CubicHermiteSpline(T, Y, F, axis=0)

    def sol(t: Any) -> Array:
        v = np.asarray(spline(t))
        return v if np.ndim(t) == 0 else v.T

    return sol


def adjoint_on_steps(c: CompiledSystem, path: Orbit, t_star: float, lam: Array, *,
                     reach: float = 2.0, block: int | None = None) -> Array:
    r"""The direction of :math:`\lambda(0)` from :math:`\lambda(t_*)` backwards along
    ``path`` (with dense output), :math:`\dot\lambda = -J(x(t))^\top \lambda`: the
    classical Runge–Kutta method on the path's own steps, each cut into the fewest equal
    substeps :math:`h` with :math:`h \|J\|_\infty \le` ``reach`` at both its ends (its
    stability interval on the negative axis is 2.78; a path that sat at the explicit
    stability limit near a node needs them), the Jacobians at every substep's ends and
    middle evaluated in batches of ``block`` states (default: 2.5 million Jacobian entries
    a batch, 2 441 states in 32 variables, 15 in 400). Returned as a unit vector (the sizes
    are rescaled at each step); NaN where it overflows. :func:`adjoint` is the accurate one
    (LSODA, to a tolerance); on the AP 3-cube's paths (32 variables, the oracle's
    tolerances) this one is within 3e-5 rad of it at rtol 1e-11 on 99 % of 285 closest
    approaches, 2.3e-3 rad at worst, and takes ~2.5 ms where LSODA at 1e-8 took ~16 ms."""
    lam = np.asarray(lam, dtype=float)
    lam = lam / np.linalg.norm(lam)
    grid = np.append(path.t[path.t < t_star], t_star)
    if len(grid) < 2:
        return lam
    if block is None:
        block = max(4, 2_500_000 // (len(lam) * len(lam)))
    with np.errstate(all="ignore"):
        rho = np.concatenate([
            np.abs(c.jac_batch(np.asarray(path.sol(grid[i:i + block])).T)).sum(axis=2).max(axis=1)
            for i in range(0, len(grid), block)])
        h = np.diff(grid)
        m = np.ceil(h * np.maximum(rho[:-1], rho[1:]) / reach)
        m = np.where(np.isfinite(m), np.maximum(m, 1), 1).astype(int)
        # every substep's end, middle, end: descending from t_star, ends shared
        tt = np.concatenate([grid[j + 1] - (h[j] / (2 * m[j])) * np.arange(2 * m[j])
                             for j in range(len(h) - 1, -1, -1)] + [grid[:1]])
        for i in range(0, len(tt) - 1, 2 * block):  # a block's last state opens the next
            part = tt[i:i + 2 * block + 1]
            J = np.ascontiguousarray(c.jac_batch(np.asarray(path.sol(part)).T))
            lam = _rk4_back(J, part, lam)
    return lam


@numba.njit(cache=True)
def _rk4_back(J: Array, tt: Array, lam: Array) -> Array:  # pragma: no cover - numba
    """The Runge–Kutta steps of :func:`adjoint_on_steps` (``J`` at the times ``tt``),
    compiled: ~1 µs a substep in 32 variables where NumPy's calls cost ~8."""
    n = lam.shape[0]
    lam = lam.copy()
    k = np.empty((4, n))
    z = np.empty(n)
    for s in range(0, tt.shape[0] - 1, 2):
        dt = tt[s] - tt[s + 2]
        for q in range(4):
            row = s if q == 0 else (s + 2 if q == 3 else s + 1)
            w = 0.0 if q == 0 else (dt if q == 3 else 0.5 * dt)
            for a in range(n):
                z[a] = lam[a] + w * k[q - 1, a] if q > 0 else lam[a]
            for b in range(n):  # (J^T z)_b = sum_a z_a J_ab
                acc = 0.0
                for a in range(n):
                    acc += z[a] * J[row, a, b]
                k[q, b] = acc
        nrm = 0.0
        for a in range(n):
            lam[a] += dt / 6.0 * (k[0, a] + 2.0 * k[1, a] + 2.0 * k[2, a] + k[3, a])
            nrm += lam[a] * lam[a]
        nrm = np.sqrt(nrm)
        for a in range(n):
            lam[a] /= nrm
    return lam
