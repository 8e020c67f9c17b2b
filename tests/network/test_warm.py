"""Thresholds warm-started from a nearby parameter value (network continuation), against
analytic thresholds and against the same networks computed in full."""

from __future__ import annotations

import dataclasses

import networkx as nx
import numpy as np
import pytest

import dynena
from dynena.design.graph_to_model import design_model
from dynena.equilibrium import find_equilibria
from dynena.network import excitable_network
from dynena.sweep import follow

# three independent bistable units a, b, c (a's saddle at s) and a decaying z: a flip of b or
# c costs exactly 1, a flip of a costs 1 - s from a = +1 and 1 + s from a = -1
CUBE4 = """dynena: 1
name: cube4
kind: ode
variables:
  a: {range: [-1.5, 1.5]}
  b: {range: [-1.5, 1.5]}
  c: {range: [-1.5, 1.5]}
  z: {range: [-1, 1]}
parameters:
  s: 0.0
equations:
  a: -(a - 1)*(a + 1)*(a - s)
  b: b - b**3
  c: c - c**3
  z: -z
"""


def test_warm_thresholds_are_the_analytic_ones_and_a_moved_connection_is_searched_again(
        tmp_path):
    path = tmp_path / "cube4.yaml"
    path.write_text(CUBE4)
    c0 = dynena.compile_model(dynena.load(path))
    c = c0.with_parameters({"s": 0.3})
    prev = excitable_network(c, equilibria=find_equilibria(c), max_threshold=1.2,
                             attractors=False)
    c = c0.with_parameters({"s": 0.1})
    net = excitable_network(c, equilibria=find_equilibria(c), max_threshold=1.2,
                            attractors=False, warm=prev)
    a_of = {i: float(x[0]) for i, x in zip(net.node_ids, net.node_states)}
    methods = {}
    for e in net.edges:
        flip = np.flatnonzero(np.abs(net.node_states[net.node_ids.index(e.source)]
                                     - net.node_states[net.node_ids.index(e.target)]) > 1)
        assert len(flip) == 1  # single flips only below 1.2
        exact = 1.0 if flip[0] > 0 else (0.9 if a_of[e.source] > 0 else 1.1)
        assert e.threshold == pytest.approx(exact, rel=1e-5)
        methods.setdefault(a_of[e.source] > 0, set()).add(e.certificate.method)
    # from a = +1 the a-flip went from 0.7 to 0.9 (beyond the 20 % bracket): full search;
    # from a = -1 everything was followed, including the a-flip that became an edge (1.3 ->
    # 1.1: a connection above max_threshold before)
    assert methods[True] == {"multi-start"}
    assert methods[False] == {"warm-start"}
    assert len(net.edges) == 24 and net.stats["warm_nodes"] == 4
    assert net.stats["trajectories"] < prev.stats["trajectories"]
    e = next(e for e in net.edges if e.certificate.method == "warm-start")
    assert e.certificate.success and "warm start" in e.certificate.statement


@pytest.fixture(scope="module")
def switch():
    return design_model(nx.DiGraph([("a", "b"), ("b", "a")]))


def test_network_continuation_warm_against_full(switch):
    """The Ashwin-Postlethwaite switch along B: the warm path's thresholds agree with every
    value computed in full to the global search's tolerance (1e-4 relative), for less than
    two thirds of its trajectories."""
    kw = dict(points=5, max_threshold=0.4, attractors=False)
    warm = dynena.continue_network(switch, "B", 1.40, 1.48, **kw)
    full = dynena.continue_network(switch, "B", 1.40, 1.48, warm=False, **kw)
    assert warm.stats["warm_values"] == 3 and full.stats["warm_values"] == 0
    assert warm.stats["trajectories"] < 0.67 * full.stats["trajectories"]
    for a, b in zip(warm.points, full.points):
        assert a.p == b.p and set(a.edges) == set(b.edges) == {"E0->E1", "E1->E0", "E2->E3",
                                                               "E3->E2"}
        for k in a.edges:
            assert a.edges[k]["threshold"] == pytest.approx(b.edges[k]["threshold"], rel=2e-4)
    inner = warm.points[2].network
    assert {e.certificate.method for e in inner.edges} == {"warm-start"}
    assert "3 of 5 grid values warm-started" in warm.to_dict()["message"]


def test_a_full_value_that_gains_an_edge_recomputes_the_warm_values_before_it(switch,
                                                                                monkeypatch):
    """A warm value cannot see a connection the value before it lacked; when the next full
    value has it, the warm values in between are computed again in full."""
    original = follow._network_at

    def missing_edges(c, parameter, p, options, seconds, warm=None):
        net = original(c, parameter, p, options, seconds, warm=warm)
        return dataclasses.replace(net, connections=()) if warm is not None else net

    monkeypatch.setattr(follow, "_network_at", missing_edges)
    path = dynena.continue_network(switch, "B", 1.40, 1.44, points=3, max_threshold=0.4,
                                   attractors=False)
    assert path.stats["recomputed_in_full"] == 1 and path.stats["warm_values"] == 0
    assert [len(pt.edges) for pt in path.points] == [4, 4, 4]
    assert not path.events


def test_states_are_matched_one_to_one_and_only_within_the_radius():
    from dynena.network.warm import match_states

    prev = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])  # spacing 1
    # reordered, one moved by 0.2, one gone, one new far away
    new = np.array([[1.2, 0.0], [0.0, 0.05], [5.0, 5.0]])
    assert match_states(new, prev, 0.25) == {0: 1, 1: 0}
    # 0.2 is beyond a tenth of the spacing: only the one that barely moved
    assert match_states(new, prev, 0.1) == {1: 0}
    # two new states near one previous state (a node splitting): one of them inherits it
    split = np.array([[0.02, 0.0], [-0.03, 0.0]])
    assert match_states(split, prev, 0.25) == {0: 0}
    # the spacing measured among other states; one state alone: relative to its size
    assert match_states(new[:1], prev[1:2], 0.5, among=prev) == {0: 0}
    assert match_states(new[:1], prev[1:2], 0.05) == {}
    assert match_states(np.zeros((0, 2)), prev, 0.25) == {}
