"""Trajectories that leave the equations' domain (sqrt, log or a fractional power of a negative
number) end in an outcome of their own, ``left-domain``: never ``unknown`` nor ``diverged``.
Every threshold here is checked against an analytic value or one computed here by root
finding, not by dynena's search."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq

import dynena
from dynena.attractor.api import node_oracle
from dynena.flow.oracle import DIVERGED, LEFT_DOMAIN, UNDECIDED

FLOW_OUT = ("variables: {x: {range: [-1.5, 2]}, y: {range: [-1, 1]}}\n"
            "equations: {x: (1 - x**2)*(1 + 0.1*sqrt(x + 2)), y: -y}\n")
TOGGLE = ("variables: {u: {range: [0, 5]}, v: {range: [0, 5]}}\n"
          "parameters: {a: 4.0, n: 2.5}\n"
          "equations: {u: a/(1 + v**n) - u, v: a/(1 + u**n) - v}\n")
LOG_MAP = "variables: {x: {range: [0.1, 3]}}\nequations: {x: 1 + 0.5*log(x)}\n"


def compiled(tmp_path: Path, name: str, body: str, kind: str = "ode"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"dynena: 1\nname: {name}\nkind: {kind}\n{body}")
    return dynena.compile_model(dynena.load(path))


def toggle_low() -> float:
    """The low coordinate v of the toggle switch's stable state (u high): the root of
    v = a / (1 + (a / (1 + v^n))^n) near 0, a = 4, n = 2.5."""
    a, n = 4.0, 2.5
    return brentq(lambda v: v - a / (1 + (a / (1 + v ** n)) ** n), 1e-6, 0.5, xtol=1e-15)


def test_an_orbit_that_flows_out_of_the_domain(tmp_path):
    """x' = (1 - x^2)(1 + sqrt(x + 2) / 10): past the unstable point x = -1 the orbit reaches
    x = -2 in finite time, where sqrt(x + 2) stops being defined. From x = 1 the threshold is
    2 (analytic); the starts with x < -1 leave, a fraction 0.5 / 3.5 of the box. Such kicks
    had ended 'unknown' after the solvers failed."""
    c = compiled(tmp_path, "flow_out", FLOW_OUT)
    net = dynena.excitable_network(c)
    (cn,) = net.connections
    assert cn.target == "left-domain" and cn.certificate.status == "certified"
    assert cn.threshold == pytest.approx(2.0, rel=1e-5)
    assert cn.certificate.lower_bound <= cn.threshold * (1 + 1e-9)
    fr = {b.outcome: b for b in net.attractors.basins}
    assert set(fr) == {"E0", "left-domain"}
    assert abs(fr["left-domain"].fraction - 0.5 / 3.5) <= 3 * fr["left-domain"].stderr + 1e-9


def test_a_hill_term_with_a_fractional_exponent(tmp_path):
    """The toggle switch with Hill exponent 2.5: v**2.5 is undefined for v < 0, so the nearest
    way out of each stable state is the kick that makes its low coordinate negative (the flow
    never leaves the positive quadrant: u' = a / (1 + v^n) > 0 at u = 0). The nearest-only
    search had stated 0.188 'certified' for E0 (one probe of a radial level spoke for every
    direction near the source) while its mirror E1 got 0.1228; and LSODA's wild step from
    the saddle on the diagonal had counted those starts as 'diverged'."""
    c = compiled(tmp_path, "toggle25", TOGGLE)
    low = toggle_low()
    near = dynena.excitable_network(c, nearest_only=True)
    assert {cn.target for cn in near.connections} == {"left-domain"}
    for cn in near.connections:
        assert cn.threshold == pytest.approx(low, rel=1e-5), cn.source
        assert cn.certificate.lower_bound <= cn.threshold * (1 + 1e-9)
    full = dynena.excitable_network(c)
    out = [cn for cn in full.connections if cn.target == "left-domain"]
    assert len(out) == 2 and all(cn.threshold == pytest.approx(low, rel=1e-5) for cn in out)
    # the bound is tight: it had been 0.011, from the slope between the midpoints of two
    # unbisected brackets side by side
    assert all(0.999 * low <= cn.certificate.lower_bound <= cn.threshold for cn in out)
    grid = full.attractors.grid
    assert "diverged" not in grid.outcomes and "left-domain" not in grid.outcomes
    # the grid's cells on the diagonal lie on the saddle's stable manifold, by symmetry
    assert "undecided" in grid.outcomes


def test_the_nearest_exit_to_a_half_space_in_3d(tmp_path):
    """Bistable in x, and z' = -z (1 + sqrt(z + 0.2) / 10), undefined below z = -0.2 with no
    equilibrium on that plane to point the search there: the nearest exit is 0.2 (analytic)
    from both stable states. It came out 0.2000893, certified, when one probe of a radial
    level spoke for every direction near the source."""
    c = compiled(tmp_path, "half3", "variables: {x: {range: [-2, 2]}, y: {range: [-1, 1]}, "
                 "z: {range: [-1, 1]}}\n"
                 "equations: {x: x - x**3, y: -y, z: -z*(1 + 0.1*sqrt(z + 0.2))}\n")
    net = dynena.excitable_network(c, nearest_only=True)
    assert len(net.connections) == 2
    for cn in net.connections:
        assert cn.target == "left-domain"
        assert cn.threshold == pytest.approx(0.2, rel=1e-5)
        assert cn.certificate.lower_bound <= cn.threshold * (1 + 1e-9)


def test_an_exit_from_the_domain_beyond_an_escape_is_listed(tmp_path):
    """Prey with Gompertz growth x log(K / x), undefined for x < 0, and a predator that blows
    up below y = 0. The escape (about 1.02 away) bounded the scans, so the exit from the
    domain, x* away (the state's prey density, root found here), was never listed; a state
    where the field is undefined, found by evaluating it along rays, now bounds it."""
    c = compiled(tmp_path, "gompertz", "variables: {x: {range: [0, 3]}, y: {range: [0, 3]}}\n"
                 "parameters: {K: 2.0, r: 1.0}\n"
                 "equations: {x: r*x*log(K/x) - 0.5*x*y, y: y*(x - 1) - 0.2*y**2}\n")
    xs = brentq(lambda x: np.log(2.0 / x) - 2.5 * (x - 1), 1.0, 2.0, xtol=1e-15)
    th = {cn.target: cn for cn in dynena.excitable_network(c).connections}
    assert set(th) == {"diverged", "left-domain"}
    assert th["diverged"].threshold < th["left-domain"].threshold
    assert th["left-domain"].threshold == pytest.approx(xs, rel=1e-5)
    assert th["left-domain"].certificate.status == "certified"
    assert th["left-domain"].certificate.lower_bound <= th["left-domain"].threshold


def test_a_map_undefined_beyond_its_unstable_point(tmp_path):
    """x -> 1 + ln(x) / 2: the stable point 1 and the unstable x* < 1 (root found here); below
    x* the orbit decreases until ln of a negative number. Threshold 1 - x*; it was named
    'diverged'."""
    c = compiled(tmp_path, "log_map", LOG_MAP, kind="map")
    xs = brentq(lambda x: 1 + 0.5 * np.log(x) - x, 0.1, 0.5, xtol=1e-15)
    (cn,) = dynena.excitable_network(c).connections
    assert cn.target == "left-domain"
    assert cn.threshold == pytest.approx(1 - xs, rel=1e-5)
    tr = dynena.simulate(c, [0.15], 20)
    x1 = 1 + 0.5 * np.log(0.15)
    x2 = 1 + 0.5 * np.log(x1)  # negative: x3 is ln of a negative number
    assert x2 < 0 and tr.status == "left-domain" and len(tr.t) == 4
    assert tr.x[2, 0] == pytest.approx(x2, rel=1e-12)


@pytest.mark.parametrize("compiled_loop", [True, False])
def test_the_oracle_says_left_domain_on_both_paths(tmp_path, compiled_loop):
    """The compiled loop and scipy's solvers agree: a start where the field is undefined and one
    that flows out are LEFT_DOMAIN; a blow-up stays DIVERGED; a start on the toggle's diagonal
    (the saddle's stable manifold) is UNDECIDED, not a domain exit."""
    c = compiled(tmp_path, "flow_out", FLOW_OUT)
    eq = dynena.find_equilibria(c)
    o = node_oracle(c, eq, [e for e in eq.equilibria if e.stability == "stable"], [], [])
    o.compiled = compiled_loop
    assert list(o(np.array([[-2.5, 0.0], [-1.2, 0.3], [0.5, 0.2]]))) == [LEFT_DOMAIN,
                                                                          LEFT_DOMAIN, 0]
    t = compiled(tmp_path, "toggle25", TOGGLE)
    eq = dynena.find_equilibria(t)
    o = node_oracle(t, eq, [e for e in eq.equilibria if e.stability == "stable"], [], [])
    o.compiled = compiled_loop
    assert list(o(np.array([[0.052, 0.052], [3.97, -0.05]]))) == [UNDECIDED, LEFT_DOMAIN]
    b = compiled(tmp_path, "blow", "variables: {x: {range: [-2, 2]}}\nequations: {x: x**2 - 1}\n")
    eq = dynena.find_equilibria(b)
    o = node_oracle(b, eq, [e for e in eq.equilibria if e.stability == "stable"], [], [])
    o.compiled = compiled_loop
    assert list(o(np.array([[1.5]]))) == [DIVERGED]


@pytest.mark.parametrize("method", ["LSODA", "RK45", "Radau", "BDF"])
def test_simulate_stops_where_the_equations_stop_being_defined(tmp_path, method):
    """From x = -1.1 the orbit reaches x = -2 at t = int dx / x' (computed here); from -2.5 it
    starts outside. Both had been reported as 'a finite-time blow-up: |x| reached nan'."""
    from scipy.integrate import quad

    c = compiled(tmp_path, "flow_out", FLOW_OUT)
    t_out = quad(lambda x: 1 / abs((1 - x * x) * (1 + 0.1 * np.sqrt(x + 2))), -2, -1.1)[0]
    tr = dynena.simulate(c, [-1.1, 0.0], 20.0, method=method)
    assert tr.status == "left-domain" and not tr.success
    assert tr.x[-1, 0] == pytest.approx(-2.0, abs=2e-3)
    assert tr.t[-1] == pytest.approx(t_out, abs=2e-3)
    start = dynena.simulate(c, [-2.5, 0.0], 20.0, method=method)
    assert start.status == "left-domain" and "initial state" in start.message


def test_symmetry_found_where_the_box_is_partly_outside_the_domain(tmp_path):
    """x' = -x sqrt(1 - x^2) is odd, but undefined on half of the box [-2, 2]: a NaN scale had
    hidden the symmetry x -> -x."""
    c = compiled(tmp_path, "half", "variables: {x: {range: [-2, 2]}, y: {range: [-2, 2]}}\n"
                 "equations: {x: -x*sqrt(1 - x**2), y: -y}\n")
    eq = dynena.find_equilibria(c)
    assert "x -> -x" in eq.symmetry


def test_equations_defined_nowhere_in_the_box_say_so(tmp_path):
    """sqrt(-1 - x^2) is undefined everywhere: the equilibrium search says that every start
    was undefined (it said only '0 equilibria'), and every start of the basin sampling leaves
    the domain at once."""
    c = compiled(tmp_path, "nowhere", "variables: {x: {range: [-2, 2]}, y: {range: [-2, 2]}}\n"
                 "equations: {x: sqrt(-1 - x**2), y: -y}\n")
    eq = dynena.find_equilibria(c)
    assert not eq.equilibria and eq.stats["undefined_starts"] == eq.stats["starts"]
    assert "undefined (not a number)" in eq.message
    net = dynena.excitable_network(c, equilibria=eq)
    assert not net.connections
    assert [(b.outcome, b.fraction) for b in net.attractors.basins] == [("left-domain", 1.0)]
