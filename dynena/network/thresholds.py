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
from .outcome import UNKNOWN, OutcomeOracle

__all__ = ["Ray", "Switch", "evaluate", "scan_rays", "bisect_switches", "narrow",
           "next_amplitude", "open_width"]


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
    """Along ``ray`` the outcome first becomes ``target`` between ``lo`` and ``hi``;
    ``band``: amplitudes inside whose outcome was undecided (see :func:`narrow`)."""

    ray: Ray
    target: int
    lo: float
    hi: float
    below: int  # outcome at lo
    band: tuple[float, float] | None = None


Band = tuple[float, float] | None


def next_amplitude(lo: float, hi: float, band: Band) -> float:
    """Where to bisect ``(lo, hi]``: its middle, or with a band of undecided amplitudes the
    middle of the wider gap between the band and the bracket's ends."""
    if band is None:
        return 0.5 * (lo + hi)
    return 0.5 * (lo + band[0]) if band[0] - lo >= hi - band[1] else 0.5 * (band[1] + hi)


def open_width(lo: float, hi: float, band: Band) -> float:
    """What bisection can still narrow: the bracket, or the wider gap beside the band."""
    return hi - lo if band is None else max(band[0] - lo, hi - band[1])


def narrow(lo: float, hi: float, band: Band, m: float, reached: bool, decided: bool
           ) -> tuple[float, float, Band]:
    """The bracket after the outcome at ``m``: reached the target, stayed out of it, or
    undecided (the integration budget ran out: neither end; it joins the band). A decided
    outcome drops the band's part beyond it (bisection's model: one entry in the bracket).
    Counted as staying, undecided kicks had moved ``lo`` past the entry: FitzHugh-Nagumo at
    I = 0.33 gave 0.0251814 in a bracket of width 1e-6 against the true 0.0251129."""
    if not decided:
        return lo, hi, (m, m) if band is None else (min(band[0], m), max(band[1], m))
    lo, hi = (lo, m) if reached else (m, hi)
    if band is not None:
        b0, b1 = max(band[0], lo), min(band[1], hi)
        band = (b0, b1) if b0 <= b1 else None
    return lo, hi, band


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
        # a switch's lower end is the last decided level; undecided levels since are its band
        prev_a, prev_o = a_min[k], ray.source
        band: Band = None
        seen = {ray.source}
        for a, o in zip(grids[k], outs[k]):
            if o not in seen:
                switches.append(Switch(ray, int(o), float(prev_a), float(a), int(prev_o),
                                       band))
                seen.add(int(o))
            if o == UNKNOWN:
                band = (float(a), float(a)) if band is None else (band[0], float(a))
            else:
                prev_a, prev_o, band = a, o, None
    return switches


def bisect_switches(oracle: OutcomeOracle, switches: list[Switch], rtol: float = 1e-6,
                    max_iter: int = 60, prune: bool = False) -> list[Switch]:
    """Refine every bracket in lock step until what is left open (``hi - lo``, or beside a
    band of undecided amplitudes the wider gap, see :func:`narrow`) is below ``rtol * hi``.

    The predicate is "the outcome is the switch's target"; ``lo`` keeps the last amplitude
    decided not to reach it and ``hi`` the first that did. With ``prune``, brackets that can
    no longer give the smallest amplitude for their (source, target) are dropped early.
    """
    active = [s for s in switches if open_width(s.lo, s.hi, s.band) > rtol * s.hi]
    for _ in range(max_iter):
        if prune:
            best: dict[tuple[int, int], float] = {}
            for s in switches:
                key = (s.ray.source, s.target)
                best[key] = min(best.get(key, np.inf), s.hi)
            active = [s for s in active if s.lo < best[(s.ray.source, s.target)]]
        if not active:
            break
        mids = [next_amplitude(s.lo, s.hi, s.band) for s in active]
        outs = evaluate(oracle, [s.ray for s in active], mids)
        for s, m, o in zip(active, mids, outs):
            decided = o != UNKNOWN or s.target == UNKNOWN
            lo = s.lo
            s.lo, s.hi, s.band = narrow(s.lo, s.hi, s.band, m, o == s.target, decided)
            if s.lo != lo:
                s.below = int(o)
        active = [s for s in active if open_width(s.lo, s.hi, s.band) > rtol * s.hi]
    return switches
