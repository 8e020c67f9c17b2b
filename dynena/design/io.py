"""Reading graphs for design: Graphviz DOT (directed edges), GraphML, or an edge list."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx

from ..errors import ModelError
from ..model.source import read_user_file

__all__ = ["read_graph"]

_ID = r'(?:"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_.+\-]+))'


_SPECIAL = re.compile(r'["/#]')


def _strip_comments(text: str) -> str:
    """DOT without ``//``, ``#`` and ``/* */`` comments, in one linear pass (quoted strings
    kept). Regular expressions here backtracked quadratically on hostile files."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif text.startswith("//", i) or ch == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
        else:
            nxt = _SPECIAL.search(text, i + 1)
            j = n if nxt is None else nxt.start()
            out.append(text[i:j])
            i = j
    return "".join(out)


def _dot(text: str, file: str) -> nx.DiGraph:
    """Edges and nodes of a DOT digraph (attributes ignored; ``a -> b -> c`` chains read)."""
    body = _strip_comments(text)
    m = re.match(r"\s*(strict\s+)?(di)?graph\b", body, flags=re.I)
    start = body.find("{", m.end()) if m else -1
    stop = body.rfind("}")
    if not m or start < 0 or stop < start:
        raise ModelError("not a DOT graph: expected 'digraph NAME { ... }'", file=file)
    if not m.group(2):
        raise ModelError("an undirected 'graph' was given; design needs a 'digraph'", file=file)
    inner = body[start + 1:stop]
    G = nx.DiGraph()
    for stmt in re.split(r"[;\n]", inner):
        stmt = re.sub(r"\[[^\]]*\]", "", stmt).strip()
        if not stmt or re.match(r"^(graph|node|edge)\b", stmt) or "=" in stmt:
            continue
        parts = [p.strip() for p in stmt.split("->")]
        names = []
        for p in parts:
            mm = re.fullmatch(_ID, p)
            if not mm:
                raise ModelError(f"cannot read {stmt!r} in the DOT file", file=file)
            names.append(mm.group(1) if mm.group(1) is not None else mm.group(2))
        if len(names) == 1:
            G.add_node(names[0])
        for a, b in zip(names, names[1:]):
            G.add_edge(a, b)
    return G


def read_graph(path: str | Path) -> nx.DiGraph:
    """A directed graph from ``.dot``/``.gv``, ``.graphml`` or an edge list (``a b`` or
    ``a -> b`` per line)."""
    p = Path(path)
    text = read_user_file(p, "graph")
    suffix = p.suffix.lower()
    if suffix in (".dot", ".gv") or re.search(r"\bdigraph\b", text):
        G = _dot(text, str(p))
    elif suffix == ".graphml":
        try:
            H = nx.read_graphml(p)
        except Exception as exc:
            raise ModelError(f"cannot read GraphML: {exc}", file=str(p)) from None
        if not H.is_directed():
            raise ModelError("the GraphML graph is undirected; design needs directed edges",
                             file=str(p))
        G = nx.DiGraph(H)
    else:
        G = nx.DiGraph()
        for k, line in enumerate(text.splitlines(), 1):
            line = line.split("#")[0].strip()
            if not line:
                continue
            parts = [s for s in re.split(r"\s*->\s*|\s+|,", line) if s]
            if len(parts) != 2:
                raise ModelError(f"expected 'source target' per line, got {line!r}",
                                 file=str(p), line=k)
            G.add_edge(*parts)
    if G.number_of_edges() == 0:
        raise ModelError("the graph has no edges", file=str(p))
    return G
