"""The import graph: layers that only point down, no circles, no private names across packages.

Layers, lowest first (see the README's design notes)::

    base (_typing, _version, errors, limits, progress)
    model → results → compile → flow → equilibrium → attractor, continuation, portrait, export
          → network → rnn, design → sweep → report → cli

A module may import its own package, the base and any lower layer — never a higher one, and
never another package of its own layer. The package facade ``dynena/__init__.py`` is exempt.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PKG = Path(__file__).resolve().parents[1] / "dynena"
BASE = {"_typing", "_version", "errors", "limits", "progress"}
LAYERS = [{"model"}, {"results"}, {"compile"}, {"flow"}, {"equilibrium"},
          {"attractor", "continuation", "portrait", "export"}, {"network"}, {"rnn", "design"},
          {"sweep"}, {"report"}, {"cli"}]
LEVEL = {name: k for k, names in enumerate(LAYERS) for name in names}


def _module(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(f): f for f in PKG.rglob("*.py")}


def _imports(mod: str) -> list[tuple[str, list[str]]]:
    """``(imported module, names taken from it)`` for every import in ``mod`` (also lazy ones
    inside functions). ``from . import x`` counts as importing the submodule ``x``."""
    path = MODULES[mod]
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names if a.name.startswith("dynena")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = mod.split(".")
                keep = len(base) - node.level + (path.name == "__init__.py")
                target = ".".join(base[:keep] + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("dynena"):
                continue
            names = [a.name for a in node.names]
            subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            out += [(s, []) for s in subs] or [(target, names)]
    return out


def _package(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_the_layer_table_names_every_package():
    tops = {_package(m) for m in MODULES} - {""}
    assert tops == BASE | set(LEVEL), "a new package needs its place in LAYERS"


def test_imports_only_point_down():
    bad = []
    for mod in MODULES:
        src = _package(mod)
        if not src:
            continue  # the facade
        for target, _ in _imports(mod):
            dst = _package(target)
            if dst == src or dst in BASE:
                continue
            if src in BASE or dst not in LEVEL or LEVEL[dst] >= LEVEL[src]:
                bad.append(f"{mod} -> {target}")
    assert bad == []


def test_no_private_name_crosses_a_package():
    bad = [f"{mod} takes {n} from {target}" for mod in MODULES for target, names in _imports(mod)
           for n in names if n.startswith("_") and not n.startswith("__")
           and _package(target) != _package(mod)]
    assert bad == []


def test_no_circle_between_modules():
    g = nx.DiGraph()
    for mod in MODULES:
        g.add_node(mod)
        g.add_edges_from((mod, t) for t, _ in _imports(mod) if t in MODULES and t != mod)
    circles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    assert circles == []


def test_the_checks_see_a_violation(tmp_path):
    """The walker resolves relative, lazy and submodule imports (so the checks can fail)."""
    imports = dict(_imports("dynena.compile.api"))
    assert "dynena.model.vector" in imports and "dynena.compile.system" in imports
    lazy = [t for t, _ in _imports("dynena.cli.main")]
    assert "dynena._version" in lazy
    assert LEVEL["report"] > LEVEL["network"] > LEVEL["flow"] > LEVEL["compile"]


def test_every_trajectory_is_computed_in_the_flow_layer():
    """Analyses ask the flow layer (simulate, the oracle, advance, variational) for
    trajectories; none integrates on its own."""
    bad = [str(f.relative_to(PKG)) for f in PKG.rglob("*.py")
           if "solve_ivp(" in f.read_text() and f.relative_to(PKG).parts[0] != "flow"]
    assert bad == []
