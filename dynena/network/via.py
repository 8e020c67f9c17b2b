r"""Via-saddles and boundary geometry.

* :func:`closest_saddle` — the saddle a transition passes closest to;
* :func:`boundary_normal` — the normal of a basin boundary at a point on it, by pulling the
  saddle's normal :math:`n_s` (left unstable eigenvector of :math:`Df(s)`) back along the flow
  with the adjoint equation :math:`\dot\lambda = -Df(x(t))^\top \lambda` (ode) or
  :math:`\lambda_k = Df(x_k)^\top \lambda_{k+1}` (map);
* :func:`separation_normal` — the same normal with no saddle: the direction in which two
  trajectories from either side of the boundary separate, pulled back by the adjoint;
* :func:`edge_track` — the edge state between two basins (bisect, step, re-bisect), then
  Newton-polished into a saddle when the trajectory settles on one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._typing import Array
from ..compile.kind import kind_of
from ..flow.advance import advance
from ..flow.variational import Orbit, adjoint, adjoint_on_steps, orbit, orbit_pair
from .outcome import OutcomeOracle

__all__ = ["closest_saddle", "left_unstable_vector", "boundary_normal", "separation_normal",
           "edge_track"]


def closest_saddle(X: Array, saddles: Array, reach: Array) -> tuple[int | None, float, int]:
    """Index of the saddle nearest to the trajectory ``X`` if within its ``reach``; also the
    distance and the trajectory index of closest approach."""
    if not len(saddles) or not len(X):
        return None, np.inf, 0
    best, bd, bk = None, np.inf, 0
    for s, (z, r) in enumerate(zip(saddles, reach)):
        d = np.linalg.norm(X - z, axis=1)
        k = int(np.argmin(d))
        if d[k] < r and d[k] / r < bd:
            best, bd, bk = s, d[k] / r, k
    if best is None:
        return None, np.inf, 0
    return best, float(np.linalg.norm(X[bk] - saddles[best])), bk


def left_unstable_vector(J: Array, kind: str) -> Array:
    """Left eigenvector of the most unstable eigenvalue (the normal of the stable manifold)."""
    w, V = np.linalg.eig(J.T)
    k = int(np.argmax(kind_of(kind).dominance(w)))
    v = np.real(V[:, k])
    return v / np.linalg.norm(v)


def boundary_normal(model: Any, x_start: Array, saddle: Array, n_s: Array, t_max: float,
                    t_star: float | None = None, path: Orbit | None = None) -> Array | None:
    """Normal of the stable manifold of ``saddle`` at ``x_start`` (unit), or None.
    ``t_star``: the time (steps) of the trajectory's closest approach to the saddle, where
    known; the orbit is integrated to it alone, not to ``t_max`` (most of a normal's cost
    where the approach is short). ``path``: that trajectory (an ODE's, dense, reaching
    ``t_star``), already computed: the adjoint runs back along its steps
    (:func:`~dynena.flow.variational.adjoint_on_steps`)."""
    if model.dynamics.is_map:
        X = [np.asarray(x_start, float)]
        best, bd = 0, np.inf
        for k in range(int(t_max if t_star is None else t_star)):
            X.append(model.f(X[-1]))
            d = float(np.linalg.norm(X[-1] - saddle))
            if d < bd:
                best, bd = k + 1, d
            elif d > 10 * bd and k > best + 50:
                break
        lam = n_s.copy()
        for k in range(best - 1, -1, -1):
            lam = model.jac(X[k]).T @ lam
            lam /= np.linalg.norm(lam)
        return lam
    if t_star is not None and t_star <= 0:
        return None
    if path is not None and t_star is not None and path.sol is not None \
            and t_star <= path.t[-1]:
        return _unit(adjoint_on_steps(model, path, t_star, n_s))
    sol = orbit(model, x_start, t_max if t_star is None else t_star, rtol=1e-9, atol=1e-11,
                dense=True)
    if t_star is None:
        d = np.linalg.norm(sol.y.T - saddle, axis=1)
        t_star = float(sol.t[int(np.argmin(d))])
    else:  # the end of the orbit: where it got (an integration that stopped short: its end)
        t_star = float(sol.t[-1])
    if t_star <= 0 or sol.sol is None:
        return None
    # adjoint, backward in time; rescale-free since only the direction matters
    return _unit(adjoint(model, sol, t_star, n_s))


def separation_normal(model: Any, x_lo: Array, x_hi: Array, t_max: float,
                      linear: float = 1e-3) -> Array | None:
    r"""Normal (unit, either sign) of the basin boundary between ``x_lo`` and ``x_hi`` (two
    states close to it, on either side) from how their trajectories separate, with no saddle
    needed: the separation :math:`d(t) = x_{hi}(t) - x_{lo}(t)` grows along the boundary's
    most unstable direction, and the covector :math:`\hat d(t_*)` pulled back along the
    orbit of ``x_lo``, :math:`\Phi(t_*)^\top \hat d(t_*)` (the gradient at ``x_lo`` of
    :math:`\langle \hat d, x(t_*)\rangle`), aligns with the normal at the rate at which
    the leading expansion outgrows the next. :math:`t_*` is the last time (step) at which
    :math:`|d|` is still below ``linear`` :math:`(1 + |x_{lo}|)`, where the linearisation
    holds. The boundary of a flip-flop ESN (a map of 200 units) separated its trajectories
    from 1e-7 to order 1 within 6 steps without coming near any fixed point (a saddle cycle
    or a chaotic saddle between the basins): no saddle gave a normal there. None where the
    trajectories do not separate within ``t_max``."""
    x_lo, x_hi = np.asarray(x_lo, float), np.asarray(x_hi, float)
    d0 = float(np.linalg.norm(x_hi - x_lo))
    if d0 == 0.0:
        return None
    lam = x_hi - x_lo
    if model.dynamics.is_map:
        X, a, b = [x_lo], x_lo, x_hi
        with np.errstate(all="ignore"):
            for _ in range(int(t_max)):
                a, b = model.f(a), model.f(b)
                if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
                    return None
                d = b - a
                if np.linalg.norm(d) > linear * (1.0 + np.linalg.norm(a)):
                    break
                X.append(a)
                lam = d
            else:
                return None
        if len(X) < 2:
            return None
        for k in range(len(X) - 2, -1, -1):
            lam = model.jac(X[k]).T @ lam
            lam /= np.linalg.norm(lam)
        return lam if np.all(np.isfinite(lam)) else None
    def parted(a: Array, b: Array) -> bool:
        return bool(np.linalg.norm(b - a) > linear * (1.0 + np.linalg.norm(a)))

    # both in one run, ended where they part (the approach to the nodes after it was two
    # thirds of a normal's cost)
    pair = orbit_pair(model, x_lo, x_hi, t_max, parted, rtol=1e-10, atol=1e-13)
    k = len(pair.t) - 2  # the last step still within the linear range
    if pair.status != 2 or pair.sol is None or k < 1:
        return None
    n = len(x_lo)
    d = pair.y[n:, k] - pair.y[:n, k]
    return _unit(adjoint(model, _Rows(pair.sol, n), float(pair.t[k]), d / np.linalg.norm(d)))


def approach_gradient(model: Any, oracle: OutcomeOracle, x: Array, P: Array
                      ) -> tuple[float, Array, int] | None:
    r"""How near the trajectory from ``x`` comes to a target node (points ``P``, rows), and
    the direction in which to move ``x`` to bring it nearer: the closest approach
    :math:`D(x) = \min_t \min_p |x(t) - p|^2` and its gradient
    :math:`\nabla D = 2\,\Phi(t_*)^\top (x(t_*) - p_*)`, the deviation at the time of
    closest approach pulled back along the orbit by the adjoint (the map's
    :math:`J^\top` products; an ODE's adjoint equation). Returned as (D, unit gradient,
    the node the trajectory was captured by, -1 for none): the minimal-seed searches
    (:func:`~dynena.network.certify.search_node`) move kicks against it at a fixed
    amplitude. One trajectory of the oracle's (to capture); None where the pull-back
    fails (overflow, the adjoint's step limit)."""
    x = np.asarray(x, float)
    if model.dynamics.is_map:
        _, X = oracle.trajectory(x)
        path = None
    else:  # the compiled loop's steps where it has them
        path = oracle.compiled_path(x) or oracle.path(x)
        X = path.y.T
    if not np.all(np.isfinite(X[-1])):
        return None
    if len(P) == 1:
        D, near = np.sum((X - P[0]) ** 2, axis=1), np.zeros(len(X), dtype=int)
    else:  # a cycle's points: the nearest of them at each time
        from scipy.spatial import cKDTree

        d, near = cKDTree(P).query(X)
        D = d * d
    k = int(np.argmin(D))
    lam = X[k] - P[near[k]]
    if not np.any(lam):
        return None
    got = int(oracle.captured(X[-1][None])[0])
    val = float(D[k])
    if model.dynamics.is_map:
        with np.errstate(all="ignore"):
            for t in range(k - 1, -1, -1):  # rescaled at each step: only the direction counts
                lam = model.jac(X[t]).T @ lam
                lam = lam / np.linalg.norm(lam)
    elif k > 0:
        assert path is not None
        if path.sol is None:
            return None
        t_star, lam = _closest_time(path, P[near[k]], k)
        val = float(lam @ lam)
        lam = adjoint_on_steps(model, path, t_star, lam)
    g = _unit(lam)
    return None if g is None else (val, g, got)


def _closest_time(path: Orbit, p: Array, k: int) -> tuple[float, Array]:
    """The time of closest approach to ``p`` on the dense solution between the steps
    either side of step ``k`` (the nearest step), and the deviation there: at the step
    itself the derivative of the distance is not zero, and the gradient pulled back from
    it is that of the distance at a fixed time, not of the closest approach."""
    from scipy.optimize import minimize_scalar

    a, b = float(path.t[max(k - 1, 0)]), float(path.t[min(k + 1, len(path.t) - 1)])
    res = minimize_scalar(lambda t: float(np.sum((path.sol(t) - p) ** 2)), bounds=(a, b),
                          method="bounded", options={"xatol": 1e-10 * (1.0 + abs(b))})
    t = float(res.x) if res.fun <= float(np.sum((path.y[:, k] - p) ** 2)) else float(path.t[k])
    return t, np.asarray(path.sol(t)) - p


def _unit(lam: Array) -> Array | None:
    """A pulled-back covector as a unit normal; None where the pull-back failed."""
    nrm = float(np.linalg.norm(lam))
    return lam / nrm if np.all(np.isfinite(lam)) and nrm > 0 else None


class _Rows:
    """The first ``n`` rows of a dense solution, read as one (the trajectory of ``x_lo``
    in :func:`separation_normal`'s pair)."""

    def __init__(self, sol: Any, n: int) -> None:
        self._sol, self._n = sol, n

    def sol(self, t: float) -> Array:
        return np.asarray(self._sol(t))[:self._n]


def edge_track(oracle: OutcomeOracle, x_in: Array, x_out: Array, target_in: int,
               *, steps: int = 40, dt: float | None = None, tol: float = 1e-8
               ) -> Array:
    """Follow the edge between the basin of ``target_in`` and the rest; return its end state.

    Bisect the segment [x_in, x_out] to ``tol``, advance both sides for ``dt`` (ode) or one
    step (map), and repeat. The edge trajectory converges to the saddle on the boundary
    (the edge state), whose location is returned for Newton polishing.
    """
    m = oracle.model
    a, b = np.asarray(x_in, float), np.asarray(x_out, float)
    if dt is None:
        dt = 1.0  # one time unit (ode) or one step (map)
    for _ in range(steps):
        for _ in range(60):
            if np.linalg.norm(b - a) <= tol * (1 + np.linalg.norm(a)):
                break
            mid = 0.5 * (a + b)
            if oracle(mid[None])[0] == target_in:
                a = mid
            else:
                b = mid
        with np.errstate(all="ignore"):
            a = advance(m, a, dt, rtol=1e-10, atol=1e-12)
            b = advance(m, b, dt, rtol=1e-10, atol=1e-12)
        if np.linalg.norm(m.residual(0.5 * (a + b))) < 1e-8:
            break
    return 0.5 * (a + b)
