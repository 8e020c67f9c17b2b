"""All fixed points of a trained network under a constant input, searched where it lives."""

from __future__ import annotations

from typing import Any

from ..compile import as_compiled
from ..equilibrium import find_equilibria
from ..equilibrium.krylov import krylov_equilibria
from ..progress import ProgressFn, say
from ..results.equilibria import EquilibriumSet
from .pytorch import trajectory_seeds
from .reservoir_import import LARGE

__all__ = ["rnn_fixed_points"]


def rnn_fixed_points(model: Any, *, pulse_amplitude: float = 1.0, stable_only: bool = False,
                     progress: ProgressFn | None = None) -> EquilibriumSet:
    """The fixed points of a recurrent network (a map; its held input folded in), from the
    states it visits under rare ±``pulse_amplitude`` pulses on its inputs (what
    ``dynena rnn`` runs).

    Up to :data:`~dynena.rnn.reservoir_import.LARGE` units: the global search
    (:func:`~dynena.find_equilibria`: Newton, pseudo-transient continuation and deflation
    from those states and from the box). Above: Newton–Krylov from the last 100 of them with
    Arnoldi stability (:func:`~dynena.equilibrium.krylov.krylov_equilibria`), no N × N matrix.

    Examples
    --------
    >>> import dynena
    >>> eq = dynena.rnn_fixed_points(dynena.load_torch("models/flipflop_gru.safetensors", "gru"))
    >>> len(eq.stable), all(e.residual <= 1e-12 for e in eq)
    (8, True)
    """
    c = as_compiled(model)
    seeds = trajectory_seeds(c, amplitude=pulse_amplitude)
    if c.n > LARGE:
        say(progress, f"fixed points of {c.n} units from {len(seeds[-100:])} trajectory states "
                      "(Newton-Krylov)")
        return krylov_equilibria(c, seeds[-100:])
    say(progress, f"fixed points from {len(seeds)} trajectory states and the box")
    return find_equilibria(c, seeds=seeds, stable_only=stable_only, progress=progress)
