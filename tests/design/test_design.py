"""Design from a graph, analyse, recover the same graph (the round trip)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import dynena
from dynena.design import design_model, hypercube_graph, read_graph, verify_design
from dynena.design.roundtrip import design_parameters, expected_threshold


def roundtrip(G, **kw):
    par = design_parameters("excitable")
    amp = 3 * expected_threshold(par)
    return verify_design(G, design_model(G, parameters=par, **kw), amplitude=amp)


def test_directed_cycle():
    G = nx.DiGraph([(f"v{k}", f"v{(k + 1) % 4}") for k in range(4)])
    chk = roundtrip(G)
    assert chk.equal, (chk.missing, chk.extra)
    assert all(0.05 < t < 0.1 for _, _, t in chk.recovered)


def test_graph_with_a_two_cycle():
    G = nx.DiGraph([("a", "b"), ("b", "a"), ("b", "c"), ("c", "a")])
    chk = roundtrip(G)
    assert chk.equal, (chk.missing, chk.extra)


def test_random_graph_of_six_vertices():
    G = nx.gnp_random_graph(6, 0.35, seed=4, directed=True)
    G = nx.relabel_nodes(G, {k: f"n{k}" for k in G})
    G.remove_edges_from(nx.selfloop_edges(G))
    assert G.number_of_edges() >= 8
    chk = roundtrip(G)
    assert chk.equal, (chk.missing, chk.extra)


def test_three_cube_round_trip():
    G = hypercube_graph(3)
    chk = verify_design(G, dynena.load(Path(__file__).parents[2] / "models/ap_cube3.yaml"),
                        amplitude=0.2121, jobs=2)
    assert chk.equal and len(chk.recovered) == 24
    assert {round(t, 5) for _, _, t in chk.recovered} == {0.07707}


def test_heteroclinic_switch_gives_zero_thresholds():
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("a", "c")])
    m = design_model(G, kind="heteroclinic")
    chk = verify_design(G, m, amplitude=0.05)
    assert chk.equal
    assert all(t == 0.0 for _, _, t in chk.recovered)


def test_threshold_parameter_moves_the_thresholds():
    G = nx.DiGraph([("a", "b"), ("b", "a")])
    ts = []
    for delta in (0.05, 0.1):
        par = design_parameters("excitable", delta)
        chk = verify_design(G, design_model(G, parameters=par), amplitude=3 * delta)
        assert chk.equal
        ts.append(chk.recovered[0][2])
    # the threshold follows the designed δ (first-order estimate, within 15%) and scales with it
    assert 0.05 < ts[0] < 1.15 * 0.05 and 0.1 < ts[1] < 1.15 * 0.1
    assert ts[1] / ts[0] == pytest.approx(2.0, rel=0.1)


def test_self_loops_refused():
    with pytest.raises(dynena.ParameterError, match="self-loop"):
        design_model(nx.DiGraph([("a", "a"), ("a", "b")]))


def test_readers(tmp_path):
    (tmp_path / "g.dot").write_text('digraph G {\n  "x 1" -> y -> z [w=2];\n  // c\n  z -> "x 1";\n}\n')
    (tmp_path / "g.txt").write_text("x y\ny -> z\n# comment\nz,x\n")
    nx.write_graphml(nx.DiGraph([("x", "y"), ("y", "z"), ("z", "x")]), tmp_path / "g.graphml")
    assert set(read_graph(tmp_path / "g.dot").edges) == {("x 1", "y"), ("y", "z"), ("z", "x 1")}
    assert set(read_graph(tmp_path / "g.txt").edges) == {("x", "y"), ("y", "z"), ("z", "x")}
    assert set(read_graph(tmp_path / "g.graphml").edges) == {("x", "y"), ("y", "z"), ("z", "x")}
    (tmp_path / "u.dot").write_text("graph G { a -- b }")
    with pytest.raises(dynena.ModelError, match="undirected"):
        read_graph(tmp_path / "u.dot")


def test_cli_design_refuses_to_overwrite_a_model(tmp_path):
    exe = shutil.which("dynena", path=str(Path(sys.executable).parent)) or "dynena"
    (tmp_path / "g.txt").write_text("p q\nq r\nr p\n")
    out = tmp_path / "cyc.yaml"
    out.write_text("my own model\n")
    r = subprocess.run([exe, "design", str(tmp_path / "g.txt"), "-o", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 2 and "--overwrite" in r.stderr
    assert out.read_text() == "my own model\n"


def test_cli_design_json_and_labels(tmp_path):
    exe = shutil.which("dynena", path=str(Path(sys.executable).parent)) or "dynena"
    (tmp_path / "g.txt").write_text("p q\nq r\nr p\n")
    out = tmp_path / "cyc.yaml"
    r = subprocess.run([exe, "design", str(tmp_path / "g.txt"), "-o", str(out), "--json",
                        "--verify"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["model"] == str(out) and d["amplitude"] == pytest.approx(0.2121, abs=1e-3)
    assert d["verify"]["equal"]
    # the analysed network's nodes carry the vertex names as labels
    r = subprocess.run([exe, "network", str(out), "--json", "--max-threshold", "0.2121"],
                       capture_output=True, text=True, timeout=600)
    net = json.loads(r.stdout)
    assert {n["label"] for n in net["nodes"]} == {"p", "q", "r"}
    again = subprocess.run([exe, "design", str(tmp_path / "g.txt"), "-o", str(out)],
                           capture_output=True, text=True)
    assert again.returncode == 2 and "--overwrite" in again.stderr


def test_cli_design_report_shows_threshold_dependence(tmp_path):
    exe = shutil.which("dynena", path=str(Path(sys.executable).parent)) or "dynena"
    (tmp_path / "g.txt").write_text("a b\nb a\n")
    r = subprocess.run([exe, "design", str(tmp_path / "g.txt"), "-o", str(tmp_path / "m.yaml"),
                        "--threshold-scale", "1.5", "--report", str(tmp_path / "rep"), "--json"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["parameters"]["B"] == pytest.approx(1.5 - 2 * (1.5 * np.sqrt(0.005)) ** 2)
    res = json.loads((tmp_path / "rep" / "results.json").read_text())
    assert res["design"]["verify"]["equal"]
    assert (tmp_path / "rep" / "design_thresholds.svg").exists()
    assert (tmp_path / "rep" / "report.pdf").read_bytes()[:4] == b"%PDF"
