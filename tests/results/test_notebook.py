"""Results display themselves in notebooks: HTML tables of their own numbers, and the network
as its drawing (SVG) through IPython's formatter, registered without importing anything."""

from __future__ import annotations

import importlib
import re
import sys
import types

import pytest

import dynena


@pytest.fixture(scope="module")
def toggle(models_dir):
    m = dynena.load(models_dir / "toggle.yaml")
    eq = dynena.find_equilibria(m)
    return m, eq, dynena.excitable_network(m, equilibria=eq)


def _cells(html: str) -> list[str]:
    return re.findall(r"<td>(.*?)</td>", html)


def test_tables_show_the_results_own_numbers(toggle):
    m, eq, net = toggle
    cells = _cells(eq._repr_html_())
    for e in eq:
        assert e.id in cells and e.type in cells and f"{e.residual:.1e}" in cells
    cells = _cells(net._repr_html_())
    for c in net.connections:
        assert f"{c.threshold:.7g}" in cells and str(c.certificate.status) in cells
    r = dynena.continue_equilibrium(m, "a")
    html = r._repr_html_()
    assert "BP" in _cells(html) and "<table>" in html


def test_text_is_escaped(toggle):
    from dynena.results.html import table

    html = table("<b>x</b>", ["a&b"], [["<script>"]])
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html


def test_the_network_draws_itself_in_ipython(toggle, monkeypatch):
    registered = {}

    class Formatter:
        def for_type_by_name(self, module, name, fn):
            registered[(module, name)] = fn

    shell = types.SimpleNamespace(display_formatter=types.SimpleNamespace(
        formatters={"image/svg+xml": Formatter()}))
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: shell  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    importlib.reload(dynena)
    fn = registered[("dynena.results.network", "ExcitableNetwork")]
    _, _, net = toggle
    assert type(net).__module__ == "dynena.results.network"
    svg = fn(net)
    assert svg.lstrip().startswith("<?xml") and all(i in svg for i in net.node_ids)
