"""The reporter draws what the analyses computed and never recomputes: the JSON it writes is
the results' own ``to_dict()``, the drawing shows exactly the edges within the amplitude, and
the PDF states each threshold."""

from __future__ import annotations

import base64
import json
import re
import zlib

import numpy as np
import pytest

import dynena
from dynena.report.graphviz import network_dot


@pytest.fixture(scope="module")
def analysed(models_dir):
    m = dynena.load(models_dir / "tristable.yaml")
    eq = dynena.find_equilibria(m)
    net = dynena.excitable_network(m, equilibria=eq)
    return m, eq, net


def test_results_json_is_the_results_own_dicts(analysed, tmp_path):
    from dynena.results.jsonable import jsonable

    m, eq, net = analysed
    files = dynena.write_report(tmp_path / "out", model=m, equilibria=eq, network=net)
    got = json.loads(files["results"].read_text())
    assert got["equilibria"] == json.loads(json.dumps(jsonable(eq.to_dict())))
    assert got["network"] == json.loads(json.dumps(jsonable(net.to_dict())))
    assert got["network"]["status"] == "ok" and got["network"]["success"] is True


def test_the_drawing_has_exactly_the_edges_within_the_amplitude(analysed):
    """tristable (stable 0 and ±2, unstable ±1): thresholds 1 (to a neighbour) and 3 (from
    -2 past the basin of 0 to +2); at amplitude 2 only the edges below it are drawn."""
    _, _, net = analysed
    cut = 2.0
    src = network_dot(net, amplitude=cut).source
    drawn = {int(k) for k in re.findall(r'id="label-(\d+)"', src)}
    want = {k for k, c in enumerate(net.connections, start=1)
            if c.target in net.node_ids and c.threshold <= cut}
    assert drawn == want and len(want) >= 1 and len(want) < len(net.edges)
    for k in want:
        assert f"#{k} δ={net.connections[k - 1].threshold:.3g}" in src


def test_the_pdf_states_every_threshold(analysed, tmp_path):
    m, eq, net = analysed
    files = dynena.write_report(tmp_path / "out", model=m, equilibria=eq, network=net)
    text = _pdf_text(files["report"].read_bytes())
    assert b"excitable network" in text
    for c in net.edges:
        assert f"{c.threshold:.7g}".encode() in text


def _pdf_text(raw: bytes) -> bytes:
    """The decoded content streams of a reportlab PDF (ASCII85, then Flate)."""
    out = b""
    for m in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", raw, re.S):
        head, body = m.group(1), m.group(2).strip()
        try:
            if b"ASCII85Decode" in head:
                body = base64.a85decode(body.removesuffix(b"~>"))
            if b"FlateDecode" in head:
                body = zlib.decompress(body)
        except (ValueError, zlib.error):
            continue
        out += body
    return out


def test_the_first_page_says_in_three_sentences_what_the_network_means(tristable, tmp_path):
    """The numbers in the summary are the network's own: node count, connected pairs, the
    smallest and largest threshold with their ratio; and it is on the PDF's first page."""
    from dynena.report.summary import network_summary

    m, eq, net = tristable
    text = network_summary(net)
    assert text.count(". ") == 2 and text.endswith(".")
    lo = min(net.edges, key=lambda c: c.threshold)
    hi = max(net.edges, key=lambda c: c.threshold)
    assert f"has {len(net.node_ids)} stable states" in text
    assert f"{len({(c.source, c.target) for c in net.edges})} of the 6 possible" in text
    ties = [c for c in net.edges if c.threshold >= hi.threshold * (1 - 1e-9)]
    assert f"easiest switch is {lo.source} → {lo.target} at δ = {lo.threshold:.3g}" in text
    assert any(f"hardest is {c.source} → {c.target} at δ = {hi.threshold:.3g}" in text
               for c in ties)
    assert f"{hi.threshold / lo.threshold:.3g} times larger" in text
    assert "Every threshold was established" in text
    files = dynena.write_report(tmp_path / "out", model=m, equilibria=eq, network=net)
    pdf = _pdf_text(files["report"].read_bytes())
    assert b"In short." in pdf and b"easiest switch" in pdf


def test_the_summary_says_what_could_not_be_established(models_dir):
    from dynena.report.summary import network_summary

    m = dynena.load(models_dir / "bistable2d.yaml")
    net = dynena.excitable_network(m, budget=30)
    assert net.status == "budget"
    text = network_summary(net)
    n = sum(c.certificate.status == "budget" for c in net.connections)
    assert "Not everything could be established" in text
    assert f"{n} threshold{'s' if n > 1 else ''} stopped at the search budget" in text
    assert "remedy: raise the budget" in text


def test_two_variable_report_has_the_basin_picture(models_dir, tmp_path):
    """The basin picture is drawn from the network's own attractor grid (never recomputed):
    its entropy in the PDF is the grid's."""
    m = dynena.load(models_dir / "double_well.yaml")
    eq = dynena.find_equilibria(m)
    net = dynena.excitable_network(m, equilibria=eq)
    grid = net.attractors.grid
    files = dynena.write_report(tmp_path / "out", model=m, equilibria=eq, network=net)
    assert files["basins_svg"].exists() and files["basins_pdf"].exists()
    assert "basins of attraction" in files["html"].read_text()
    text = _pdf_text(files["report"].read_bytes())
    assert f"{grid.entropy[1]:.3f}".encode() in text
    got = json.loads(files["results"].read_text())["network"]["attractors"]["grid"]
    assert got["codes"] == grid.codes.tolist()


def test_a_network_without_nodes_is_reported_not_raised(tmp_path):
    """A model whose only attracting set is a ring of equilibria (no isolated attractor):
    the network has no node, and the drawing's placement of the nodes raised IndexError,
    so `dynena report` ended in an internal error. Every file is written and the message,
    naming the continuum, is in the report."""
    m = dynena.load_document({"dynena": 1, "name": "ring", "variables":
                              {"x": {"range": [-2, 2]}, "y": {"range": [-2, 2]}},
                              "equations": {"x": "(1 - x**2 - y**2)*x",
                                            "y": "(1 - x**2 - y**2)*y"}})
    eq = dynena.find_equilibria(m)
    net = dynena.excitable_network(m, equilibria=eq, attractors=False)
    assert net.node_ids == ()
    files = dynena.write_report(tmp_path / "out", model=m, equilibria=eq, network=net)
    for key in ("report", "html", "results", "network_svg"):
        assert files[key].exists(), key
    assert "continuum of equilibria" in files["html"].read_text()


def test_the_summary_names_the_smallest_kick_out_of_the_states(write_model):
    """x -> 1 + ln(x) / 2 leaves its domain below its unstable point x* (ln of a negative
    number two steps on): the summary says so, with the network's own threshold 1 - x* (and
    compares it with no switch: there is none). The toggle switch with Hill exponent 2.5
    leaves it (its low coordinate made negative) before any switch."""
    from scipy.optimize import brentq

    from dynena.report.summary import network_summary

    m = dynena.load(write_model("dynena: 1\nname: log_map\nkind: map\n"
                                "variables: {x: {range: [0.1, 3]}}\n"
                                "equations: {x: 1 + 0.5*log(x)}\n"))
    net = dynena.excitable_network(m)
    xs = brentq(lambda x: 1 + 0.5 * np.log(x) - x, 0.1, 0.5)
    text = network_summary(net)
    assert (f"From E0, a perturbation of δ = {1 - xs:.3g} takes the system out of the "
            "equations' domain (they become undefined there).") in text
    toggle = dynena.load(write_model("dynena: 1\nname: toggle25\n"
                                     "variables: {u: {range: [0, 5]}, v: {range: [0, 5]}}\n"
                                     "parameters: {a: 4.0, n: 2.5}\n"
                                     "equations: {u: a/(1 + v**n) - u, v: a/(1 + u**n) - v}\n",
                                     name="toggle.yaml"))
    net = dynena.excitable_network(toggle)
    low = min(cn.threshold for cn in net.connections if cn.target == "left-domain")
    assert f"δ = {low:.3g} takes the system out of the equations' domain (they become " \
           "undefined there), smaller than any switch." in network_summary(net)


def test_the_pdf_says_whether_a_multi_start_threshold_is_a_local_minimum(tmp_path):
    """Above three variables the table's "certified by" says how many starts, and whether the
    local model settled there (the statement in results.json says it in full)."""
    m = dynena.load_document({
        "dynena": 1, "name": "well4", "variables": {v: {"range": [-2, 2]} for v in "xyzw"},
        "equations": {"x": "x - x**3", "y": "-y", "z": "-2*z", "w": "-3*w + x*y"}})
    eq = dynena.find_equilibria(m)
    net = dynena.excitable_network(m, equilibria=eq)
    assert {c.certificate.local for c in net.edges} == {"newton"}
    assert all(c.certificate.settled for c in net.edges)
    assert all("a local minimum to" in c.certificate.statement for c in net.edges)
    files = dynena.write_report(tmp_path / "out", model=m, equilibria=eq, network=net)
    text = _pdf_text(files["report"].read_bytes())
    assert f"{net.edges[0].certificate.starts} starts, local min.".encode() in text
