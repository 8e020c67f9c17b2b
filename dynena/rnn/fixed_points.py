"""All fixed points of a trained network under a constant input, searched where it lives."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..compile import as_compiled
from ..equilibrium import find_equilibria
from ..equilibrium.api import default_box, distinct_points
from ..equilibrium.krylov import krylov_equilibria
from ..equilibrium.newton import batched_newton, batched_ptc
from ..progress import ProgressFn, say
from ..results.equilibria import EquilibriumSet
from .pytorch import trajectory_seeds
from .reservoir_import import LARGE

__all__ = ["rnn_fixed_points"]


BOX_ROUND = 1024
"""Box starts per round of the plain Newton pass of a small network."""
MAX_ROUNDS = 8


def rnn_fixed_points(model: Any, *, pulse_amplitude: float = 1.0, stable_only: bool = False,
                     seeds: Any = None, progress: ProgressFn | None = None) -> EquilibriumSet:
    """The fixed points of a recurrent network (a map; its held input folded in), searched
    from the states it visits under rare ±``pulse_amplitude`` pulses on its inputs (what
    ``dynena rnn`` runs; ``seeds``, if given, are used instead of those states).

    Up to 50 units: Newton and pseudo-transient continuation (towards the stable states)
    from those states, then plain Newton from scrambled Sobol points of the box |h| ≤ 1 in
    rounds of 1024 until a round finds no new fixed point (at most 8 rounds). A tanh RNN has
    hundreds of saddles near the corners of the box, each with a small basin of Newton starts:
    the rounds go on while they keep turning up (the trained 16-unit flip-flop RNN: 259 fixed
    points, against 145 from the general search's 320 box starts). Up to
    :data:`~dynena.rnn.reservoir_import.LARGE` units: the general search
    (:func:`~dynena.find_equilibria`, seeded). Above: Newton–Krylov from the last 100 states
    with Arnoldi stability, no N × N matrix.

    Examples
    --------
    >>> import dynena
    >>> eq = dynena.rnn_fixed_points(dynena.load_torch("models/flipflop_gru.safetensors", "gru"))
    >>> len(eq.stable), all(e.residual <= 1e-12 for e in eq)
    (8, True)
    """
    c = as_compiled(model)
    if seeds is None:
        seeds = trajectory_seeds(c, amplitude=pulse_amplitude)
    seeds = np.asarray(seeds, dtype=float).reshape(-1, c.n)
    if c.n > LARGE:
        say(progress, f"fixed points of {c.n} units from {len(seeds[-100:])} trajectory states "
                      "(Newton-Krylov)")
        return krylov_equilibria(c, seeds[-100:])
    if c.n > 50 or stable_only:
        say(progress, f"fixed points from {len(seeds)} trajectory states"
                      + ("" if c.n > 50 else " and the box"))
        return find_equilibria(c, seeds=seeds, stable_only=stable_only, progress=progress)
    return _rounds(c, seeds, progress)


def _rounds(c: Any, seeds: Any, progress: ProgressFn | None) -> EquilibriumSet:
    """Small networks: the trajectory states, then box rounds until one adds nothing; the
    roots found are classified once, at the end."""
    from scipy.stats import qmc

    lo, hi = default_box(c)
    width = hi - lo
    tol = 1e-10

    def converged(Y: Any, conv: Any) -> Any:  # roots near the box (as the general search)
        Y = Y[conv]
        return Y[np.all((Y >= lo - width) & (Y <= hi + width), axis=1)]

    Y, _, conv, _ = batched_newton(c, seeds, tol=tol)
    Z, _, zconv, _ = batched_ptc(c, seeds, tol=tol)
    roots = distinct_points(np.concatenate([converged(Y, conv), converged(Z, zconv)]), 1e-8)
    rounds, new = 0, np.zeros((0, c.n))
    for k in range(MAX_ROUNDS):
        rounds += 1
        X = lo + width * qmc.Sobol(d=c.n, scramble=True, seed=k + 1).random_base2(
            int(np.log2(BOX_ROUND)))
        Y, _, conv, _ = batched_newton(c, X, tol=tol)
        new = _new(distinct_points(converged(Y, conv), 1e-8), roots)
        say(progress, f"box round {k + 1}: {len(new)} new fixed points")
        roots = np.concatenate([roots, new])
        if not len(new):
            break
    eq = find_equilibria(c, seeds=roots, n_starts=0, method="newton", deflation_rounds=0,
                         symbolic=False)
    starts = len(seeds) + rounds * BOX_ROUND
    exhausted = rounds == MAX_ROUNDS and len(new) > 0
    return replace(
        eq, method="newton from trajectory states and box rounds + ptc from the states",
        guarantee=(f"Newton from {len(seeds)} trajectory states and {rounds} rounds of "
                   f"{BOX_ROUND} box starts "
                   + ("- the last round still found new points: the list is incomplete"
                      if exhausted else "until a round found none")
                   + "; pseudo-transient continuation from the states; no guarantee of "
                     "completeness"),
        stats={**eq.stats, "starts": starts, "box_rounds": rounds},
        message=f"{len(eq)} fixed points from {starts} starts")


def _new(Y: Any, roots: Any, tol: float = 1e-6) -> Any:
    """The rows of ``Y`` farther than ``tol`` (relative) from every root."""
    from scipy.spatial import cKDTree

    if not len(roots) or not len(Y):
        return Y
    d, _ = cKDTree(roots).query(Y)
    return Y[d > tol * (1.0 + np.linalg.norm(Y, axis=1))]
