"""The ode/map strategy and the compiled-system protocol, against direct computations."""

from __future__ import annotations

import numpy as np
import pytest

import dynena
from dynena.compile import MAP, ODE, CompiledSystem, as_compiled
from dynena.compile.kind import kind_of
from dynena.model.protocol import SystemModel

RNG = np.random.default_rng(3)


def test_equilibrium_condition_and_its_jacobian():
    F, X = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
    J = RNG.normal(size=(4, 3, 3))
    assert np.array_equal(ODE.residual(F, X), F)
    assert np.array_equal(MAP.residual(F, X), F - X)
    assert np.array_equal(ODE.condition_jacobian(J), J)
    assert np.allclose(MAP.condition_jacobian(J), J - np.eye(3)[None])


def test_stability_and_unstable_dimension_from_eigenvalues():
    # eigenvalues of random matrices, classified by hand: Re > 0 (ode), |w| > 1 (map)
    for _ in range(50):
        w = np.linalg.eigvals(RNG.normal(size=(4, 4)))
        assert ODE.unstable_dimension(w) == sum(z.real > 1e-9 for z in w)
        assert MAP.unstable_dimension(w) == sum(abs(z) > 1 + 1e-9 for z in w)
        assert ODE.is_stable(w) == all(z.real < 0 for z in w)
        assert MAP.is_stable(w) == all(abs(z) < 1 for z in w)
    # rates: |Re w| per time unit, |log|w|| per step (a map's 0.5 halves each step)
    assert ODE.rate(np.array([-2 + 1j]))[0] == pytest.approx(2.0)
    assert MAP.rate(np.array([0.5]))[0] == pytest.approx(np.log(2))


def test_kind_of_refuses_other_names():
    assert kind_of("ode") is ODE and kind_of("map") is MAP
    with pytest.raises(ValueError, match="ode.*map"):
        kind_of("dde")


def test_both_compiled_forms_satisfy_the_protocol(models_dir):
    scalar = dynena.load(models_dir / "toggle.yaml")
    vector = dynena.load(models_dir / "flipflop3.yaml")
    for m in (scalar, vector):
        assert isinstance(m, SystemModel)
        c = as_compiled(m)
        assert isinstance(c, CompiledSystem)
        assert as_compiled(c) is c
        assert c.dynamics is kind_of(m.kind)
        x = np.full(c.n, 0.3)
        # the residual is the kind's condition on f, its Jacobian the kind's on D_x f
        assert np.allclose(c.residual(x), c.dynamics.residual(c.f(x), x))
        assert np.allclose(c.residual_jac(x), c.dynamics.condition_jacobian(c.jac(x)))


def test_as_compiled_names_what_it_got():
    with pytest.raises(TypeError, match="dict"):
        as_compiled({"f": 1})  # type: ignore[arg-type]
