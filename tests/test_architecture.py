"""Data flows one way: analyses never import the reporter or the CLI; results import no analysis."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "dynena"
ANALYSES = ["model", "compile", "flow", "equilibrium", "continuation", "network", "rnn", "design",
            "results", "export"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            # resolve the relative import against the file's package
            parts = list(path.relative_to(PKG.parent).with_suffix("").parts)[:-node.level]
            out.add(".".join(parts + ([node.module] if node.module else [])))
    return out


def test_analyses_do_not_import_reporter_or_cli():
    bad = []
    for sub in ANALYSES:
        for f in (PKG / sub).rglob("*.py"):
            for mod in imported_modules(f):
                if mod.startswith(("dynena.report", "dynena.cli")):
                    bad.append((str(f.relative_to(PKG)), mod))
    for f in (PKG / "simulation.py", PKG / "portrait.py"):
        bad += [(f.name, m) for m in imported_modules(f)
                if m.startswith(("dynena.report", "dynena.cli"))]
    assert bad == []


def test_reporter_does_not_import_the_cli():
    bad = [(str(f.relative_to(PKG)), m) for f in (PKG / "report").rglob("*.py")
           for m in imported_modules(f) if m.startswith("dynena.cli")]
    assert bad == []


def test_results_import_no_analysis():
    bad = []
    for f in (PKG / "results").rglob("*.py"):
        for mod in imported_modules(f):
            if mod.startswith("dynena.") and not mod.startswith(
                    ("dynena.results", "dynena._typing", "dynena.errors")):
                bad.append((f.name, mod))
    assert bad == []
