"""Simulation against closed-form solutions."""

from __future__ import annotations

import numpy as np
import pytest

import dynena


def test_ode_matches_closed_form(models_dir):
    # x' = x - x^3 has x(t) = x0 e^t / sqrt(1 - x0^2 + x0^2 e^{2t}); y' = -y.
    c = dynena.compile_model(dynena.load(models_dir / "double_well.yaml"))
    t_eval = np.linspace(0, 5, 11)
    tr = dynena.simulate(c, [0.1, 2.0], 5.0, t_eval=t_eval)
    x0 = 0.1
    exact = x0 * np.exp(t_eval) / np.sqrt(1 - x0**2 + x0**2 * np.exp(2 * t_eval))
    assert tr.status == "completed"
    assert np.allclose(tr.x[:, 0], exact, rtol=1e-6)
    assert np.allclose(tr.x[:, 1], 2.0 * np.exp(-t_eval), rtol=1e-6)
    stiff = dynena.simulate(c, [0.1, 2.0], 5.0, t_eval=t_eval, method="BDF")
    assert stiff.njev > 0  # the stiff method uses the exact Jacobian
    assert np.allclose(stiff.x[:, 0], exact, rtol=1e-5)


def test_stop_at_equilibrium(models_dir):
    c = dynena.compile_model(dynena.load(models_dir / "cube3.yaml"))
    tr = dynena.simulate(c, [0.5, -0.2, 0.9], 1000.0, stop_at_equilibrium=True, eq_tol=1e-8)
    assert tr.status == "equilibrium"
    assert tr.t[-1] < 100
    assert np.allclose(tr.final, [1, -1, 1], atol=1e-7)


def test_map_iteration_and_fixed_point(models_dir):
    c = dynena.compile_model(dynena.load(models_dir / "logistic.yaml"))
    tr = dynena.simulate(c, [0.2], 2000, stop_at_equilibrium=True, eq_tol=1e-13)
    assert tr.status == "equilibrium"
    assert tr.final[0] == pytest.approx(1 - 1 / 2.8, abs=1e-12)
    tr2 = dynena.simulate(c, [0.2], 3)
    r = 2.8
    x1 = r * 0.2 * 0.8
    assert tr2.x[1, 0] == pytest.approx(x1) and len(tr2.t) == 4


def test_divergence_is_reported_not_raised(write_model):
    m = dynena.load(write_model("dynena: 1\nname: blow\nvariables: [x]\nequations:\n  x: x**2\n"))
    tr = dynena.simulate(m, [1.0], 5.0, max_norm=1e6)
    assert tr.status == "diverged" and not tr.success


def test_bad_initial_state(models_dir):
    with pytest.raises(dynena.ParameterError, match="3 variables"):
        dynena.simulate(dynena.load(models_dir / "lorenz.yaml"), [1.0, 2.0], 1.0)


def test_every_example_model_simulates(models_dir):
    for f in sorted(models_dir.glob("*.yaml")):
        m = dynena.load(f)
        c = dynena.compile_model(m)
        x0 = np.array([np.mean(getattr(m, "ranges", {}).get(v, (0.1, 0.1))) + 0.05
                       for v in c.names]) if not hasattr(m, "blocks") else \
            np.random.default_rng(0).normal(size=c.n) * 0.1
        steps = 20 if m.kind == "map" else 5.0
        tr = dynena.simulate(c, x0, steps)
        assert tr.x.shape[1] == c.n and np.all(np.isfinite(tr.x)), f.name


def test_backward_integration_is_the_reversed_flow(write_model):
    """x' = x backwards from 1 for t = 2: exp(-2); a map has no backward flow."""
    m = dynena.load(write_model("dynena: 1\nname: grow\nvariables: [x]\nequations: {x: x}\n"))
    tr = dynena.simulate(m, [1.0], t_end=2.0, backward=True)
    assert tr.final[0] == pytest.approx(np.exp(-2.0), rel=1e-7)
    mp = dynena.load(write_model("dynena: 1\nname: half\nkind: map\nvariables: [x]\n"
                             "equations: {x: x/2}\n", name="map.yaml"))
    with pytest.raises(dynena.ParameterError, match="backward"):
        dynena.simulate(mp, [1.0], t_end=3, backward=True)


def test_a_finite_time_blow_up_is_reported_not_raised(write_model):
    """r' = r (1 - r^2)(9 - r^2) / 8 from r = 3.1 blows up (r^5 growth) before t = 0.1:
    LSODA's last steps stop advancing in time, the escape event's root finder raised
    ("f(a) and f(b) must have different signs") and `dynena simulate` ended in an internal
    error. The blow-up time here is the integral of dr / r' (scipy.integrate.quad)."""
    from scipy.integrate import quad

    m = dynena.load(write_model(
        "dynena: 1\nname: blow\nvariables: [x, y]\ndefinitions:\n  rho: x**2 + y**2\n"
        "  g: (1 - rho)*(9 - rho)/8\nequations:\n  x: g*x - y\n  y: g*y + x\n"))
    tr = dynena.simulate(m, [3.1, 0.0], 10.0)
    assert tr.status == "diverged" and not tr.success
    t_blow = quad(lambda r: 8 / (r * (1 - r * r) * (9 - r * r)), 3.1, np.inf)[0]
    assert tr.t[-1] <= t_blow * (1 + 1e-3)
    assert np.linalg.norm(tr.x[-1]) > 1e6


def test_orbit_stops_where_the_state_leaves_every_bound(write_model):
    """The trajectory behind the limit-cycle and via-saddle searches: on the blow-up above
    it ran for 15 minutes (step sizes shrinking without limit); now it stops there (status 1
    past the bound, -1 where time stops advancing first) and says why."""
    from dynena.flow.variational import orbit

    m = dynena.load(write_model(
        "dynena: 1\nname: blow2\nvariables: [x, y]\ndefinitions:\n  rho: x**2 + y**2\n"
        "  g: (1 - rho)*(9 - rho)/8\nequations:\n  x: g*x - y\n  y: g*y + x\n"))
    c = dynena.compile_model(m)
    sol = orbit(c, np.array([3.1, 0.0]), 200.0, dense=True)
    assert sol.status != 0 and not sol.t[-1] > 0.1 and sol.message
    inside = orbit(c, np.array([2.0, 0.0]), 20.0, dense=True)  # settles on r = 1
    assert inside.status == 0 and inside.t[-1] == 20.0
    assert np.hypot(*inside.sol(20.0)) == pytest.approx(1.0, abs=1e-6)
