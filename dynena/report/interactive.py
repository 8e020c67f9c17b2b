"""``report.html``: the report as one self-contained, interactive page (no server, no network).

The network drawing is inlined as SVG; hovering an edge or its label box shows a card with the
threshold, its bracket, how it was established, the saddle it passes and the trajectories it
cost; hovering a node shows its state, eigenvalues and (where estimated) basin fraction.
Tables sort on a click on their header; figures are embedded as data URIs. The page's script is
a few lines of plain JavaScript in the file itself. Reads results only; never recomputes.
"""

from __future__ import annotations

import base64
import json
import re
from html import escape
from pathlib import Path
from typing import Any

from ..model.protocol import SystemModel
from ..results.equilibria import EquilibriumSet
from ..results.html import eigen_text, state_text
from ..results.jsonable import jsonable
from ..results.network import Connection, ExcitableNetwork
from .summary import network_summary

__all__ = ["write_html_report", "edge_cards", "node_cards"]


def _certificate_text(c: Connection) -> str:
    if c.certificate is None:
        return ("bracketed by a scan along the input pulse" if c.space == "input"
                else "from the saddle geometry only (no search over all directions)")
    return c.certificate.statement


def edge_cards(net: ExcitableNetwork) -> dict[str, dict[str, Any]]:
    """Per connection number (its row, from 1; self-loops after the connections): what the
    hover card of that edge says."""
    out = {}
    rows = list(net.connections) + list(net.self_loops)
    for k, c in enumerate(rows, start=1):
        how = (f"input {c.channel}, sign {c.sign:+d}, width {c.width}" if c.space == "input"
               else ("" if c.direction is None else "direction " + state_text(net.names,
                                                                              c.direction)))
        out[str(k)] = {"title": f"#{k}: {c.source} → {c.target}",
                       "threshold": f"{c.threshold:.7g}",
                       "bracket": f"[{c.bracket[0]:.7g}, {c.bracket[1]:.7g}]",
                       "kind": c.kind, "via": c.via or "none", "kick": how,
                       "trajectories": str(c.trajectories),
                       "certificate": _certificate_text(c)}
    return out


def node_cards(net: ExcitableNetwork, equilibria: EquilibriumSet) -> dict[str, dict[str, Any]]:
    """Per node (and equilibrium) id: state, eigenvalues, stability, basin fraction."""
    eq = {e.id: e for e in equilibria.equilibria}
    basin = {}
    if net.attractors is not None:
        basin = {b.outcome: b.fraction for b in net.attractors.basins}
    out: dict[str, dict[str, Any]] = {}
    for e in equilibria.equilibria:
        out[e.id] = {"title": e.id + (f" [{e.label}]" if e.label else ""),
                     "state": state_text(equilibria.names, e.state),
                     "eigenvalues": eigen_text(e.eigenvalues), "type": e.type}
    for k, nid in enumerate(net.node_ids):
        card = out.setdefault(nid, {"title": nid, "type": net.node_stability[k],
                                    "state": state_text(net.names, net.node_states[k])})
        if net.node_labels[k]:
            card["title"] = f"{nid} [{net.node_labels[k]}]"
        if nid in net.readout:
            card["read-out"] = ", ".join(f"{v:+.3f}" for v in net.readout[nid])
        if nid in basin:
            card["basin fraction"] = f"{basin[nid]:.3g}"
        if nid not in eq:
            card["kind"] = net.node_kinds[k] if net.node_kinds else "attractor"
    return out


def _svg_inline(path: Path) -> str:
    """An SVG file's ``<svg>`` element, without the XML prologue and doctype."""
    text = path.read_text(encoding="utf-8")
    return text[text.index("<svg"):]


def _figure(path: Path, caption: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure><img alt="{escape(caption)}" src="data:image/svg+xml;base64,{data}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def _table(header: list[str], rows: list[list[Any]], ident: str) -> str:
    head = "".join(f'<th title="click to sort">{escape(str(h))}</th>' for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return (f'<table class="sortable" id="{ident}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _equilibria_table(equilibria: EquilibriumSet) -> str:
    rows = [[e.id, e.type, e.unstable_dim, state_text(equilibria.names, e.state),
             eigen_text(e.eigenvalues), f"{e.residual:.1e}", e.label or ""]
            for e in equilibria.equilibria]
    return _table(["id", "type", "index", "state", "leading eigenvalues", "|F|", "label"],
                  rows, "equilibria")


def _connections_table(net: ExcitableNetwork) -> str:
    cards = edge_cards(net)
    rows = [[k, c.source, c.target, f"{c.threshold:.7g}", cards[str(k)]["bracket"],
             c.via or "", cards[str(k)]["kick"], c.trajectories,
             "" if c.certificate is None else str(c.certificate.status)]
            for k, c in enumerate(net.connections, start=1)]
    return _table(["#", "source", "target", "threshold δ", "bracket", "via",
                   "direction / input", "trajectories", "certificate"], rows, "connections")


def _extra(items: list[Any], svgs: dict[str, Path]) -> str:
    """A report section's items: paragraphs, figure names (``name_png``), tables (rows)."""
    parts = []
    for it in items:
        if isinstance(it, str) and it.endswith("_png") and it[:-4] in svgs:
            parts.append(_figure(svgs[it[:-4]], it[:-4].replace("_", " ")))
        elif isinstance(it, Path) and it.stem in svgs:
            parts.append(_figure(svgs[it.stem], it.stem.replace("_", " ")))
        elif isinstance(it, list) and it:
            parts.append(_table([str(h) for h in it[0]], it[1:], f"t{len(parts)}"))
        elif isinstance(it, str):
            parts.append(f"<p>{escape(it)}</p>")
    return "".join(parts)


def write_html_report(path: str | Path, *, model: SystemModel, equilibria: EquilibriumSet,
                      network: ExcitableNetwork | None, svgs: dict[str, Path],
                      provenance: dict[str, Any],
                      extra_sections: list[tuple[str, list[Any]]] | None = None) -> Path:
    """Write ``report.html`` from the results and the already-rendered SVG files ``svgs``
    (``network``, ``staircase``, ``portrait`` and any extra figure, by stem)."""
    path = Path(path)
    title = model.title or model.name
    body = [f"<h1>dynena report: {escape(title)}</h1>",
            f"<p>Model <b>{escape(model.name)}</b> ({escape(model.kind)}), {model.n} state "
            f"variables. Generated {escape(str(provenance.get('date', '')))} by dynena "
            f"{escape(str(provenance.get('version', '')))}.</p>"]
    data: dict[str, Any] = {"edges": {}, "nodes": _node_cards_or_empty(network, equilibria)}
    if network is not None:
        data["edges"] = edge_cards(network)
        body += [f'<p class="summary"><b>In short.</b> {escape(network_summary(network))}</p>',
                 "<h2>The excitable network</h2>",
                 "<p>Hover over an edge, its label or a node for details. Edge colour and "
                 f"width encode the threshold. {escape(network.message)}.</p>"]
        if "network" in svgs:
            body.append(f'<div id="network">{_svg_inline(svgs["network"])}</div>')
        body.append(_connections_table(network))
        if "staircase" in svgs:
            body.append(_figure(svgs["staircase"], "edges against the amplitude δ"))
    body += [f"<h2>Equilibria</h2><p>{len(equilibria)} equilibria; method: "
             f"{escape(equilibria.method)}. Guarantee: {escape(equilibria.guarantee)}.</p>",
             _equilibria_table(equilibria)]
    if "basins" in svgs:
        body.append(_figure(svgs["basins"], "basins of attraction, with the basin entropy"))
    if "portrait" in svgs:
        body.append(_figure(svgs["portrait"], "phase portrait"))
    for heading, items in extra_sections or []:
        body.append(f"<h2>{escape(heading)}</h2>{_extra(items, svgs)}")
    body.append("<h2>Provenance</h2>" + _table(
        ["quantity", "value"], [[k, json.dumps(jsonable(v), default=str)[:200]]
                                for k, v in provenance.items()], "provenance"))
    page = _PAGE.format(title=escape(title), body="\n".join(body),
                        data=_script_json(data), style=_STYLE, script=_SCRIPT)
    path.write_text(page, encoding="utf-8")
    return path


def _node_cards_or_empty(net: ExcitableNetwork | None, equilibria: EquilibriumSet
                        ) -> dict[str, dict[str, Any]]:
    return {} if net is None else node_cards(net, equilibria)


def _script_json(data: Any) -> str:
    """JSON safe inside a ``<script>`` element (no ``</`` can end it early)."""
    text = json.dumps(jsonable(data), allow_nan=False, default=str)
    return re.sub(r"<", r"\\u003c", text)


_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.summary { background: #f4f8fc; padding: .8em 1em; border-left: 4px solid #1f77b4; }
table { border-collapse: collapse; margin: .8em 0; font-size: .85em; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
th { background: #eef; cursor: pointer; user-select: none; }
th.asc::after { content: " ▲"; } th.desc::after { content: " ▼"; }
#network svg { max-width: 100%; height: auto; }
#network g.edge, #network g.node { cursor: pointer; }
figure { margin: 1em 0; } figure img { max-width: 100%; }
#card { position: fixed; display: none; background: #fffff4; border: 1px solid #aa9;
        padding: .5em .8em; font-size: .85em; max-width: 420px; pointer-events: none;
        box-shadow: 2px 2px 6px rgba(0,0,0,.2); z-index: 10; }
#card b { display: block; margin-bottom: .3em; }
#card td { border: none; padding: 0 .5em 0 0; vertical-align: top; }
"""

_SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dynena-data").textContent);
  var card = document.getElementById("card");
  function show(info, ev) {
    var rows = "";
    Object.keys(info).forEach(function (k) {
      if (k !== "title") {
        rows += "<tr><td>" + k + "</td><td>" + String(info[k]).replace(/</g, "&lt;") +
                "</td></tr>";
      }
    });
    card.innerHTML = "<b>" + String(info.title).replace(/</g, "&lt;") + "</b><table>" +
                     rows + "</table>";
    card.style.display = "block";
    move(ev);
  }
  function move(ev) {
    card.style.left = Math.min(ev.clientX + 14, window.innerWidth - 440) + "px";
    card.style.top = (ev.clientY + 14) + "px";
  }
  function lookup(el) {
    for (; el && el.id !== undefined; el = el.parentNode) {
      var m = /^(?:edge|label)-(\\d+)/.exec(el.id || "");
      if (m && data.edges[m[1]]) { return data.edges[m[1]]; }
      m = /^node-(.+)$/.exec(el.id || "");
      if (m && data.nodes[m[1]]) { return data.nodes[m[1]]; }
    }
    return null;
  }
  var svg = document.querySelector("#network svg");
  if (svg) {
    svg.querySelectorAll("title").forEach(function (t) { t.remove(); });
    svg.addEventListener("mouseover", function (ev) {
      var info = lookup(ev.target);
      if (info) { show(info, ev); } else { card.style.display = "none"; }
    });
    svg.addEventListener("mousemove", function (ev) {
      if (card.style.display === "block") { move(ev); }
    });
    svg.addEventListener("mouseleave", function () { card.style.display = "none"; });
  }
  function key(td) {
    var s = td.textContent.trim(), x = parseFloat(s.replace(/^\\[/, ""));
    return isNaN(x) ? s.toLowerCase() : x;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th").forEach(function (th, col) {
      th.addEventListener("click", function () {
        var asc = !th.classList.contains("asc");
        table.querySelectorAll("th").forEach(function (h) { h.classList.remove("asc", "desc"); });
        th.classList.add(asc ? "asc" : "desc");
        var body = table.tBodies[0];
        Array.from(body.rows).sort(function (a, b) {
          var x = key(a.cells[col]), y = key(b.cells[col]);
          if (typeof x !== typeof y) { x = String(x); y = String(y); }
          return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
        }).forEach(function (r) { body.appendChild(r); });
      });
    });
  });
}());
"""

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>dynena report: {title}</title>
<style>{style}</style></head>
<body>
{body}
<div id="card"></div>
<script type="application/json" id="dynena-data">{data}</script>
<script>{script}</script>
</body></html>
"""
