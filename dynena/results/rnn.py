"""Result of the flip-flop extraction (science.md §4): plain and JSON-serialisable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._typing import Array
from .equilibria import EquilibriumSet
from .network import ExcitableNetwork
from .status import Status

__all__ = ["RNNNode", "RNNSaddle", "FlipFlopAnalysis"]


@dataclass(frozen=True)
class RNNNode:
    id: str
    state: Array
    readout: Array
    code: tuple[int, ...] | None  # nearest sign pattern if within the tolerance
    spurious: bool
    max_abs_eig: float


@dataclass(frozen=True)
class RNNSaddle:
    id: str
    state: Array
    readout: Array
    unstable_dim: int
    max_abs_eig: float
    residual: float
    edges: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FlipFlopAnalysis:
    """Everything the extraction found, with its evidence."""

    bits: int
    size: int
    amplitude: float
    width: int
    accuracy: float
    rmse: float
    nodes: tuple[RNNNode, ...]
    network: ExcitableNetwork
    equilibria: EquilibriumSet
    saddles: tuple[RNNSaddle, ...]
    slow_points: tuple[dict[str, Any], ...]
    observed: dict[tuple[str, str], int]
    trajectory_q_p90: float
    sweep: tuple[dict[str, float], ...] = ()
    errors: dict[str, int] = field(default_factory=dict)
    error_list: tuple[dict[str, Any], ...] = ()
    diagnosis: tuple[str, ...] = ()
    config: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    series: dict[str, Array] = field(default_factory=dict)  # for the pictures
    held_unstable: tuple[dict[str, Any], ...] = ()  # unstable equilibria the run lingers at

    @property
    def status(self) -> Status:
        """The network's status (its equilibrium search and every threshold search)."""
        return self.network.status

    @property
    def success(self) -> bool:
        return self.status.success

    def edges_at(self, amplitude: float | None = None) -> list[Any]:
        a = self.amplitude if amplitude is None else amplitude
        ids = set(self.network.node_ids)
        return [c for c in self.network.connections
                if c.target in ids and c.target != c.source and c.threshold <= a]

    def self_loops_at(self, amplitude: float | None = None) -> list[Any]:
        """(node, channel, sign) pulses of this amplitude that leave the state where it is."""
        a = self.amplitude if amplitude is None else amplitude
        loops = [c for c in self.network.self_loops]
        loops += [c for c in self.network.connections if c.threshold > a]
        return loops

    def to_dict(self) -> dict[str, Any]:
        def conn(c: Any) -> dict[str, Any]:
            return {"source": c.source, "target": c.target, "channel": int(c.channel),
                    "sign": int(c.sign), "threshold": float(c.threshold), "via": c.via,
                    "bracket": [float(c.bracket[0]), float(c.bracket[1])],
                    "kick_norm": None if c.kick is None else float(np.linalg.norm(c.kick)),
                    "trajectories": c.trajectories}

        return {
            "status": self.status, "success": self.success,
            "bits": self.bits, "size": self.size, "amplitude": self.amplitude,
            "width": self.width, "accuracy": self.accuracy, "rmse": self.rmse,
            "nodes": [{"id": n.id, "code": None if n.code is None else list(n.code),
                       "spurious": n.spurious, "max_abs_eig": n.max_abs_eig,
                       "readout": n.readout.tolist()} for n in self.nodes],
            "edges": [conn(c) for c in self.edges_at()],
            "self_loops": [{"source": c.source, "channel": int(c.channel), "sign": int(c.sign),
                            "threshold_above": float(min(c.threshold, c.bracket[0]))}
                           for c in self.self_loops_at()],
            "other_connections": [conn(c) for c in self.network.connections
                                  if c not in self.edges_at()],
            "saddles": [{"id": s.id, "unstable_dim": s.unstable_dim,
                         "readout": s.readout.tolist(), "max_abs_eig": s.max_abs_eig,
                         "residual": s.residual, "edges": [list(e) for e in s.edges]}
                        for s in self.saddles],
            "slow_points": list(self.slow_points),
            "held_unstable": list(self.held_unstable),
            "observed_transitions": [{"source": a, "target": b, "count": k}
                                     for (a, b), k in sorted(self.observed.items())],
            "trajectory_q_p90": self.trajectory_q_p90,
            "amplitude_sweep": list(self.sweep),
            "errors": self.errors, "error_examples": list(self.error_list[:50]),
            "diagnosis": list(self.diagnosis), "config": self.config,
            "timings": self.timings, "network_stats": self.network.stats,
        }
