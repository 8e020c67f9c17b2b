"""Graphviz drawings of excitable networks: SVG, PDF, PNG, and the Graphviz object itself.

Reads an :class:`~dynena.results.network.ExcitableNetwork`; never recomputes anything.

How a drawing is made (see :mod:`dynena.report.layout`): nodes go where the structure says —
the hypercube of read-out codes for an N-bit flip-flop — or where Graphviz's own layout puts
them; each edge gets a small label box ``#k δ=…`` (``k`` is the connection's row in the report's
table, where the rest is) placed on a free spot along the edge, and the edge is drawn through
it. Every position is pinned, so the rendered drawing has exactly the computed geometry: no
label sits on another label or on a node. Edge colour and width encode the threshold (a colour
bar in the legend); dashed edges are heteroclinic (δ = 0).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DynenaError
from ..results.network import Connection, ExcitableNetwork
from .layout import LabelSpot, hypercube_positions, place_labels, separate_nodes

__all__ = ["network_dot", "render_network", "draw", "network_svg", "drawn_edges"]

_COLORS = {"stable": "#1f77b4", "saddle": "#d62728", "unstable": "#9467bd",
           "nonhyperbolic": "#7f7f7f"}
_FONT = "Helvetica"


@dataclass(frozen=True)
class DrawnEdge:
    """An edge as drawn: its number (row in the connections table; self-loops after them),
    the connection, and whether it is a self-loop."""

    number: int
    connection: Connection

    @property
    def key(self) -> str:
        return f"e{self.number}"


def drawn_edges(net: ExcitableNetwork, amplitude: float | None = None, *,
                merge_pairs: bool = False, self_loops: bool = False) -> list[DrawnEdge]:
    """The edges a drawing shows: connections between nodes with δ ≤ ``amplitude``, numbered
    by their row in ``net.connections`` (from 1); with ``merge_pairs`` the smallest threshold
    between two merged nodes; with ``self_loops`` the pulses that return to their node."""
    reps = net.representatives() if merge_pairs else {n: n for n in net.node_ids}
    best: dict[tuple[str, str], DrawnEdge] = {}
    out = []
    for k, c in enumerate(net.connections, start=1):
        if c.target not in net.node_ids or (amplitude is not None and c.threshold > amplitude):
            continue
        if not merge_pairs:
            out.append(DrawnEdge(k, c))
            continue
        a, b = reps[c.source], reps[c.target]
        if a != b and ((a, b) not in best or c.threshold < best[(a, b)].connection.threshold):
            best[(a, b)] = DrawnEdge(k, replace(c, source=a, target=b))
    out += list(best.values())
    if self_loops:
        first = len(net.connections) + 1
        for k, c in enumerate(net.self_loops):
            if (amplitude is None or c.threshold <= amplitude) and reps.get(c.source) == c.source:
                out.append(DrawnEdge(first + k, c))
    return out


def _node_label(net: ExcitableNetwork, k: int, partner: str | None, cube: bool) -> str:
    """HTML-like label: the code (or id) in bold, then id/stability, then a state summary."""
    nid, lab = net.node_ids[k], net.node_labels[k]
    name = nid + (f" ± {partner}" if partner else "")
    if cube and lab:
        head, sub = lab, f"{name} · {net.node_stability[k]}"
    else:
        head, sub = name + (f" [{lab}]" if lab else ""), net.node_stability[k]
    lines = [f"<B>{escape(head)}</B>", f'<FONT POINT-SIZE="8">{escape(sub)}</FONT>']
    if not cube:
        txt = _state_text(net, k)
        lines.insert(1, escape(f"±({txt})" if partner else txt))
    return "<" + "<BR/>".join(lines) + ">"


def _state_text(net: ExcitableNetwork, k: int) -> str:
    readout = net.readout.get(net.node_ids[k])
    x = net.node_states[k]
    if readout is not None:
        return "z = (" + ", ".join(f"{v:+.2f}" for v in readout) + ")"
    if len(x) <= 4:
        return ", ".join(f"{n}={v:.3g}" for n, v in zip(net.names, x))
    return f"|x| = {np.linalg.norm(x):.3g}"


def _edge_text(net: ExcitableNetwork, e: DrawnEdge, cube: bool) -> str:
    c = e.connection
    what = ""
    if c.space == "input" and (c.source == c.target or not cube):  # a flip says which bit
        what = f" ch{c.channel}{'+' if (c.sign or 0) > 0 else '-'}"
    loop = "↺ " if c.source == c.target else ""
    return f"{loop}#{e.number} δ={c.threshold:.3g}{what}"


def _colour(t: float, lo: float, hi: float) -> str:
    """Dark for an easy transition (small δ), light for a hard one."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    f = 0.0 if hi <= lo else (t - lo) / (hi - lo)
    return str(to_hex(colormaps["viridis"](0.8 * f)))


def _width(t: float, lo: float, hi: float) -> float:
    return 1.0 + 2.5 * (1.0 - (0.0 if hi <= lo else (t - lo) / (hi - lo)))


def _legend(net: ExcitableNetwork, amplitude: float | None, lo: float, hi: float,
            n_edges: int) -> str:
    """Title, colour bar of the threshold scale and what the marks mean (HTML-like label)."""
    space = "input-pulse amplitude" if net.space == "input" else "state-space kick norm"
    title = escape(f"{net.model}: excitable network ({space}"
                   f"{'' if amplitude is None else f' ≤ {amplitude:.3g}'})")
    rows = [f'<TR><TD COLSPAN="5"><B>{title}</B></TD></TR>']
    if n_edges:
        ts = np.linspace(lo, hi, 5) if hi > lo else np.array([lo])
        cells = "".join(f'<TD BGCOLOR="{_colour(t, lo, hi)}" WIDTH="44" HEIGHT="10" '
                        f'FIXEDSIZE="TRUE"></TD>'
                        for t in ts)
        vals = "".join(f'<TD WIDTH="44" FIXEDSIZE="TRUE"><FONT POINT-SIZE="8">{t:.3g}</FONT></TD>'
                       for t in ts)
        rows += [f"<TR>{cells}</TR>", f"<TR>{vals}</TR>",
                 '<TR><TD COLSPAN="5"><FONT POINT-SIZE="8">edge colour and width: threshold '
                 'δ (dark and thick: easy to switch); #k: row k of the connections table; '
                 'dashed: heteroclinic (δ = 0)</FONT></TD></TR>']
    else:
        rows.append('<TR><TD><FONT POINT-SIZE="8">no edges within the amplitude'
                    '</FONT></TD></TR>')
    return '<<TABLE BORDER="0" CELLSPACING="1" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"


def _measure(nodes: dict[str, dict[str, str]]) -> dict[str, tuple[float, float]]:
    """Half width and height (points) of each node as Graphviz sizes its label."""
    import graphviz

    g = graphviz.Digraph(engine="neato")
    g.attr(overlap="true")
    for name, attrs in nodes.items():
        g.node(name, **attrs)
    data = json.loads(g.pipe(format="json", quiet=True))
    return {o["name"]: (36.0 * float(o["width"]), 36.0 * float(o["height"]))
            for o in data.get("objects", []) if "width" in o}


def _graphviz_layout(nodes: dict[str, dict[str, str]], edges: list[tuple[str, str]]
                     ) -> dict[str, tuple[float, float]]:
    """Node positions (points) from Graphviz: ``dot`` for small or sparse networks, ``neato``
    (spring layout) when every node has many edges, where a layered drawing is a tangle."""
    import graphviz

    dense = len(nodes) > 4 and len(edges) >= 2 * len(nodes)
    g = graphviz.Digraph(engine="neato" if dense else "dot")
    g.attr(rankdir="LR", overlap="false", sep="+20", nodesep="0.6", ranksep="1.2")
    for name, attrs in nodes.items():
        g.node(name, **attrs)
    for a, b in edges:
        if a != b:
            g.edge(a, b)
    data = json.loads(g.pipe(format="json", quiet=True))
    out = {}
    for o in data.get("objects", []):
        if "pos" in o:
            x, y = o["pos"].split(",")
            out[o["name"]] = (float(x), float(y))
    return out


def _cube_codes(net: ExcitableNetwork) -> dict[str, list[float]] | None:
    """Read-out vectors of every node when they give a hypercube (N ≥ 2 outputs), else None."""
    if any(nid not in net.readout for nid in net.node_ids):
        return None
    z = {nid: [float(v) for v in np.atleast_1d(net.readout[nid])] for nid in net.node_ids}
    sizes = {len(v) for v in z.values()}
    return z if len(sizes) == 1 and sizes.pop() >= 2 else None


def _state_positions(net: ExcitableNetwork, ids: dict[str, Any]
                     ) -> dict[str, tuple[float, float]] | None:
    """For a state space of dimension 2 or 3, the nodes (and saddles) where their states are,
    in the oblique view of :func:`hypercube_positions`, scaled so that a node's nearest
    neighbour is typically a cube edge away; None otherwise (or when two states project onto
    one point)."""
    if len(net.names) not in (2, 3) or not ids:  # nothing to place (a network of no node)
        return None
    states = {e.id: np.asarray(e.state, dtype=float) for e in net.equilibria.equilibria}
    states.update({nid: np.asarray(x, dtype=float)
                   for nid, x in zip(net.node_ids, net.node_states)})
    if any(i not in states for i in ids):
        return None
    pos = hypercube_positions({i: [float(v) for v in states[i]] for i in ids}, unit=1.0,
                              clip=False)
    P = np.array(list(pos.values()))
    d = np.hypot(*(P[:, None, :] - P[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    near = float(np.median(d.min(axis=1))) if len(P) > 1 else 1.0
    if not np.isfinite(near) or d.min() <= 1e-9 * (1.0 + np.abs(P).max()):
        return None
    # the typical nearest neighbour a cube edge away; separate_nodes moves the rare closer one
    return {k: (x * 170.0 / near, y * 170.0 / near) for k, (x, y) in pos.items()}


def network_dot(net: ExcitableNetwork, *, amplitude: float | None = None, show_saddles: bool = False,
                merge_pairs: bool = False, self_loops: bool = False) -> Any:
    """A :class:`graphviz.Digraph` of the network at amplitude ``amplitude``, every position
    pinned (engine ``neato``): nodes named by their code or id, edges labelled ``#k δ=…``
    without overlaps, a legend with the threshold colour scale.

    ``show_saddles`` draws each transition through its saddle; ``merge_pairs`` draws each ±
    symmetric pair of states as one node; ``self_loops`` adds the pulses that return to their
    node.
    """
    try:
        import graphviz
    except ImportError as exc:  # pragma: no cover
        raise DynenaError("drawing needs the 'graphviz' Python package "
                          "(pip install graphviz)") from exc
    edges = drawn_edges(net, amplitude, merge_pairs=merge_pairs, self_loops=self_loops)
    reps = net.representatives() if merge_pairs else {n: n for n in net.node_ids}
    partner = {r: n for n, r in reps.items() if n != r}
    codes = None if (merge_pairs or show_saddles) else _cube_codes(net)
    cube = codes is not None
    nodes: dict[str, dict[str, str]] = {}
    for k, nid in enumerate(net.node_ids):
        if reps[nid] == nid:
            nodes[nid] = dict(label=_node_label(net, k, partner.get(nid), cube),
                              color=_COLORS.get(net.node_stability[k], "black"),
                              shape="ellipse", style="filled", fillcolor="#eaf2fb",
                              fontname=_FONT, fontsize="10", id=f"node-{nid}",
                              tooltip=f"{nid}: {_state_text(net, k)}")
    vias = sorted({e.connection.via for e in edges if show_saddles and e.connection.via})
    for v in vias:
        nodes[v] = dict(label=v, shape="box", style="rounded,filled", fillcolor="#fbeaea",
                        fontsize="8", fontname=_FONT, color=_COLORS["saddle"], id=f"node-{v}")
    ts = [e.connection.threshold for e in edges]
    lo, hi = (min(ts), max(ts)) if ts else (0.0, 1.0)
    labels = {e.key: dict(label=_edge_text(net, e, cube), shape="box",
                          style="rounded,filled", fillcolor="white", penwidth="0.7",
                          color=_colour(e.connection.threshold, lo, hi), fontname=_FONT,
                          fontsize="9", margin="0.03,0.01", width="0.1", height="0.1", id=f"label-{e.number}",
                          tooltip=_edge_text(net, e, False))
              for e in edges}
    size = _measure({**nodes, **labels})
    pos = (hypercube_positions(codes) if codes is not None else _state_positions(net, nodes)
           or _graphviz_layout(nodes, [_segment(e, show_saddles)[0] for e in edges]))
    pos = separate_nodes(pos, size)
    spots = [LabelSpot(e.key, *_segment(e, show_saddles)[0], *size[e.key]) for e in edges]
    pos, where, _ = place_labels(pos, size, spots)
    g = graphviz.Digraph(net.model, engine="neato", format="svg")
    g.attr(overlap="true", splines="true" if len(edges) <= 400 else "line", sep="+2",
           outputorder="edgesfirst", fontname=_FONT, labelloc="t",
           label=_legend(net, amplitude, lo, hi, len(edges)))
    for name, attrs in {**nodes, **labels}.items():
        x, y = pos[name] if name in pos else where[name]
        g.node(name, pos=f"{x / 72:.4f},{y / 72:.4f}!", **attrs)
    drawn: set[tuple[str, str]] = set()
    for e in edges:
        _draw_edge(g, e, show_saddles, _colour(e.connection.threshold, lo, hi),
                   _width(e.connection.threshold, lo, hi), drawn)
    return g


def _segment(e: DrawnEdge, show_saddles: bool) -> tuple[tuple[str, str], tuple[str, str] | None]:
    """The part of the edge that carries the label, and the rest (through a saddle)."""
    c = e.connection
    if show_saddles and c.via:
        return (c.source, c.via), (c.via, c.target)
    return (c.source, c.target), None


def _draw_edge(g: Any, e: DrawnEdge, show_saddles: bool, colour: str, width: float,
               drawn: set[tuple[str, str]]) -> None:
    """source → label box → target (→ target again past the saddle, when shown); a self-loop
    is its label box with one arrow back into the node. Two edges between the same two boxes
    are never drawn (one is enough, and Graphviz's spline router can abort on them)."""
    style = "dashed" if e.connection.kind == "heteroclinic" else "solid"
    attrs = dict(color=colour, penwidth=f"{width:.2f}", style=style,
                 tooltip=f"#{e.number}: {e.connection.source} → {e.connection.target}, "
                         f"δ = {e.connection.threshold:.6g}")
    (a, b), rest = _segment(e, show_saddles)
    if a != b:
        g.edge(a, e.key, arrowhead="none", id=f"edge-{e.number}-in", **attrs)
    g.edge(e.key, b, arrowhead="none" if rest else "normal", id=f"edge-{e.number}", **attrs)
    if rest and rest not in drawn:
        drawn.add(rest)
        g.edge(*rest, id=f"edge-{e.number}-out", **attrs)


def render_network(net: ExcitableNetwork, outdir: str | Path, *, stem: str = "network",
                   amplitude: float | None = None, show_saddles: bool = False,
                   merge_pairs: bool = False, self_loops: bool = False) -> dict[str, Path]:
    """Write ``stem.svg``, ``stem.pdf`` and ``stem.png`` (for the PDF report) with Graphviz."""
    if shutil.which("dot") is None:
        raise DynenaError("Graphviz's 'dot' program is not installed; on Debian/Ubuntu: "
                          "apt-get install graphviz (make setup does it)")
    g = network_dot(net, amplitude=amplitude, show_saddles=show_saddles,
                    merge_pairs=merge_pairs, self_loops=self_loops)
    outdir = Path(outdir)
    out = {}
    for fmt in ("svg", "pdf", "png"):
        if fmt == "png":
            g.attr(dpi="150")
        p = g.render(filename=stem, directory=outdir, format=fmt, cleanup=True, quiet=True)
        out[fmt] = Path(p)
    return out


def draw(net: ExcitableNetwork, *, amplitude: float | None = None, show_saddles: bool = False,
         merge_pairs: bool = False, self_loops: bool = False) -> Any:
    """The network as a :class:`graphviz.Digraph` (it displays itself in Jupyter; ``.render``
    writes files). ``amplitude`` defaults to the network's ``max_threshold``.

    >>> import dynena
    >>> net = dynena.excitable_network(dynena.load("models/double_well.yaml"))
    >>> g = dynena.draw(net)
    >>> sorted(line.split()[0] for line in g.body if "-> e" in line)
    ['E0', 'E1']
    """
    return network_dot(net, amplitude=net.max_threshold if amplitude is None else amplitude,
                       show_saddles=show_saddles, merge_pairs=merge_pairs,
                       self_loops=self_loops)


def network_svg(net: ExcitableNetwork) -> str:
    """The drawing as SVG text (what a notebook shows for an ExcitableNetwork)."""
    return str(draw(net).pipe(format="svg", encoding="utf-8", quiet=True))
