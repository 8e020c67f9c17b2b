r"""Trajectories of compiled models.

ODEs :math:`\dot x = f(x; p, u(t))` are integrated by :func:`scipy.integrate.solve_ivp` with the
exact Jacobian (default ``LSODA``, which switches to a stiff method when needed); maps
:math:`x_{k+1} = f(x_k; p, u_{k+1})` are iterated. Both can stop once the state has converged to
an equilibrium (:math:`\|f(x)\| <` ``eq_tol`` for an ode, :math:`\|f(x) - x\| <` ``eq_tol`` for a
map) and both stop, with ``status = Status.DIVERGED``, when the state leaves the ball of radius
``max_norm`` or becomes infinite, and with ``Status.LEFT_DOMAIN`` where the equations stop
being defined (NaN: the square root or logarithm of a negative number).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._typing import Array
from ..compile import CompiledSystem, as_compiled, state_scale
from ..errors import ParameterError
from ..limits import env_name, limit
from ..model.protocol import SystemModel
from ..results.status import Status

__all__ = ["Trajectory", "simulate", "METHODS"]

METHODS = ("LSODA", "RK45", "RK23", "DOP853", "Radau", "BDF")
_EXPLICIT = ("RK45", "RK23", "DOP853")
ODE_MAX_STEPS = 1_000_000


class _OutOfSteps(Exception):
    """The right-hand side was evaluated more often than the step budget allows."""

    def __init__(self, t: float, x: Array) -> None:
        self.t, self.x = t, x


@dataclass(frozen=True)
class Trajectory:
    """A computed trajectory and the evidence of how it was computed.

    Attributes
    ----------
    t : ndarray, shape (T,)
        Times (ode) or step numbers (map).
    x : ndarray, shape (T, n)
    names : tuple of str
    status : ``"completed"``, ``"equilibrium"``, ``"diverged"``, ``"budget"`` (the step budget
        ran out; ``x`` then holds the start and the last state) or ``"failed"``
    message : str
    nfev, njev : int
        Right-hand side and Jacobian evaluations.
    """

    t: Array
    x: Array
    names: tuple[str, ...]
    status: Status
    message: str
    nfev: int = 0
    njev: int = 0
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))  # also from a plain string

    @property
    def success(self) -> bool:
        """Complete, with the full guarantee of its method (see :class:`Status`)."""
        return self.status.success

    @property
    def final(self) -> Array:
        return np.asarray(self.x[-1], dtype=float)

    def to_dict(self) -> dict[str, Any]:
        return {"names": list(self.names), "t": self.t.tolist(), "x": self.x.tolist(),
                "status": self.status, "message": self.message, "nfev": self.nfev,
                "njev": self.njev, "options": self.options}

    def to_csv(self, path: str) -> None:
        header = ",".join(["t", *self.names])
        np.savetxt(path, np.column_stack([self.t, self.x]), delimiter=",", header=header,
                   comments="")


def simulate(
    model: SystemModel | CompiledSystem,
    x0: Any,
    t_end: float = 100.0,
    *,
    u: Callable[[float], Any] | Any = None,
    method: str = "LSODA",
    rtol: float = 1e-8,
    atol: float | None = None,
    max_step: float = np.inf,
    t_eval: Any = None,
    stop_at_equilibrium: bool = False,
    eq_tol: float | None = None,
    max_norm: float = 1e8,
    max_steps: int | None = None,
    backward: bool = False,
) -> Trajectory:
    r"""Simulate a compiled model from ``x0``.

    Parameters
    ----------
    model : CompiledModel
        From :func:`dynena.compile_model` (a :class:`~dynena.Model` is compiled on the fly).
    x0 : array_like, shape (n,)
    t_end : float
        End time (ode) or number of steps (map).
    u : callable or array_like, optional
        Input: a constant vector, or a function of time/step returning one.
    method, rtol, atol, max_step, t_eval
        Passed to :func:`scipy.integrate.solve_ivp` (ode only). ``atol`` defaults to 1e-10
        times the state scale (:func:`~dynena.compile.state_scale`: 1 unless a variable's
        range is narrower than 1, then about that width), so that a model written in units
        where states are 1e-9 is integrated as accurately as one where they are 1.
    stop_at_equilibrium : bool
        Stop once the residual is below ``eq_tol`` (default 1e-9 times the state scale).
    max_norm : float
        Stop with status ``diverged`` once :math:`\|x\|` exceeds this.
    max_steps : int, optional
        Budget: right-hand side evaluations of an ode (default 10⁶; a chaotic or stiff run
        to a huge ``t_end`` ends with status ``budget`` instead of running for hours), or
        stored values (steps × variables) of a map (default the ``simulate_steps`` limit).
    backward : bool
        Integrate the time-reversed field :math:`\dot x = -f(x)` (ode only; stable manifolds
        are unstable ones backwards).

    Returns
    -------
    Trajectory

    Examples
    --------
    x' = -x/3 from x = 1: x(3) = 1/e.

    >>> import dynena
    >>> m = dynena.load_document({"dynena": 1, "name": "decay", "variables": ["x"],
    ...                           "parameters": {"k": "1/3"}, "equations": {"x": "-k*x"}})
    >>> tr = dynena.simulate(m, [1.0], t_end=3.0)
    >>> tr.status, round(float(tr.final[0]), 7)
    (<Status.COMPLETED: 'completed'>, 0.3678794)
    """
    c: CompiledSystem = as_compiled(model)
    x0 = _checked_start(c, x0, t_end, method, backward, max_steps)
    if atol is None or eq_tol is None:
        unit = state_scale(c)
        atol = 1e-10 * unit if atol is None else atol
        eq_tol = 1e-9 * unit if eq_tol is None else eq_tol
    ufun: Callable[[float], Any]
    if u is None or not callable(u):
        const = None if u is None else np.asarray(u, dtype=float)
        ufun = lambda t: const  # noqa: E731
    else:
        ufun = u
    opts = {"method": method, "rtol": rtol, "atol": atol, "t_end": t_end, "eq_tol": eq_tol,
            "stop_at_equilibrium": stop_at_equilibrium, "max_norm": max_norm}
    if c.dynamics.is_map:
        return _iterate(c, x0, int(t_end), ufun, stop_at_equilibrium, eq_tol, max_norm, opts)
    return _integrate(c, x0, float(t_end), ufun, opts, max_step=max_step, t_eval=t_eval,
                      budget=max_steps or ODE_MAX_STEPS, sign=-1.0 if backward else 1.0)


def _checked_start(c: CompiledSystem, x0: Any, t_end: float, method: str, backward: bool,
                   max_steps: int | None) -> Array:
    """The start as a finite vector of the right length; the options checked up front."""
    x = np.asarray(x0, dtype=float).ravel()
    if x.shape != (c.n,):
        raise ParameterError(f"x0 has {x.size} entries but model {c.model.name!r} has "
                             f"{c.n} variables ({', '.join(c.names[:8])}"
                             f"{', ...' if c.n > 8 else ''})")
    if not np.all(np.isfinite(x)):
        raise ParameterError("x0 has non-finite entries")
    if not (np.isfinite(t_end) and t_end > 0):
        raise ParameterError(f"t_end must be a positive finite number, got {t_end!r}")
    if not c.dynamics.is_map and method not in METHODS:
        raise ParameterError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if c.dynamics.is_map and backward:
        raise ParameterError("backward=True needs an ode: a map has no time-reversed flow")
    if c.dynamics.is_map:
        budget = max_steps or limit("simulate_steps")
        if (int(t_end) + 1) * c.n > budget:
            raise ParameterError(
                f"{int(t_end)} steps of {c.n} variables would store "
                f"{(int(t_end) + 1) * c.n:.3g} values, beyond the budget of {budget} "
                f"(max_steps, or {env_name('simulate_steps')})")
    return x


def _integrate(c: CompiledSystem, x0: Array, t_end: float, ufun: Callable[[float], Any],
               opts: dict[str, Any], *, max_step: float, t_eval: Any, budget: int,
               sign: float) -> Trajectory:
    """``solve_ivp`` with the exact Jacobian, stopping events (escape, settling) and a budget
    of right-hand side evaluations."""
    from scipy.integrate import solve_ivp  # here: the CLI imports this module for METHODS

    method, eq_tol, max_norm = opts["method"], opts["eq_tol"], opts["max_norm"]
    stop_at_equilibrium = opts["stop_at_equilibrium"]
    calls = [0]
    last: list[Any] = [0.0, x0]  # the latest state evaluated (where a blow-up was met)
    # the latest state where the field was a number, and whether it was not somewhere (NaN:
    # outside the equations' domain; a solver recovers from such a trial step if it can)
    good: list[Any] = [0.0, x0]
    undefined = [False]

    def rhs(t: float, x: Array) -> Array:
        calls[0] += 1
        if calls[0] > budget:
            raise _OutOfSteps(t, np.array(x))
        last[:] = [t, x]
        v = sign * c.f(x, ufun(t))
        if np.any(np.isnan(v)) and not np.any(np.isinf(v)) and np.all(np.isfinite(x)) \
                and np.linalg.norm(x) <= max_norm:  # beyond: inf - inf of a blow-up
            undefined[0] = True
        elif np.all(np.isfinite(v)):
            good[:] = [t, np.array(x, float)]
        return v

    def jac(t: float, x: Array) -> Array:
        return sign * c.jac(x, ufun(t))

    def settled(t: float, x: Array) -> float:
        return float(np.linalg.norm(c.f(x, ufun(t))) - eq_tol)

    def escaped(t: float, x: Array) -> float:
        # a non-finite state counts as escaped: on a finite-time blow-up the step that
        # overflows gave NaN here, and the event's root finder raised (no sign change)
        r = float(np.linalg.norm(x))
        return float(max_norm - r) if np.isfinite(r) else -float(max_norm)

    settled.terminal = True  # type: ignore[attr-defined]
    settled.direction = -1  # type: ignore[attr-defined]
    escaped.terminal = True  # type: ignore[attr-defined]
    events = [escaped] + ([settled] if stop_at_equilibrium else [])
    kw: dict[str, Any] = {"method": method, "rtol": opts["rtol"], "atol": opts["atol"],
                          "events": events, "t_eval": t_eval}
    if method in ("LSODA", "BDF", "Radau"):
        kw["jac"] = jac
    if np.isfinite(max_step):
        kw["max_step"] = max_step
    with np.errstate(over="ignore", invalid="ignore"):
        if np.any(np.isnan(rhs(0.0, x0))):
            at = ", ".join(f"{n} = {v:.6g}" for n, v in zip(c.names, x0))
            return Trajectory(np.zeros(1), np.asarray(x0, float)[None, :], tuple(c.names),
                              Status.LEFT_DOMAIN, f"the equations are undefined at the "
                              f"initial state ({at})", calls[0], 0, opts)
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            sol = solve_ivp(rhs, (0.0, t_end), x0, **kw)
    except _OutOfSteps as out:
        hint = (f"; {method} is explicit and the model may be stiff: try LSODA, BDF or Radau"
                if method in _EXPLICIT else "")
        message = (f"stopped at t = {out.t:.6g} of {t_end:g} after {budget} right-hand side "
                   f"evaluations (the step budget){hint}")
        return Trajectory(np.array([0.0, out.t]), np.vstack([x0, out.x]), tuple(c.names),
                          Status.BUDGET, message, budget, 0, opts)
    except ValueError as err:
        # a finite-time blow-up: LSODA's last steps no longer advance in time, and the
        # escape event's root finder finds no sign change on such a step
        if undefined[0] and ("different signs" in str(err) or "infs or NaNs" in str(err)):
            return _left_domain(c, x0, good, calls[0], opts)
        if "infs or NaNs" in str(err):  # Radau's or BDF's matrix: the Jacobian blew up
            tg = float(good[0])
            return Trajectory(np.array([0.0, tg]), np.vstack([x0, good[1]]), tuple(c.names),
                              Status.FAILED, f"the Jacobian is not finite just past t = "
                              f"{tg:.6g}: {method} cannot go on (try LSODA or RK45)",
                              calls[0], 0, opts)
        if "different signs" not in str(err):
            raise
        t_hit, x_hit = float(last[0]), np.array(last[1], float)
        return Trajectory(np.array([0.0, t_hit]), np.vstack([x0, x_hit]), tuple(c.names),
                          Status.DIVERGED, f"a finite-time blow-up near t = {t_hit:g}: |x| "
                          f"reached {float(np.linalg.norm(x_hit)):.3g} and the steps stopped "
                          "advancing", calls[0], 0, opts)
    status = Status.FAILED if sol.status == -1 else Status.COMPLETED
    message = sol.message
    if sol.t_events is not None:
        if len(sol.t_events[0]):
            status, message = Status.DIVERGED, (f"|x| exceeded {max_norm:g} at "
                                                f"t = {sol.t_events[0][0]:g}")
        elif stop_at_equilibrium and len(sol.t_events[1]):
            status, message = Status.EQUILIBRIUM, (f"settled (|f| < {eq_tol:g}) at "
                                                   f"t = {sol.t_events[1][0]:g}")
    x = np.asarray(sol.y, float).reshape(len(x0), -1).T  # a list when no point was reached
    if undefined[0] and (sol.status == -1 or np.any(np.isnan(x))):
        return _left_domain(c, x0, good, int(sol.nfev), opts, sol.t, x)
    if not np.all(np.isfinite(x)):
        status, message = Status.DIVERGED, "state became non-finite"
    return Trajectory(sol.t, x, tuple(c.names), status, message, int(sol.nfev),
                      int(sol.njev), opts)


def _left_domain(c: CompiledSystem, x0: Array, good: list[Any], calls: int,
                 opts: dict[str, Any], t: Array | None = None, x: Array | None = None
                 ) -> Trajectory:
    """The trajectory up to ``good`` = (time, state), the last state where the field was a
    number, past which the integration failed on a field that is not (``LEFT_DOMAIN``)."""
    tg, xg = float(good[0]), np.asarray(good[1], float)
    if t is not None and x is not None:
        keep = (t < tg) & np.all(np.isfinite(x), axis=1)
        T, X = np.append(t[keep], tg), np.vstack([x[keep], xg])
    else:
        T, X = np.array([0.0, tg]), np.vstack([x0, xg])
    at = ", ".join(f"{n} = {v:.6g}" for n, v in zip(c.names, xg))
    return Trajectory(T, X, tuple(c.names), Status.LEFT_DOMAIN,
                      f"the equations are undefined just past t = {tg:.6g} ({at}): the orbit "
                      "leaves their domain", calls, 0, opts)


def _iterate(model: CompiledSystem, x0: Array, steps: int, ufun: Callable[[float], Any], stop: bool,
             eq_tol: float, max_norm: float, opts: dict[str, Any]) -> Trajectory:
    xs = np.empty((steps + 1, model.n))
    xs[0] = x0
    x = x0
    status, message = Status.COMPLETED, f"{steps} steps"
    k = 0
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, steps + 1):
            xn = model.f(x, ufun(k))
            xs[k] = xn
            if np.any(np.isnan(xn)) and not np.any(np.isinf(xn)):
                status, message = Status.LEFT_DOMAIN, (
                    f"the map is undefined at the state of step {k - 1} (its image is not a "
                    "number): the orbit leaves the equations' domain")
                break
            if not np.all(np.isfinite(xn)) or np.linalg.norm(xn) > max_norm:
                status, message = Status.DIVERGED, f"|x| exceeded {max_norm:g} at step {k}"
                break
            if stop and np.linalg.norm(xn - x) < eq_tol:
                status, message = Status.EQUILIBRIUM, f"settled (|f(x)-x| < {eq_tol:g}) at step {k}"
                break
            x = xn
    return Trajectory(np.arange(k + 1, dtype=float), xs[: k + 1], tuple(model.names), status,
                      message, k, 0, opts)
