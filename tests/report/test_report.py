"""The reporter draws what the analyses computed and never recomputes: the JSON it writes is
the results' own ``to_dict()``, the drawing shows exactly the edges within the amplitude, and
the PDF states each threshold."""

from __future__ import annotations

import base64
import json
import re
import zlib

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
    thresholds = sorted(round(c.threshold, 4) for c in net.edges)
    cut = 2.0
    src = network_dot(net, amplitude=cut).source
    drawn = src.count("->")
    assert drawn == sum(t <= cut for t in thresholds) >= 1
    for c in net.edges:
        assert (f"{c.threshold:.4g}" in src) == (c.threshold <= cut)


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
