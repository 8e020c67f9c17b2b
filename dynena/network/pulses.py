"""Connections by input pulses (recurrent networks): the pulse amplitude bisected for every node,
channel and sign.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._typing import Array
from ..compile.system import CompiledSystem
from ..errors import ParameterError
from ..flow.advance import advance
from ..results.network import Connection, ThresholdCertificate
from ..results.status import Status
from .context import _Ctx
from .thresholds import Ray, Switch, bisect_switches, scan_rays


@dataclass(frozen=True)
class InputPulses:
    """Admissible perturbations as input pulses :math:`u = a\\,s\\,e_c` of ``width`` steps.

    ``channels`` (indices, default all), ``signs`` (default both), ``max_amplitude`` (the
    largest amplitude scanned).
    """

    channels: tuple[int, ...] | None = None
    signs: tuple[int, ...] = (1, -1)
    width: int = 1
    max_amplitude: float = 2.0


def _input_connections(ctx: _Ctx, i: int, pulses: InputPulses,
                       max_threshold: float | None, origins: Array | None = None
                       ) -> tuple[list[Connection], list[Connection]]:
    """Bisect the pulse amplitude for every channel and sign from node ``i`` (from every
    point of ``origins`` for a periodic node: the smallest is its threshold)."""
    c, oracle = ctx.c, ctx.oracle
    m = len(c.input_names)
    if m == 0:
        raise ParameterError(f"model {c.model.name!r} has no inputs; input pulses need them")
    channels = pulses.channels if pulses.channels is not None else tuple(range(m))
    for ch in channels:
        if not 0 <= ch < m:
            raise ParameterError(f"input channel {ch} does not exist (0..{m - 1})")
    a_max = max_threshold or pulses.max_amplitude
    starts = [ctx.N[i]] if origins is None else list(
        origins[:: max(1, len(origins) // 16)])
    rays = []
    for x0 in starts:
        for ch in channels:
            for sg in pulses.signs:
                e = np.zeros(m)
                e[ch] = sg
                rays.append(Ray(i, x0, None, pulse=e, width=pulses.width, tag=(ch, sg)))
    n0 = oracle.trajectories
    sw = scan_rays(oracle, rays, [a_max] * len(rays), n_grid=8)
    first: dict[int, Switch] = {}
    for s in sw:  # the first switch along each ray is the pulse's threshold
        k = next(n for n, r in enumerate(rays) if r is s.ray)
        if k not in first:
            first[k] = s
    bisect_switches(oracle, list(first.values()), ctx.rtol)
    per = (oracle.trajectories - n0) // max(1, len(rays))
    out: list[Connection] = []
    loops: list[Connection] = []
    best_k: dict[Any, int] = {}
    for k, ray in enumerate(rays):  # per (channel, sign): the origin with the smallest switch
        cur = best_k.get(ray.tag)
        if cur is None or (k in first and (cur not in first or first[k].hi < first[cur].hi)):
            best_k[ray.tag] = k
    cert = ThresholdCertificate(method="ray", status=Status.RAY, lower_bound=float("nan"),
                                angular_resolution=None, radial_resolution=1.0 / 8,
                                directions=len(rays), trajectories=oracle.trajectories - n0,
                                sources=len(starts))
    for k in best_k.values():
        ray = rays[k]
        ch, sg = ray.tag
        sk = first.get(k)
        if sk is None:
            loops.append(Connection(source=ctx.ids[i], target=ctx.ids[i], threshold=a_max,
                                    space="input", channel=ch, sign=sg, width=pulses.width,
                                    bracket=(a_max, np.inf), trajectories=per))
            continue
        kick = _pulse_kick(c, ray, sk.hi)
        via, _ = ctx.via(ray.x0 + kick) if sk.target >= 0 else (None, -1)
        out.append(Connection(source=ctx.ids[i], target=ctx.name(sk.target),
                              threshold=0.5 * (sk.lo + sk.hi), space="input", channel=ch,
                              sign=sg, width=pulses.width, kick=kick, via=via,
                              bracket=(sk.lo, sk.hi), trajectories=per, certificate=cert,
                              origin=None if origins is None else ray.x0))
    return out, loops


def _pulse_kick(c: CompiledSystem, ray: Ray, a: float) -> Array:
    """State displacement produced by the pulse (the state-space picture of an input)."""
    assert ray.pulse is not None
    return advance(c, ray.x0.copy(), ray.width, a * ray.pulse) - ray.x0
