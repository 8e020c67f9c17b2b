r"""Data for phase portraits and projections (computed here, drawn by the reporter).

Two-dimensional models: the vector field on a grid, and the branches of every saddle's unstable
and stable manifolds (the separatrices bounding the basins). Higher dimensions: a principal
component projection of the equilibria and of short trajectories from kicked nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._typing import Array
from .compile.system import CompiledSystem
from .model.protocol import SystemModel
from .results.equilibria import EquilibriumSet

__all__ = ["Portrait", "phase_portrait"]


@dataclass(frozen=True)
class Portrait:
    """What a phase portrait or projection shows (all in plot coordinates)."""

    kind: str  # "plane" (2-D state) or "projection" (PCA of a larger state)
    axes: tuple[str, str]
    grid_x: Array = field(default_factory=lambda: np.zeros(0))
    grid_y: Array = field(default_factory=lambda: np.zeros(0))
    u: Array = field(default_factory=lambda: np.zeros(0))
    v: Array = field(default_factory=lambda: np.zeros(0))
    curves: tuple[tuple[str, Array], ...] = ()  # (style, points (k, 2)) e.g. separatrices
    points: tuple[tuple[str, str, Array], ...] = ()  # (id, stability, xy)
    explained: tuple[float, ...] = ()


def _project(X: Array, mean: Array, P: Array) -> Array:
    return (X - mean) @ P.T


def phase_portrait(model: SystemModel | CompiledSystem, eqset: EquilibriumSet, *, resolution: int = 25,
                   t_manifold: float = 50.0) -> Portrait:
    """Compute the portrait data for ``model`` and its equilibria.

    Examples
    --------
    >>> import dynena
    >>> m = dynena.load("models/double_well.yaml")
    >>> p = dynena.phase_portrait(m, dynena.find_equilibria(m))
    >>> p.kind, p.axes, len(p.curves)   # both branches of each manifold of the saddle
    ('plane', ('x', 'y'), 4)
    """
    from .compile import as_compiled
    from .equilibrium.api import default_box
    from .flow.simulation import simulate

    c = as_compiled(model)
    eqs = list(eqset.equilibria)
    if c.n == 2:
        lo, hi = default_box(c)
        if eqs:  # frame the equilibria generously if the box is much larger
            E = np.array([e.state for e in eqs])
            span = np.maximum(E.max(0) - E.min(0), 1.0)
            lo = np.maximum(lo, E.min(0) - 0.6 * span)
            hi = np.minimum(hi, E.max(0) + 0.6 * span)
        gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                             np.linspace(lo[1], hi[1], resolution))
        F = c.f_batch(np.column_stack([gx.ravel(), gy.ravel()]))
        if c.dynamics.is_map:
            F = F - np.column_stack([gx.ravel(), gy.ravel()])
        curves = []
        for e in eqs:
            if e.stability != "saddle" or c.dynamics.is_map:
                continue
            for style, vecs, sign_t in (("unstable", e.unstable_vectors, 1.0),
                                        ("stable", e.stable_vectors, -1.0)):
                for vec in vecs[:1]:
                    for side in (1, -1):
                        x0 = e.state + side * 1e-4 * vec
                        tr = simulate(c, x0, t_manifold, backward=sign_t < 0,
                                      max_norm=10 * float(np.max(np.abs(hi)) + 1),
                                      stop_at_equilibrium=True, eq_tol=1e-8)
                        X = tr.x
                        inside = np.all((X >= lo - 0.2 * (hi - lo)) &
                                        (X <= hi + 0.2 * (hi - lo)), axis=1)
                        curves.append((style, X[inside]))
        pts = tuple((e.id, e.stability, e.state.copy()) for e in eqs)
        return Portrait("plane", (c.names[0], c.names[1]), gx, gy,
                        F[:, 0].reshape(gx.shape), F[:, 1].reshape(gx.shape),
                        tuple(curves), pts)
    if not eqs:
        return Portrait("projection", ("PC1", "PC2"))
    E = np.array([e.state for e in eqs])
    if c.n == 1:
        pts = tuple((e.id, e.stability, np.array([e.state[0], 0.0])) for e in eqs)
        return Portrait("projection", (c.names[0], ""), points=pts)
    mean = E.mean(0)
    stable = np.array([e.state for e in eqs if e.stability == "stable"]) if eqset.stable else E
    U, S, Vt = np.linalg.svd(stable - stable.mean(0), full_matrices=False) if len(stable) > 2 \
        else np.linalg.svd(E - mean, full_matrices=False)
    P = Vt[:2] if Vt.shape[0] >= 2 else np.vstack([Vt, np.zeros((1, c.n))])
    explained = tuple(float(x) for x in (S[:2] ** 2 / max(np.sum(S**2), 1e-300)))
    pts = tuple((e.id, e.stability, _project(e.state[None], mean, P)[0]) for e in eqs)
    curves = []
    for e in eqs[:32]:
        if e.stability != "saddle" or e.unstable_dim != 1:
            continue
        for side in (1, -1):
            x0 = e.state + side * 1e-4 * e.unstable_vectors[0]
            tr = simulate(c, x0, t_manifold if not c.dynamics.is_map else 300,
                          stop_at_equilibrium=True, eq_tol=1e-8)
            curves.append(("unstable", _project(tr.x, mean, P)))
    return Portrait("projection", ("PC1", "PC2"), curves=tuple(curves), points=pts,
                    explained=explained)
