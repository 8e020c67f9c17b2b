r"""One-dimensional unstable manifolds of saddles: where each branch goes.

From a saddle :math:`\xi` with a single unstable eigenvector :math:`v`, each branch starts at
:math:`\xi \pm \varepsilon v` and is followed (integration or iteration) until it settles on a
stable equilibrium of the given set, diverges, or the time budget ends.
"""

from __future__ import annotations

import numpy as np

from ..compile.system import CompiledSystem
from ..errors import ParameterError
from ..model.protocol import SystemModel
from ..results.equilibria import EquilibriumSet, ManifoldBranch

__all__ = ["unstable_manifold", "match_state"]


def match_state(x: np.ndarray, eqset: EquilibriumSet, tol: float = 1e-3) -> str | None:
    """Id of the stable equilibrium within ``tol * (1 + |x|)`` of ``x``, else None."""
    for e in eqset.stable:
        if np.linalg.norm(e.state - x) <= tol * (1 + np.linalg.norm(x)):
            return e.id
    return None


def unstable_manifold(model: SystemModel | CompiledSystem, eqset: EquilibriumSet, saddle: str, *, eps: float = 1e-5,
                      t_end: float = 1e4) -> tuple[ManifoldBranch, ManifoldBranch]:
    """Follow both branches of the 1-D unstable manifold of ``saddle`` (an id in ``eqset``).

    Examples
    --------
    >>> import dynena
    >>> m = dynena.load("models/double_well.yaml")
    >>> eq = dynena.find_equilibria(m)
    >>> sorted(b.target for b in dynena.unstable_manifold(m, eq, "E2"))
    ['E0', 'E1']
    """
    from ..compile import as_compiled
    from ..flow.simulation import simulate

    c = as_compiled(model)
    e = eqset[saddle]
    if e.unstable_dim != 1:
        raise ParameterError(f"{saddle} has {e.unstable_dim} unstable directions; the "
                             "unstable manifold is one-dimensional only for index-1 saddles")
    v = e.unstable_vectors[0]
    out = []
    for side in (+1, -1):
        x0 = e.state + side * eps * v
        tr = simulate(c, x0, t_end, stop_at_equilibrium=True, eq_tol=1e-10)
        target = match_state(tr.final, eqset)
        out.append(ManifoldBranch(saddle, side, x0, tr.final, target, tr.status,
                                  float(tr.t[-1])))
    return out[0], out[1]
