"""The network followed through a parameter, against analytic answers: the Ashwin–Postlethwaite
switch's threshold law δ² ∝ (1 + A − B) and its excitable → heteroclinic switch at B = 1 + A,
and the toggle switch's pitchfork at a = 2 (a second stable state appears)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import dynena
from dynena.design.graph_to_model import design_model


@pytest.fixture(scope="module")
def switch_path():
    m = design_model(nx.DiGraph([("a", "b"), ("b", "a")]))
    return m, dynena.continue_network(m, "B", 1.40, 1.52, points=4, tol=2e-3,
                                      max_threshold=0.4, attractors=False)


def test_threshold_law_of_the_design(switch_path):
    """δ² is linear in B and vanishes at B = 1 + A = 1.5; δ lies within the documented 0–12 %
    above the first-order value sqrt((1 + A − B)/2)."""
    m, path = switch_path
    A = float(m.parameters["A"])
    pts = path.thresholds("E0->E1")
    B = np.array([p for p, t in pts if p < 1.4999])
    d = np.array([t for p, t in pts if p < 1.4999])
    assert len(B) >= 4
    slope, icpt = np.polyfit(B, d**2, 1)
    assert -icpt / slope == pytest.approx(1 + A, abs=1e-3)
    first = np.sqrt((1 + A - B) / 2)
    assert np.all(d / first > 1.0) and np.all(d / first < 1.12)


def test_the_switch_to_heteroclinic_is_located_at_one_plus_a(switch_path):
    m, path = switch_path
    A = float(m.parameters["A"])
    assert path.success
    kinds = {e.type for e in path.events}
    assert kinds == {"stability", "heteroclinic"}
    for e in path.events:
        assert e.converged and e.bracket[0] <= 1 + A <= e.bracket[1]
        assert e.bracket[1] - e.bracket[0] <= 2e-3
    het = [e for e in path.events if e.type == "heteroclinic"]
    assert {e.key for e in het} == {"E0->E1", "E1->E0", "E2->E3", "E3->E2"}
    last = path.points[-1]
    assert all(v["kind"] == "heteroclinic" and v["threshold"] == 0 for v in last.edges.values())
    assert all(v["stability"] == "saddle" for v in last.nodes.values())
    d = path.to_dict()
    json.dumps(d, allow_nan=False)
    assert len(d["events"]) == len(path.events)


def test_toggle_pitchfork_a_second_state_appears_at_a_equals_2(models_dir):
    """Below a = 2 one stable state, above it two; the new node is located at the pitchfork.
    The edges between the two close states cost most near it: with a small time budget they
    keep a wider bracket and say so (converged False, status budget)."""
    m = dynena.load(models_dir / "toggle.yaml")
    path = dynena.continue_network(m, "a", 1.5, 2.5, points=4, tol=1e-3, max_time=20)
    new = [e for e in path.events if e.type == "node-appears"]
    assert len(new) == 1 and new[0].converged
    assert new[0].bracket[0] <= 2.0 <= new[0].bracket[1]
    assert len(path.points[0].nodes) == 1 and len(path.points[-1].nodes) == 2
    for e in path.events:
        assert e.bracket[0] <= 2.0 + 1e-9 and 2.0 - 1e-9 <= e.bracket[1]
    if not all(e.converged for e in path.events):
        assert path.status == "budget" and not path.success


def test_cli_writes_the_path_and_refuses_bad_options(models_dir, tmp_path):
    exe = str(Path(sys.executable).parent / "dynena")
    out = tmp_path / "path"
    r = subprocess.run([exe, "continue-network", str(models_dir / "toggle.yaml"), "--param",
                        "a", "--range", "2.5", "3", "--points", "2", "-o", str(out), "--json"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["events"] == [] and len(d["points"]) == 2
    assert (out / "path.json").exists() and (out / "thresholds.svg").exists()
    r = subprocess.run([exe, "continue-network", str(models_dir / "toggle.yaml"), "--param",
                        "zz", "--range", "2.5", "3"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 2 and "'zz' is not a parameter of toggle" in r.stderr
    assert "Traceback" not in r.stderr


def test_grid_values_on_a_local_dask_cluster_give_the_same_path(models_dir):
    """The grid's networks computed as Dask tasks (2 local workers) equal those computed
    here, threshold for threshold."""
    m = dynena.load(models_dir / "toggle.yaml")
    here = dynena.continue_network(m, "a", 2.5, 3.0, points=2)
    there = dynena.continue_network(m, "a", 2.5, 3.0, points=2, workers=2)
    assert [pt.p for pt in there.points] == [pt.p for pt in here.points]
    for a, b in zip(here.points, there.points):
        assert a.edges.keys() == b.edges.keys() and a.nodes.keys() == b.nodes.keys()
        for k in a.edges:
            assert b.edges[k]["threshold"] == a.edges[k]["threshold"]
    assert there.stats["networks"] == 2 and there.events == ()


def _doc(name, variables, equations, parameters):
    return dynena.load_document({"dynena": 1, "name": name, "kind": "ode",
                                 "variables": variables, "equations": equations,
                                 "parameters": parameters})


def test_a_node_lost_at_a_fold_is_located_on_its_branch():
    """x' = p + x − x³, y' = −y: the left stable state meets the saddle at the fold
    p = 2/(3√3); the event comes from continuation of the node, to ~1e-9, not from bisection."""
    m = _doc("fold", {"x": {"range": [-2, 2]}, "y": {"range": [-1, 1]}},
             {"x": "p + x - x**3", "y": "-y"}, {"p": 0.0})
    path = dynena.continue_network(m, "p", 0.0, 0.6, points=3, attractors=False,
                                  max_time=3)  # node events are located first, unbudgeted
    lost = [e for e in path.events if e.type == "node-lost"]
    assert len(lost) == 1
    e = lost[0]
    exact = 2 / (3 * np.sqrt(3))
    assert e.located.startswith("continuation (LP")
    assert e.converged and e.bracket[0] <= exact <= e.bracket[1]
    assert e.bracket[1] - e.bracket[0] <= 1e-6 and e.p == pytest.approx(exact, abs=1e-9)
    assert path.stats["node_events_by_continuation"] == 1
    assert path.to_dict()["events"][0]["located"].startswith(("continuation", "bisection"))


def test_a_stable_focus_lost_at_a_hopf_point_is_located_on_its_branch():
    """The Hopf normal form r' = μr − r³: the origin is a stable node-focus for μ < 0 and
    loses stability at μ = 0 exactly (the limit cycle born there is an attractor of its own)."""
    m = _doc("hopf", {"x": {"range": [-2, 2]}, "y": {"range": [-2, 2]}},
             {"x": "mu*x - y - x*(x**2 + y**2)", "y": "x + mu*y - y*(x**2 + y**2)"},
             {"mu": -0.3})
    path = dynena.continue_network(m, "mu", -0.3, 0.2, points=2, attractors=False)
    ev = [e for e in path.events if e.key == "E0"]
    assert len(ev) == 1 and ev[0].type in ("node-lost", "stability")
    assert ev[0].located.startswith("continuation (H")
    assert abs(ev[0].p) <= 1e-9 and ev[0].bracket[0] <= 0.0 <= ev[0].bracket[1]
