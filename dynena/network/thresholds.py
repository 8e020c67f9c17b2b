r"""Threshold searches: scans and lock-step bisections along rays of perturbations.

A **ray** is a one-parameter family of perturbations of a node :math:`\xi_i` indexed by the
amplitude :math:`a \ge 0`: a state-space kick :math:`\xi_i + a v` (:math:`\|v\| = 1`) or an input
pulse :math:`u = a\,s\,e_c` of a given width. Along a ray the outcome (the node reached) is
piecewise constant; its switch points are found by a coarse scan followed by bisection to a
relative tolerance ``rtol``. All rays advance together, so maps are iterated in one batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._typing import Array
from .outcome import OutcomeOracle

__all__ = ["Ray", "Switch", "evaluate", "scan_rays", "bisect_switches"]


@dataclass(eq=False)
class Ray:
    """Perturbations of node ``source`` (index) along a state direction or an input pulse."""

    source: int
    x0: Array
    direction: Array | None = None  # unit state-space vector
    pulse: Array | None = None  # input vector of unit amplitude (s e_c)
    width: int = 1
    tag: Any = None

    def start(self, a: float) -> tuple[Array, Array | None]:
        if self.direction is not None:
            return self.x0 + a * self.direction, None
        assert self.pulse is not None
        return self.x0, a * self.pulse


@dataclass
class Switch:
    """Along ``ray`` the outcome first becomes ``target`` between ``lo`` and ``hi``."""

    ray: Ray
    target: int
    lo: float
    hi: float
    below: int  # outcome at lo


def evaluate(oracle: OutcomeOracle, rays: list[Ray], amps: list[float]) -> Array:
    """Outcome of ray ``k`` at amplitude ``amps[k]``, for all k, batched by kind."""
    out = np.empty(len(rays), dtype=int)
    state_idx = [k for k, r in enumerate(rays) if r.direction is not None]
    if state_idx:
        X0 = np.array([rays[k].start(amps[k])[0] for k in state_idx])
        out[state_idx] = oracle(X0)
    pulse_idx = [k for k, r in enumerate(rays) if r.direction is None]
    by_width: dict[int, list[int]] = {}
    for k in pulse_idx:
        by_width.setdefault(rays[k].width, []).append(k)
    for w, ks in by_width.items():
        X0 = np.array([rays[k].x0 for k in ks])
        U = np.array([rays[k].start(amps[k])[1] for k in ks])
        out[ks] = oracle(X0, pulse=(U, w))
    return out


def scan_rays(oracle: OutcomeOracle, rays: list[Ray], a_max: list[float] | Array,
              n_grid: int = 8, a_min: list[float] | Array | None = None) -> list[Switch]:
    """Coarse scan of each ray on ``n_grid`` amplitudes in ``(a_min, a_max]``.

    Returns a bracket for every target that first appears along the ray (in order), so that
    ``bisect_switches`` can refine it.
    """
    a_max = np.asarray(a_max, float)
    a_min = np.zeros(len(rays)) if a_min is None else np.asarray(a_min, float)
    # Irrational offsets keep grid points off special amplitudes (a saddle exactly on the
    # ray at its distance, where the outcome would be undecided).
    frac = (np.arange(1, n_grid + 1) - 0.3819660113) / (n_grid - 0.3819660113)
    grids = [lo + (hi - lo) * frac for lo, hi in zip(a_min, a_max)]
    flat_rays = [r for r, g in zip(rays, grids) for _ in g]
    flat_amps = [a for g in grids for a in g]
    outs = evaluate(oracle, flat_rays, flat_amps).reshape(len(rays), n_grid)
    switches: list[Switch] = []
    for k, ray in enumerate(rays):
        prev_a, prev_o = a_min[k], ray.source
        seen = {ray.source}
        for a, o in zip(grids[k], outs[k]):
            if o not in seen:
                switches.append(Switch(ray, int(o), float(prev_a), float(a), int(prev_o)))
                seen.add(int(o))
            prev_a, prev_o = a, o
    return switches


def bisect_switches(oracle: OutcomeOracle, switches: list[Switch], rtol: float = 1e-6,
                    max_iter: int = 60, prune: bool = False) -> list[Switch]:
    """Refine every bracket in lock step until ``hi - lo <= rtol * hi``.

    The predicate is "the outcome is the switch's target"; ``lo`` keeps the last amplitude
    that did not reach it and ``hi`` the first that did. With ``prune``, brackets that can no
    longer give the smallest amplitude for their (source, target) are dropped early.
    """
    active = [s for s in switches if s.hi - s.lo > rtol * s.hi]
    for _ in range(max_iter):
        if prune:
            best: dict[tuple[int, int], float] = {}
            for s in switches:
                key = (s.ray.source, s.target)
                best[key] = min(best.get(key, np.inf), s.hi)
            active = [s for s in active if s.lo < best[(s.ray.source, s.target)]]
        if not active:
            break
        mids = [0.5 * (s.lo + s.hi) for s in active]
        outs = evaluate(oracle, [s.ray for s in active], mids)
        for s, m, o in zip(active, mids, outs):
            if o == s.target:
                s.hi = m
            else:
                s.lo, s.below = m, int(o)
        active = [s for s in active if s.hi - s.lo > rtol * s.hi]
    return switches
