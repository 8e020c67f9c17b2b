"""Network drawings read at a glance: checked on the rendered output, not on our own layout
numbers. Graphviz's ``-Tjson`` gives the box of every node, edge label and the legend as it
drew them; no two may overlap. Flip-flop nodes sit on the hypercube of their codes."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from dynena.report.graphviz import network_dot, render_network
from dynena.report.layout import Box, LabelSpot, overlapping_pairs, place_labels


def _boxes(g) -> dict[str, Box]:
    """Boxes (points) of every node and of the legend, as Graphviz rendered them."""
    d = json.loads(g.pipe(format="json", quiet=True))
    out = {}
    for o in d["objects"]:
        x, y = map(float, o["pos"].split(","))
        out[o["name"]] = Box(x, y, 36 * float(o["width"]), 36 * float(o["height"]))
    assert not any("lp" in e for e in d.get("edges", [])), "edge labels outside boxes"
    x, y = map(float, d["lp"].split(","))
    out["<legend>"] = Box(x, y, 36 * float(d["lwidth"]), 36 * float(d["lheight"]))
    return out


def _edge_numbers(g) -> set[int]:
    return {int(m) for m in re.findall(r'id="label-(\d+)"', g.source)}


def _drawings(net):
    yield "plain", network_dot(net, amplitude=net.max_threshold)
    yield "saddles", network_dot(net, amplitude=net.max_threshold, show_saddles=True)
    yield "pairs", network_dot(net, amplitude=net.max_threshold, merge_pairs=True)
    yield "loops", network_dot(net, amplitude=None, self_loops=True)


@pytest.mark.parametrize("example", ["flipflop", pytest.param("cube3", marks=pytest.mark.slow),
                                     "tristable"])
def test_no_two_boxes_overlap_and_every_edge_is_labelled(example, request, tmp_path):
    fix = request.getfixturevalue(example)
    net = fix[1].network if example == "flipflop" else fix[2]
    for name, g in _drawings(net):
        boxes = _boxes(g)
        assert overlapping_pairs(boxes) == [], (example, name)
        if name == "plain":
            want = {k for k, c in enumerate(net.connections, start=1)
                    if c.target in net.node_ids and c.threshold <= (net.max_threshold or np.inf)}
            assert _edge_numbers(g) == want and len(want) >= 2
        if name == "loops" and net.self_loops:
            assert len(_edge_numbers(g)) > len(net.edges)
    files = render_network(net, tmp_path, stem=example, amplitude=net.max_threshold)
    png = files["png"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_flipflop_nodes_sit_on_the_cube_of_their_codes(flipflop):
    """Position = A·code + c exactly (an affine image of the cube), every edge a one-bit flip,
    and each node named by its code."""
    _, a = flipflop
    net = a.network
    boxes = _boxes(network_dot(net, amplitude=net.max_threshold))
    codes = np.array([[1.0 if ch == "+" else 0.0 for ch in lab] for lab in net.node_labels])
    P = np.array([[boxes[n].x, boxes[n].y] for n in net.node_ids])
    X = np.hstack([codes, np.ones((len(codes), 1))])
    coef, *_ = np.linalg.lstsq(X, P, rcond=None)
    assert np.abs(X @ coef - P).max() < 1.0  # points (rounding of the pinned positions)
    assert len({(round(x), round(y)) for x, y in P}) == 8
    src = network_dot(net, amplitude=net.max_threshold).source
    for k, lab in enumerate(net.node_labels):
        assert re.search(rf"{net.node_ids[k]} \[.*label=<<B>{re.escape(lab)}</B>", src)


def test_the_overlap_check_can_fail():
    boxes = {"a": Box(0, 0, 10, 5), "b": Box(15, 0, 10, 5), "c": Box(60, 0, 10, 5)}
    assert overlapping_pairs(boxes) == [("a", "b")]


def test_label_placement_on_a_random_tangle():
    """40 nodes, 160 random edges (with pairs, parallels and loops): every label gets a free
    spot, checked box by box here."""
    rng = np.random.default_rng(3)
    pos = {f"n{i}": tuple(rng.uniform(0, 900, 2)) for i in range(40)}
    size = {k: (30.0, 14.0) for k in pos}
    spots = []
    for k in range(160):
        a, b = rng.choice(40, 2)
        spots.append(LabelSpot(f"e{k}", f"n{a}", f"n{b if k % 20 else a}", 28.0, 8.0))
        size[f"e{k}"] = (28.0, 8.0)
    from dynena.report.layout import separate_nodes

    nodes, labels, bad = place_labels(separate_nodes(pos, size), size, spots)
    assert bad == 0
    boxes = {k: Box(*nodes[k], *size[k]) for k in nodes}
    boxes.update({k: Box(*labels[k], *size[k]) for k in labels})
    assert overlapping_pairs(boxes) == []
