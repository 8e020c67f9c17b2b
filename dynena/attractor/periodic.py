r"""Periodic orbits from a state on (or near) them, polished with the exact Jacobian.

* Maps: the smallest period :math:`k \le k_{max}` with :math:`x_{n+k} \approx x_n` along the
  tail, then Newton on :math:`G^k(x) - x = 0` with
  :math:`D G^k = \prod_i DG(x_i)`; multipliers are the eigenvalues of that product.
* ODEs: returns to the Poincaré section through the state (normal to the flow) give the
  period; shooting Newton on :math:`(\varphi_T(x_0) - x_0,\ f(x_r)\cdot(x_0 - x_r)) = 0`
  with the monodromy matrix :math:`M = \partial\varphi_T/\partial x_0` from the variational
  equation :math:`\dot\Phi = Df(x(t))\,\Phi`; Floquet multipliers are the eigenvalues of
  :math:`M` without the trivial one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from .._typing import Array
from ..compile import ScaledSystem, model_unit
from ..compile.system import CompiledSystem
from ..flow.variational import monodromy, orbit
from ..results.attractors import PeriodicOrbit

__all__ = ["map_cycle_from", "limit_cycle_from"]


def _in_units(find: Callable[..., PeriodicOrbit | None], c: CompiledSystem, x: Array,
              **kw: Any) -> PeriodicOrbit | None:
    """``find`` run in coordinates where every variable's range is of order one
    (:class:`~dynena.compile.ScaledSystem`), the orbit returned in the model's own: its
    tolerances (a return within 1e-3, a residual below 1e-8) are written for states of order
    one; a limit cycle 1e-9 across came out 'quasi-periodic'. The residual is bounded by the
    largest unit times the scaled one."""
    unit = model_unit(c)
    if np.all(unit == 1.0):
        return find(c, x, **kw)
    o = find(ScaledSystem(c, unit), np.asarray(x, float) / unit, **kw)
    return None if o is None else replace(o, points=o.points * unit,
                                          residual=o.residual * float(np.max(unit)))


def map_cycle_from(c: CompiledSystem, x: Array, *, max_period: int = 64, settle: int = 2000,
                   tol: float = 1e-7, oid: str = "C?") -> PeriodicOrbit | None:
    """The k-cycle that the orbit of ``x`` settles on, or None (no period ≤ ``max_period``)."""
    return _in_units(_map_cycle, c, x, max_period=max_period, settle=settle, tol=tol, oid=oid)


def _map_cycle(c: CompiledSystem, x: Array, *, max_period: int, settle: int, tol: float,
               oid: str) -> PeriodicOrbit | None:
    X = np.empty((settle + 2 * max_period + 1, c.n))
    X[0] = x
    with np.errstate(all="ignore"):
        for k in range(1, len(X)):
            X[k] = c.f(X[k - 1])
    if not np.all(np.isfinite(X[-1])):
        return None
    tail = X[-2 * max_period - 1:]
    scale = 1.0 + float(np.max(np.abs(tail)))
    period = None
    for k in range(1, max_period + 1):
        if np.max(np.linalg.norm(tail[k:k + max_period] - tail[:max_period], axis=1)) < \
                1e-3 * scale:
            period = k
            break
    if period is None:
        return None
    z = tail[0].copy()
    res = np.inf
    for _ in range(30):  # Newton on G^k(z) - z
        pts, P = [z], np.eye(c.n)
        for _ in range(period):
            P = c.jac(pts[-1]) @ P
            pts.append(c.f(pts[-1]))
        F = pts[-1] - z
        res = float(np.linalg.norm(F))
        if res < tol * 1e-3 * scale:
            break
        try:
            z = z - np.linalg.solve(P - np.eye(c.n), F)
        except np.linalg.LinAlgError:
            break
    pts, P = [z], np.eye(c.n)
    for _ in range(period):
        P = c.jac(pts[-1]) @ P
        pts.append(c.f(pts[-1]))
    res = float(np.linalg.norm(pts[-1] - z))
    if not (np.isfinite(res) and res < tol * scale):
        return None
    mult: Array = np.linalg.eigvals(P).astype(complex)
    return PeriodicOrbit(oid, "map-cycle", float(period), np.array(pts[:period]), mult,
                         bool(np.max(np.abs(mult)) < 1 - 1e-9), res, tuple(c.names))


def limit_cycle_from(c: CompiledSystem, x: Array, *, t_tail: float = 200.0, samples: int = 1000,
                     tol: float = 1e-8, oid: str = "C?") -> PeriodicOrbit | None:
    """The limit cycle that the trajectory of ``x`` settles on, or None."""
    return _in_units(_limit_cycle, c, x, t_tail=t_tail, samples=samples, tol=tol, oid=oid)


def _limit_cycle(c: CompiledSystem, x: Array, *, t_tail: float, samples: int, tol: float,
                 oid: str) -> PeriodicOrbit | None:
    sol = orbit(c, x, t_tail, rtol=1e-9, dense=True)
    if sol.status != 0 or not np.all(np.isfinite(sol.y[:, -1])):  # failed, or escaped
        return None
    xr = sol.y[:, -1]
    fr = c.f(xr)
    if np.linalg.norm(fr) < 1e-8 * (1 + np.linalg.norm(xr)):
        return None  # settling on an equilibrium
    # returns to the section {f(xr)·(x - xr) = 0} in the same direction
    ts = np.linspace(0.0, t_tail, 40001)
    Y = sol.sol(ts).T
    g = (Y - xr) @ fr
    cross = np.flatnonzero((g[:-1] < 0) & (g[1:] >= 0))
    if len(cross) < 3:
        return None
    tc = ts[cross] - g[cross] * (ts[cross + 1] - ts[cross]) / (g[cross + 1] - g[cross])
    pc = sol.sol(tc).T
    near = np.linalg.norm(pc - xr, axis=1) < 0.05 * (1e-12 + float(np.max(np.ptp(Y, axis=0))))
    tc = tc[near]
    if len(tc) < 3:
        return None
    T = float(np.median(np.diff(tc)))
    z = xr.copy()
    for _ in range(12):  # shooting Newton with the phase condition f(xr)·(z - xr) = 0
        xT, M = monodromy(c, z, T)
        R = np.concatenate([xT - z, [fr @ (z - xr)]])
        if np.linalg.norm(R[:-1]) < tol * (1 + np.linalg.norm(z)):
            break
        A = np.zeros((c.n + 1, c.n + 1))
        A[:c.n, :c.n] = M - np.eye(c.n)
        A[:c.n, c.n] = c.f(xT)
        A[c.n, :c.n] = fr
        try:
            d = np.linalg.solve(A, -R)
        except np.linalg.LinAlgError:
            return None
        z, T = z + d[:c.n], T + d[c.n]
        if not (np.isfinite(T) and T > 0):
            return None
    xT, M = monodromy(c, z, T)
    res = float(np.linalg.norm(xT - z))
    s = orbit(c, z, T, dense=True)
    pts = s.sol(np.linspace(0.0, T, samples, endpoint=False)).T
    # closed relative to the orbit's own size: a tiny loop around a weak focus closes to
    # 1e-8 absolute while it is a spiral, not an orbit
    diam = float(np.max(np.ptp(pts, axis=0)))
    if not res < min(1e3 * tol * (1 + float(np.linalg.norm(z))), 1e-3 * diam):
        return None
    mult = np.linalg.eigvals(M)
    k = int(np.argmin(np.abs(mult - 1.0)))  # the trivial multiplier (flow direction)
    others = np.delete(mult, k)
    # a multiplier within 1e-4 of the unit circle is neutral to the accuracy of the
    # monodromy matrix (a centre's family of closed orbits): not an attractor
    stable = bool(np.all(np.abs(others) < 1 - 1e-4)) if len(others) else True
    return PeriodicOrbit(oid, "limit-cycle", T, pts, others, stable, res, tuple(c.names))
