"""Equilibria against analytic values."""

from __future__ import annotations

import numpy as np
import pytest

import dynena
from dynena.equilibrium import find_equilibria, unstable_manifold
from dynena.equilibrium.classify import classify
from dynena.errors import DynenaWarning


def test_three_bistable_units_27_with_morse_indices(models_dir):
    r = find_equilibria(dynena.load(models_dir / "cube3.yaml"))
    assert len(r) == 27
    assert r.index_counts() == {0: 8, 1: 12, 2: 6, 3: 1}
    assert r.guarantee.startswith("complete")
    for e in r.stable:
        assert np.allclose(np.abs(e.state), 1, atol=1e-12)
        assert np.allclose(np.sort(e.eigenvalues.real), [-2, -2, -2])
        assert e.pair is not None  # x -> -x pairs them
    origin = [e for e in r if e.unstable_dim == 3][0]
    assert np.allclose(origin.state, 0) and origin.stability == "unstable"


def test_lorenz_textbook_eigenvalues(models_dir):
    r = find_equilibria(dynena.load(models_dir / "lorenz.yaml"))
    assert len(r) == 3
    s, b, rho = 10.0, 8 / 3, 28.0
    origin = min(r, key=lambda e: np.linalg.norm(e.state))
    lam = sorted(origin.eigenvalues.real)
    expect = sorted([-b, (-(s + 1) - np.sqrt((s + 1) ** 2 + 4 * s * (rho - 1))) / 2,
                     (-(s + 1) + np.sqrt((s + 1) ** 2 + 4 * s * (rho - 1))) / 2])
    assert np.allclose(lam, expect, rtol=1e-10)
    assert origin.stability == "saddle" and origin.unstable_dim == 1
    c = np.sqrt(b * (rho - 1))
    others = [e for e in r if e is not origin]
    for e in others:
        assert np.allclose(np.abs(e.state), [c, c, rho - 1], rtol=1e-12)
        # characteristic polynomial l^3 + (s+b+1) l^2 + b(s+rho) l + 2 s b (rho-1)
        roots = np.roots([1, s + b + 1, b * (s + rho), 2 * s * b * (rho - 1)])
        assert np.allclose(np.sort_complex(e.eigenvalues), np.sort_complex(roots), rtol=1e-9)
        assert e.type == "saddle-focus (index 2)"


def test_logistic_fixed_points_and_multipliers(models_dir):
    r = find_equilibria(dynena.load(models_dir / "logistic.yaml"))
    assert len(r) == 2
    rr = 2.8
    byx = {round(float(e.state[0]), 9): e for e in r}
    assert byx[0.0].eigenvalues[0].real == pytest.approx(rr)
    assert byx[0.0].stability == "unstable"
    xs = 1 - 1 / rr
    e = byx[round(xs, 9)]
    assert e.eigenvalues[0].real == pytest.approx(2 - rr)
    assert e.stability == "stable" and "flip" in e.type  # negative multiplier
    r2 = find_equilibria(dynena.load(models_dir / "logistic.yaml").with_parameters(r="13/4"))
    assert {e.stability for e in r2} == {"unstable"}


def test_ashwin_postlethwaite_design_all_vertex_states(models_dir):
    m = dynena.load(models_dir / "ap_cube3.yaml")
    r = find_equilibria(m, stable_only=True)
    assert len(r.stable) == 16
    labels = sorted({e.label for e in r.stable})
    assert labels == sorted(m.states)  # the 8 vertices, each as a ± pair
    for e in r.stable:
        p = e.state[:8]
        assert np.isclose(np.max(np.abs(p)), 1.0, atol=1e-9)
        assert np.allclose(e.state[8:], 0, atol=1e-9)
        # y-cells of the edges leaving the vertex: eigenvalue -(1 + A - B) = -0.01
        assert np.isclose(e.eigenvalues[0].real, -0.01, atol=1e-9)


def test_classification_names_2d_types():
    assert classify(np.array([-1.0, -2.0]), "ode")[:2] == ("stable", "stable node")
    assert classify(np.array([-1 + 2j, -1 - 2j]), "ode")[:2] == ("stable", "stable focus")
    assert classify(np.array([1.0, -2.0]), "ode")[:2] == ("saddle", "saddle")
    assert classify(np.array([1 + 1j, 1 - 1j]), "ode")[:2] == ("unstable", "unstable focus")
    assert classify(np.array([2j, -2j]), "ode")[:2] == ("nonhyperbolic", "centre")
    assert classify(np.array([-1.0, -1.0]), "ode", J=-np.eye(2))[1] == "stable star"
    assert classify(np.array([0.5, 1.5]), "map")[:2] == ("saddle", "saddle")


def test_saddle_unstable_manifold_reaches_both_wells(models_dir):
    m = dynena.load(models_dir / "double_well.yaml")
    r = find_equilibria(m)
    saddle = r.saddles[0]
    assert np.allclose(saddle.state, 0, atol=1e-12)
    assert np.allclose(np.abs(saddle.unstable_vectors[0]), [1, 0])
    assert np.allclose(np.abs(saddle.stable_vectors[0]), [0, 1])
    b1, b2 = unstable_manifold(m, r, saddle.id)
    targets = {b1.target, b2.target}
    assert targets == {e.id for e in r.stable}


def test_continuum_is_reported_not_hung(write_model):
    m = dynena.load(write_model(
        "dynena: 1\nname: line\nvariables:\n  x: {range: [-1, 1]}\n  y: {range: [-1, 1]}\n"
        "equations:\n  x: -x\n  y: 0*y\n"))
    with pytest.warns(dynena.errors.NonHyperbolicWarning):
        r = find_equilibria(m, max_time=20)
    assert r.status == "continuum"
    assert all(not e.isolated for e in r)
    assert all(np.isclose(e.state[0], 0) for e in r)


def test_no_equilibrium_and_divergent_starts(write_model):
    m = dynena.load(write_model("dynena: 1\nname: drift\nvariables:\n  x: {range: [-5, 5]}\n"
                                "equations:\n  x: 1 + x**2\n"))
    r = find_equilibria(m)
    assert len(r) == 0 and r.status == "ok"


def test_slow_point_is_not_an_equilibrium(write_model):
    # x' = x^2 + 1e-4 has no equilibrium but a slow point at x = 0 with q = 5e-9.
    m = dynena.load(write_model("dynena: 1\nname: ghost\nvariables:\n  x: {range: [-1, 1]}\n"
                                "equations:\n  x: x**2 + 1/10000\n"))
    r = find_equilibria(m)
    assert len(r) == 0
    assert len(r.slow_points) == 1
    assert abs(r.slow_points[0].state[0]) < 1e-6
    assert r.slow_points[0].q == pytest.approx(0.5e-8, rel=1e-6)


def test_json_contract(models_dir):
    d = find_equilibria(dynena.load(models_dir / "toggle.yaml")).to_dict()
    assert d["model"] == "toggle" and d["parameters"] == {"a": 3.0, "n": 2.0}
    e = d["equilibria"][0]
    assert set(e) >= {"id", "state", "stability", "type", "unstable_dim", "eigenvalues",
                      "residual"}
    assert set(e["state"]) == {"u", "v"}
    assert all(len(p) == 2 for p in e["eigenvalues"])
    assert [x["stability"] for x in d["equilibria"]] == ["stable", "stable", "saddle"]


def test_large_system_saddle_vectors_are_eigenvectors(models_dir):
    # 200 variables: eigenvalues without a full decomposition, inverse iteration for saddles
    m = dynena.load(models_dir / "flipflop3.yaml")
    c = dynena.compile_model(m)
    rng = np.random.default_rng(0)
    r = find_equilibria(c, seeds=rng.uniform(-1, 1, (12, c.n)) * 0.3, n_starts=0,
                        symbolic=False)
    assert np.any([e.stability == "saddle" for e in r]) or len(r.stable) >= 2
    for e in r:
        assert e.residual < 1e-9
        J = c.jac(e.state)
        assert np.allclose(np.sort(np.abs(e.eigenvalues)), np.sort(np.abs(np.linalg.eigvals(J))),
                           atol=1e-8)
        if e.unstable_dim == 1 and abs(e.eigenvalues[0].imag) == 0:
            v = e.unstable_vectors[0]
            lam = e.eigenvalues[0].real
            assert np.linalg.norm(J @ v - lam * v) < 1e-8


@pytest.mark.parametrize("name", ["toggle", "cube3", "lorenz", "brusselator", "henon"])
def test_reported_states_are_roots_to_rounding(models_dir, name):
    """The reported residual is that of the reported state (evaluated here with sympy, not
    the generated code), and Newton is carried to rounding level, not stopped at 1e-10."""
    import sympy as sp

    m = dynena.load(models_dir / f"{name}.yaml")
    eq = find_equilibria(m)
    subs = {sp.Symbol(k, real=True): v for k, v in m.parameters.items()}
    subs.update({u: 0 for u in m.u})  # autonomous
    F = sp.lambdify(m.x, [e.xreplace(subs) - (x if m.kind == "map" else 0)
                          for e, x in zip(m.equations, m.x)], "mpmath")
    for e in eq:
        r = max(abs(float(v)) for v in F(*[sp.Float(float(s), 30) for s in e.state]))
        scale = 1.0 + float(np.max(np.abs(e.state)))
        assert r <= 1e-13 * scale, (e.id, r)
        assert e.residual == pytest.approx(r, abs=1e-14 * scale)


@pytest.mark.parametrize("fx, roots", [("x**2*(1 - x)", [0.0, 1.0]),
                                       ("x**3*(2 - x)", [0.0, 2.0]),
                                       ("(x - 1/2)**2*(x + 1)*(x - 3/2)", [-1.0, 0.5, 1.5])])
def test_points_where_the_residual_is_merely_flat_are_not_equilibria(fx, roots):
    """Near a double or triple root the residual is flat: points 7e-6 from the double root of
    x^2 (1 - x) have residual 5e-11 and passed as three more equilibria (one "stable", two
    "saddles"), while the root itself was merged away into them. Newton's next step from
    such a point is half its distance: now they are polished onto the root. The roots here
    are the polynomial's, by hand."""
    m = dynena.load_document({"dynena": 1, "name": "flat", "variables":
                              {"x": {"range": [-2, 2]}, "y": {"range": [-2, 2]}},
                              "equations": {"x": fx, "y": "-y"}})
    eq = dynena.find_equilibria(m)
    xs = sorted(float(e.state[0]) for e in eq.equilibria)
    assert len(xs) == len(roots)
    assert np.allclose(xs, roots, atol=1e-8)
    assert all(abs(e.state[1]) < 1e-12 for e in eq.equilibria)
    assert eq.stats.get("symbolic_count") in (None, len(roots))


def test_a_root_where_the_equations_are_not_differentiable_is_named_and_left_out(write_model):
    """x' = atan2(y, x) - x (x - 1), y' = -y: the equations vanish at the origin, where
    atan2 has no derivative (0/0), and the singular-value test on that root stopped the whole
    search with an internal error. The regular root (1, 0) is found; the origin is named in a
    warning and the result's message, and left out."""
    m = dynena.load(write_model(
        "dynena: 1\nname: kink\nvariables: {x: {range: [-2, 2]}, y: {range: [-2, 2]}}\n"
        "equations: {x: 'atan2(y, x) - x*(x - 1)', y: -y}\n"))
    with pytest.warns(DynenaWarning, match=r"not differentiable .*\(0, 0\)"):
        eq = dynena.find_equilibria(m)
    states = np.array([e.state for e in eq])
    assert np.min(np.linalg.norm(states - [1.0, 0.0], axis=1)) < 1e-9
    assert np.min(np.linalg.norm(states, axis=1)) > 0.5
    assert "not differentiable" in eq.message
