r"""Realise a directed graph as an excitable or heteroclinic network (Ashwin & Postlethwaite 2016).

Two cell populations: one p-cell per vertex :math:`j` (M of them), one y-cell per directed edge
:math:`k` from :math:`\alpha_k` to :math:`\omega_k` (Q of them):

.. math::

    \tau \dot p_j &= p_j\big[F(1 - |p|^2) + D(p_j^2 |p|^2 - \textstyle\sum_i p_i^4)\big]
        + E\big[-\textstyle\sum_{k:\alpha_k = j} y_k^2 p_j
                + \textstyle\sum_{k:\omega_k = j} y_k^2 p_{\alpha_k}\big] \\
    \tau \dot y_k &= -y_k\big[(y_k^2 - 1)^2 + A - B p_{\alpha_k}^2
        + C \textstyle\sum_{l \ne k} y_l^2\big]

At the vertex state :math:`p = \pm e_j, y = 0` the y-cells of the edges leaving *j* have
eigenvalue :math:`-(1 + A - B)`: :math:`B < 1 + A` makes the vertex stable and the edges
excitable (a small kick along :math:`y_k` crosses a nearby saddle), :math:`B > 1 + A` makes
them unstable directions and the network heteroclinic. Reference values A = 0.5, C = 2,
D = 0.5, E = 0.42, F = 2, τ = 1 and B = 1.49 (excitable) or 1.51 (heteroclinic).
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from ..errors import ParameterError

__all__ = ["DESIGN_DEFAULTS", "design_document", "design_model"]

DESIGN_DEFAULTS: dict[str, dict[str, float]] = {
    "excitable": {"A": 0.5, "B": 1.49, "C": 2.0, "D": 0.5, "E": 0.42, "F": 2.0, "tau": 1.0},
    "heteroclinic": {"A": 0.5, "B": 1.51, "C": 2.0, "D": 0.5, "E": 0.42, "F": 2.0, "tau": 1.0},
}


def _vertex_names(G: nx.DiGraph) -> dict[Any, str]:
    return {v: str(v) for v in G.nodes}


def design_document(G: nx.DiGraph, *, kind: str = "excitable", name: str = "design",
                    parameters: dict[str, float] | None = None) -> dict[str, Any]:
    """The model file (as a dict) realising ``G``; vertices become named ``states``."""
    if kind not in DESIGN_DEFAULTS:
        raise ParameterError(f"kind must be 'excitable' or 'heteroclinic', got {kind!r}")
    if not isinstance(G, nx.DiGraph):
        raise ParameterError("design needs a networkx.DiGraph (directed graph)")
    if G.number_of_nodes() < 2:
        raise ParameterError("a designed network needs at least two vertices")
    loops = list(nx.selfloop_edges(G))
    if loops:
        raise ParameterError(f"self-loop(s) {loops[:3]} cannot be realised: a vertex state "
                             "cannot connect to itself in this construction; remove them")
    if isinstance(G, nx.MultiDiGraph):
        raise ParameterError("multi-edges cannot be realised (one y-cell per ordered pair); "
                             "collapse them to a simple DiGraph")
    par = dict(DESIGN_DEFAULTS[kind])
    for pname, val in (parameters or {}).items():
        if pname not in par:
            raise ParameterError(f"unknown design parameter {pname!r}; known: {sorted(par)}")
        par[pname] = float(val)
    verts = list(G.nodes)
    vname = _vertex_names(G)
    idx = {v: j + 1 for j, v in enumerate(verts)}
    edges = list(G.edges)
    P = [f"p{j}" for j in range(1, len(verts) + 1)]
    Y = [f"y{k}" for k in range(1, len(edges) + 1)]
    # The sums |p|^2, sum p^4 and sum y^2 are named definitions: every equation uses them, and
    # the generated Jacobian applies the chain rule through them instead of expanding Q^2 terms.
    definitions = {"P2": " + ".join(f"{p}**2" for p in P),
                   "P4": " + ".join(f"{p}**4" for p in P),
                   "Y2": " + ".join(f"{y}**2" for y in Y)}
    eqs: dict[str, str] = {}
    for v in verts:
        j = idx[v]
        pj = f"p{j}"
        out_terms = [f"y{k + 1}**2" for k, (a, _) in enumerate(edges) if a == v]
        in_terms = [f"y{k + 1}**2*p{idx[a]}" for k, (a, w) in enumerate(edges) if w == v]
        coupling = ""
        if out_terms:
            coupling += f" - E*({' + '.join(out_terms)})*{pj}"
        if in_terms:
            coupling += " + E*(" + " + ".join(in_terms) + ")"
        eqs[pj] = f"({pj}*(F*(1 - P2) + D*({pj}**2*P2 - P4)){coupling})/tau"
    for k, (a, _) in enumerate(edges):
        yk = Y[k]
        eqs[yk] = f"-{yk}*(({yk}**2 - 1)**2 + A - B*p{idx[a]}**2 + C*(Y2 - {yk}**2))/tau"
    variables: dict[str, Any] = {p: {"range": [-1.2, 1.2]} for p in P}
    variables.update({y: {"range": [-1.2, 1.2]} for y in Y})
    return {
        "dynena": 1,
        "name": name,
        "title": f"{kind.capitalize()} network realising a graph of {len(verts)} vertices "
                 f"and {len(edges)} edges (Ashwin & Postlethwaite 2016)",
        "kind": "ode",
        "variables": variables,
        "parameters": par,
        "definitions": definitions,
        "states": {vname[v]: {f"p{idx[v]}": 1.0} for v in verts},
        "directions": {f"{vname[a]}->{vname[w]}": {f"y{k + 1}": 1.0}
                       for k, (a, w) in enumerate(edges)},
        "equations": eqs,
    }


def design_model(G: nx.DiGraph, *, kind: str = "excitable", name: str = "design",
                 parameters: dict[str, float] | None = None) -> Any:
    """A :class:`~dynena.Model` whose excitable (or heteroclinic) network is ``G``.

    Examples
    --------
    >>> import networkx as nx, dynena
    >>> m = dynena.design_model(nx.DiGraph([("a", "b"), ("b", "a")]))
    >>> m.n  # 2 vertex cells + 2 edge cells
    4
    """
    from ..model.build import build_model

    return build_model(design_document(G, kind=kind, name=name, parameters=parameters))


def hypercube_graph(bits: int) -> nx.DiGraph:
    """The directed N-cube: vertices are sign codes like '+-+', edges are single flips."""
    import itertools

    G = nx.DiGraph()
    codes = ["".join(c) for c in itertools.product("+-", repeat=bits)]
    G.add_nodes_from(codes)
    for c in codes:
        for i in range(bits):
            d = c[:i] + ("-" if c[i] == "+" else "+") + c[i + 1:]
            G.add_edge(c, d)
    return G
