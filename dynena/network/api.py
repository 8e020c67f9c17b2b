r"""``excitable_network``: stable states, the connections between them and their thresholds.

For stable equilibria :math:`\xi_i \ne \xi_j` and admissible perturbations :math:`\mathcal P`,

.. math:: \delta_{ij} = \inf\{a \ge 0 : \exists v \in \mathcal P,\ \|v\| = 1,\
          \xi_i + a v \text{ (or the pulse } a v) \text{ leads to } \xi_j\}.

Algorithm for state-space kicks (deterministic, geometric):

1. **Candidates from saddles.** For each saddle :math:`s` near :math:`\xi_i`: the normal
   :math:`n_s` of its stable manifold (left unstable eigenvector; for an index-1 saddle on the
   basin boundary the nearest boundary point of the linearised manifold is
   :math:`\xi_i + ((s-\xi_i)\cdot n_s)\,n_s`), and the straight line to :math:`s` (which is how a
   perturbation jumps past a third basin at a higher-index saddle).
2. **Scan and bisect** the amplitude along every candidate (lock step, batched) to relative
   ``rtol``: each switch of outcome gives a candidate connection and its bracket.
3. **Refine** on the basin boundary: at the boundary point, the normal (pulled back from the
   saddle by the adjoint flow) is the new direction — the minimiser is where the direction is
   normal to the boundary — and bisect again, while the threshold decreases.
4. **Verify**: random directions (near the optimum and anywhere) at ``0.999 δ`` must not reach
   the target; a violation starts a new search along it.
5. **Via**: the saddle the trajectory from just past the threshold passes closest to.

With the odd symmetry :math:`f(-x) = -f(x)` only one node of each ± pair is computed; the other
is its mirror image. Input pulses (recurrent networks) bisect the pulse amplitude for every
node, channel and sign.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._typing import Array
from ..compile.system import CompiledSystem
from ..errors import ParameterError
from ..model.protocol import SystemModel
from ..model.vector import VectorModel
from ..progress import say
from ..results.attractors import AperiodicAttractor, AttractorSet, PeriodicOrbit
from ..results.equilibria import EquilibriumSet
from ..results.network import OUTCOME_NAMES, Connection, ExcitableNetwork
from .context import _Ctx, _rough, _Selection
from .outcome import reached
from .pulses import InputPulses
from .special import _attracting_nonhyperbolic
from .state import _named_directions
from .symmetry import agree, describe, group, pair_nodes, pair_saddles, symmetries
from .warm import warm_hints
from .work import _connections, _mirrored, _NodeWork, _to_compute

__all__ = ["InputPulses", "excitable_network"]


def excitable_network(
    model: SystemModel | CompiledSystem,
    *,
    equilibria: EquilibriumSet | None = None,
    perturbations: str | Sequence[str] | InputPulses = "state",
    max_threshold: float | None = None,
    weights: Sequence[float] | None = None,
    rtol: float = 1e-6,
    n_verify: int = 8,
    max_candidates: int = 24,
    refine: bool = True,
    symmetry: bool = True,
    t_max: float | None = None,
    nodes: str = "auto",
    seed: int = 0,
    jobs: int = 1,
    nearest_only: bool = False,
    attractors: bool | str = "auto",
    certify: bool = True,
    tol: float = 1e-4,
    budget: int = 40000,
    resolution: int = 1,
    seeds: int | None = None,
    max_time: float | None = 1800.0,
    warm: ExcitableNetwork | None = None,
    progress: Callable[[str], None] | None = None,
) -> ExcitableNetwork:
    r"""Compute the excitable network of a model.

    Parameters
    ----------
    model : Model, VectorModel or CompiledModel
    equilibria : EquilibriumSet, optional
        From :func:`dynena.find_equilibria` (computed when not given).
    perturbations : "state", list of direction names, or InputPulses
        All of state space (default), the model's named ``directions`` (both signs), or input
        pulses.
    max_threshold : float, optional
        Connections above it are left out of the graph (they stay in ``connections``); also
        bounds the amplitudes searched. Default: search up to twice each candidate's distance.
    weights : sequence of float, optional
        Weighted norm :math:`\|v\|_W^2 = \sum_k w_k v_k^2` for state-space kicks.
    rtol : float
        Relative tolerance of every threshold (bisection).
    n_verify : int
        Random directions checked at 0.999 δ per connection.
    max_candidates : int
        Saddles considered per node (nearest first).
    refine : bool
        Refine directions on the basin boundary (adjoint normal iteration).
    symmetry : bool
        Compute one node of each ± pair and mirror it (odd models only); where a signed
        permutation of the variables maps the model and its nodes to themselves, give paired
        connections one value, the smaller (:mod:`dynena.network.symmetry`); where symmetries
        fix a node, search one direction of each of their orbits (dimension ≤ 3; the
        certificate's ``symmetries`` says how many were used).
    t_max : float, optional
        Time (ode) or steps (map) allowed to reach a node; default from the slowest eigenvalue.
    nodes : {"auto", "stable", "labelled"}
        ``auto``: stable equilibria plus equilibria carrying a model label (heteroclinic
        designs, whose vertices are saddles).
    seed : int
        Seed of the random starts of the multi-start search (above three variables), of the
        verification directions and of attractor discovery; recorded in ``options``.
    jobs : int
        Local worker processes (nodes are shared out among them).
    nearest_only : bool
        Only each node's smallest connection (its minimal critical shock), not all of them;
        the same value as the smallest threshold of the full run.
    attractors : bool or "auto"
        Sample the box for attractors that are not equilibria (map cycles, limit cycles) and
        make the stable ones nodes. ``auto``: for models of up to 50 variables.
    certify : bool
        Global search over all directions with a stated guarantee (default). ``False`` keeps
        the geometric search alone (faster, no guarantee).
    tol : float
        Relative tolerance of the global search.
    budget : int
        Trajectories the global search may spend per source state.
    resolution : int
        Density of the global search's first grid of directions, in state dimension 2 and 3:
        ``k`` makes the angle between neighbouring rays (and, with ``nearest_only``, the
        spacing of the checked kicks along them) k times smaller, for about k² (2-D) or k³
        (3-D) times the trajectories. The certificate states the coverage reached.
    seeds : int, optional
        Minimal-seed starts per connection in state dimension above 3 (ascents along the
        adjoint gradient of the kick's closest approach to the target, at lowered
        amplitudes; the certificates count them as ``seeded``). Default: 6 for maps, 0 for
        ODEs (on the 32-variable AP 3-cube, 6 double the time and found one pair of
        connections 13 % lower in one run of four; 30 found it for 5.7 times the time).
        0 turns them off.
    max_time : float or None
        Wall-clock budget (seconds) from the start of the call: attractor discovery gets at
        most a third of it (and 120 s), the thresholds the rest (an equilibrium search run
        here has its own budget and counts against this one); certificates of searches it
        cut short say ``budget``. None: no limit.
    warm : ExcitableNetwork, optional
        The network of the same model at a nearby parameter value (network continuation):
        each of its connections between nodes matched here is followed from its direction
        and value instead of searched anew (certificate ``warm-start``; state dimension > 3,
        all state-space kicks). Connections it did not have are not searched; a node whose
        connections cannot all be followed gets the full search. See
        :mod:`dynena.network.warm`.
    progress : callable, optional
        Receives progress messages.

    Returns
    -------
    ExcitableNetwork

    Examples
    --------
    The double well x' = x - x³ (y decays): each well is a kick of 1 from the saddle at 0.

    >>> import dynena
    >>> net = dynena.excitable_network(dynena.load("models/double_well.yaml"))
    >>> [(c.source, c.target, round(c.threshold, 5), c.via) for c in net.edges]
    [('E0', 'E1', 1.0, 'E2'), ('E1', 'E0', 1.0, 'E2')]
    >>> net.edges[0].certificate.status, net.success
    (<Status.CERTIFIED: 'certified'>, True)
    """
    from ..compile import as_compiled
    from ..equilibrium import find_equilibria

    t0 = time.perf_counter()
    c = as_compiled(model)
    W = _check_options(c, nodes, weights, max_time, perturbations, resolution, seeds)
    # one deadline for the whole call: attractor discovery's share and the thresholds' rest
    # (each had max_time of its own: --max-time 300 took 404 s on Lorenz at rho = 24.5)
    deadline = None if max_time is None else time.monotonic() + max_time
    if equilibria is None:
        say(progress, "finding equilibria")
        equilibria = find_equilibria(c, progress=progress)
    sel = _select_nodes(c, equilibria, nodes, attractors, seed, max_time, progress)
    space = "input" if isinstance(perturbations, InputPulses) else "state"
    base = dict(model=c.model.name, kind=c.kind, parameters=c.parameter_values(),
                names=tuple(c.names), equilibria=equilibria, space=space,
                max_threshold=max_threshold, attractors=sel.att,
                norm="l2" if weights is None else "weighted-l2")
    if not sel.ids:
        return ExcitableNetwork(node_ids=(), node_states=np.zeros((0, c.n)), node_labels=(),
                                node_stability=(), connections=(), **base,  # type: ignore
                                stats={"trajectories": 0, "nodes_computed": 0,
                                       "seconds": time.perf_counter() - t0},
                                message="the model has no isolated attractor in the box "
                                        "(no stable equilibrium, periodic orbit or bounded "
                                        "aperiodic attractor): there is no excitable network "
                                        "to compute" + "".join(f"; {s}" for s in sel.notes))
    ctx = _context(c, equilibria, sel, W, t_max, deadline, rtol, seed, progress, nearest_only,
                   certify, tol, budget, int(resolution), seeds)
    mirror = symmetry and _mirrored(c, sel, space)
    todo = _to_compute(sel, mirror)
    dirs = None if space == "input" or isinstance(perturbations, str) else \
        _named_directions(c, perturbations)  # type: ignore[arg-type]
    gens = symmetries(c, W) if symmetry and space == "state" and dirs is None else []
    ctx.symmetry_group = group(gens)
    hints = warm_hints(warm, sel.ids, sel.states) if (
        warm is not None and space == "state" and dirs is None and certify and c.n > 3
        and not nearest_only) else {}
    work = _NodeWork(ctx, sel.node_eqs, sel.orbits, sel.aperiodic, space, perturbations, dirs,
                     max_threshold, max_candidates, refine, n_verify, hints, sel.attracting)
    conns, self_loops, cost = _connections(work, todo, jobs, mirror, sel, progress)
    sym_notes = _symmetric(c, sel, ctx, gens, conns, nearest_only)
    oracle = ctx.oracle
    stats = {"trajectories": oracle.trajectories, "seconds": time.perf_counter() - t0,
             "unknown_outcomes": oracle.budget_hits, "integrator_failures": oracle.failures,
             "nodes_computed": len(todo), "node_trajectories": cost,
             "mirrored": bool(mirror), "t_max": oracle.t_max,
             "capture_radii": oracle.radii.tolist(),
             "warm_nodes": len({cn.source for cn in conns if cn.certificate is not None
                                and cn.certificate.method == "warm-start"}
                               & {sel.ids[i] for i in todo})}
    late = deadline is not None and time.monotonic() > deadline
    msg = _message(sel, conns, sym_notes, max_time if late else None, stats)
    options = {"rtol": rtol, "n_verify": n_verify, "max_candidates": max_candidates,
               "refine": refine, "perturbations": _describe(perturbations), "seed": seed,
               "weights": None if W is None else W.tolist()}
    eqn, others = sel.node_eqs, len(sel.orbits) + len(sel.aperiodic)
    if sel.aperiodic:
        stats["aperiodic_capture_radii"] = {a.id: ctx.oracle.node_radius(sel.ids.index(a.id))
                                            for a in sel.aperiodic}
    return ExcitableNetwork(node_ids=tuple(sel.ids), node_states=sel.states,
                            node_labels=tuple([e.label for e in eqn] + [None] * others),
                            node_stability=tuple([e.stability for e in eqn]
                                                 + ["stable"] * others),
                            node_kinds=tuple(sel.kinds),
                            connections=tuple(conns), self_loops=tuple(self_loops),
                            stats=stats, options=options, message=msg, **base)  # type: ignore


def _message(sel: _Selection, conns: list[Connection], sym_notes: list[str],
             deadline_s: float | None, stats: dict[str, Any]) -> str:
    """The network's message: its size, notes on the nodes, on symmetric pairs, and (when
    ``deadline_s``, the time budget, was reached) which nodes it left bare; the same notes
    go into ``stats``."""
    msg = f"{len(sel.ids)} nodes, {len(conns)} connections"
    if len(sel.ids) == 1:
        msg = ("one stable state (attractor) only: the network has no edges between states "
               "(connections listed lead to unknown or diverging behaviour, or out of the "
               "equations' domain, if any)")
    if sel.notes:
        msg += "; " + "; ".join(sel.notes)
        stats["node_notes"] = sel.notes  # non-hyperbolic nodes, attractors not made nodes
    msg += "".join(f"; {a.id} is {a.evidence}" for a in sel.aperiodic)
    if sym_notes:
        msg += "; " + "; ".join(sym_notes)
        stats["symmetry_notes"] = sym_notes
    if deadline_s is not None:
        # a node whose searches the deadline cut before anything was found has no line of
        # its own to carry a ``budget`` certificate: say it here
        stats["deadline_reached"] = True
        bare = [i for i in sel.ids if not any(cn.source == i for cn in conns)]
        msg += (f"; the time budget of {deadline_s:g} s was reached: searches cut short say "
                "'budget'" + (f"; nothing was found from {', '.join(bare)} before it"
                              if bare else ""))
    return msg


def _check_options(c: CompiledSystem, nodes: str, weights: Sequence[float] | None,
                   max_time: float | None, perturbations: Any, resolution: Any = 1,
                   seeds: Any = None) -> Array | None:
    """Refuse bad options before any work; the weights as an array (or None)."""
    if nodes not in ("auto", "stable", "labelled"):
        raise ParameterError("nodes must be 'auto', 'stable' or 'labelled'")
    if max_time is not None and not max_time > 0:
        raise ParameterError(f"max_time must be a positive number of seconds, got {max_time!r}")
    if isinstance(perturbations, str) and perturbations != "state":
        raise ParameterError("perturbations must be 'state', a list of direction names, "
                             "or InputPulses")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or \
            not 1 <= resolution <= 64:
        raise ParameterError(f"resolution={resolution!r}: give a whole number from 1 to 64 "
                             "(the first grid of directions k times denser)")
    if seeds is not None and (isinstance(seeds, bool) or not isinstance(seeds, (int, np.integer))
                              or not 0 <= seeds <= 200):
        raise ParameterError(f"seeds={seeds!r}: give a whole number from 0 to 200 (minimal-"
                             "seed starts per connection above three variables), or None")
    W = None if weights is None else np.asarray(weights, float)
    if W is not None and (W.shape != (c.n,) or not np.all((W > 0) & np.isfinite(W))):
        raise ParameterError(f"weights must be {c.n} positive finite numbers, got {weights!r}")
    return W


def _select_nodes(c: CompiledSystem, equilibria: EquilibriumSet, nodes: str, attractors: bool | str,
                  seed: int, max_time: float | None, progress: Any) -> _Selection:
    """Stable equilibria, attracting non-hyperbolic ones (checked by the flow), labelled
    saddles of heteroclinic designs, and stable periodic orbits found by sampling."""
    from ..attractor import find_attractors

    eqs = list(equilibria.equilibria)
    # Labelled non-stable equilibria are nodes only where the label has no stable state
    # (the vertices of a heteroclinic design are saddles).
    stable_labels = {e.label for e in eqs if e.stability == "stable" and e.label}
    node_eqs = [e for e in eqs if e.isolated and (
        (e.stability == "stable" and nodes != "labelled")
        or (e.label is not None and nodes != "stable"
            and (e.stability == "stable" or e.label not in stable_labels)))]
    notes = _continuum_notes(eqs)
    nh_nodes = _attracting_nonhyperbolic(c, eqs, node_eqs, notes) if nodes != "labelled" \
        else []
    node_eqs += nh_nodes
    saddle_eqs = [e for e in eqs if e.stability in ("saddle", "unstable", "nonhyperbolic")
                  and e not in node_eqs]
    orbits: list[PeriodicOrbit] = []
    att: AttractorSet | None = None
    if _want_attractors(attractors, c, nodes):
        say(progress, "sampling the box for attractors that are not equilibria")
        att = find_attractors(c, equilibria, seed=seed,
                              max_time=None if max_time is None else min(120.0, max_time / 3),
                              nodes=[e for e in eqs if e.stability == "stable"] + nh_nodes)
        orbits = list(att.stable_orbits)
        notes += att.warnings
        if nodes == "auto":
            het = _heteroclinic_nodes(eqs, node_eqs, att, notes)
            node_eqs += het
            saddle_eqs = [e for e in saddle_eqs if e not in het]
        if not att.success:  # its time budget ended discovery: the status alone said budget
            notes.append("the search for attractors that are not equilibria stopped at its "
                         "time budget (120 s, or a third of max_time): some may be missing")
    sel = _Selection(eqs, node_eqs, saddle_eqs, orbits, att, notes,
                     attracting={e.id for e in nh_nodes})
    if att is not None:
        sel.aperiodic = _aperiodic_nodes(att.aperiodic, sel)
    return sel


def _heteroclinic_nodes(eqs: list[Any], node_eqs: list[Any], att: AttractorSet,
                        notes: list[str]) -> list[Any]:
    """The saddles at which trajectories lingered (an attracting heteroclinic cycle or
    network, ``att.heteroclinic``): nodes, as the vertices of a heteroclinic design are, with
    connections of threshold 0 along their unstable directions (Ashwin & Postlethwaite)."""
    het = [e for e in eqs if e.id in att.heteroclinic and e.isolated and e not in node_eqs]
    if het:
        notes.append("the saddles " + ", ".join(e.id for e in het) + " of the attracting "
                     "heteroclinic cycle are nodes: their connections follow their unstable "
                     "directions (threshold 0, kind heteroclinic), and a kick is counted as "
                     "reaching the first of them it passes")
    return het


def _continuum_notes(eqs: list[Any]) -> list[str]:
    """What the network says about equilibria that are samples of a continuum (a curve or
    surface of equilibria, ``isolated`` False): none of them is a node, since no point of a
    continuum attracts a neighbourhood, and kicks that end on it are ``undecided``."""
    cont = [e for e in eqs if not e.isolated]
    if not cont:
        return []
    attracting = [e for e in cont if e.unstable_dim == 0]
    ids = ", ".join(e.id for e in cont[:4]) + (f" and {len(cont) - 4} more" if len(cont) > 4
                                               else "")
    what = ("it has no unstable direction: it may attract as a whole (a line or ring "
            "attractor), which dynena does not make a node" if attracting else
            "every sample has an unstable direction")
    return [f"the equilibria {ids} are samples of a continuum of equilibria (not isolated): "
            f"none is a node, and kicks that end on it are reported as undecided; {what}"]


def _symmetric(c: CompiledSystem, sel: _Selection, ctx: _Ctx, gens: list[Array],
               conns: list[Connection], nearest_only: bool) -> list[str]:
    """Connections paired by a symmetry of the model (``gens``) made equal, in place (see
    :mod:`dynena.network.symmetry`); the notes on what changed."""
    notes = []
    ids, states = sel.ids, sel.states
    radii = np.array([ctx.oracle.node_radius(k) for k in range(len(ids))])

    def confirm(cn: Connection) -> bool:
        """The image's switching kick, run: it must reach the image's target."""
        x0 = states[ids.index(cn.source)] if cn.origin is None else cn.origin
        codes = {name: code for code, name in OUTCOME_NAMES.items() if reached(code)}
        want = ids.index(cn.target) if cn.target in ids else codes.get(cn.target)
        if want is None or cn.direction is None:
            return False
        return int(ctx.oracle((x0 + cn.bracket[1] * cn.direction)[None, :])[0]) == want

    saddles = [(e.id, np.asarray(e.state, float)) for e in sel.saddle_eqs]
    for R in gens:
        image = pair_nodes(R, sel, radii)
        if image is None or all(k == v for k, v in image.items()):
            continue
        new, changed = agree(conns, R, image, pair_saddles(R, saddles), ctx.tol, confirm,
                             nearest_only)
        if changed:
            conns[:] = new
            notes.append(f"symmetry {describe(R, c.names)}: " + ", ".join(changed))
    conns.sort(key=lambda cn: (ids.index(cn.source), cn.threshold))
    return notes


def _aperiodic_nodes(found: Sequence[AperiodicAttractor],
                     sel: _Selection) -> list[AperiodicAttractor]:
    """The aperiodic attractors that are nodes beside ``sel``'s equilibria and orbits: not
    those that pass through another node (the attractor of a heteroclinic design wanders
    between its saddle nodes; a trajectory on it is already assigned to the saddle it passes).
    Those are named in ``sel.notes``."""
    from scipy.spatial import cKDTree

    out = []
    ids, pts = sel.ids, sel.point_sets
    for a in found:
        tree = cKDTree(a.points)
        near = 0.02 * float(np.max(np.ptp(a.points, axis=0)))
        hit = [nid for nid, P in zip(ids, pts) if float(np.min(tree.query(P)[0])) < near]
        if hit:
            sel.notes.append(f"{a.id} ({a.kind}) passes through node(s) {', '.join(hit)}: part of "
                         "the network between them, not a node of its own")
        else:
            out.append(a)
    return out


def _context(c: CompiledSystem, equilibria: EquilibriumSet, sel: _Selection, W: Array | None,
             t_max: float | None, deadline: float | None, rtol: float, seed: int,
             progress: Any, nearest_only: bool, certify: bool, tol: float, budget: int,
             resolution: int = 1, seeds: int | None = None) -> _Ctx:
    """The outcome oracle over the nodes (with the global ``deadline``, on
    ``time.monotonic``'s clock) and the saddle geometry."""
    from ..attractor.api import node_oracle

    oracle = node_oracle(c, equilibria, sel.node_eqs, sel.orbits, sel.aperiodic, t_max=t_max)
    oracle.transit_nodes = any(e.stability != "stable" for e in sel.node_eqs)
    oracle.deadline = deadline
    N = sel.states
    S = np.array([e.state for e in sel.saddle_eqs]).reshape(-1, c.n)
    s_reach = np.array([0.2 * max(1e-12, float(np.min(np.linalg.norm(N - s, axis=1))))
                        for s in S]) if len(S) else np.zeros(0)
    return _Ctx(c, oracle, N, sel.ids, S, [e.id for e in sel.saddle_eqs], s_reach, W, rtol,
                seed, progress, nearest_only, certify=certify, tol=tol, budget=budget,
                resolution=resolution, seeds=None if seeds is None else int(seeds),
                points=sel.point_sets,
                rough=_rough(sel.att),
                escapes=sel.att.escapes if sel.att is not None else None)


def _describe(perturbations: Any) -> Any:
    """The perturbations as plain data (for ``options`` in the result)."""
    if isinstance(perturbations, str):
        return perturbations
    if isinstance(perturbations, InputPulses):
        return {"channels": perturbations.channels, "signs": perturbations.signs,
                "width": perturbations.width, "max_amplitude": perturbations.max_amplitude}
    return list(perturbations)


def _want_attractors(flag: bool | str, c: CompiledSystem, nodes: str) -> bool:
    if flag == "auto":
        return c.n <= 50 and nodes == "auto" and not isinstance(c.model, VectorModel)
    if not isinstance(flag, bool):
        raise ParameterError(f"attractors must be True, False or 'auto', got {flag!r}")
    return flag


