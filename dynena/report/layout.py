"""Where the nodes and edge labels of a network drawing go: pure plane geometry, in points.

The drawing is rendered with every position pinned (``neato -n2``), so a label can only sit on
another label or a node if this module put it there. Nodes come from the structure when there
is one — the read-out codes of an N-bit flip-flop on the projected hypercube — or from
Graphviz's own layout; edge labels are then placed greedily along their edges, each in the
first free spot, and the layout is spread out until every label has one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Box", "LabelSpot", "hypercube_positions", "place_labels", "overlapping_pairs"]

#: gap kept between any two boxes (points)
PAD = 8.0


@dataclass(frozen=True)
class Box:
    """An axis-aligned box: centre ``(x, y)`` and half sizes ``(hw, hh)``, in points."""

    x: float
    y: float
    hw: float
    hh: float

    def overlaps(self, other: Box, pad: float = 0.0) -> bool:
        return (abs(self.x - other.x) < self.hw + other.hw + pad
                and abs(self.y - other.y) < self.hh + other.hh + pad)


@dataclass(frozen=True)
class LabelSpot:
    """What a label is attached to: an edge ``source → target`` (a self-loop when equal)."""

    key: str
    source: str
    target: str
    hw: float
    hh: float


def hypercube_positions(codes: Mapping[str, Sequence[float]], unit: float = 170.0,
                        clip: bool = True) -> dict[str, tuple[float, float]]:
    r"""Nodes at their read-out codes projected onto the plane: the N-cube drawn as nested
    squares and cubes.

    A code :math:`z \in [-1, 1]^N` goes to :math:`\sum_i \tfrac{1 + z_i}{2} v_i` with
    :math:`v_1 = (1, 0)`, :math:`v_2 = (0, 1)`, :math:`v_3 = (0.55, 0.42)` (the cube in oblique
    view) and, for bits 4, 5, …, copies of that cube side by side, then stacked
    (:math:`v_4 = (2.2, 0)`, :math:`v_5 = (0, 2.2)`, :math:`v_6 = (4.4, 0)`, …). Corners of a
    cube are 1 unit apart, so an edge of the hypercube is a bit flip. Read-outs that are not
    exactly a code (spurious states) land in between. ``clip=False`` projects any point
    (a state of a 2- or 3-dimensional system) the same way.
    """
    base = [(1.0, 0.0), (0.0, 1.0), (0.55, 0.42)]
    out = {}
    for nid, z in codes.items():
        p = np.zeros(2)
        for i, zi in enumerate(z):
            if i < 3:
                v = np.array(base[i])
            else:  # bit 4 → x, 5 → y, 6 → x at twice the stride, …
                k = i - 3
                v = np.array((1.0, 0.0) if k % 2 == 0 else (0.0, 1.0)) * 2.2 * 2 ** (k // 2)
            p += (1.0 + float(np.clip(zi, -1, 1) if clip else zi)) / 2.0 * v
        out[nid] = (float(p[0] * unit), float(p[1] * unit))
    return out


def _free(box: Box, taken: Sequence[Box]) -> bool:
    return not any(box.overlaps(t, PAD) for t in taken)


def separate_nodes(pos: dict[str, tuple[float, float]], size: Mapping[str, tuple[float, float]]
                   ) -> dict[str, tuple[float, float]]:
    """Move nodes that sit on each other (e.g. a spurious state next to a code) to the nearest
    free spot on a spiral around where they were."""
    placed: list[Box] = []
    out = {}
    for nid, (x, y) in pos.items():
        hw, hh = size[nid]
        for r, a in _spiral(max(hw, hh)):
            b = Box(x + r * np.cos(a), y + r * np.sin(a), hw, hh)
            if _free(b, placed):
                break
        placed.append(b)
        out[nid] = (b.x, b.y)
    return out


def _spiral(step: float, turns: int = 400) -> list[tuple[float, float]]:
    return [(0.0, 0.0)] + [(step * (1 + k / 8), k * 2.399963) for k in range(turns)]


def _edge_candidates(p: np.ndarray, q: np.ndarray, hh: float, hw: float, rank: int,
                     shared: bool) -> list[np.ndarray]:
    """Spots along p → q, near the middle first. An edge that shares its two nodes with
    another (the two directions of a pair, parallel edges) keeps to the right of its
    direction of travel, the ``rank``-th one of a direction further out, so each has a lane."""
    d = q - p
    length = float(np.hypot(*d)) or 1.0
    d = d / length
    right = np.array([d[1], -d[0]])
    reach = abs(right[0]) * hw + abs(right[1]) * hh  # half extent of the box across the edge
    first = (reach + PAD / 2) if shared else 0.0
    offsets = [first + (rank + k) * (2 * reach + PAD) for k in range(4)]
    out = []
    for o in offsets:
        for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78):
            out.append(p + t * (q - p) + o * right)
    return out


def _loop_candidates(p: np.ndarray, centre: np.ndarray, node: Box, hw: float, hh: float
                     ) -> list[np.ndarray]:
    """Spots just outside the node, facing away from the middle of the drawing first."""
    u = p - centre
    base = float(np.arctan2(u[1], u[0])) if np.hypot(*u) > 1e-9 else np.pi / 2
    out = []
    for ring in range(4):
        for da in (0.0, 0.5, -0.5, 1.0, -1.0, 1.6, -1.6, 2.4, -2.4, np.pi):
            a = base + da
            r = np.array([np.cos(a), np.sin(a)])
            reach = abs(r[0]) * (node.hw + hw) + abs(r[1]) * (node.hh + hh)
            out.append(p + (reach + PAD * 3 + ring * (2 * hh + PAD)) * r)
    return out


def place_labels(pos: Mapping[str, tuple[float, float]], size: Mapping[str, tuple[float, float]],
                 spots: Sequence[LabelSpot], *, max_spread: int = 10
                 ) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float]], int]:
    """Node positions (spread out as needed) and a label position per spot, with no two
    boxes overlapping.

    Each label takes the first free candidate along its edge (or around its node for a
    self-loop); when one finds none, the node positions are scaled by 1.2 about their centre
    and all labels are placed again, at most ``max_spread`` times. Returns ``(nodes, labels,
    overlaps)``; ``overlaps`` counts labels that had to be put on an occupied spot (0 unless
    the spreading ran out).
    """
    P = {k: np.array(v, dtype=float) for k, v in pos.items()}
    centre = np.mean(list(P.values()), axis=0) if P else np.zeros(2)
    for _ in range(max_spread + 1):
        labels, bad = _try_place(P, size, spots, centre)
        if not bad:
            break
        P = {k: centre + 1.2 * (v - centre) for k, v in P.items()}
    return ({k: (float(v[0]), float(v[1])) for k, v in P.items()}, labels, bad)


def _try_place(P: Mapping[str, np.ndarray], size: Mapping[str, tuple[float, float]],
               spots: Sequence[LabelSpot], centre: np.ndarray
               ) -> tuple[dict[str, tuple[float, float]], int]:
    nodes = {k: Box(v[0], v[1], *size[k]) for k, v in P.items()}
    taken = list(nodes.values())
    labels: dict[str, tuple[float, float]] = {}
    rank: dict[tuple[str, str], int] = {}
    pairs: dict[frozenset[str], int] = {}
    for s in spots:
        pairs[frozenset((s.source, s.target))] = pairs.get(frozenset((s.source, s.target)), 0) + 1
    bad = 0
    for s in spots:
        if s.source == s.target:
            cands = _loop_candidates(P[s.source], centre, nodes[s.source], s.hw, s.hh)
        else:
            r = rank.get((s.source, s.target), 0)
            rank[(s.source, s.target)] = r + 1
            cands = _edge_candidates(P[s.source], P[s.target], s.hh, s.hw, r,
                                     pairs[frozenset((s.source, s.target))] > 1)
        boxes = [Box(c[0], c[1], s.hw, s.hh) for c in cands]
        free = [b for b in boxes if _free(b, taken)]
        if not free:
            bad += 1
        b = free[0] if free else boxes[0]
        taken.append(b)
        labels[s.key] = (b.x, b.y)
    return labels, bad


def overlapping_pairs(boxes: Mapping[str, Box]) -> list[tuple[str, str]]:
    """Every pair of boxes that overlap (for checks of a rendered drawing)."""
    keys = list(boxes)
    return [(a, b) for i, a in enumerate(keys) for b in keys[i + 1:]
            if boxes[a].overlaps(boxes[b])]
