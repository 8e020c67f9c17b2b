r"""``continue_equilibrium``: follow equilibria in one parameter, detect and switch at
bifurcations.

By default every equilibrium found at the starting parameter value is followed in both
directions until the parameter range ends; at each branch point (BP) the other branch is
followed too (both sides), so a pitchfork appears complete.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from ..compile import ScaledSystem, model_unit
from ..compile.system import CompiledSystem
from ..errors import ParameterError
from ..model.protocol import SystemModel
from ..results.continuation import (
    Branch,
    Codim2Point,
    ContinuationResult,
    Curve,
    CurveResult,
    CycleBranch,
    SpecialPoint,
)
from ..results.equilibria import EquilibriumSet
from .cycles import IteratedMap
from .palc import Continuer

if TYPE_CHECKING:  # for annotations; the functions import it when they run
    from .collocation import CycleContinuer

__all__ = ["continue_equilibrium", "continue_curve", "continue_cycles"]


def _merge(a: Branch, b: Branch) -> Branch:
    """Join the two directions of one branch into one curve (b reversed, then a)."""
    import dataclasses

    p = np.concatenate([b.p[::-1], a.p[1:]])
    x = np.concatenate([b.x[::-1], a.x[1:]])
    st = np.concatenate([b.stable[::-1], a.stable[1:]])
    ud = np.concatenate([b.unstable_dim[::-1], a.unstable_dim[1:]])
    sps = _distinct(sorted(b.special_points + a.special_points, key=lambda s: s.p))
    return dataclasses.replace(a, p=p, x=x, stable=st, unstable_dim=ud, special_points=sps,
                               message="; ".join(m for m in (b.message, a.message) if m),
                               stats={k: a.stats.get(k, 0) + b.stats.get(k, 0)
                                      for k in set(a.stats) | set(b.stats)})


def _distinct(points: list[SpecialPoint]) -> tuple[SpecialPoint, ...]:
    """One special point per location: the two directions of a branch (or a loop passed
    twice) meet the same fold; keep the best-located of points of one type that coincide."""
    out: list[SpecialPoint] = []
    for sp in points:
        same = [k for k, o in enumerate(out) if o.type == sp.type and
                abs(o.p - sp.p) <= max(o.accuracy, sp.accuracy, 1e-8 * (1 + abs(sp.p))) and
                np.linalg.norm(o.state - sp.state) <= 1e-6 * (1 + np.linalg.norm(sp.state))]
        if not same:
            out.append(sp)
        elif sp.accuracy < out[same[0]].accuracy:
            out[same[0]] = sp
    return tuple(out)


def _polyline_distance(y: np.ndarray, br: Branch) -> float:
    """Distance from (x, p) to the branch drawn as a polyline in (x, p) space."""
    return float(_polyline_distances(y[None, :], br)[0])


def _polyline_distances(Y: np.ndarray, br: Branch) -> np.ndarray:
    """Distances from each row (x, p) of ``Y`` to the branch: to the polyline through its
    points, each chord's distance less twice an estimate of how far the curve bows away
    from it (its sagitta, an eighth of the second difference of the points). The chords
    alone missed a point of the same curve by more than the tolerance where it bends (the
    branch of x^2 (1 - x) = a from a second root was followed again: four folds for two)."""
    P = np.column_stack([br.x, br.p])
    return _chord_distances(Y, P, _bows(P))


def _bows(P: np.ndarray) -> np.ndarray:
    """Per chord of the polyline ``P``: a quarter of the larger second difference at its
    ends (twice the sagitta of a circle through three consecutive points)."""
    if len(P) < 3:
        return np.zeros(max(len(P) - 1, 0))
    dd = np.linalg.norm(P[2:] - 2 * P[1:-1] + P[:-2], axis=1)  # at the interior points
    at = np.concatenate([[dd[0]], dd, [dd[-1]]])  # at every point
    return np.asarray(0.25 * np.maximum(at[:-1], at[1:]))


def _chord_distances(Y: np.ndarray, P: np.ndarray, bow: np.ndarray) -> np.ndarray:
    """Distances from each row of ``Y`` to the polyline through the rows of ``P``, each
    chord's less its ``bow`` (never below zero)."""
    if len(P) == 1:
        return np.asarray(np.linalg.norm(Y - P[0], axis=1))
    if len(Y) > 1 and Y.size * len(P) > 1 << 20:  # a large system: point by point
        return np.concatenate([_chord_distances(y[None, :], P, bow) for y in Y])
    a, ab = P[:-1], P[1:] - P[:-1]
    d = Y[:, None, :] - a[None, :, :]                                   # (k, segments, n + 1)
    t = np.clip(np.einsum("ksj,sj->ks", d, ab) / np.maximum(np.einsum("sj,sj->s", ab, ab),
                                                            1e-300), 0, 1)
    dist = np.linalg.norm(d - t[:, :, None] * ab[None], axis=2) - bow[None, :]
    return np.asarray(np.maximum(np.min(dist, axis=1), 0.0))


def _on_branch(x: np.ndarray, p: float, branches: list[Branch], tol: float) -> bool:
    """``(x, p)`` lies on a branch already followed: within ``tol`` of its polyline (an
    absolute distance of the order of the chord error of the largest step, not relative to
    |x|: a branch whose state is at 500 is still distinct from one 0.5 away)."""
    y = np.append(x, p)
    return any(_polyline_distance(y, br) < tol for br in branches)


def _duplicate(br: Branch, branches: list[Branch], tol: float) -> bool:
    """A branch whose points all lie on an existing branch is the same branch. Checked at 21
    points spread along it (not a few interior ones: steps start small, so the interior is
    crowded next to the start, where a branch switched to at a branch point is still close to
    the branch it left)."""
    if len(br.p) < 5:
        return False
    picks = sorted({int(k) for k in np.linspace(1, len(br.p) - 2, 21)})
    Y = np.column_stack([br.x[picks], br.p[picks]])
    return any(bool(np.all(_polyline_distances(Y, old) < tol)) for old in branches)


def _drop_bp_at_folds(br: Branch) -> Branch:
    """A pitchfork seen from its bifurcating branch is a fold of that branch: report it as
    LP there (as AUTO-07p does), not also as BP."""
    import dataclasses

    keep = []
    for sp in br.special_points:
        # an unbisected BP (bracket only) is the same point when the LP lies in its bracket
        reach = max(1e-4, sp.accuracy) if sp.extra.get("bisected") == 0.0 else 1e-4
        if sp.type == "BP" and any(o.type == "LP" and abs(o.p - sp.p) <= reach and
                                   np.linalg.norm(o.state - sp.state) < max(1e-3, reach)
                                   for o in br.special_points):
            continue
        keep.append(sp)
    return dataclasses.replace(br, special_points=tuple(keep))


_PLAIN_MAX_N = 8
"""Largest model whose single states a continuation without the compiled loop evaluates in
plain Python while numba is not loaded yet (see :func:`_plain_python`)."""


def _plain_python(c: CompiledSystem, compiled: bool | str) -> CompiledSystem:
    """The model evaluated as plain Python, and the continuation loop in Python, where that is
    cheaper for this process: ``compiled`` is not True, the model is small, and numba is not
    loaded yet. Loading numba, the model's machine code and the compiled loop from the cache
    takes 0.6 s, more than a whole branch of a small model costs in Python (the same generated
    code; a 2-variable model's Jacobian is 5-10 µs a call in Python, the toggle switch's 215
    points 40-80 ms). Measured: ``dynena continue models/toggle.yaml --param a --start
    u=0.5,v=2.5``, 1.6-1.9 s -> 0.9 s on a machine where ``dynena --help`` takes 1.0 s."""
    if compiled is True or "numba" in sys.modules or getattr(c, "backend", "") != "numba":
        return c
    if c.n > _PLAIN_MAX_N:
        return c
    with_backend = getattr(c, "with_backend", None)
    return with_backend("python") if with_backend is not None else c


def continue_equilibrium(
    model: SystemModel | CompiledSystem,
    param: str,
    *,
    to: float | None = None,
    p_range: tuple[float, float] | None = None,
    start: Any = None,
    equilibria: EquilibriumSet | None = None,
    ds: float = 0.01,
    ds_max: float | None = None,
    max_points: int = 1000,
    switch: bool = True,
    max_branches: int = 12,
    tol: float = 1e-10,
    max_period: int = 16,
    compiled: bool | Literal["auto"] = "auto",
) -> ContinuationResult:
    r"""Continue equilibria of ``model`` in the parameter ``param``.

    Parameters
    ----------
    model : Model, VectorModel or CompiledModel
    param : str
        The continuation parameter.
    to : float, optional
        Follow until this value (the other direction to the parameter's declared range).
    p_range : (float, float), optional
        Stop outside this interval (default: the parameter's ``range`` in the model file,
        extended to ``to``; else ± 10 around the start).
    start : array_like or str, optional
        A starting equilibrium (state vector, or an id of ``equilibria``). Default: every
        equilibrium found at the current parameter value.
    ds, ds_max : float
        Initial and largest arclength step. The default largest step is 2% of the parameter
        range (at least 0.1); where the state moves more than ten times faster than the
        parameter at a start, 2% of the branch's expected length, the range times
        :math:`\sqrt{1 + |dx/dp|^2}` (capped by the search box), so a branch whose state
        moves by hundreds of units is not starved of steps.
    max_points : int
        Point budget per direction.
    switch : bool
        Follow the other branch at every branch point, and (maps) the doubled cycle at every
        period doubling.
    max_period : int
        Maps: switch at period doublings up to cycles of this period (the branch of a k-cycle
        is the fixed points of f^k; its points are one point of the cycle each).
    compiled : bool or "auto"
        Run the predictor–corrector loop compiled together with the model's generated code
        (:mod:`dynena.continuation.kernel`: 3–14× faster per branch, the same branch to
        rounding). ``True`` compiles it when it is not on disk yet (once per model and machine,
        8–15 s); ``"auto"`` uses it only when it is on disk already; ``False`` never. Models
        evaluated in plain Python and vector-form models always use the Python loop.

    Returns
    -------
    ContinuationResult
        Branches with stability and special points (LP, H, BP for odes; LP, PD, NS, BP for
        maps), each located by bisection to ``accuracy``.

    Examples
    --------
    The symmetric toggle switch has its pitchfork at a = 2.

    >>> import dynena
    >>> r = dynena.continue_equilibrium(dynena.load("models/toggle.yaml"), "a")
    >>> [round(sp.p, 8) for sp in r.special_points("BP")], r.success
    ([2.0], True)
    """
    from ..compile import as_compiled
    c = _plain_python(as_compiled(model), compiled)
    if param not in c.parameter_names:
        raise ParameterError(f"parameter {param!r} is not in model {c.model.name!r}; it has: "
                             + (", ".join(c.parameter_names) or "no parameters"))
    p0 = float(c.p[c.parameter_names.index(param)])
    p_range = _parameter_range(c, param, p0, p_range, to)
    starts = _starts(c, param, p0, start, equilibria, tol)
    # variables far from order one: in units from their ranges and the starting states; a
    # second run in finer units where a switched branch turned out far smaller than those
    _, unit, compiled = _in_scaled_units(c, compiled, [x for _, x in starts])

    def follow(unit: np.ndarray) -> tuple[list[Branch], float, np.ndarray]:
        return _follow_in_units(c, unit, starts, param=param, p0=p0, p_range=p_range, ds=ds,
                                ds_max=ds_max, tol=tol, compiled=compiled,
                                max_points=max_points, max_branches=max_branches,
                                switch=switch, max_period=max_period)

    branches, used, sizes = follow(unit)
    finer = _finer_units(c, unit, sizes) if np.any(sizes) else None
    if finer is not None:
        branches, used, _ = follow(finer)
    return ContinuationResult(c.model.name, c.kind, param, tuple(c.names),
                              c.parameter_values(), tuple(branches),
                              {"ds": ds, "ds_max": used, "max_points": max_points,
                               "p_range": list(p_range), "tol": tol,
                               **({"max_period": max_period} if c.dynamics.is_map else {})})


def _follow_in_units(c: CompiledSystem, unit: np.ndarray, starts: list[tuple[str, np.ndarray]],
                     *, param: str, p0: float, p_range: tuple[float, float], ds: float,
                     ds_max: float | None, tol: float, compiled: bool | Literal["auto"],
                     max_points: int, max_branches: int, switch: bool, max_period: int
                     ) -> tuple[list[Branch], float, np.ndarray]:
    """Every branch from ``starts`` (in the model's coordinates) followed in the coordinates
    z = x / unit, returned in the model's coordinates; the largest step used; and the sizes
    of the branches switched to, probed at the ends of the range (:func:`_probe_size`, in the
    model's coordinates; 0 where none was found)."""
    zc: CompiledSystem = c if np.all(unit == 1.0) else ScaledSystem(c, unit)
    zstarts = [(o, x / unit) for o, x in starts]
    if ds_max is None:
        ds_max = _default_ds_max(zc, param, p0, p_range, zstarts, unit)
    ranged = np.minimum(model_unit(c), 1.0)  # the units the ranges alone give
    bound = _state_bound(ranged, unit)
    relative = (unit < ranged).astype(float)  # measured in their states' units
    engines: dict[int, Continuer] = {}

    def engine(period: int) -> Continuer:
        # one engine per period: the k-cycles of a map are fixed points of f^k
        if period not in engines:
            system: Any = zc if period == 1 else IteratedMap(zc, period)
            engines[period] = Continuer(system, param, ds=ds, ds_max=ds_max, p_range=p_range,
                                        tol=tol, compiled=compiled, max_norm=bound,
                                        relative=relative)
        return engines[period]

    sizes = np.zeros(c.n)
    branches = _follow_all(engine, zc, param, [(o, x, p0, None, 1) for o, x in zstarts],
                           max_branches=max_branches, max_points=max_points, ds_max=ds_max,
                           switch=switch, max_period=max_period, sizes=sizes)
    return [_in_units(b, unit) for b in branches], ds_max, sizes * unit


def _probe_size(eng: Continuer, x: np.ndarray, p: float, direction: np.ndarray,
                max_iter: int = 200) -> np.ndarray:
    r"""The size (per variable) of the branch switched to at ``(x, p)`` along
    ``direction``, where it reaches the ends of the parameter range: Newton on
    :math:`F(z, p_{end}) = 0` from :math:`x + d` (d the direction's state part, of unit
    length: the size of the box in the followed coordinates), stopped when its step is
    1e-12 of the distance from ``x`` (scale-free: a branch 1e-9 across is found as well as one
    of order one; Newton comes down onto a small root at a fixed rate). The size of every
    variable that moved is the largest |z| among them (one branch, one scale: the toggle's
    asymmetric state has one coordinate 40 times the other); components that moved less than
    1e-12 of the largest move are rounding noise, and variables that did not move keep 0.
    Zeros where Newton does not converge or lands back on ``x``. A heuristic for the
    branch's scale only: the continuation itself decides what the branch is."""
    out = np.zeros(eng.n)
    d = direction[:-1]
    if not np.linalg.norm(d) > 0:
        return out
    d = d / np.linalg.norm(d)
    for end in eng.p_range:
        if not np.isfinite(end) or end == p:
            continue
        z = x + d
        with np.errstate(all="ignore"):
            for _ in range(max_iter):
                y = np.append(z, end)
                try:
                    step = np.linalg.solve(eng.DF(y)[:, :-1], -eng.F(y))
                except np.linalg.LinAlgError:
                    break
                z = z + step
                if not np.all(np.isfinite(z)):
                    break
                if np.linalg.norm(step) <= 1e-12 * np.linalg.norm(z - x):
                    # a component 1e-12 below the root's distance from x is rounding noise
                    moved = np.abs(z - x)
                    moved = moved > 1e-12 * np.max(moved)
                    if moved.any():  # else back on x
                        out = np.maximum(out, np.where(moved, np.max(np.abs(z[moved])), 0.0))
                    break
    return out


def _finer_units(c: CompiledSystem, unit: np.ndarray, sizes: np.ndarray) -> np.ndarray | None:
    """Units for a second run where a switched branch is far smaller than its variables'
    units (below 1/8 of the range's unit and finer than the unit used: the power of two
    nearest its size); None where nothing changes. A pitchfork x' = p x - x³/s² on the
    origin: its branches ±s√p, 1e-3 across in a box of 2, were taken for the trivial branch
    (within the 'on a branch already' distance) and never reported."""
    d = _power_of_two(sizes)
    small = (sizes > 0) & (sizes < np.minimum(model_unit(c), 1.0) / 8) & (d < unit) & (d > 0)
    return np.where(small, d, unit) if np.any(small) else None


def _power_of_two(size: np.ndarray) -> np.ndarray:
    """The power of two nearest each size; 0 where that is not a usable unit (not finite, or
    below 2^-900, where tolerances times it stop being normal numbers)."""
    with np.errstate(all="ignore"):
        d = 2.0 ** np.round(np.log2(size))
    return np.where(np.isfinite(d) & (d > 2.0 ** -900), d, 0.0)


_PROBE_SIZE = 100
"""Largest system (variables times period) whose switched branches are probed for their
size (:func:`_probe_size`: up to 400 Newton steps per branch point switched to, each a
dense solve)."""
_Start = tuple[str, np.ndarray, float, np.ndarray | None, int]
"""Where a branch is followed from: origin label, state, parameter, tangent (or None), period."""


def _follow_all(engine: Callable[[int], Continuer], c: CompiledSystem, param: str,
                queue: list[_Start], *, max_branches: int, max_points: int, ds_max: float,
                switch: bool, max_period: int, sizes: np.ndarray | None = None) -> list[Branch]:
    """Every branch from the starts in ``queue``, and (``switch``) from the branch points and
    period doublings met on them, until ``max_branches``; ``sizes`` collects (in place) the
    probed sizes of the branches switched to that barely left their branch point, were
    dropped as on a branch already, or failed (:func:`_probe_size`)."""
    branches: list[Branch] = []
    seen_bp: list[np.ndarray] = []
    seen_pd: list[tuple[int, float, np.ndarray]] = []
    while queue and len(branches) < max_branches:
        origin, x, p, t0, period = queue.pop(0)
        if t0 is None and _on_branch(x, p, branches, 0.05 * ds_max):
            continue
        eng = engine(period)
        br, ok = _branch_from(eng, c, (origin, x, p, t0, period), max_points)
        dropped = ok and _duplicate(br, branches, 0.05 * ds_max)
        if t0 is not None and sizes is not None and period * c.n <= _PROBE_SIZE and (
                not ok or dropped or _excursion(br, x) < 0.125):
            # a branch switched to that barely left its branch point: is it far smaller
            # than the units, rather than absent?
            sizes[:] = np.maximum(sizes, _probe_size(eng, x, p, t0))
        if not ok:
            branches.append(br)
            continue
        if dropped:
            continue
        branches.append(br)
        if switch:
            queue += [(*q, period) for q in _switches(eng, br, param, seen_bp)]
            if 2 * period <= max_period:
                queue += _period_doublings(eng, br, param, period, seen_pd)
    return branches


def _excursion(br: Branch, x: np.ndarray) -> float:
    """How far the branch's states go from ``x`` (largest |x_k - x|, 0 for an empty branch)."""
    return float(np.max(np.abs(br.x - x), initial=0.0)) if len(br.x) else 0.0


def _branch_from(eng: Continuer, c: CompiledSystem, start: _Start, max_points: int
                 ) -> tuple[Branch, bool]:
    """The branch through one start, both ways and merged (a closed loop once), and whether
    it was followed at all (else the failed forward run, which says why)."""
    origin, x, p, t0, period = start
    fw = eng.run(x, p, direction=1, max_points=max_points, t0=t0, origin=origin)
    if fw.message.startswith("closed loop"):  # the loop is whole: nothing behind it
        bw = dataclasses.replace(eng.run(x, p, direction=-1, max_points=1, t0=t0,
                                         origin=origin, detect=False), message="")
    else:
        bw = eng.run(x, p, direction=-1, max_points=max_points, t0=t0, origin=origin)
    if fw.status == "failed":
        return fw, False
    br = _drop_bp_at_folds(_merge(fw, bw))
    if period > 1:
        br = dataclasses.replace(_one_per_cycle(_drop_bp_at(br, np.append(x, p)),
                                                IteratedMap(c.with_parameters(), period)),
                                 period=period)
    return br, True


def _in_scaled_units(c: CompiledSystem, compiled: bool | Literal["auto"], states: Any
                     ) -> tuple[CompiledSystem, np.ndarray, bool | Literal["auto"]]:
    """``c`` in coordinates where every variable is of order one (a
    :class:`~dynena.compile.ScaledSystem`), its units, and whether the compiled loop may run
    (the equilibrium loop runs the model's own code with the units; the cycle loop does not).

    A variable whose range is narrower than 0.7 is measured in the power of two nearest that
    width. One whose size at the ``states`` the branches start from is above 1000, or below
    1/8 of its range's unit, is measured in the power of two nearest that size (the largest at
    any start, counting only components that are not rounding noise, see
    :func:`_meaningful`, or the spread between the starts, which are distinct equilibria).
    The arclength weighs states against the parameter, so a range says
    little here: a box of ±1e8 around states of order one is common, and so are states of
    1e-9 in a box [0, 1]. The steps, the corrector's tolerance, the bound and the 'on a branch
    already' distance then mean the same for every variable. Before: the toggle switch in
    units of 1e-9 ran through its pitchfork unseen; in units of 1e6 every branch 'left the
    bound'; with states of 1e-9 to 0.03 in a box [0, 1] it gave one branch, or four that
    jumped from one to another at the pitchfork, because its branches lay closer together
    than one step."""
    unit = np.minimum(model_unit(c), 1.0)
    X = np.asarray(states, float).reshape(-1, c.n)
    if len(X):
        # the largest meaningful |x|, or the spread between starts (distinct equilibria:
        # the search has told them apart; a zero that is a root too is no evidence of noise)
        size = np.maximum(np.max(np.where(_meaningful(c, X, unit / 8), np.abs(X), 0.0), axis=0),
                          np.ptp(X, axis=0))
        d = _power_of_two(size)
        large = (unit == 1.0) & (size > 2.0 ** 10)
        small = (size > 0) & (size < unit / 8)
        unit = np.where((large | small) & (d > 0), d, unit)
    if np.all(unit == 1.0):
        return c, unit, compiled
    return ScaledSystem(c, unit), unit, compiled


def _meaningful(c: CompiledSystem, X: np.ndarray, below: np.ndarray) -> np.ndarray:
    """Per start and variable: the component is part of the state, not rounding noise of a
    zero (tested where it is nonzero and below ``below``; larger ones are part of it). A
    component is noise when the start with it set to zero is as good a root (residual at most
    10 times the start's own): an equilibrium at the origin came out as (3.5e-18, 3.5e-18),
    and measuring a variable in units of 1e-18 would have sent every branch from it out of the
    bound."""
    out = np.abs(X) >= below
    for k, x in enumerate(X):
        test = np.flatnonzero((x != 0) & ~out[k])
        if not len(test):
            continue
        with np.errstate(all="ignore"):
            r0 = float(np.max(np.abs(c.residual(x)), initial=0.0))
            for i in test:
                z = x.copy()
                z[i] = 0.0
                out[k, i] = bool(np.max(np.abs(c.residual(z))) > 10.0 * r0)
    return out


def _state_bound(ranged: np.ndarray, unit: np.ndarray, bound: float = 1e6) -> float:
    """The bound on the followed coordinates' norm that is ``bound`` in the units the
    model's ranges give (``ranged``; a variable measured in its states' units of 1e-9 may
    still grow to order one along its branch)."""
    return bound * float(np.max(ranged / unit, initial=1.0))


def _cycles_in_units(cb: CycleBranch, unit: np.ndarray) -> CycleBranch:
    """A branch of cycles followed in z = x / unit, in the model's coordinates (periods and
    multipliers are the same)."""
    if np.all(unit == 1.0):
        return cb
    sps = tuple(dataclasses.replace(sp, state=sp.state * unit) for sp in cb.special_points)
    return dataclasses.replace(cb, minimum=cb.minimum * unit, maximum=cb.maximum * unit,
                               special_points=sps)


def _curve_in_units(cv: Curve, unit: np.ndarray) -> Curve:
    """A curve followed in z = x / unit, in the model's coordinates."""
    if np.all(unit == 1.0):
        return cv
    pts = tuple(dataclasses.replace(pt, state=pt.state * unit) for pt in cv.points)
    return dataclasses.replace(cv, x=cv.x * unit, points=pts)


def _in_units(br: Branch, unit: np.ndarray) -> Branch:
    """A branch followed in the coordinates z = x / unit, in the model's own: states times
    ``unit`` (eigenvalues are those of a similar matrix; normal-form coefficients are computed
    in the model's coordinates already)."""
    if np.all(unit == 1.0):
        return br
    sps = tuple(dataclasses.replace(sp, state=sp.state * unit) for sp in br.special_points)
    return dataclasses.replace(br, x=br.x * unit, special_points=sps)


def _default_ds_max(c: CompiledSystem, param: str, p0: float, p_range: tuple[float, float],
                    starts: list[tuple[str, np.ndarray]], unit: np.ndarray) -> float:
    """2% of the parameter range (at least 0.1); where the state moves more than ten times
    faster than the parameter at a start (|dx/dp| > 10, dx/dp = -F_x^{-1} F_p), 2% of the
    branch length expected over the range, width · sqrt(1 + |dx/dp|^2), capped by width + the
    box's diagonal."""
    from ..equilibrium.api import default_box

    width = p_range[1] - p_range[0]
    j = c.parameter_names.index(param)
    slope = 0.0
    for _, x in starts:
        try:
            dx = np.linalg.solve(c.residual_jac(x), -c.dfdp(x)[:, j])
        except np.linalg.LinAlgError:
            continue  # a start at a singular point: no slope from it
        if np.all(np.isfinite(dx)):
            slope = max(slope, float(np.linalg.norm(dx)))
    if slope <= 10.0:  # the state moves with the parameter at its own pace: steps as before
        return max(0.1, 0.02 * width)
    lo, hi = default_box(c)
    lo, hi = lo / unit, hi / unit  # the box in the coordinates the branch is followed in
    scale = min(width * float(np.sqrt(1.0 + slope**2)), width + float(np.linalg.norm(hi - lo)))
    return max(0.1, 0.02 * scale)


def _parameter_range(c: CompiledSystem, param: str, p0: float, p_range: tuple[float, float] | None,
                     to: float | None) -> tuple[float, float]:
    """The declared range of the parameter (else p0 ± 10), stretched to include ``to``."""
    if p_range is None:
        declared = c.model.parameter_ranges.get(param)
        lo, hi = declared if declared else (p0 - 10.0, p0 + 10.0)
        if to is not None:
            lo, hi = min(lo, to, p0), max(hi, to, p0)
        p_range = (lo, hi)
    if to is not None and not (p_range[0] <= to <= p_range[1]):
        raise ParameterError(f"--to {to} lies outside the parameter range {p_range}")
    return p_range


def _starts(c: CompiledSystem, param: str, p0: float, start: Any, equilibria: EquilibriumSet | None,
            tol: float
            ) -> list[tuple[str, np.ndarray]]:
    """Every equilibrium (the global search), one named equilibrium, or a given state
    corrected by Newton (no global search; a state Newton cannot settle is refused)."""
    from ..equilibrium import find_equilibria

    if start is None or isinstance(start, str):
        eq = equilibria if equilibria is not None else find_equilibria(c)
        if isinstance(start, str):
            return [(start, eq[start].state)]
        if not len(eq):
            raise ParameterError(f"no equilibrium at {param} = {p0:g} to start from")
        return [(e.id, e.state) for e in eq]
    x = np.asarray(start, float)
    if x.shape != (c.n,) or not np.all(np.isfinite(x)):
        raise ParameterError(f"start must have {c.n} finite entries")
    from ..equilibrium.newton import batched_newton

    X, res, conv, _ = batched_newton(c, x[None, :], tol=tol)
    if not bool(conv[0]):
        raise ParameterError(
            f"the start {np.array2string(x, precision=6)} is not near an equilibrium "
            f"(Newton from it ends with |F| = {float(res[0]):.2e}); give a point closer "
            "to an equilibrium, or omit it to search for all")
    return [("start", X[0])]


def _branch_tangent(br: Branch, y: np.ndarray) -> np.ndarray:
    """The branch's own direction through ``y``: the chord between its points on either side.
    (At the branch point itself the kernel of F_y is two-dimensional and a tangent computed
    there may as well be the other branch's.)"""
    Y = np.column_stack([br.x, br.p])
    k = int(np.argmin(np.linalg.norm(Y - y, axis=1)))
    a, b = Y[max(k - 1, 0)], Y[min(k + 1, len(Y) - 1)]
    d = b - a
    return d / np.linalg.norm(d)


def _switches(eng: Continuer, br: Branch, param: str, seen_bp: list[np.ndarray]
              ) -> list[tuple[str, np.ndarray, float, np.ndarray | None]]:
    """Starts on the other branch at each bisected branch point not seen before: the null
    vector of the bordered Jacobian [F_y; t^T]."""
    out: list[tuple[str, np.ndarray, float, np.ndarray | None]] = []
    for sp in br.special_points:
        if sp.type != "BP" or sp.extra.get("bisected") == 0.0:
            continue  # no switching from a BP known only to a bracket
        y = np.append(sp.state, sp.p)
        if any(np.linalg.norm(y - z) < 1e-4 for z in seen_bp):
            continue
        seen_bp.append(y)
        # the bordered matrix [F_y; t^T] is singular at a simple branch point; its null
        # vector lies in the kernel of F_y and is orthogonal to this branch's tangent: the
        # other branch's direction (as AUTO switches), robust to an inexact location
        t_here = _branch_tangent(br, y)
        _, _, Vt = np.linalg.svd(np.vstack([eng.DF(y), t_here]))
        phi = Vt[-1] - (Vt[-1] @ t_here) * t_here
        out.append((f"BP at {param}={sp.p:.6g}", sp.state, sp.p, phi / np.linalg.norm(phi)))
    return out


def continue_curve(
    model: SystemModel | CompiledSystem,
    param: str,
    param2: str,
    *,
    start: SpecialPoint | str | None = None,
    result: ContinuationResult | None = None,
    box: tuple[tuple[float, float], tuple[float, float]] | None = None,
    ds: float = 0.01,
    ds_max: float | None = None,
    max_points: int = 1000,
    max_time: float = 120.0,
    tol: float = 1e-10,
) -> CurveResult:
    r"""Follow folds and Hopf points (odes) or folds, period doublings and Neimark–Sacker
    points (maps) in two parameters, and locate the codimension-two points on the curves.

    Parameters
    ----------
    model : Model or CompiledModel (scalar form, up to 12 variables)
    param, param2 : str
        The parameter of the one-parameter continuation the curves start from, and the
        second parameter.
    start : SpecialPoint or str, optional
        One special point of ``result`` (or its label, ``"LP1"``, ``"H2"``: the k-th point
        of that type, as ``dynena continue`` prints them). Default: every LP and H (ode) or
        LP, PD and NS (map) point of ``result``, a curve through several of them followed
        once.
    result : ContinuationResult, optional
        A one-parameter continuation in ``param``; computed when not given.
    box : ((lo, hi), (lo, hi)), optional
        Stop where a curve leaves this box of (param, param2); default the parameters'
        declared ranges, else ± 10 around their values.
    ds, ds_max, max_points, max_time : float, float, int, float
        First and largest arclength step, point budget per direction and time budget per
        curve (a curve that runs out says ``budget``).

    Returns
    -------
    CurveResult
        One curve per start, each both ways from it, with its codimension-two points (CP, BT,
        ZH, GH on curves of odes; CP, R1–R4, LPPD, GPD, CH on curves of maps) located by
        bisection.

    Examples
    --------
    The cusp normal form x' = a + b x - x³ has its folds on 27 a² = 4 b³ and the cusp at 0.

    >>> import dynena
    >>> m = dynena.load_document({"dynena": 1, "name": "cusp", "variables": ["x"],
    ...     "parameters": {"a": 0, "b": 1}, "equations": {"x": "a + b*x - x**3"}})
    >>> r = dynena.continue_curve(m, "a", "b", start="LP1")
    >>> [(pt.type, round(pt.p[0], 9) + 0, round(pt.p[1], 9) + 0) for pt in r.points()]
    [('CP', 0.0, 0.0)]
    """
    from ..compile import as_compiled
    from .codim2 import CURVE_KINDS, CurveContinuer

    c = as_compiled(model)
    for q, opt in ((param, "param"), (param2, "param2")):
        if q not in c.parameter_names:
            raise ParameterError(f"{opt} {q!r} is not a parameter of {c.model.name!r}; it has: "
                                 + (", ".join(c.parameter_names) or "no parameters"))
    if param == param2:
        raise ParameterError(f"the two parameters must differ (both are {param!r})")
    if result is None:
        result = continue_equilibrium(c, param)
    elif result.parameter != param:
        raise ParameterError(f"the continuation result is in {result.parameter!r}, not {param!r}")
    kinds = CURVE_KINDS["map" if c.dynamics.is_map else "ode"]
    starts = _curve_starts(result, start, kinds)
    if box is None:
        box = (_parameter_range(c, param, float(c.p[c.parameter_names.index(param)]), None, None),
               _parameter_range(c, param2, float(c.p[c.parameter_names.index(param2)]), None,
                                None))
    if ds_max is None:
        ds_max = 0.02 * max(box[0][1] - box[0][0], box[1][1] - box[1][0], 1.0)
    p2 = float(c.p[c.parameter_names.index(param2)])
    cz, unit, _ = _in_scaled_units(c, False, [sp.state for _, sp in starts])
    curves: list[Curve] = []
    for label, sp in starts:
        y0 = _curve_start(sp, p2)
        y0[:c.n] /= unit
        if any(cv.kind == sp.type and _near_curve(y0, cv, 0.05 * ds_max) for cv in curves):
            continue  # this point lies on a curve already followed
        eng = CurveContinuer(cz, sp.type, (param, param2), ds=ds, ds_max=ds_max, tol=tol,
                             box=box, max_norm=_state_bound(np.minimum(model_unit(c), 1.0),
                                                            unit))
        fw = eng.run(y0, direction=1, max_points=max_points, origin=label,
                     max_time=max_time / 2)
        if fw.status == "failed":
            curves.append(fw)
            continue
        bw = eng.run(y0, direction=-1, max_points=max_points, origin=label,
                     max_time=max_time / 2)
        curves.append(_merge_curve(fw, bw))
    return CurveResult(c.model.name, c.kind, (param, param2), tuple(c.names),
                       c.parameter_values(), tuple(_curve_in_units(cv, unit) for cv in curves),
                       {"ds": ds, "ds_max": ds_max, "max_points": max_points,
                        "box": [list(box[0]), list(box[1])], "tol": tol,
                        "max_time": max_time})


def _curve_start(sp: SpecialPoint, p2: float) -> np.ndarray:
    """(x, p_a, p_b) at a special point, with κ = ω² (Hopf) or cos θ (Neimark–Sacker)."""
    y0 = np.concatenate([sp.state, [sp.p, p2]])
    if sp.type == "H":
        return np.append(y0, sp.extra.get("frequency", 0.0) ** 2)
    if sp.type == "NS":
        return np.append(y0, float(np.cos(sp.extra.get("angle", 0.0))))
    return y0


def _hopf_starts(result: ContinuationResult, start: SpecialPoint | str | None, param: str
                 ) -> list[tuple[str, SpecialPoint]]:
    """The Hopf points cycles start from: all of them, the one labelled ``start``, or the
    point given."""
    labelled = result.labelled()
    if isinstance(start, SpecialPoint):
        return [(next((k for k, v in labelled.items() if v is start), "H"), start)]
    hopf = [(k, sp) for k, sp in labelled.items() if sp.type == "H"]
    if isinstance(start, str):
        chosen = [(k, sp) for k, sp in hopf if k == start]
        if not chosen:
            raise ParameterError(f"no Hopf point {start!r} in the continuation in {param}; it "
                                 "has: " + (", ".join(k for k, _ in hopf) or "none"))
        return chosen
    return hopf


def _curve_starts(result: ContinuationResult, start: SpecialPoint | str | None,
                  kinds: tuple[str, ...]) -> list[tuple[str, SpecialPoint]]:
    period = {id(sp): b.period for b in result.branches for sp in b.special_points}
    labelled = {k: v for k, v in result.labelled().items() if period[id(v)] == 1}
    cycles = [k for k, v in result.labelled().items() if period[id(v)] > 1]
    if isinstance(start, str) and start in cycles:
        raise ParameterError(f"{start} lies on a branch of cycles (period "
                             f"{period[id(result.labelled()[start])]}): two-parameter curves "
                             "are followed for equilibria and fixed points only")
    if isinstance(start, SpecialPoint):
        if start.type not in kinds:
            raise ParameterError(f"a curve starts at {', '.join(kinds)} points, not {start.type}")
        label = next((k for k, v in labelled.items() if v is start), start.type)
        return [(label, start)]
    if isinstance(start, str):
        if start not in labelled:
            raise ParameterError(
                f"no special point {start!r} in the continuation in {result.parameter}; it has: "
                + (", ".join(labelled) or "none"))
        if labelled[start].type not in kinds:
            raise ParameterError(f"{start}: a curve starts at {', '.join(kinds)} points "
                                 f"(a {labelled[start].type} point has no curve to follow)")
        return [(start, labelled[start])]
    out = [(k, v) for k, v in labelled.items() if v.type in kinds]
    if not out:
        raise ParameterError(f"the continuation in {result.parameter} has no "
                             f"{'/'.join(kinds)} point to start a curve from")
    return out


def _near_curve(y0: np.ndarray, cv: Curve, tol: float) -> bool:
    n = cv.x.shape[1]
    P = np.column_stack([cv.x, cv.p])
    return bool(len(P) > 1 and np.min(np.linalg.norm(P - y0[:n + 2], axis=1)) < max(tol, 1e-6)) \
        or _polyline_near(y0[:n + 2], P, tol)


def _polyline_near(y: np.ndarray, P: np.ndarray, tol: float) -> bool:
    if len(P) < 2:
        return False
    a, b = P[:-1], P[1:]
    ab = b - a
    t = np.clip(np.einsum("ij,ij->i", y - a, ab) / np.maximum(np.einsum("ij,ij->i", ab, ab),
                                                               1e-300), 0, 1)
    return bool(np.min(np.linalg.norm(a + t[:, None] * ab - y, axis=1)) < tol)


def _merge_curve(fw: Curve, bw: Curve) -> Curve:
    """Both directions of one curve as one polyline (backward reversed, then forward); a
    codimension-two point seen from both sides is kept once."""
    pts: list[Codim2Point] = []
    for pt in list(bw.points) + list(fw.points):
        if not any(o.type == pt.type and np.hypot(o.p[0] - pt.p[0], o.p[1] - pt.p[1]) <=
                   max(o.accuracy, pt.accuracy, 1e-8) for o in pts):
            pts.append(pt)
    worst = fw.status if not fw.status.success else bw.status
    return dataclasses.replace(
        fw, p=np.concatenate([bw.p[::-1], fw.p[1:]]), x=np.concatenate([bw.x[::-1], fw.x[1:]]),
        kappa=np.concatenate([bw.kappa[::-1], fw.kappa[1:]]), points=tuple(pts), status=worst,
        message="; ".join(m for m in (bw.message, fw.message) if m),
        stats={k: fw.stats.get(k, 0) + bw.stats.get(k, 0) for k in set(fw.stats) | set(bw.stats)})


def _drop_bp_at(br: Branch, y0: np.ndarray) -> Branch:
    """A doubled cycle's branch starts at a pitchfork of f^{2k} (the period doubling it
    came from): that point is the branch's origin, not a new branch point."""
    keep = tuple(sp for sp in br.special_points if not (
        sp.type == "BP" and np.linalg.norm(np.append(sp.state, sp.p) - y0) <
        max(1e-5, 10 * sp.accuracy)))
    return dataclasses.replace(br, special_points=keep)


def _one_per_cycle(br: Branch, cycle: IteratedMap) -> Branch:
    """A k-cycle's branch passes through each of its points: one bifurcation of the cycle is
    then found at several of them. Keep it once (the best located)."""
    keep: list[SpecialPoint] = []
    for sp in sorted(br.special_points, key=lambda s: s.accuracy):
        cycle.p = cycle.p.copy()
        cycle.p[cycle.parameter_names.index(br.parameter)] = sp.p
        if not any(o.type == sp.type and abs(o.p - sp.p) <= max(1e-7, 10 * o.accuracy,
                                                                10 * sp.accuracy)
                   and cycle.same_cycle(o.state, sp.state) for o in keep):
            keep.append(sp)
    return dataclasses.replace(br, special_points=tuple(sorted(keep, key=lambda s: s.index)))


def _period_doublings(eng: Continuer, br: Branch, param: str, period: int,
                      seen: list[tuple[int, float, np.ndarray]]
                      ) -> list[tuple[str, np.ndarray, float, np.ndarray | None, int]]:
    """Starts of the 2k-cycle at each located period doubling of a k-cycle branch: the
    eigenvector of D_x f^k for the multiplier -1, with the parameter held (the pitchfork of
    f^{2k} opens along it). A k-cycle's branch passes through each of its k points, so one
    doubling shows up at up to k points of the same cycle: it is switched at once."""
    out: list[tuple[str, np.ndarray, float, np.ndarray | None, int]] = []
    for sp in br.special_points:
        if sp.type != "PD" or sp.extra.get("bisected") == 0.0:
            continue
        eng._model(sp.p)
        cycle = eng.c if isinstance(eng.c, IteratedMap) else IteratedMap(eng.c, 1)
        if any(k == period and abs(q - sp.p) <= max(1e-7, 10 * sp.accuracy) and
               cycle.same_cycle(x, sp.state) for k, q, x in seen):
            continue
        seen.append((period, sp.p, sp.state))
        w, V = np.linalg.eig(eng.c.jac(sp.state))
        q = np.real(V[:, int(np.argmin(np.abs(w + 1)))])
        t0 = np.append(q / np.linalg.norm(q), 0.0)
        out.append((f"PD at {param}={sp.p:.6g} (period {2 * period})", sp.state, sp.p, t0,
                    2 * period))
    return out


def continue_cycles(
    model: SystemModel | CompiledSystem,
    param: str,
    *,
    result: ContinuationResult | None = None,
    start: SpecialPoint | str | None = None,
    ntst: int = 20,
    ncol: int = 4,
    ds: float = 0.01,
    ds_max: float | None = None,
    max_points: int = 200,
    max_time: float = 120.0,
    p_range: tuple[float, float] | None = None,
    max_period: float | None = None,
    period: float | None = None,
    compiled: bool | Literal["auto"] = "auto",
) -> ContinuationResult:
    r"""Follow the periodic orbits born at Hopf points, by orthogonal collocation (``ntst``
    mesh intervals × ``ncol`` Gauss points, adaptive mesh, exact Jacobians).

    Parameters
    ----------
    model : Model or CompiledModel (an ODE)
    param : str
        The continuation parameter.
    result : ContinuationResult, optional
        A one-parameter continuation of equilibria in ``param``; computed when not given.
    start : SpecialPoint, str or array_like, optional
        One Hopf point (or its label, ``"H1"``); default every Hopf point of ``result``. Or a
        point on a periodic orbit (a state, with ``period``): the orbit through it is followed
        both ways, with no equilibrium continuation at all.
    period : float, optional
        The period of the orbit through the state ``start`` (from a simulation).
    ntst, ncol : int
        Mesh intervals and collocation points per interval (AUTO's NTST, NCOL).
    ds, ds_max, max_points, max_time : float, float, int, float
        First and largest step, cycle budget and time budget per branch.
    p_range : (float, float), optional
        Stop outside this interval (default: that of ``result``).
    max_period : float, optional
        Stop when the period exceeds this (default 20 × the period at the Hopf point): the
        orbit approaches a homoclinic orbit.

    compiled : bool or "auto"
        Run the Newton corrector compiled together with the model's generated code (the same
        orbits to rounding; see ``continue_equilibrium``): ``True`` compiles it when it is not
        on disk yet (once per model and machine), ``"auto"`` uses it only when it is.

    Returns
    -------
    ContinuationResult
        ``result`` with ``cycles``: one :class:`~dynena.results.continuation.CycleBranch` per
        Hopf point (period, amplitude, stability, Floquet multipliers; LPC, PD and NS of cycles
        located by bisection).

    Examples
    --------
    The Brusselator's cycles are born at b = 2 with period 2π/ω₀ = 2π.

    >>> import dynena
    >>> r = dynena.continue_cycles(dynena.load("models/brusselator.yaml"), "b", max_points=20)
    >>> cb = r.cycles[0]
    >>> round(float(cb.period[0]), 3), bool(cb.stable.all())
    (6.283, True)
    """
    from ..compile import as_compiled
    from .collocation import CycleContinuer

    c = as_compiled(model)
    if c.dynamics.is_map:
        raise ParameterError(f"{c.model.name!r} is a map: its cycles are followed by "
                             "continue_equilibrium (period doubling switches onto them)")
    if param not in c.parameter_names:
        raise ParameterError(f"parameter {param!r} is not in model {c.model.name!r}; it has: "
                             + (", ".join(c.parameter_names) or "no parameters"))
    if period is not None or (start is not None and not isinstance(start, (str, SpecialPoint))):
        return _cycles_from_orbit(c, param, start, period, ntst=ntst, ncol=ncol, ds=ds,
                                  ds_max=ds_max, max_points=max_points, max_time=max_time,
                                  p_range=p_range, max_period=max_period, compiled=compiled)
    if result is None:
        result = continue_equilibrium(c, param, p_range=p_range)
    hopf = _hopf_starts(result, start, param)
    if p_range is None:
        p_range = tuple(result.options.get("p_range", (-np.inf, np.inf)))  # type: ignore[assignment]
    assert p_range is not None
    if ds_max is None:
        ds_max = max(0.05, 0.02 * (p_range[1] - p_range[0])) if np.all(np.isfinite(p_range)) \
            else 0.1
    cz, unit, compiled = _in_scaled_units(c, compiled, [sp.state for _, sp in hopf])

    def continuer(system: CompiledSystem) -> CycleContinuer:
        return CycleContinuer(system, param, ntst=ntst, ncol=ncol, ds=ds, ds_max=ds_max,
                              p_range=p_range, compiled=compiled)

    cycles = [_cycles_from_hopf(continuer, c, (cz, unit), label, sp, max_points, max_time,
                                max_period) for label, sp in hopf if sp.extra.get("frequency")]
    note = {} if hopf else {"note": f"no Hopf point in the continuation in {param}: no "
                                      "periodic orbit to follow from one (start from a known "
                                      "orbit with start=state and period=T)"}
    return dataclasses.replace(result, cycles=result.cycles + tuple(cycles),
                               options={**result.options, "cycles": {
                                   "ntst": ntst, "ncol": ncol, "ds": ds, "ds_max": ds_max,
                                   "max_points": max_points, **note}})


def _hopf_start(cc: CycleContinuer, sp: SpecialPoint, unit: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The start of the cycles born at the Hopf point ``sp`` (``cc`` in the coordinates
    z = x / unit): the constant orbit, the tangent along the critical eigenvector, the phase
    reference."""
    omega = sp.extra["frequency"]
    cc._set_p(sp.p)
    z = sp.state / unit
    w, V = np.linalg.eig(cc.c.jac(z))
    q = V[:, int(np.argmin(np.abs(w - 1j * omega)))]
    return cc.from_hopf(z, sp.p, omega, q, cc.ds)


def _cycle_units(c: CompiledSystem, param: str, sp: SpecialPoint, unit: np.ndarray,
                 p_range: tuple[float, float]) -> np.ndarray | None:
    r"""Finer units for the cycles born at the Hopf point ``sp`` where they are far smaller
    than their box; None where nothing changes. Their size is predicted by the normal form:
    radius :math:`r = \sqrt{|\alpha'\,\Delta p / (\omega \ell_1)|}` at the end of the
    parameter range on the side where they exist (:math:`\alpha' = d\,\mathrm{Re}\,\lambda / dp`
    by central differences along the equilibrium), so variable i reaches
    :math:`|x_i| + 2 r |q_i|`. Where that is below 1/8 of the range's unit it is the unit (the
    power of two nearest), as for equilibria (:func:`_in_scaled_units`). The Hopf point's own
    state says nothing when it is at the origin, and a first orbit measured in the box's units
    says nothing either: cycles of size 1e-6 √p in a box of 1 passed the corrector's absolute
    tolerance at the Hopf point itself, and were then 'unresolved'."""
    l1, omega = sp.coefficient, sp.extra.get("frequency", 0.0)
    if not l1 or not omega or not np.isfinite(l1):
        return None
    j = c.parameter_names.index(param)
    x = np.asarray(sp.state, float)

    def jac(y: np.ndarray, p: float) -> np.ndarray:
        return np.asarray(c.with_parameters({param: p}).jac(y))

    try:
        at = c.with_parameters({param: sp.p})
        x_p = np.linalg.solve(at.jac(x), -at.dfdp(x)[:, j])
        w, V = np.linalg.eig(at.jac(x))
        k = int(np.argmin(np.abs(w - 1j * omega)))
        h = 1e-6 * (1.0 + abs(sp.p))
        lam = [np.linalg.eigvals(jac(x + e * h * x_p, sp.p + e * h)) for e in (1.0, -1.0)]
    except (np.linalg.LinAlgError, ValueError):
        return None
    alpha = float(np.real(lam[0][np.argmin(np.abs(lam[0] - w[k]))]
                          - lam[1][np.argmin(np.abs(lam[1] - w[k]))])) / (2 * h)
    side = -np.sign(l1 * alpha)  # the side of p_H where -alpha dp / l1 > 0
    reach = (p_range[1] - sp.p) if side > 0 else (sp.p - p_range[0])
    if not (alpha and np.isfinite(alpha) and np.isfinite(reach) and reach > 0):
        return None
    q = np.abs(V[:, k]) / np.linalg.norm(V[:, k])
    return _finer_units(c, unit, np.abs(x) + 2.0 * q * np.sqrt(abs(alpha * reach / (omega * l1))))


def _cycles_from_hopf(continuer: Callable[[CompiledSystem], CycleContinuer],
                      c: CompiledSystem, scaled: tuple[CompiledSystem, np.ndarray], label: str,
                      sp: SpecialPoint, max_points: int, max_time: float,
                      max_period: float | None) -> CycleBranch:
    """The branch of cycles born at the Hopf point ``sp``, in the model's coordinates:
    followed by ``continuer`` in ``scaled`` (the system in z = x / unit and the unit), or in
    finer units where the cycles are far smaller (:func:`_cycle_units`), started along the
    critical eigenvector."""
    cz, unit = scaled
    cc = continuer(cz)
    finer = _cycle_units(c, cc.param, sp, unit, cc.p_range)
    if finer is not None:
        cc, unit = continuer(ScaledSystem(c, finer)), finer
    y0, t0, ref = _hopf_start(cc, sp, unit)
    period = max_period if max_period is not None else 20 * 2 * np.pi / sp.extra["frequency"]
    branch = cc.run(y0, t0, ref, max_points=max_points, max_time=max_time, origin=label,
                    max_period=period)
    return _cycles_in_units(branch, unit)


def _cycles_from_orbit(c: CompiledSystem, param: str, start: Any, period: float | None, *,
                       ntst: int, ncol: int, ds: float, ds_max: float | None, max_points: int,
                       max_time: float, p_range: tuple[float, float] | None,
                       max_period: float | None,
                       compiled: bool | Literal["auto"] = "auto") -> ContinuationResult:
    """The branch through a user's periodic orbit (a point on it and its period), both ways."""
    from .collocation import CycleContinuer

    if period is None or not np.isfinite(period) or period <= 0:
        raise ParameterError("a start on a periodic orbit needs its period (period > 0)")
    x0 = np.asarray(start, float)
    if x0.shape != (c.n,) or not np.all(np.isfinite(x0)):
        raise ParameterError(f"the start on the orbit must have {c.n} finite entries")
    p0 = float(c.p[c.parameter_names.index(param)])
    p_range = _parameter_range(c, param, p0, p_range, None)
    if ds_max is None:
        ds_max = max(0.05, 0.02 * (p_range[1] - p_range[0]))
    cz, unit, compiled = _in_scaled_units(c, compiled, x0)
    cc = CycleContinuer(cz, param, ntst=ntst, ncol=ncol, ds=ds, ds_max=ds_max, p_range=p_range,
                        compiled=compiled)
    try:
        y0, t0, ref = cc.from_orbit(x0 / unit, float(period), p0)
    except ValueError as exc:
        raise ParameterError(str(exc)) from None
    mesh = cc.mesh.copy()
    halves = []
    for sign in (1, -1):
        cc.mesh = mesh.copy()
        halves.append(cc.run(y0 - sign * ds * t0, sign * t0, ref, max_points=max_points,
                             max_time=max_time / 2, origin="orbit",
                             max_period=max_period if max_period is not None
                             else 20 * float(period)))
    fw, bw = halves
    branch = _cycles_in_units(_merge_cycles(fw, bw), unit)
    return ContinuationResult(c.model.name, c.kind, param, tuple(c.names), c.parameter_values(),
                              (), {"p_range": list(p_range), "cycles": {
                                  "ntst": ntst, "ncol": ncol, "ds": ds, "ds_max": ds_max,
                                  "max_points": max_points, "start_period": float(period)}},
                              (branch,))


def _merge_cycles(fw: CycleBranch, bw: CycleBranch) -> CycleBranch:
    """Both directions from a start as one branch (backward reversed, then forward; the
    shared start kept once)."""
    if not len(bw.p):
        return fw
    if not len(fw.p):
        return bw

    def join(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([b[::-1], a[1:]])

    worst = fw.status if not fw.status.success else bw.status
    return dataclasses.replace(
        fw, p=join(fw.p, bw.p), period=join(fw.period, bw.period),
        minimum=join(fw.minimum, bw.minimum), maximum=join(fw.maximum, bw.maximum),
        stable=join(fw.stable, bw.stable), multipliers=join(fw.multipliers, bw.multipliers),
        trivial_error=join(fw.trivial_error, bw.trivial_error),
        l2_norm=join(fw.l2_norm, bw.l2_norm),
        special_points=tuple(sorted(bw.special_points + fw.special_points, key=lambda s: s.p)),
        status=worst, message="; ".join(m for m in (bw.message, fw.message) if m),
        stats={k: fw.stats.get(k, 0) + bw.stats.get(k, 0) if k not in ("ntst", "ncol")
               else fw.stats[k] for k in fw.stats})
