"""Models written in units where the states are tiny (1e-9) or huge (1e6): every answer is the
unit-scale answer times the unit. The references are analytic (the toggle switch's threshold
is the distance to its diagonal, the nested cycles' the gap between two ellipses), not
dynena's own runs. Before: at 1e-7 the bistable x' = x - x^3/k^2 had one equilibrium and one
node; the toggle at 1e-9 had a certified threshold 32 % low; the nested cycles at 1e-9 had no
cycle (its basin 'went to' the origin), at 1e6 every start 'diverged'."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import dynena
from dynena.compile import ScaledSystem, model_unit, state_scale


def load(tmp_path: Path, name: str, body: str, kind: str = "ode"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"dynena: 1\nname: {name}\nkind: {kind}\n{body}")
    return dynena.compile_model(dynena.load(path))


def bistable(tmp_path: Path, k: float, ky: float | None = None):
    """x' = x - x^3/k^2 (equilibria 0, ±k), y' = y - y^3/ky^2 or y' = -2 y."""
    ky_eq = f"y - y**3/{ky!r}**2" if ky else "-2*y"
    wy = 2 * (ky or k)
    return load(tmp_path, "bistable_units", f"""variables:
  x: {{range: [{-2 * k!r}, {2 * k!r}]}}
  y: {{range: [{-wy!r}, {wy!r}]}}
equations:
  x: x - x**3/{k!r}**2
  y: {ky_eq}
""")


def toggle(tmp_path: Path, k: float):
    """The toggle switch (a = 3, n = 2) in units of 1/k: u = k U."""
    return load(tmp_path, "toggle_units", f"""variables:
  u: {{range: [0, {6 * k!r}]}}
  v: {{range: [0, {6 * k!r}]}}
parameters:
  k: {k!r}
equations:
  u: k*(3/(1 + (v/k)**2) - u/k)
  v: k*(3/(1 + (u/k)**2) - v/k)
""")


def nested_cycles(tmp_path: Path, k: float):
    """models/hard/nested_cycles.yaml in units of 1/k."""
    return load(tmp_path, "nested_units", f"""variables:
  x: {{range: [{-3 * k!r}, {3 * k!r}]}}
  y: {{range: [{-2 * k!r}, {2 * k!r}]}}
parameters:
  s: 0.6
  k: {k!r}
definitions:
  X: x/k
  Y: y/(s*k)
  rho: X**2 + Y**2
  g: (rho - 1)*(4 - rho)
equations:
  x: k*(g*X - Y)
  y: k*s*(g*Y + X)
""")


def thresholds(net) -> dict[tuple[str, str], float]:
    return {(cn.source, cn.target): cn.threshold for cn in net.connections}


@pytest.mark.parametrize("k", [1e-7, 1e-9, 1e-12, 1e8])
def test_equilibria_of_a_model_on_any_scale(tmp_path, k):
    eq = dynena.find_equilibria(bistable(tmp_path, k))
    states = sorted(float(e.state[0]) for e in eq.equilibria)
    assert states == pytest.approx([-k, 0.0, k], rel=1e-12, abs=1e-12 * k)
    assert [e.stability for e in eq.equilibria].count("stable") == 2
    assert "complete" in eq.guarantee  # the exact solve agrees
    # eigenvalues are the model's own (2 at the stable states: x' ~ -2 (x - k))
    assert all(np.allclose(np.sort(e.eigenvalues.real), [-2, -2]) for e in eq.equilibria
               if e.stable)


def test_equilibria_where_one_variable_is_a_million_times_smaller(tmp_path):
    eq = dynena.find_equilibria(bistable(tmp_path, 1.0, ky=1e-6))
    assert len(eq.equilibria) == 9
    got = {(round(float(e.state[0])), round(float(e.state[1]) * 1e6)) for e in eq.equilibria}
    assert got == {(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)}
    assert eq.stats["scaled_units"] == {"y": 2.0 ** -18}  # the power of 2 nearest 4e-6


@pytest.mark.parametrize("k", [1e-9, 1e6])
def test_the_toggle_switch_in_other_units(tmp_path, k):
    net = dynena.excitable_network(toggle(tmp_path, k))
    t = thresholds(net)
    # the distance from E0 = (u0, v0) to the diagonal (the saddle's stable manifold, by
    # symmetry): |u0 - v0| / sqrt 2 with u0 - v0 = sqrt 5, times the unit
    assert set(t) == {("E0", "E1"), ("E1", "E0")}
    for v in t.values():
        assert v == pytest.approx(np.sqrt(2.5) * k, rel=1e-5)
    for cn in net.connections:
        assert cn.certificate.lower_bound <= cn.threshold * (1 + 1e-9)


@pytest.mark.parametrize("k", [1e-9, 1e6])
def test_nested_cycles_in_other_units(tmp_path, k):
    net = dynena.excitable_network(nested_cycles(tmp_path, k))
    kinds = dict(zip(net.node_ids, net.node_kinds))
    assert sorted(kinds.values()) == ["equilibrium", "limit-cycle"]
    cyc = next(n for n, kd in kinds.items() if kd == "limit-cycle")
    eq = next(n for n, kd in kinds.items() if kd == "equilibrium")
    orbit = net.attractors.stable_orbits[0]
    assert orbit.period == pytest.approx(2 * np.pi, rel=1e-7)
    r = (orbit.points[:, 0] / (2 * k)) ** 2 + (orbit.points[:, 1] / (1.2 * k)) ** 2
    assert np.max(np.abs(r - 1)) < 1e-6
    t = thresholds(net)
    assert t[(eq, cyc)] == pytest.approx(0.6 * k, rel=1e-5)  # across the unstable ellipse
    # no start of the box diverges or is captured by the wrong node
    fr = {b.outcome: b.fraction for b in net.attractors.basins}
    assert fr.get("diverged", 0.0) == 0.0 and fr[cyc] > 0.8


def test_no_symmetry_image_joins_two_nodes_closer_than_1e_6(tmp_path):
    """y -> -y fixes both stable states of the 1e-8 bistable; matched within 1e-6 (absolute)
    it sent E1 to E0 and added an edge E0 -> E0."""
    net = dynena.excitable_network(bistable(tmp_path, 1e-8))
    t = thresholds(net)
    assert set(t) == {("E0", "E1"), ("E1", "E0")}
    assert all(v == pytest.approx(1e-8, rel=1e-5) for v in t.values())


def test_a_chaotic_attractor_a_billion_times_smaller(tmp_path):
    """Lorenz (sigma 10, rho 28, beta 8/3) in units of 1e9: the same exponent (0.906)."""
    c = load(tmp_path, "lorenz_units", """variables:
  x: {range: [-3e-8, 3e-8]}
  y: {range: [-3e-8, 3e-8]}
  z: {range: [-1e-8, 6e-8]}
parameters:
  k: 1e-9
equations:
  x: 10*(y - x)
  y: x*(28 - z/k) - y
  z: x*y/k - 8*z/3
""")
    att = dynena.find_attractors(c)
    assert len(att.aperiodic) == 1 and not att.orbits
    assert att.aperiodic[0].lyapunov == pytest.approx(0.906, abs=0.03)


def test_simulate_is_as_accurate_on_a_scale_of_1e_9(tmp_path):
    """x' = -x y/k, y' = 0 from (1e-9, k): x(5) = 1e-9 e^-5 to rtol, not to atol = 1e-10."""
    c = load(tmp_path, "decay_units", """variables:
  x: {range: [-2e-9, 2e-9]}
  y: {range: [0, 2e-9]}
equations:
  x: -x*y/1e-9
  y: 0
""")
    tr = dynena.simulate(c, [1e-9, 1e-9], t_end=5.0)
    assert float(tr.final[0]) == pytest.approx(1e-9 * np.exp(-5.0), rel=1e-6)


def test_the_scaled_system_is_a_conjugate(tmp_path):
    """g(z) = f(D z)/D, Dg = D^-1 Df D: its Jacobian matches differences of g, its
    eigenvalues are f's."""
    c = bistable(tmp_path, 1e-3, ky=1e-6)
    unit = model_unit(c)
    assert state_scale(c) == float(unit.min()) and np.all(unit < 1)
    g = ScaledSystem(c, unit)
    z = np.array([0.3, -0.2])
    J = g.jac(z)
    h = 1e-7
    fd = np.column_stack([(g.f(z + h * e) - g.f(z - h * e)) / (2 * h) for e in np.eye(2)])
    assert np.allclose(J, fd, rtol=1e-6, atol=1e-8)
    assert np.allclose(np.sort(np.linalg.eigvals(J)), np.sort(np.linalg.eigvals(c.jac(z * unit))))
    assert np.allclose(g.f_batch(z[None])[0], g.f(z)) and np.allclose(g.jac_batch(z[None])[0], J)


def toggle_with_a(tmp_path: Path, k: float):
    return load(tmp_path, "toggle_a_units", f"""variables:
  u: {{range: [0, {6 * k!r}]}}
  v: {{range: [0, {6 * k!r}]}}
parameters:
  a: {{value: 3.0, range: [0.5, 6]}}
  k: {k!r}
equations:
  u: k*(a/(1 + (v/k)**2) - u/k)
  v: k*(a/(1 + (u/k)**2) - v/k)
""")


@pytest.mark.parametrize("k", [1e-9, 1e-2, 1e6])
def test_continuation_finds_the_pitchfork_in_any_units(tmp_path, k):
    """The symmetric toggle's pitchfork is at a = 2, u = v = k (u = a/(1 + u^2) there). In
    units of 1e-9 the branch ran through it unseen; in units of 1e6 every branch 'left the
    bound'."""
    r = dynena.continue_equilibrium(toggle_with_a(tmp_path, k), "a")
    bps = r.special_points("BP")
    assert len(bps) == 1
    assert bps[0].p == pytest.approx(2.0, abs=1e-7)
    assert np.allclose(bps[0].state, [k, k], rtol=1e-6)
    # every branch point is an equilibrium of the model in its own units
    c = toggle_with_a(tmp_path, k)
    for br in r.branches:
        for p, x in zip(br.p[::10], br.x[::10]):
            f = c.with_parameters({"a": float(p)}).f(x)
            assert np.max(np.abs(f)) <= 1e-8 * k


def brusselator(tmp_path: Path, k: float):
    """The Brusselator (a = 1) written for (x, y) = k (X, Y)."""
    return load(tmp_path, f"bruss_{k:.0e}".replace("-", "m").replace("+", ""), f"""variables:
  x: {{range: [0, {5 * k!r}]}}
  y: {{range: [0, {5 * k!r}]}}
parameters:
  b: {{value: 1.5, range: [1, 3]}}
  k: {k!r}
definitions:
  X: x/k
  Y: y/k
equations:
  x: k*(1 - (b + 1)*X + X**2*Y)
  y: k*(b*X - X**2*Y)
""")


@pytest.mark.parametrize("k", [1e-9, 1e6])
def test_hopf_and_its_coefficient_in_other_units(tmp_path, k):
    """Brusselator (a = 1): Hopf at b = 2, (x, y) = (1, 2) k; the first Lyapunov coefficient
    has units of 1/length^2: -1/2 at k = 1, so -1/(2 k^2), supercritical."""
    hs = dynena.continue_equilibrium(brusselator(tmp_path, k), "b").special_points("H")
    assert len(hs) == 1
    assert hs[0].p == pytest.approx(2.0, abs=1e-8)
    assert np.allclose(hs[0].state, [k, 2 * k], rtol=1e-8)
    assert hs[0].coefficient == pytest.approx(-0.5 / k**2, rel=1e-6)
    assert hs[0].criticality == "supercritical"


@pytest.mark.parametrize("k", [1e-9, 1e6])
def test_cycles_born_at_the_hopf_point_in_other_units(tmp_path, k):
    """The Brusselator's cycles (period 2 pi at b = 2) in units of 1/k: the same cycles, k
    times the size, as in its usual units. Before: 'no periodic orbit next to the start'."""
    ref = dynena.continue_cycles(brusselator(tmp_path, 1.0), "b", p_range=(1.5, 3)).cycles[0]
    got = dynena.continue_cycles(brusselator(tmp_path, k), "b", p_range=(1.5, 3)).cycles[0]
    assert got.status == "ok" and got.period[0] == pytest.approx(2 * np.pi, rel=1e-3)
    for j in range(2):
        for ext in ("maximum", "minimum"):
            want = np.interp(2.5, ref.p, getattr(ref, ext)[:, j])
            assert np.interp(2.5, got.p, getattr(got, ext)[:, j]) / k == \
                pytest.approx(want, rel=2e-3)


@pytest.mark.parametrize("k", [1e-9, 1e6])
def test_two_parameter_curves_in_other_units(tmp_path, k):
    """The cusp X' = a + b X - X^3 written for x = k X: folds on 27 a^2 = 4 b^3 (b = 3 X^2,
    a = -2 X^3), the cusp point at a = b = 0, X = 0. Before: in units of 1e6 the
    Brusselator's Hopf curve stopped after 3 points, 'ok'."""
    c = load(tmp_path, "cusp_units", f"""variables:
  x: {{range: [{-2 * k!r}, {2 * k!r}]}}
parameters:
  a: {{value: 0.0, range: [-1, 1]}}
  b: {{value: 1.0, range: [-1, 2]}}
  k: {k!r}
definitions:
  X: x/k
equations:
  x: k*(a + b*X - X**3)
""")
    r = dynena.continue_curve(c, "a", "b", start="LP1", max_points=400)
    cps = [pt for pt in r.points() if pt.type == "CP"]
    assert len(cps) == 1 and np.allclose(cps[0].p, [0.0, 0.0], atol=1e-7)
    assert abs(float(cps[0].state[0])) <= 1e-6 * k
    for cv in r.curves:
        a, b = cv.p[:, 0], cv.p[:, 1]
        assert np.max(np.abs(27 * a**2 - 4 * b**3)) < 1e-7
        X = cv.x[:, 0] / k  # on the fold
        assert np.allclose(b, 3 * X**2, atol=1e-8) and np.allclose(a, -2 * X**3, atol=1e-8)


def test_a_generous_box_keeps_close_roots_apart(tmp_path):
    """Roots 0.05 apart in a box of ±1e8 (searched in units of 2^18): distinct, exact, and no
    slow point taken for a root (the residual test holds in the model's units too)."""
    c = load(tmp_path, "wide_box", """variables:
  x: {range: [-1e8, 1e8]}
  y: {range: [-1e8, 1e8]}
equations:
  x: -(x - 1)*(x - 1.05)*(x - 1.1) - 1e-7
  y: -y
""")
    eq = dynena.find_equilibria(c)
    want = np.sort(np.roots([-1.0, 3.15, -3.305, 1.155 - 1e-7]).real)
    got = np.sort([float(e.state[0]) for e in eq.equilibria])
    assert got == pytest.approx(want, abs=1e-12)
    assert all(e.residual <= 1e-12 for e in eq.equilibria)
    assert eq.stats["scaled_units"] == {"x": 2.0 ** 18, "y": 2.0 ** 18}


@pytest.mark.parametrize("rng,stable", [("[0, 1e300]", 1), ("[1e-320, 2e-320]", 0)])
def test_absurd_ranges_give_answers_not_crashes(tmp_path, rng, stable):
    """x' = x - x^3 with x's range 1e300 wide (the roots 0 and 1 are 1e-297 of it apart) or
    1e-320 wide (a subnormal width: tolerances scaled by it underflowed to 0 and the
    integration failed with an internal error)."""
    c = load(tmp_path, "absurd", f"""variables:
  x: {{range: {rng}}}
  y: {{range: [-2, 2]}}
equations:
  x: x - x**3
  y: -y
""")
    net = dynena.excitable_network(c)
    assert sum(1 for e in net.equilibria.equilibria if e.stable) == stable


def test_continuation_in_a_generous_box(tmp_path):
    """The toggle switch (states of order one) with ranges [0, 1e8]: continuation takes the
    scale from the states it starts at, not from the box (scaled by the box, the branch from
    E0 ran through the pitchfork at a = 2 unseen)."""
    c = load(tmp_path, "toggle_box", """variables:
  u: {range: [0, 1e8]}
  v: {range: [0, 1e8]}
parameters:
  a: {value: 3.0, range: [0.5, 6]}
equations:
  u: a/(1 + v**2) - u
  v: a/(1 + u**2) - v
""")
    r = dynena.continue_equilibrium(c, "a")
    bps = r.special_points("BP")
    assert len(bps) == 1 and bps[0].p == pytest.approx(2.0, abs=1e-7)
    assert np.allclose(bps[0].state, [1.0, 1.0], rtol=1e-6)
