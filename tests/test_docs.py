"""The documentation covers what users meet: one page per command, in the site's navigation,
showing that command's own help; no page points outside the project."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from dynena.cli.main import command_parsers

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _nav_files(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [f for v in node.values() for f in _nav_files(v)]
    if isinstance(node, list):
        return [f for v in node for f in _nav_files(v)]
    return []


def test_one_page_per_command_with_its_help():
    nav = _nav_files(yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"])
    for name in command_parsers():
        page = DOCS / "commands" / f"{name}.md"
        assert page.exists(), f"no documentation page for 'dynena {name}'"
        assert f"<!-- dynena-help {name} -->" in page.read_text()
        assert f"commands/{name}.md" in nav


def test_every_page_is_in_the_navigation():
    nav = set(_nav_files(yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"]))
    pages = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert pages - nav == set()


def test_no_page_points_outside_the_project():
    for p in [ROOT / "README.md", *DOCS.rglob("*.md")]:
        assert not re.search(r"\.\./shared|shared/spec", p.read_text()), p.name
