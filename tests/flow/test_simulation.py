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
