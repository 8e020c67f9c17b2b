"""Results display themselves in notebooks: HTML tables of their own numbers, and the network
as its drawing (SVG) above its table."""

from __future__ import annotations

import re

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
    assert "BP" in _cells(html) and "<table>" in html and "<svg" in html


def test_text_is_escaped(toggle):
    from dynena.results.html import table

    html = table("<b>x</b>", ["a&b"], [["<script>"]])
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html


def test_the_network_displays_as_its_drawing(toggle):
    """Jupyter shows ``_repr_html_`` (drawing above the table) or ``_repr_svg_``; both parse
    as XML and carry every node and threshold; ``net.draw()`` is the Graphviz object."""
    import xml.etree.ElementTree as ET

    import graphviz

    _, _, net = toggle
    svg = net._repr_svg_()
    root = ET.fromstring(svg.encode())
    assert root.tag.endswith("svg")
    text = " ".join(root.itertext())
    assert all(i in text for i in net.node_ids)
    assert all(f"δ={c.threshold:.3g}" in text for c in net.edges)
    html = net._repr_html_()
    ET.fromstring(html.replace("&nbsp;", " ").encode())  # well formed
    assert "<svg" in html and "<table>" in html
    assert isinstance(net.draw(), graphviz.Digraph)
    assert net.draw(amplitude=0.0).source.count("->") == 0


def test_a_continuation_shows_its_diagram(toggle):
    """The branch as its bifurcation diagram (SVG parsed as XML) above the table of special
    points, whose numbers are the result's own."""
    import xml.etree.ElementTree as ET

    m, _, _ = toggle
    r = dynena.continue_equilibrium(m, "a")
    root = ET.fromstring(r._repr_svg_().encode())
    assert root.tag.endswith("svg") and len(list(root.iter())) > 50
    html = r._repr_html_()
    assert html.index("<svg") < html.index("<table>")
    bp = r.special_points("BP")[0]
    assert f"{bp.p:.10g}" in _cells(html)
