r"""``find_attractors``: every attractor whose basin the box samples, with basin fractions.

Starts on a scrambled Sobol set in the box are sent through the outcome oracle with the
stable equilibria as nodes. Trajectories that reach none (``unknown``: still moving when the
budget ran out) end near an attractor that is not a node yet; from their final states a
periodic orbit is sought (:func:`~dynena.attractor.periodic.map_cycle_from`,
:func:`~dynena.attractor.periodic.limit_cycle_from`), polished and classified by its
multipliers. What is bounded but not periodic is kept as an aperiodic attractor (its tail
cloud) with a largest-Lyapunov-exponent estimate. Rounds repeat until no start is unknown or
nothing new is found (the reference design is the recurrence mapper of Attractors.jl).

**Basins**: the fraction of starts reaching each outcome, with the binomial standard error
:math:`\sqrt{f(1-f)/N}`; and the uncertainty fraction :math:`f(\varepsilon)` (a start and a
start moved by ε reach different outcomes) at two ε, whose log-slope is the uncertainty
exponent α (α ≈ 1 for a smooth boundary, α < 1 for a fractal one; Grebogi et al. 1983).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from .._typing import Array, IntArray
from ..compile.system import CompiledSystem
from ..errors import ParameterError
from ..flow.fate import RUNNING
from ..flow.oracle import DIVERGED, UNDECIDED, UNKNOWN, OutcomeOracle, reached
from ..flow.stepper import Checks, Stepper, stepper_for
from ..flow.variational import tangent
from ..model.protocol import SystemModel
from ..results.attractors import (
    LYAPUNOV_ZERO,
    AperiodicAttractor,
    AttractorSet,
    BasinEstimate,
    BasinGrid,
    PeriodicOrbit,
)
from ..results.equilibria import EquilibriumSet
from ..results.network import OUTCOME_NAMES
from ..results.status import Status
from .periodic import limit_cycle_from, map_cycle_from

__all__ = ["find_attractors", "node_oracle"]

T = TypeVar("T")


def node_oracle(c: CompiledSystem, equilibria: EquilibriumSet, node_eqs: list[Any],
                orbits: list[PeriodicOrbit], aperiodic: list[AperiodicAttractor] | None = None,
                t_max: float | None = None) -> OutcomeOracle:
    """The outcome oracle whose nodes are ``node_eqs``, then ``orbits``, then ``aperiodic``."""
    aperiodic = aperiodic or []
    pts = [e.state[None, :] for e in node_eqs] + [o.points for o in orbits] + \
        [a.points for a in aperiodic]
    reps = np.array([p[0] for p in pts]).reshape(-1, c.n)
    allx = np.array([e.state for e in equilibria.equilibria]).reshape(-1, c.n)
    return OutcomeOracle.build(c, reps, allx, t_max=t_max, node_points=pts,
                               eigenvalues=[e.eigenvalues for e in node_eqs],
                               rates=[o.contraction_rate for o in orbits],
                               clouds=len(aperiodic))


def find_attractors(
    model: SystemModel | CompiledSystem,
    equilibria: EquilibriumSet | None = None,
    *,
    box: Any = None,
    n_samples: int = 256,
    max_period: int = 64,
    rounds: int = 3,
    uncertainty: bool = True,
    seed: int = 0,
    nodes: list[Any] | None = None,
    max_time: float | None = 120.0,
    grid: int | str = "auto",
) -> AttractorSet:
    r"""Sample the box and find every attractor the samples reach.

    Parameters
    ----------
    model : Model or CompiledModel
    equilibria : EquilibriumSet, optional
        Computed when not given.
    box : dict or array, optional
        Sampling box (default: the variables' ranges, as for equilibria).
    n_samples : int
        Sobol starts (the basin fractions' sample size).
    max_period : int
        Longest map cycle looked for.
    rounds : int
        Discovery rounds (each re-runs the starts still unknown).
    uncertainty : bool
        Estimate the uncertainty fraction and exponent of the basin boundaries.
    nodes : list of Equilibrium, optional
        The equilibria that are attractors (default: the stable ones; a caller that has shown
        a non-hyperbolic equilibrium attracting adds it).
    max_time : float or None
        Wall-clock budget in seconds (default 120): past it, starts not yet decided stay
        unknown, no further round, uncertainty estimate or grid is run, and the message says
        so.
    grid : int or "auto"
        Two-variable models: the outcome of every cell centre of a ``grid`` × ``grid`` grid
        over the box (the basin picture and the basin entropy, :class:`BasinGrid`); 0 for
        none. ``auto``: 100 for maps, 48 for ODEs, none above two variables.

    Returns
    -------
    AttractorSet

    >>> import dynena
    >>> m = dynena.load_document({"dynena": 1, "name": "osc", "kind": "ode",
    ...     "variables": {"x": {"range": [-3, 3]}, "y": {"range": [-3, 3]}},
    ...     "equations": {"x": "x*(1 - x**2 - y**2) - y", "y": "y*(1 - x**2 - y**2) + x"}})
    >>> a = dynena.find_attractors(m, n_samples=32, uncertainty=False)
    >>> [(o.kind, round(o.period, 6)) for o in a.stable_orbits]
    [('limit-cycle', 6.283185)]
    """
    from ..compile import as_compiled
    from ..equilibrium import find_equilibria
    from ..equilibrium.api import default_box

    c = as_compiled(model)
    eq = equilibria if equilibria is not None else find_equilibria(c)
    lo, hi = default_box(c, box)
    from scipy.stats import qmc

    X = lo + (hi - lo) * qmc.Sobol(d=c.n, scramble=True, seed=seed).random(n_samples)
    stable = list(nodes) if nodes is not None else \
        [e for e in eq.equilibria if e.stability == "stable"]
    orbits: list[PeriodicOrbit] = []
    aper: list[AperiodicAttractor] = []
    notes: list[str] = []
    deadline = None if max_time is None else time.monotonic() + max_time

    made: list[OutcomeOracle] = []

    def oracle_() -> OutcomeOracle:
        o = node_oracle(c, eq, stable, orbits, aper)
        o.deadline = deadline
        made.append(o)
        return o

    slow: list[str] = []  # tails circling a weakly attracting equilibrium: warnings
    lingered: set[str] = set()  # saddles of an attracting heteroclinic cycle
    out, budget_hit = _discover(c, X, oracle_, orbits, aper, notes, rounds=rounds,
                                max_period=max_period, deadline=deadline, max_time=max_time,
                                weak=_weak_equilibria(c, stable, eq), slow=slow,
                                saddles=[(e.id, np.asarray(e.state, float)) for e in eq.equilibria
                                         if e.stability != "stable"], lingered=lingered)
    ids = [e.id for e in stable] + [o.id for o in orbits] + [a.id for a in aper]
    out, cycle = _heteroclinic_outcomes(c, eq, stable, lingered, orbits, aper, X, out,
                                        deadline)
    basins = _fractions(out, ids + cycle)
    late: list[str] = []  # the steps the time budget left out
    unc = _unless_late(deadline, late, "uncertainty estimate",
                       lambda: _uncertainty(oracle_(), X, out, lo, hi, seed)) \
        if uncertainty and len(ids) + len({int(o) for o in out if o < 0 and reached(o)}) > 1 \
        else None
    cells = _grid_cells(grid, c)
    picture = _unless_late(deadline, late, "basin grid",
                           lambda: _basin_grid(oracle_(), c, lo, hi, cells, ids)) \
        if cells else None
    notes += [f"no {what}: time budget reached" for what in late]
    budget_hit = budget_hit or bool(late)
    box_d = {nm: (float(a), float(b)) for nm, a, b in zip(c.names, lo, hi)}
    # stalls on equilibria the flow cannot reach, after drifting off a heteroclinic cycle,
    # are not reported once every such start was seen reaching the cycle
    stalls = [x for o in made for x in o.stalled_states] \
        if not lingered or np.any(out == UNDECIDED) else []
    warns = slow + _stable_stalls(c, stalls, lo, hi)
    notes += warns
    msg = (f"{len(stable)} stable equilibria, {sum(o.stable for o in orbits)} stable periodic "
           f"orbits, {len(aper)} aperiodic attractors from {len(X)} starts")
    return AttractorSet(tuple(orbits), tuple(aper), tuple(basins), len(X), box_d,
                        uncertainty=unc, message="; ".join([msg] + notes),
                        status=Status.BUDGET if budget_hit else Status.OK, grid=picture,
                        warnings=tuple(warns), escapes=_escapes(X[out == DIVERGED], picture),
                        heteroclinic=tuple(e.id for e in eq.equilibria if e.id in lingered))


def _escapes(starts: Array, grid: BasinGrid | None) -> Array | None:
    """States seen to diverge: the diverged starts and the basin grid's diverged cell
    centres (None when there are none)."""
    parts = [np.asarray(starts, float)]  # rows of states (maybe none)
    if grid is not None and "diverged" in grid.outcomes:
        rows, cols = np.nonzero(grid.codes == grid.outcomes.index("diverged"))
        m = grid.codes.shape[0]
        lo, hi = np.array(grid.lo), np.array(grid.hi)
        parts.append(lo + (np.column_stack([cols, rows]) + 0.5) * (hi - lo) / m)
    parts = [p for p in parts if len(p)]
    return np.vstack(parts) if parts else None


def _heteroclinic_outcomes(c: CompiledSystem, eq: EquilibriumSet, stable: list[Any],
                           lingered: set[str], orbits: list[PeriodicOrbit],
                           aper: list[AperiodicAttractor], X: Array, out: Array,
                           deadline: float | None) -> tuple[Array, list[str]]:
    """The starts left unknown or undecided, run again with the saddles ``lingered`` of an
    attracting heteroclinic cycle as transit nodes: reaching any of them is one outcome, coded
    one past the attractors (the integration drifts off such a cycle if followed long enough:
    May–Leonard's starts all ended "undecided" on equilibria outside the positive octant).
    Returns the outcomes and the name of that extra outcome (none without a cycle, or past
    the deadline)."""
    if not lingered or (deadline is not None and time.monotonic() > deadline):
        return out, []
    het = [e for e in eq.equilibria if e.id in lingered]
    name = ["heteroclinic cycle (" + ", ".join(e.id for e in het) + ")"]
    todo = np.flatnonzero((out == UNKNOWN) | (out == UNDECIDED))
    if not len(todo):
        return out, name
    o = node_oracle(c, eq, list(stable) + list(het), orbits, aper)
    o.transit_nodes = True
    o.deadline = deadline
    got = o(X[todo])
    ns, nh = len(stable), len(het)
    new = np.where((got >= ns) & (got < ns + nh), ns + len(orbits) + len(aper),
                   np.where(got >= ns + nh, got - nh, got))
    out = out.copy()
    out[todo] = new
    return out, name


def _unless_late(deadline: float | None, late: list[str], what: str,
                 step: Callable[[], T]) -> T | None:
    """``step()``, or None (naming ``what`` in ``late``) once past the deadline."""
    if deadline is not None and time.monotonic() > deadline:
        late.append(what)
        return None
    return step()


def _discover(c: CompiledSystem, X: Array, oracle_: Callable[[], OutcomeOracle],
              orbits: list[PeriodicOrbit], aper: list[AperiodicAttractor], notes: list[str], *,
              rounds: int, max_period: int, deadline: float | None, max_time: float | None,
              weak: Sequence[tuple[Array, float]] = (), slow: list[str] | None = None,
              saddles: Sequence[tuple[str, Array]] = (), lingered: set[str] | None = None
              ) -> tuple[Array, bool]:
    """The discovery rounds: the outcome of every start in ``X`` (appending the attractors
    found to ``orbits`` and ``aper``, which ``oracle_`` then knows), and whether the time
    budget stopped them. ``weak``, ``saddles``: see :func:`_new_attractors`."""
    out = np.zeros(len(X), int)
    for _ in range(max(1, rounds)):
        if deadline is not None and time.monotonic() > deadline:
            notes.append(f"time budget of {max_time:g} s reached: discovery stopped")
            return out, True
        quick = oracle_()
        quick.patience = 1  # still moving after the base time: worth a closer look
        quick.unknown_states = []
        out = quick(X)
        unk = np.flatnonzero(out == UNKNOWN)
        if not len(unk):
            break
        # first look for attractors where they stopped (cheap); only when none is new, give
        # the undecided starts the full budget (slow but decided approaches)
        if _new_attractors(c, quick.unknown_states, orbits, aper, max_period, weak, slow,
                           deadline, saddles, lingered):
            continue
        full = oracle_()
        full.unknown_states = []
        out[unk] = full(X[unk])
        if np.any(out == UNKNOWN) and not _new_attractors(c, full.unknown_states, orbits,
                                                          aper, max_period, weak, slow,
                                                          deadline, saddles, lingered):
            notes.append(f"{int(np.sum(out == UNKNOWN))} starts stayed unknown: no periodic "
                         "orbit or bounded attractor could be resolved from them")
            break
    return out, False


def _stable_stalls(c: CompiledSystem, states: list[Array], lo: Array, hi: Array) -> list[str]:
    """Where trajectories stalled (``undecided``) on a *stable* equilibrium: an attractor that
    is not a node, because the equilibrium search did not return it (most often: it lies
    outside the variables' ranges, where that search does not look). One warning each."""
    groups: list[Array] = []
    for x in states:
        if not any(np.linalg.norm(x - g) <= 1e-6 * (1.0 + float(np.linalg.norm(x)))
                   for g in groups):
            groups.append(x)
    out = []
    for x in groups[:8]:
        with np.errstate(all="ignore"):
            ev = np.linalg.eigvals(c.jac(x))
        if not np.all(np.isfinite(ev)):
            continue
        stable = bool(np.max(np.abs(ev)) < 1 - 1e-9) if c.dynamics.is_map else \
            bool(np.max(ev.real) < -1e-9)
        if not stable:
            continue
        what = "fixed point" if c.dynamics.is_map else "equilibrium"
        where = ", ".join(f"{nm} = {v:.6g}" for nm, v in zip(c.names, x))
        why = ("it lies outside the variables' ranges, where the equilibrium search does not "
               "look: widen them to make it a node") if bool(np.any(x < lo) or np.any(x > hi)) \
            else "the equilibrium search did not return it"
        out.append(f"trajectories settled on a stable {what} at ({where}) that is not a "
                   f"node (counted as undecided): {why}")
    return out


def _grid_cells(grid: int | str, c: CompiledSystem) -> int:
    """Cells per side of the basin grid (0: none)."""
    if grid == "auto":
        return 0 if c.n != 2 else (100 if c.dynamics.is_map else 48)
    if isinstance(grid, bool) or not isinstance(grid, (int, np.integer)) or \
            not (grid == 0 or 10 <= grid <= 2000):
        raise ParameterError(f"grid={grid!r}: give 0 (no basin grid), a whole number of cells "
                             "per side from 10 to 2000, or 'auto'")
    if grid and c.n != 2:
        raise ParameterError(f"grid={grid}: the basin grid needs a model of two variables "
                             f"({c.model.name} has {c.n})")
    return int(grid)


def _basin_grid(oracle: OutcomeOracle, c: CompiledSystem, lo: Array, hi: Array, cells: int,
                ids: list[str]) -> BasinGrid:
    """The outcome of every cell centre (row i along the second variable)."""
    gx = lo[0] + (np.arange(cells) + 0.5) * (hi[0] - lo[0]) / cells
    gy = lo[1] + (np.arange(cells) + 0.5) * (hi[1] - lo[1]) / cells
    X = np.array(np.meshgrid(gx, gy)).reshape(2, -1).T
    out = oracle(X)
    names = list(ids)
    codes = np.empty(len(out), dtype=np.int16)
    for code, name in OUTCOME_NAMES.items():
        if np.any(out == code):
            codes[out == code] = len(names)
            names.append(name)
    codes[out >= 0] = out[out >= 0]
    return BasinGrid((c.names[0], c.names[1]), (float(lo[0]), float(lo[1])),
                     (float(hi[0]), float(hi[1])), tuple(names), codes.reshape(cells, cells))


# the span of a tail that _aperiodic_from looks at (time units; steps of a map)
_TAIL_SPAN = {"ode": 250.0, "map": 8000.0}


def _weak_equilibria(c: CompiledSystem, stable: list[Any], eq: EquilibriumSet
                     ) -> list[tuple[Array, float]]:
    """Stable (or attracting non-hyperbolic) equilibria whose slowest rate times a tail's span
    is below one, each with a quarter of its distance to the nearest other equilibrium: a
    non-chaotic tail that circles one of them within that distance cannot be told from an
    invariant circle."""
    span = _TAIL_SPAN["map" if c.dynamics.is_map else "ode"]
    allx = np.array([e.state for e in eq.equilibria]).reshape(-1, c.n)
    out = []
    for e in stable:
        w = np.asarray(e.eigenvalues) if e.eigenvalues is not None else np.zeros(0)
        if not len(w) or float(np.min(c.dynamics.rate(w))) * span < 1.0:
            x = np.asarray(e.state, float)
            d = np.linalg.norm(allx - x, axis=1)
            d = d[d > 1e-9 * (1.0 + float(np.linalg.norm(x)))]
            out.append((x, 0.25 * float(d.min()) if len(d) else np.inf))
    return out


def _around_weak(a: AperiodicAttractor, weak: Sequence[tuple[Array, float]]) -> Array | None:
    """The weak equilibrium that the (not chaotic) cloud circles closely, if any."""
    if a.lyapunov > LYAPUNOV_ZERO:
        return None
    for x, reach in weak:
        if float(np.max(np.linalg.norm(a.points - x, axis=1))) <= reach:
            return x
    return None


def _new_attractors(c: CompiledSystem, states: list[Array], orbits: list[PeriodicOrbit],
                    aper: list[AperiodicAttractor], max_period: int,
                    weak: Sequence[tuple[Array, float]] = (), notes: list[str] | None = None,
                    deadline: float | None = None,
                    saddles: Sequence[tuple[str, Array]] = (),
                    lingered: set[str] | None = None) -> bool:
    """Resolve the final states of unknown starts into new orbits or aperiodic attractors.

    A recurrent tail around a stable equilibrium that attracts too slowly to show in the tail
    (``weak``) is not made an attractor: Lorenz at rho = 24.73 (rate 2e-4 at the foci) had a
    "quasi-periodic attractor" that was a start spiralling into C- inside its unstable cycle.
    Nor is a tail that lingers at the unstable equilibria ``saddles`` (id, state): an
    attracting heteroclinic cycle (:func:`_lingering`); the ids of its saddles are added to
    ``lingered``."""
    found = False
    circling: list[tuple[Array, Array]] = []  # boxes of the tails seen circling weak foci
    tried = 0
    for x in states:
        if tried >= 16 or (deadline is not None and time.monotonic() > deadline):
            break
        if _known(x, orbits, aper) or any(np.all((x >= lo) & (x <= hi))
                                          for lo, hi in circling):
            continue
        tried += 1
        oid = f"C{len(orbits)}"
        if c.dynamics.is_map:
            o = map_cycle_from(c, x, max_period=max_period, oid=oid)
        else:
            o = limit_cycle_from(c, x, oid=oid)
        if o is not None and o.stable:
            if not _known(o.points[0], orbits, aper):
                orbits.append(o)
                found = True
            continue
        # an unstable cycle is not what the trajectory settled on: Newton converged to a
        # periodic orbit embedded in the attractor around it (Rössler's chaos: four saddle
        # cycles were kept as capture targets, had "basins", and the chaotic attractor was
        # never looked for, so the network said there was no attractor)
        a = _aperiodic_from(c, x, f"A{len(aper)}", saddles=saddles)
        linger = _lingering(a.points, saddles) if a is not None else None
        if linger is not None and a is not None:
            pad = 0.1 * np.ptp(a.points, axis=0)
            circling.append((a.points.min(axis=0) - pad, a.points.max(axis=0) + pad))
            tried -= 1
            if notes is not None:
                _note_lingering(notes, linger[0], linger[1])
            if lingered is not None:
                lingered.update(linger[2])
            continue
        x_weak = _around_weak(a, weak) if a is not None else None
        if x_weak is not None and a is not None:
            pad = 0.1 * np.ptp(a.points, axis=0)
            circling.append((a.points.min(axis=0) - pad, a.points.max(axis=0) + pad))
            tried -= 1  # the next states ending elsewhere still get their look
            note = (f"trajectories circle the stable equilibrium at {np.round(x_weak, 6)} "
                    "more slowly than a tail can show them converging (its slowest rate "
                    "times the tail's span is below 1): not made an attractor, and starts "
                    "that end there stay unknown")
            if notes is not None and note not in notes:
                notes.append(note)
            continue
        if a is not None and not _known(a.points[-1], orbits, aper):
            aper.append(a)
            found = True
    return found


def _lingering(P: Array, saddles: Sequence[tuple[str, Array]], near: float = 0.05,
               share: float = 0.5) -> tuple[str, float, set[str]] | None:
    """Whether the tail ``P`` spends at least ``share`` of its samples within ``near`` of its
    extent from the unstable equilibria ``saddles`` (id, state); then the route of visits
    ("E0 -> E2 -> E1 -> E0"), that share and the ids visited. An attracting heteroclinic
    cycle's residence times grow without bound (May–Leonard, a = 0.8, b = 1.3: 67 % of
    t = 200 … 450 within 0.05 of the three saddles, and three "chaotic attractors" with
    Lyapunov estimates 0.08–0.16 were reported from its pieces); chaos passes saddles
    without stopping (Lorenz and Rössler 0 %, the Hénon attractor 9 % near its saddle)."""
    if not saddles:
        return None
    ext = float(np.max(np.ptp(P, axis=0)))
    S = np.array([x for _, x in saddles])
    D = np.linalg.norm(P[:, None, :] - S[None, :, :], axis=2)
    k = np.argmin(D, axis=1)
    close = D[np.arange(len(P)), k] < near * ext
    frac = float(np.mean(close))
    if frac < share:
        return None
    seq = [int(j) for j in k[close]]
    route = [seq[0]] + [b for a, b in zip(seq, seq[1:]) if b != a]
    names = [saddles[j][0] for j in route[:8]]
    return (" -> ".join(names) + (" -> …" if len(route) > 8 else ""), frac,
            {saddles[j][0] for j in route})


_LINGER = "trajectories linger at unstable equilibria"


def _note_lingering(notes: list[str], route: str, frac: float) -> None:
    """One note for every tail that lingers at saddles: the routes seen, the largest share."""
    old = next((k for k, n in enumerate(notes) if n.startswith(_LINGER)), None)
    routes, top = [route], frac
    if old is not None:
        head = notes[old].split(" (", 1)[0][len(_LINGER) + 2:]
        routes = head.split("; ") + ([route] if route not in head.split("; ") else [])
        top = max(frac, float(notes[old].split("(", 1)[1].split("%", 1)[0]) / 100)
    note = (f"{_LINGER}, {'; '.join(routes)} ({top:.0%} of a tail's time within 5 % of its "
            "extent from one of them): an attracting heteroclinic cycle or network, not an "
            "attractor of its own here (its time near each equilibrium grows without bound, "
            "so a finite-time Lyapunov estimate and a tail's samples say nothing lasting; "
            "the network makes the saddles nodes). A start counts as reaching it when it "
            "passes one of its saddles: followed longer, the state comes closer to the "
            "saddles' invariant manifolds than the integrator's tolerance and can drift off")
    if old is None:
        notes.append(note)
    else:
        notes[old] = note


def _known(x: Array, orbits: list[PeriodicOrbit], aper: list[AperiodicAttractor]) -> bool:
    for o in orbits:
        size = float(np.max(np.ptp(o.points, axis=0))) if len(o.points) > 1 else 0.0
        tol = max(1e-5 * (1 + float(np.max(np.abs(o.points)))), 0.02 * size)
        if np.min(np.linalg.norm(o.points - x, axis=1)) < tol:
            return True
    for a in aper:
        if np.min(np.linalg.norm(a.points - x, axis=1)) < 0.05 * float(np.max(np.ptp(
                a.points, axis=0))):
            return True
    return False


def _aperiodic_from(c: CompiledSystem, x: Array, aid: str, n_points: int | None = None,
                    saddles: Sequence[tuple[str, Array]] = ()) -> AperiodicAttractor | None:
    """The tail cloud of a bounded non-periodic trajectory, its Lyapunov estimate, and how well
    the cloud covers the attractor (``gap``: the farthest point of a further stretch of the
    trajectory from the cloud). Maps keep 8 000 consecutive iterates (cheap, and the capture
    balls of a chaotic attractor must be small: the Hénon attractor comes within 0.014 of
    its basin boundary), ODEs 2 000 states 0.1 apart. A tail that lingers at ``saddles``
    (:func:`_lingering`: an attracting heteroclinic cycle) comes back without an exponent
    (NaN), for the caller to name the cycle: near such a cycle a finite-time exponent says
    nothing lasting (May-Leonard: 0.08-0.16 over 100 time units, negative over 2 000)."""
    from ..flow.simulation import simulate

    if c.dynamics.is_map:
        n_points = n_points or 8000
        tr = simulate(c, x, 4 * n_points + n_points // 4)
        if not tr.success:
            return None
        P, fresh = tr.x[-n_points - n_points // 4:-n_points // 4], tr.x[-n_points // 4:]
    else:
        n_points = n_points or 2000
        tr = simulate(c, x, 450.0, t_eval=np.linspace(200.0, 450.0, n_points + n_points // 4))
        if not tr.success or len(tr.x) < n_points // 2:
            return None
        P, fresh = tr.x[:n_points], tr.x[n_points:]
    if not np.all(np.isfinite(P)) or float(np.max(np.ptp(P, axis=0))) <= 0:
        return None
    # recurrence: the second half of the tail comes back near the first half (a drift or a
    # slow transient does not)
    from scipy.spatial import cKDTree

    half = len(P) // 2
    d, _ = cKDTree(P[:half]).query(P[half:])
    if float(np.median(d)) > 0.02 * float(np.max(np.ptp(P, axis=0))):
        return None
    if _lingering(P, saddles) is not None:  # no exponent: the caller names the cycle
        return AperiodicAttractor(aid, P, float("nan"), tuple(c.names))
    lyap, lyap_se = _lyapunov(c, P[0], size=min(1.0, float(np.max(np.ptp(P, axis=0)))))
    # an exponent far below zero (the estimator's noise is about LYAPUNOV_ZERO; tori came out
    # -0.007): the tail contracts onto an equilibrium or a cycle, it is not quasi-periodic;
    # nor is one that is still slowing down. The speed test is left out for chaos, whose
    # speed may differ between two windows (intermittency).
    if lyap < -5 * LYAPUNOV_ZERO or (lyap <= LYAPUNOV_ZERO and _converging(c, P)):
        return None
    gap = float(np.max(cKDTree(P).query(fresh)[0])) if len(fresh) else float("nan")
    return AperiodicAttractor(aid, P, lyap, tuple(c.names), gap=gap, lyapunov_error=lyap_se)


def _converging(c: CompiledSystem, P: Array) -> bool:
    """Whether the tail ``P`` is still approaching an equilibrium: its speed (|f| for an ODE,
    the step |G(x) - x| for a map) in its last fifth is below half that in its first fifth,
    or the tail has no extent at working precision. A slowly attracting focus passes the
    recurrence test (its spiral comes back near itself): Lorenz at rho = 20 gave four
    "quasi-periodic attractors" at C+ and C- (extent 1e-13) before this test, at rho = 24.5
    (rate 0.0072) the speed halves every 100 time units. Quasi-periodic motion keeps its
    speed (chaotic motion is not asked: intermittency changes it between windows)."""
    scale = 1.0 + float(np.max(np.abs(P)))
    if float(np.max(np.ptp(P, axis=0))) <= 1e-9 * scale:
        return True
    with np.errstate(all="ignore"):
        F = c.f_batch(P)
    speed = np.linalg.norm(F - P if c.dynamics.is_map else F, axis=1)
    k = max(1, len(P) // 5)
    first, last = float(np.median(speed[:k])), float(np.median(speed[-k:]))
    return bool(last < 0.5 * first)


def _lyapunov(c: CompiledSystem, x: Array, steps: int = 2000, dt: float = 0.5,
              size: float = 1.0) -> tuple[float, float]:
    """Largest Lyapunov exponent and its standard error (from the spread of 20 block means):
    maps by tangent propagation over ``steps`` iterates; ODEs over 2 000 time units by two
    nearby trajectories of the compiled loop, renormalised every time unit (Benettin), or
    without the loop by tangent propagation over 100 time units.

    Why 2 000: a finite-time exponent fluctuates; Rössler's (0.0714) came out 0.040-0.094 over
    100 time units from different points of the attractor."""
    rng = np.random.default_rng(1)
    v = rng.standard_normal(c.n)
    v /= np.linalg.norm(v)
    if c.dynamics.is_map:
        logs = np.empty(steps)
        for k in range(steps):
            v = c.jac(x) @ v
            x = c.f(x)
            nv = float(np.linalg.norm(v))
            logs[k] = np.log(max(nv, 1e-300))
            v /= max(nv, 1e-300)
        return _block_mean(logs, 1.0)
    st = stepper_for(c)
    if st is not None:
        got = _benettin(st, c, np.asarray(x, float), v, size=size)
        if got is not None:
            return got
    logs = np.empty(200)
    for k in range(200):
        x, v = tangent(c, x, v, dt)
        nv = float(np.linalg.norm(v))
        logs[k] = np.log(max(nv, 1e-300))
        v /= max(nv, 1e-300)
    return _block_mean(logs, dt)


def _block_mean(logs: Array, dt: float, blocks: int = 20) -> tuple[float, float]:
    """The growth rate of ``logs`` (log growth per interval ``dt``) and its standard error
    from the means of ``blocks`` consecutive blocks."""
    rate = float(np.sum(logs) / (len(logs) * dt))
    means = np.array([float(np.mean(b)) / dt for b in np.array_split(logs, blocks)])
    return rate, float(np.std(means, ddof=1) / np.sqrt(blocks))


def _benettin(st: Stepper, c: CompiledSystem, x: Array, v: Array, T: float = 2000.0,
              warm: float = 50.0, size: float = 1.0) -> tuple[float, float] | None:
    """Two trajectories ``d0`` apart, the second pulled back to ``d0`` after each time unit;
    the mean log growth after ``warm`` (the separation aligns with the unstable direction).
    None where a trajectory leaves (diverges, or the step collapses). ``size``: the
    attractor's extent where below 1 (the separation and tolerances shrink with it: an
    attractor 1e-9 across is not measured with a separation of 1e-7)."""
    checks = Checks(1e-11, 1e-13 * size, np.zeros((0, c.n)), np.zeros(0),
                    np.zeros(0, np.int64), np.inf, False, np.inf, False)
    d0 = 1e-7 * (size + float(np.linalg.norm(x)))
    z = x + d0 * v
    logs = []
    for k in range(int(warm + T)):
        cy, x, _, _, _ = st.advance(x, 0.0, 1.0, 0.0, 10**6, checks)
        cz, z, _, _, _ = st.advance(z, 0.0, 1.0, 0.0, 10**6, checks)
        if cy != RUNNING or cz != RUNNING:
            return None
        d = float(np.linalg.norm(z - x))
        if not np.isfinite(d) or d <= 0:
            return None
        if k >= warm:
            logs.append(np.log(d / d0))
        z = x + (z - x) * (d0 / d)
    return _block_mean(np.array(logs), 1.0)


def _fractions(out: Array, ids: list[str]) -> list[BasinEstimate]:
    N = len(out)
    res = []
    names = {**{k: nid for k, nid in enumerate(ids)}, **OUTCOME_NAMES}
    for code, name in names.items():
        k = int(np.sum(out == code))
        if k == 0 and code < 0:
            continue
        f = k / N
        res.append(BasinEstimate(name, f, float(np.sqrt(f * (1 - f) / N))))
    return res


_MISMATCHES = 32


def _uncertainty(oracle: OutcomeOracle, X: Array, out: Array, lo: Array, hi: Array,
                 seed: int) -> dict[str, Any]:
    r"""Uncertainty fraction f(ε) at two ε and the exponent α = Δlog f / Δlog ε, with its
    standard error :math:`\sqrt{1/k_1 + 1/k_2} / \log(ε_1/ε_2)` (k mismatches, Poisson).

    Every pair has its own start: the sampled starts once each, then fresh uniform points in
    the box. Drawing pairs from the same few hundred starts again and again counted the one
    or two starts that lie within ε of the boundary many times: a smooth boundary
    (x' = -x + x^2 + 0.3 y^2, y' = -y) came out at α = 0.35 from 9 and 8 mismatches, where
    8 000 independent pairs give 1.08."""
    rng = np.random.default_rng(seed + 17)
    diag = float(np.linalg.norm(hi - lo))
    res: dict[str, Any] = {}
    fs, counts = [], []
    eps = (1e-2 * diag, 1e-3 * diag)
    # pairs are drawn until each ε shows _MISMATCHES boundary crossings (the exponent's
    # error ~ sqrt(2 / k) / log 10: 0.11 at 32, 0.22 at 8, where Hénon x switch's smooth
    # boundaries came out 0.80 and 1.00 at two seeds) or the cap is reached (cheap for maps,
    # costly for ODEs); the cap counts trajectories
    cap = 8192 if oracle.model.dynamics.is_map else 2048
    decided = np.flatnonzero(out != UNKNOWN)  # a pair from an undecided start says nothing
    if len(decided) < 2:
        return {"epsilon": list(eps), "fraction": [0.0, 0.0], "mismatches": [0, 0],
                "exponent": None, "note": "too few decided starts"}
    batch = len(X)
    for e in eps:
        k = tot = 0
        starts: Array = X[decided]
        o1: IntArray = np.asarray(out[decided], dtype=int)
        used = 0  # trajectories run for this ε (a fresh pair costs two)
        while True:
            D = rng.standard_normal(starts.shape)
            D *= e / np.linalg.norm(D, axis=1, keepdims=True)
            o2 = oracle(starts + D)
            used += len(starts)
            ok = (o2 != UNKNOWN) & (o1 != UNKNOWN)  # undetermined pairs say nothing
            k += int(np.sum((o2 != o1) & ok))
            tot += int(ok.sum())
            if k >= _MISMATCHES or used + 2 * batch > cap:
                break
            starts = lo + (hi - lo) * rng.random((batch, X.shape[1]))  # fresh, independent
            o1 = oracle(starts)
            used += batch
        counts.append(k)
        fs.append(k / max(1, tot))
    res["epsilon"] = list(eps)
    res["fraction"] = fs
    res["mismatches"] = counts
    # the exponent only from enough boundary samples (binomial noise ~ 1/sqrt(k))
    enough = min(counts) >= 8
    res["exponent"] = float(np.log(fs[0] / fs[1]) / np.log(eps[0] / eps[1])) if enough \
        else None
    res["exponent_stderr"] = float(np.sqrt(1 / counts[0] + 1 / counts[1])
                                   / np.log(eps[0] / eps[1])) if enough else None
    return res
