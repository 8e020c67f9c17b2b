r"""Where does a perturbed state go? The outcome oracle behind every threshold.

A trajectory's **outcome** is the first node whose capture ball it enters: a ball of radius
:math:`r_k = 0.05\, d_k` around node :math:`\xi_k`, :math:`d_k` the distance to the nearest
other equilibrium, small enough to lie inside the basin of a stable node (linear regime). For
stable nodes the outcome is the attractor reached; for saddle nodes (heteroclinic networks) it
is the next node visited. Codes: ``-1`` unknown (no node reached within ``t_max``: a periodic
orbit, chaos, or a very slow passage), ``-2`` diverged.

Maps are iterated in batches (all starts at once); ODEs are integrated one by one with
:func:`scipy.integrate.solve_ivp` (LSODA, exact Jacobian) and a terminal capture event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from .._typing import Array

__all__ = ["OutcomeOracle", "UNKNOWN", "DIVERGED"]

UNKNOWN = -1
DIVERGED = -2


@dataclass
class OutcomeOracle:
    """Maps initial states (and optional input pulses) to node indices.

    Attributes
    ----------
    model : CompiledModel
    nodes : ndarray, shape (K, n)
        Node states.
    radii : ndarray, shape (K,)
        Capture radii.
    t_max : float
        Time (ode) or steps (map) allowed before the outcome is ``UNKNOWN``.
    max_norm : float
        Beyond this norm the outcome is ``DIVERGED``.
    trajectories : int
        Counter of trajectories computed (the cost evidence every threshold reports).
    """

    model: Any
    nodes: Array
    radii: Array
    t_max: float
    max_norm: float = 1e6
    rtol: float = 1e-8
    atol: float = 1e-10
    trajectories: int = field(default=0)

    @classmethod
    def build(cls, model: Any, nodes: Array, all_equilibria: Array, *,
              t_max: float | None = None, eigenvalues: list[Array] | None = None,
              capture: float = 0.05) -> OutcomeOracle:
        nodes = np.atleast_2d(nodes)
        radii = np.empty(len(nodes))
        for k, x in enumerate(nodes):
            d = np.linalg.norm(all_equilibria - x, axis=1)
            d = d[d > 1e-9 * (1 + np.linalg.norm(x))]
            dk = float(d.min()) if len(d) else 1.0 + float(np.linalg.norm(x))
            radii[k] = capture * dk
        if t_max is None:
            # long enough to relax along the slowest stable direction many times over
            rate = 1.0
            for w in eigenvalues or []:
                g = np.abs(np.real(w)) if model.kind == "ode" else np.abs(np.log(np.abs(w) + 1e-300))
                g = g[g > 1e-12]
                if len(g):
                    rate = min(rate, float(g.min()))
            t_max = float(np.clip(60.0 / rate, 200.0, 1e6))
            if model.kind == "map":
                t_max = float(np.clip(t_max, 500, 100000))
        scale = 1.0 + float(np.max(np.abs(all_equilibria))) if len(all_equilibria) else 1.0
        return cls(model, nodes, radii, t_max, max_norm=1e4 * scale)

    # -- the oracle ---------------------------------------------------------------------
    def __call__(self, X0: Array, pulse: tuple[Array, int] | None = None) -> Array:
        """Outcome of each row of ``X0``.

        ``pulse = (U, width)`` first applies input ``U`` (shape ``(m,)`` or one row per
        start) for ``width`` steps (map) or time units (ode).
        """
        X0 = np.atleast_2d(np.asarray(X0, float))
        self.trajectories += len(X0)
        if self.model.kind == "map":
            return self._maps(X0, pulse)
        if pulse is None:
            return np.array([self._ode(x, None) for x in X0], dtype=int)
        U = np.broadcast_to(np.atleast_2d(pulse[0]), (len(X0), np.size(pulse[0]) if
                                                      np.ndim(pulse[0]) == 1 else
                                                      np.shape(pulse[0])[1]))
        return np.array([self._ode(x, (U[k], pulse[1])) for k, x in enumerate(X0)], dtype=int)

    def _captured(self, X: Array) -> Array:
        d = np.linalg.norm(X[:, None, :] - self.nodes[None, :, :], axis=2)
        inside = d < self.radii[None, :]
        return np.where(inside.any(axis=1), inside.argmax(axis=1), UNKNOWN)

    def _maps(self, X0: Array, pulse: tuple[Array, int] | None) -> Array:
        f = self.model.f_batch
        X = X0.copy()
        with np.errstate(all="ignore"):
            if pulse is not None:
                u, width = pulse
                u = np.asarray(u, float)
                U = np.broadcast_to(u, (len(X), u.shape[-1]))
                for _ in range(width):
                    X = f(X, U)
            out = np.full(len(X), UNKNOWN)
            active = np.ones(len(X), bool)
            for _ in range(int(self.t_max)):
                idx = np.flatnonzero(active)
                if not len(idx):
                    break
                Xa = X[idx]
                cap = self._captured(Xa)
                bad = ~np.all(np.isfinite(Xa), axis=1) | (np.linalg.norm(Xa, axis=1) > self.max_norm)
                done = (cap >= 0) | bad
                out[idx[cap >= 0]] = cap[cap >= 0]
                out[idx[bad]] = DIVERGED
                active[idx[done]] = False
                keep = idx[~done]
                if len(keep):
                    X[keep] = f(X[keep])
        return out

    def _ode(self, x0: Array, pulse: tuple[Array, int] | None) -> int:
        m = self.model
        with np.errstate(all="ignore"):
            if pulse is not None:
                u, width = pulse
                sol = solve_ivp(lambda t, x: m.f(x, u), (0.0, float(width)), x0, method="LSODA",
                                jac=lambda t, x: m.jac(x, u), rtol=self.rtol, atol=self.atol)
                x0 = sol.y[:, -1]
            c0 = self._captured(x0[None])[0]
            if c0 >= 0:
                return int(c0)
            nodes, radii, big = self.nodes, self.radii, self.max_norm

            def capture(t: float, x: Array) -> float:
                return float(np.min(np.linalg.norm(nodes - x, axis=1) - radii))

            def escape(t: float, x: Array) -> float:
                return big - float(np.linalg.norm(x))

            capture.terminal = True  # type: ignore[attr-defined]
            escape.terminal = True  # type: ignore[attr-defined]
            sol = solve_ivp(lambda t, x: m.f(x), (0.0, self.t_max), x0, method="LSODA",
                            jac=lambda t, x: m.jac(x), rtol=self.rtol, atol=self.atol,
                            events=(capture, escape))
        if len(sol.t_events[1]) or not np.all(np.isfinite(sol.y[:, -1])):
            return DIVERGED
        if len(sol.t_events[0]):
            xe = sol.y_events[0][0]
            return int(np.argmin(np.linalg.norm(self.nodes - xe, axis=1) - self.radii))
        return UNKNOWN

    def trajectory(self, x0: Array, t: float | None = None) -> tuple[Array, Array]:
        """A full autonomous trajectory (times, states), for via-saddle and normal estimates."""
        m = self.model
        t = self.t_max if t is None else t
        if m.kind == "map":
            xs = [np.asarray(x0, float)]
            for _ in range(int(t)):
                xs.append(m.f(xs[-1]))
                if self._captured(xs[-1][None])[0] >= 0:
                    break
            X = np.array(xs)
            return np.arange(len(X), dtype=float), X
        nodes, radii = self.nodes, self.radii

        def capture(tt: float, x: Array) -> float:
            return float(np.min(np.linalg.norm(nodes - x, axis=1) - radii))

        capture.terminal = True  # type: ignore[attr-defined]
        with np.errstate(all="ignore"):
            sol = solve_ivp(lambda tt, x: m.f(x), (0.0, t), x0, method="LSODA",
                            jac=lambda tt, x: m.jac(x), rtol=self.rtol, atol=self.atol,
                            events=capture, dense_output=True)
        self.trajectories += 1
        return sol.t, sol.y.T
