"""Excitable networks against exact thresholds, a brute-force search and a designed graph."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest

import dynena
from dynena.equilibrium import find_equilibria
from dynena.network import excitable_network


def test_tristable_line_thresholds_are_distances_to_unstable_points(models_dir):
    net = excitable_network(dynena.load(models_dir / "tristable.yaml"))
    st = {net.node_states[k][0].round(6): nid for k, nid in enumerate(net.node_ids)}
    n0, p2, m2 = st[0.0], st[2.0], st[-2.0]
    th = {(c.source, c.target): c.threshold for c in net.edges}
    assert th[(n0, p2)] == pytest.approx(1.0, rel=2e-6)
    assert th[(n0, m2)] == pytest.approx(1.0, rel=2e-6)
    assert th[(p2, n0)] == pytest.approx(1.0, rel=2e-6)
    assert th[(m2, p2)] == pytest.approx(3.0, rel=2e-6)  # jumps past the basin of 0
    assert th[(p2, m2)] == pytest.approx(3.0, rel=2e-6)
    assert len(net.edges) == 6
    for c in net.edges:
        assert c.bracket[0] < c.threshold <= c.bracket[1]
        assert c.bracket[1] - c.bracket[0] <= 1e-6 * c.bracket[1]


@pytest.mark.slow  # a long study: runs in `make test-all`
def test_three_bistable_units_cube_thresholds_and_vias(models_dir):
    m = dynena.load(models_dir / "cube3.yaml")
    eq = find_equilibria(m)
    net = excitable_network(m, equilibria=eq)
    edges = net.edges
    flips = {1: [], 2: [], 3: []}
    for c in edges:
        a = net.node_states[net.node_ids.index(c.source)]
        b = net.node_states[net.node_ids.index(c.target)]
        flips[int(np.sum(np.sign(a) != np.sign(b)))].append(c)
    assert len(flips[1]) == 24 and len(flips[2]) == 24 and len(flips[3]) == 8
    for k, exact in ((1, 1.0), (2, np.sqrt(2)), (3, np.sqrt(3))):
        for c in flips[k]:
            assert c.threshold == pytest.approx(exact, rel=2e-6)
            assert c.certificate.status == "certified"
            assert c.certificate.lower_bound <= c.threshold
            a = net.node_states[net.node_ids.index(c.source)]
            b = net.node_states[net.node_ids.index(c.target)]
            # via: the saddle with the flipped coordinates at 0, the others as in the source
            via = eq[c.via].state
            expect = np.where(np.sign(a) != np.sign(b), 0.0, a)
            assert np.allclose(via, expect, atol=1e-9), (c.source, c.target, c.via)
            assert eq[c.via].unstable_dim == k
            # the optimal kick points straight at that saddle
            assert np.allclose(c.direction, (expect - a) / np.linalg.norm(expect - a),
                               atol=1e-6)
    assert net.stats["mirrored"]  # x -> -x: half the nodes computed


def _brute_threshold(c, xi, target_sign, n_angles=720):
    """Smallest kick into the other basin, by bisection on a fine grid of angles."""
    from dynena import simulate

    best = np.inf
    for th in np.linspace(0, 2 * np.pi, n_angles, endpoint=False):
        v = np.array([np.cos(th), np.sin(th)])

        def other(a, v=v):
            tr = simulate(c, xi + a * v, 200.0, stop_at_equilibrium=True, eq_tol=1e-10)
            return np.sign(tr.final[0]) == target_sign

        if not other(min(best, 3.0)):
            continue
        lo, hi = 0.0, min(best, 3.0)
        while hi - lo > 1e-7:
            mid = 0.5 * (lo + hi)
            lo, hi = (lo, mid) if other(mid) else (mid, hi)
        best = min(best, hi)
    return best


def test_non_gradient_bistable_matches_brute_force(models_dir):
    m = dynena.load(models_dir / "bistable2d.yaml")
    c = dynena.compile_model(m)
    net = excitable_network(c)
    assert len(net.edges) == 2
    e = net.edges[0]
    xi = net.node_states[net.node_ids.index(e.source)]
    target = np.sign(net.node_states[net.node_ids.index(e.target)][0])
    brute = _brute_threshold(c, xi, target, n_angles=240)
    # the brute force can only be above the true minimum (finite angles), by < 1e-3 here
    assert e.threshold <= brute + 1e-6
    assert brute - e.threshold < 2e-3
    assert e.refinements >= 1  # curved boundary: the direction was refined


def test_toggle_threshold_is_distance_to_the_diagonal(models_dir):
    m = dynena.load(models_dir / "toggle.yaml")
    net = excitable_network(m)
    for k, c in enumerate(net.edges):
        x = net.node_states[net.node_ids.index(c.source)]
        # the separatrix is the diagonal u = v (symmetry u <-> v)
        assert c.threshold == pytest.approx(abs(x[0] - x[1]) / np.sqrt(2), rel=2e-6)


def test_designed_cycle_recovers_its_graph():
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a")])
    m = dynena.design_model(G, name="cycle3")
    eq = find_equilibria(m)
    net = excitable_network(m, equilibria=eq, max_threshold=0.3)
    H = net.labelled_graph()
    assert set(H.edges) == set(G.edges)
    for _, _, d in H.edges(data=True):
        assert 0.01 < d["threshold"] < 0.3


def test_heteroclinic_design_has_zero_thresholds():
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a")])
    m = dynena.design_model(G, kind="heteroclinic", name="cycle3h")
    net = excitable_network(m, max_threshold=0.3)
    H = net.labelled_graph()
    assert set(H.edges) == set(G.edges)
    assert all(c.kind == "heteroclinic" and c.threshold == 0.0 for c in net.edges)


def test_one_stable_state_is_an_empty_network(write_model):
    m = dynena.load(write_model("dynena: 1\nname: mono\nvariables:\n  x: {range: [-2, 2]}\n"
                                "equations:\n  x: -x\n"))
    net = excitable_network(m)
    assert len(net.node_ids) == 1 and net.edges == ()
    assert "one stable state" in net.message


def test_no_stable_state_said_plainly(write_model):
    m = dynena.load(write_model("dynena: 1\nname: up\nvariables:\n  x: {range: [-2, 2]}\n"
                                "equations:\n  x: x\n"))
    net = excitable_network(m)
    assert net.node_ids == () and "no stable equilibrium" in net.message


def test_diverging_kicks_are_reported_not_dropped(write_model):
    # stable at 0, unstable at 1, beyond 1 the state blows up
    m = dynena.load(write_model("dynena: 1\nname: blow\nvariables:\n  x: {range: [-0.5, 1.5]}\n"
                                "equations:\n  x: -x + x**2\n"))
    net = excitable_network(m)
    assert net.edges == ()
    div = [c for c in net.connections if c.target == "diverged"]
    assert len(div) == 1 and div[0].threshold == pytest.approx(1.0, rel=2e-6)


def test_named_directions_and_unknown_name(models_dir):
    m = dynena.load(models_dir / "hopfield3.yaml")
    net = excitable_network(m, perturbations=["flip3"])
    for c in net.connections:
        assert abs(abs(c.direction[2]) - 1) < 1e-12
    with pytest.raises(dynena.ParameterError, match="unknown direction 'nope'"):
        excitable_network(m, perturbations=["nope"])


def test_json_contract(models_dir):
    net = excitable_network(dynena.load(models_dir / "double_well.yaml"))
    d = json.loads(json.dumps(net.to_dict()))
    assert d["model"] == "double_well" and d["norm"] == "l2"
    assert {n["id"] for n in d["nodes"]} == set(net.node_ids)
    e = d["edges"][0]
    assert set(e) >= {"source", "target", "threshold", "direction", "via"}
    assert e["threshold"] == pytest.approx(1.0, rel=2e-6)
    assert abs(e["direction"]["x"]) == pytest.approx(1.0, abs=1e-9)
    assert d["staircase"][-1]["edges"] == 2


@pytest.mark.slow  # ~60 s: make test-all
def test_merge_pairs_and_weighted_norm(models_dir):
    m = dynena.load(models_dir / "cube3.yaml")
    eq = find_equilibria(m)
    net = excitable_network(m, equilibria=eq, max_threshold=1.1, certify=False)
    G = net.graph()
    assert G.number_of_nodes() == 8 and G.number_of_edges() == 24
    H = net.graph(merge_pairs=True)
    assert H.number_of_nodes() == 4  # ± pairs shown as one node
    assert all(d["threshold"] == pytest.approx(1.0, rel=2e-6) for *_, d in H.edges(data=True))
    # weighted norm |v|^2 = 4 a^2 + b^2 + c^2: flipping a costs 2, b and c cost 1
    netw = excitable_network(m, equilibria=eq, max_threshold=2.5, weights=[4, 1, 1])
    for c in netw.edges:
        a = net.node_states[net.node_ids.index(c.source)]
        b = net.node_states[net.node_ids.index(c.target)]
        flips = np.sign(a) != np.sign(b)
        exact = np.sqrt(np.sum(np.array([4, 1, 1])[flips]))
        assert c.threshold == pytest.approx(exact, rel=1e-5)


def test_api_at_the_top_level(models_dir):
    m = dynena.load(models_dir / "double_well.yaml")
    eq = dynena.equilibria(m)
    net = dynena.excitable_network(m, equilibria=eq)
    assert len(eq) == 3 and len(net.edges) == 2


@pytest.mark.slow  # ~100 s: make test-all
def test_nearest_only_gives_the_minimal_critical_shock(models_dir):
    m = dynena.load(models_dir / "cube3.yaml")
    eq = find_equilibria(m)
    full = excitable_network(m, equilibria=eq)
    near = excitable_network(m, equilibria=eq, nearest_only=True)
    for nid in near.node_ids:
        cs = [c for c in near.connections if c.source == nid]
        assert len(cs) == 1 and cs[0].threshold == pytest.approx(1.0, rel=2e-6)
        # the same number as the smallest threshold of the full run (the search is the same)
        assert cs[0].threshold == pytest.approx(
            min(c.threshold for c in full.connections if c.source == nid), rel=1e-9)


def test_above_three_dimensions_every_threshold_has_a_multi_start_certificate():
    """Dimension 4: a double well in x with three decaying coordinates (w driven by x·y).
    The threshold is exactly 1 (x must cross 0). The multi-start search was unreachable code
    once (connections came out with no certificate at all); each must now carry one, with
    descents that reached the best value."""
    m = dynena.load_document({
        "dynena": 1, "name": "well4", "variables": {v: {"range": [-2, 2]} for v in "xyzw"},
        "equations": {"x": "x - x**3", "y": "-y", "z": "-2*z", "w": "-3*w + x*y"}})
    net = dynena.excitable_network(m)
    assert len(net.edges) == 2 and net.success
    for c in net.edges:
        assert c.threshold == pytest.approx(1.0, abs=1e-5)
        k = c.certificate
        assert k is not None and k.method == "multi-start" and k.status == "multi-start"
        assert k.descents >= 1 and k.reached_best >= 1 and k.spread == pytest.approx(0, abs=1e-3)
