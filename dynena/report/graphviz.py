"""Graphviz drawings of excitable networks (``dot`` engine): SVG and PDF.

Reads an :class:`~dynena.results.network.ExcitableNetwork`; never recomputes anything.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DynenaError
from ..results.network import ExcitableNetwork

__all__ = ["network_dot", "render_network", "draw", "network_svg"]

_COLORS = {"stable": "#1f77b4", "saddle": "#d62728", "unstable": "#9467bd",
           "nonhyperbolic": "#7f7f7f"}


def _state_text(names: tuple[str, ...], x: np.ndarray, readout: Any = None) -> str:
    if readout is not None:
        return "z = (" + ", ".join(f"{v:+.2f}" for v in readout) + ")"
    if len(x) <= 4:
        return ", ".join(f"{n}={v:.3g}" for n, v in zip(names, x))
    return f"|x| = {np.linalg.norm(x):.3g}"


def network_dot(net: ExcitableNetwork, *, amplitude: float | None = None, show_saddles: bool = False,
                merge_pairs: bool = False) -> Any:
    """A :class:`graphviz.Digraph` of the network at amplitude ``amplitude``.

    Nodes: id, label, state (or read-out) summary, stability. Edges: threshold and the
    direction (largest components) or the input channel and sign; pen width grows as the
    threshold shrinks (easy transitions are bold).
    """
    try:
        import graphviz
    except ImportError as exc:  # pragma: no cover
        raise DynenaError("drawing needs the 'graphviz' Python package "
                          "(pip install graphviz)") from exc
    # dot for small or sparse networks; neato (spring layout) when every node has many edges,
    # as in a hypercube, where a layered drawing turns into a tangle
    n_edges = sum(1 for c in net.connections if c.target in net.node_ids)
    dense = len(net.node_ids) > 4 and n_edges >= 2 * len(net.node_ids)
    g = graphviz.Digraph(net.model, engine="neato" if dense else "dot", format="svg")
    if dense:
        g.attr(overlap="false", splines="true", sep="+12", esep="+6")
    g.attr(rankdir="LR", fontname="Helvetica", fontsize="11", label=(
        f"{net.model}: excitable network "
        f"({'input-pulse amplitude' if net.space == 'input' else 'state-space kick norm'}"
        f"{'' if amplitude is None else f' ≤ {amplitude:.3g}'})"), labelloc="t")
    g.attr("node", fontname="Helvetica", fontsize="10", shape="ellipse", style="filled",
           fillcolor="#eaf2fb")
    g.attr("edge", fontname="Helvetica", fontsize="9")
    reps = net.representatives() if merge_pairs else {n: n for n in net.node_ids}
    partner = {r: n for n, r in reps.items() if n != r}
    for k, nid in enumerate(net.node_ids):
        if reps[nid] != nid:
            continue  # drawn as its pair's node
        lab = net.node_labels[k]
        head = f"{nid}" + (f" ± {partner[nid]}" if nid in partner else "") + \
            (f" [{lab}]" if lab else "")
        txt = _state_text(net.names, net.node_states[k], net.readout.get(nid))
        if nid in partner:
            txt = "±(" + txt + ")"
        g.node(nid, f"{head}\n{txt}\n{net.node_stability[k]}",
               color=_COLORS.get(net.node_stability[k], "black"))
    edges = []
    best: dict[tuple[str, str], Any] = {}
    for c in net.connections:
        if c.target not in net.node_ids or (amplitude is not None and c.threshold > amplitude):
            continue
        if not merge_pairs:
            edges.append(c)
            continue
        a, b = reps[c.source], reps[c.target]
        if a != b and ((a, b) not in best or c.threshold < best[(a, b)].threshold):
            best[(a, b)] = replace(c, source=a, target=b)
    edges += list(best.values())
    if edges:
        tmin = min(c.threshold for c in edges) or 1e-12
        tmax = max(c.threshold for c in edges) or 1.0
    vias = set()
    for c in edges:
        if c.space == "input":
            what = f"ch{c.channel}{'+' if (c.sign or 0) > 0 else '-'}"
        elif c.direction is not None:
            big = np.argsort(-np.abs(c.direction))[:2]
            what = ", ".join(f"{net.names[j]}{c.direction[j]:+.2f}" for j in big
                             if abs(c.direction[j]) > 0.05)
        else:
            what = ""
        width = 1.0 + 3.0 * (1.0 - (c.threshold - tmin) / (tmax - tmin + 1e-300))
        style = "dashed" if c.kind == "heteroclinic" else "solid"
        label = f"δ={c.threshold:.4g}\n{what}"
        if show_saddles and c.via:
            # the transition drawn through its saddle: source — saddle → target
            vias.add(c.via)
            g.edge(c.source, c.via, label=label, penwidth=f"{width:.2f}", style=style,
                   arrowhead="none")
            g.edge(c.via, c.target, penwidth=f"{width:.2f}", style=style)
        else:
            g.edge(c.source, c.target, label=label, penwidth=f"{width:.2f}", style=style)
    for v in sorted(vias):
        g.node(v, v, shape="box", style="rounded,filled", fillcolor="#fbeaea", fontsize="8",
               color=_COLORS["saddle"], width="0.2", height="0.2")
    return g


def render_network(net: ExcitableNetwork, outdir: str | Path, *, stem: str = "network",
                   amplitude: float | None = None, show_saddles: bool = False,
                   merge_pairs: bool = False) -> dict[str, Path]:
    """Write ``stem.svg``, ``stem.pdf`` and ``stem.png`` (for the PDF report) with ``dot``."""
    if shutil.which("dot") is None:
        raise DynenaError("Graphviz's 'dot' program is not installed; on Debian/Ubuntu: "
                          "apt-get install graphviz (make setup does it)")
    g = network_dot(net, amplitude=amplitude, show_saddles=show_saddles,
                    merge_pairs=merge_pairs)
    outdir = Path(outdir)
    out = {}
    for fmt in ("svg", "pdf", "png"):
        if fmt == "png":
            g.attr(dpi="150")
        p = g.render(filename=stem, directory=outdir, format=fmt, cleanup=True)
        out[fmt] = Path(p)
    return out


def draw(net: ExcitableNetwork, *, amplitude: float | None = None, show_saddles: bool = False,
         merge_pairs: bool = False) -> Any:
    """The network as a :class:`graphviz.Digraph` (it displays itself in Jupyter; ``.render``
    writes files). ``amplitude`` defaults to the network's ``max_threshold``.

    >>> import dynena
    >>> net = dynena.excitable_network(dynena.load("models/double_well.yaml"))
    >>> g = dynena.draw(net)
    >>> sorted(line.split()[0] for line in g.body if "->" in line)
    ['E0', 'E1']
    """
    return network_dot(net, amplitude=net.max_threshold if amplitude is None else amplitude,
                       show_saddles=show_saddles, merge_pairs=merge_pairs)


def network_svg(net: ExcitableNetwork) -> str:
    """The drawing as SVG text (what a notebook shows for an ExcitableNetwork)."""
    return str(draw(net).pipe(format="svg", encoding="utf-8"))
