"""Promises that hold on any system: thresholds do not depend on --max-threshold, the nearest
connection is the minimum of the full run, every threshold carries its certificate."""

from __future__ import annotations

import numpy as np
import pytest

import dynena


@pytest.fixture(scope="module")
def toggle(models_dir):
    c = dynena.compile_model(dynena.load(models_dir / "toggle.yaml"))
    return c, dynena.equilibria(c)


def test_max_threshold_only_cuts_the_edge_list(toggle):
    c, eq = toggle
    full = dynena.excitable_network(c, equilibria=eq)
    cut = dynena.excitable_network(c, equilibria=eq, max_threshold=0.5 * min(
        cn.threshold for cn in full.connections))
    assert [cn.threshold for cn in cut.connections] == pytest.approx(
        [cn.threshold for cn in full.connections], rel=1e-6)
    assert cut.edges == () and len(full.edges) == 2


def test_nearest_only_is_the_minimum_of_the_full_run(models_dir):
    c = dynena.compile_model(dynena.load(models_dir / "tristable.yaml"))
    eq = dynena.equilibria(c)
    full = dynena.excitable_network(c, equilibria=eq)
    near = dynena.excitable_network(c, equilibria=eq, nearest_only=True)
    for nid in full.node_ids:
        mins = [cn.threshold for cn in full.connections if cn.source == nid]
        got = [cn.threshold for cn in near.connections if cn.source == nid]
        assert len(got) == 1 and got[0] == pytest.approx(min(mins), rel=1e-6)


def test_nearest_only_with_weights_names_the_node_and_certifies_it(models_dir):
    """The double well with weights (4, 1): the boundary x = 0 is 1 away along x, a kick of
    weighted norm 2 (analytic). The kick that lands on the saddle itself stalls there
    ("undecided"); with weights it came out 2e-7 below the node's bracket and was reported
    as the minimal critical shock, to "undecided" and without a certificate."""
    c = dynena.compile_model(dynena.load(models_dir / "double_well.yaml"))
    eq = dynena.equilibria(c)
    near = dynena.excitable_network(c, equilibria=eq, nearest_only=True, weights=[4, 1])
    full = dynena.excitable_network(c, equilibria=eq, weights=[4, 1])
    for nid in near.node_ids:
        (cn,) = [cn for cn in near.connections if cn.source == nid]
        assert cn.target in near.node_ids and cn.threshold == pytest.approx(2.0, rel=1e-6)
        assert cn.certificate is not None and cn.certificate.status == "certified"
        best = min(x.threshold for x in full.connections
                   if x.source == nid and x.target in full.node_ids)
        assert cn.threshold == pytest.approx(best, rel=1e-6)


def test_certificates_in_the_json(toggle):
    c, eq = toggle
    d = dynena.excitable_network(c, equilibria=eq).to_dict()
    for e in d["edges"]:
        cert = e["certificate"]
        assert cert["method"] == "direction-grid" and cert["status"] == "certified"
        assert cert["lower_bound"] <= e["threshold"] * (1 + 1e-9)
        assert cert["lower_bound"] > 0.5 * e["threshold"]
        assert "no kick below" in cert["statement"]
    assert d["attractors"]["basins"] and d["nodes"][0]["kind"] == "equilibrium"


def test_uncertified_mode_keeps_the_geometric_search(toggle):
    c, eq = toggle
    net = dynena.excitable_network(c, equilibria=eq, certify=False)
    assert all(cn.certificate is None for cn in net.connections)
    full = dynena.excitable_network(c, equilibria=eq)
    assert net.stats["trajectories"] < full.stats["trajectories"]
    assert [cn.threshold for cn in net.connections] == pytest.approx(
        [cn.threshold for cn in full.connections], rel=1e-5)


def test_single_variable_flip_is_not_taken_for_the_global_one(write_model):
    # f(-x, y) = (-f1, f2) but not odd in (x, y): mirroring would send kicks the wrong way
    path = write_model("""
dynena: 1
name: flipx
kind: ode
variables: {x: {range: [-2, 2]}, y: {range: [-2, 2]}}
equations:
  x: x - x**3
  y: -(y - 0.5) + 0.2*x**2
""")
    m = dynena.load(path)
    eq = dynena.equilibria(m)
    assert all(e.pair is None for e in eq)
    net = dynena.excitable_network(m, equilibria=eq, attractors=False)
    for cn in net.connections:  # each direction really switches the system
        src = net.node_states[list(net.node_ids).index(cn.source)]
        tr = dynena.simulate(m, src + cn.bracket[1] * cn.direction, 200.0)
        dst = net.node_states[list(net.node_ids).index(cn.target)]
        assert np.linalg.norm(tr.final - dst) < 1e-3


def test_max_time_bounds_the_whole_call_and_says_so(models_dir):
    """Lorenz at rho = 24.5 (a chaotic attractor beside C±, whose spirals decide slowly): the
    attractor discovery and the thresholds share one deadline (each had max_time of its own:
    --max-time 300 took 404 s), and a run it cut short says so, naming nodes left bare."""
    import time

    c = dynena.compile_model(dynena.load(models_dir / "lorenz.yaml").with_parameters(rho=24.5))
    eq = dynena.equilibria(c)
    t = time.monotonic()
    net = dynena.excitable_network(c, equilibria=eq, max_time=8)
    assert time.monotonic() - t < 8 + 2.5
    assert net.status == "budget" and not net.success
    assert "time budget of 8 s was reached" in net.message
    bare = [i for i in net.node_ids if not any(cn.source == i for cn in net.connections)]
    assert all(i in net.message for i in bare)
    assert all(cn.certificate.status == "budget" for cn in net.connections
               if cn.certificate is not None)
    # discovery's share of the deadline ended it too: the message says so (only the status
    # did), since attractors may be missing
    if net.attractors is not None and not net.attractors.success:
        assert "stopped at its time budget" in net.message


class _SlowAnnulus:
    """A synthetic outcome oracle in the plane: from the origin (node 0) a kick x enters node
    1 at radius R(θ) = 1.5 - cos(θ) / 2 (nearest at θ = 0, R = 1), but the kicks within 0.05
    beyond R stay undecided (``UNKNOWN``), as kicks landing just past a weakly repelling cycle
    do within the integration budget."""

    deadline = None

    def __call__(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(X)
        r = np.hypot(X[:, 0], X[:, 1])
        R = 1.5 - 0.5 * X[:, 0] / np.maximum(r, 1e-300)
        return np.where(r < R, 0, np.where(r < R + 0.05, -1, 1))


def test_undecided_kicks_widen_the_bracket_instead_of_counting_as_staying():
    """The threshold is 1 if the undecided kicks reach node 1 and 1.05 if they stay: the
    bracket must hold both. Counted as staying, they gave the bracket [1.049999, 1.05] (on
    FitzHugh-Nagumo at I = 0.33: 0.0251814 against the unstable cycle's distance 0.0251129)."""
    from dynena.network.certify import search_node

    gs, certs = search_node(_SlowAnnulus(), np.zeros(2), 0, {1: 2.0}, [], rtol=1e-6)
    h = gs.results[1]
    assert h.lo <= 1.0 and h.hi >= 1.05 - 1e-4
    assert h.hi <= 1.05 * (1 + 1e-3)  # the decided end is still pinned down
    assert certs[1].status == "undecided" and certs[1].undecided > 0
    assert certs[1].lower_bound <= 1.0


def test_undecided_kicks_along_a_named_direction_widen_its_bracket_too():
    """The same annulus along one direction (named directions and input pulses bisect their
    own switches): θ = 0 enters at 1, or at 1.05 if the undecided kicks stay."""
    from dynena.network.thresholds import Ray, bisect_switches, scan_rays

    ray = Ray(0, np.zeros(2), np.array([1.0, 0.0]))
    sw = [s for s in scan_rays(_SlowAnnulus(), [ray], [2.0], n_grid=64) if s.target == 1]
    (s,) = bisect_switches(_SlowAnnulus(), sw, rtol=1e-8)
    assert s.lo <= 1.0 and s.hi == pytest.approx(1.05, rel=1e-7)
    assert s.below == 0
