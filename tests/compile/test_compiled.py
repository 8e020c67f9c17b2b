"""Generated code against the exact maths: hand-written formulas, finite differences, sympy."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import dynena
from dynena.design import design_model, hypercube_graph
from dynena.model.derivative import derivatives


def fd_jac(fun, x, eps=1e-6):
    return np.array([(fun(x + eps * e) - fun(x - eps * e)) / (2 * eps)
                     for e in np.eye(len(x))]).T


@pytest.mark.parametrize("backend", ["numba", "python"])
def test_lorenz_f_and_jacobian_exact(models_dir, backend):
    c = dynena.compile_model(dynena.load(models_dir / "lorenz.yaml"), backend=backend)
    x, y, z = 1.5, -2.0, 20.0
    s, b, r = 10.0, 8 / 3, 28.0
    assert np.allclose(c.f([x, y, z]), [s * (y - x), x * (r - z) - y, x * y - b * z], rtol=1e-15)
    J = np.array([[-s, s, 0], [r - z, -1, -x], [y, x, -b]])
    assert np.array_equal(c.jac([x, y, z]), J)
    # d f / d(sigma, beta, rho)
    Dp = np.array([[y - x, 0, 0], [0, 0, x], [0, -z, 0]])
    assert np.array_equal(c.dfdp([x, y, z]), Dp)
    assert c.backend == backend


def test_full_precision_constants(write_model):
    # symengine prints 15 digits; the generated code must keep all 17.
    m = dynena.load(write_model("dynena: 1\nname: c\nvariables: [x]\n"
                                "equations:\n  x: 0.1234567890123456789*x - 1/3\n"))
    c = dynena.compile_model(m, use_cache=False)
    assert c.f([1.0])[0] == 0.1234567890123456789 - 1 / 3


def test_parameters_and_inputs(models_dir):
    c = dynena.compile_model(dynena.load(models_dir / "toggle.yaml"))
    a, n = 3.0, 2.0
    u, v = 0.7, 1.9
    assert np.allclose(c.f([u, v], [0.25]), [a / (1 + v**n) - u + 0.25, a / (1 + u**n) - v])
    assert np.allclose(c.dfdu([u, v]), [[1.0], [0.0]])
    c2 = c.with_parameters(a=4.0)
    assert np.allclose(c2.f([u, v])[0], 4.0 / (1 + v**2) - u)
    assert np.allclose(c.f([u, v])[0], 3.0 / (1 + v**2) - u)  # original untouched
    with pytest.raises(dynena.ParameterError):
        c.with_parameters(zz=1)


def test_batch_matches_single(models_dir):
    c = dynena.compile_model(dynena.load(models_dir / "brusselator.yaml"))
    X = np.random.default_rng(1).uniform(0, 3, (7, 2))
    assert np.allclose(c.f_batch(X), [c.f(x) for x in X], rtol=1e-14)
    assert np.allclose(c.jac_batch(X), [c.jac(x) for x in X], rtol=1e-14)


def test_abs_and_sign_derivatives(write_model):
    m = dynena.load(write_model("dynena: 1\nname: a\nvariables: [x, y]\n"
                                "equations:\n  x: abs(x)*y\n  y: max(x, y)\n"))
    c = dynena.compile_model(m, use_cache=False)
    # the steps of d max/dx and d abs/dx are printed with sign(): numba compiles them
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", dynena.errors.DynenaWarning)
        J = c.jac([-2.0, 3.0])
    assert np.allclose(J, [[-3.0, 2.0], [0.0, 1.0]])
    assert c.backend == "numba"
    # at the kink the convention is the mean of the one-sided derivatives (H(0) = 1/2)
    assert np.allclose(c.jac([1.0, 1.0])[1], [0.5, 0.5])


def test_cache_second_compile_skips_generation(models_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("DYNENA_CACHE_DIR", str(tmp_path))
    m = dynena.load(models_dir / "fitzhugh_nagumo.yaml")
    first = dynena.compile_model(m)
    second = dynena.compile_model(m)
    assert not first.stats["cached"] and second.stats["cached"]
    assert list(tmp_path.glob("m_fitzhugh_nagumo_*.py"))
    x = np.array([0.3, -0.2])
    assert np.array_equal(first.jac(x), second.jac(x))


@pytest.mark.parametrize("bits", [3, 4])
def test_design_jacobian_through_definitions(bits):
    m = design_model(hypercube_graph(bits))
    c = dynena.compile_model(m, backend="python", use_cache=False)
    x = np.random.default_rng(bits).normal(size=m.n) * 0.6
    assert np.allclose(c.jac(x), fd_jac(c.f, x), atol=1e-7)
    # the same Jacobian from sympy on the expanded equations, at a small size only
    if bits == 3:
        Jsym = m.jacobian()
        subs = dict(zip(m.x, x)) | {sp.Symbol(k, real=True): float(v)
                                    for k, v in m.parameters.items()}
        Jnum = np.array(Jsym.xreplace(subs).evalf(), dtype=float)
        assert np.allclose(c.jac(x), Jnum, atol=1e-12)


def test_design_derivation_is_sparse_and_fast():
    m = design_model(hypercube_graph(5))
    c = dynena.compile_model(m, use_cache=False)
    assert m.n == 192
    assert c.stats["derive_s"] + c.stats["generate_s"] < 10  # the budget proper is in bench/


def test_derivatives_sparse_pattern():
    x, y = sp.symbols("x y", real=True)
    d = derivatives([x * y, y**2, sp.Integer(3)], [x, y])
    assert list(zip(d.rows, d.cols)) == [(0, 0), (0, 1), (1, 1)]


def test_vector_model_structured_jacobian(models_dir):
    m = dynena.load(models_dir / "flipflop3.yaml")
    c = dynena.compile_model(m)
    A = m.arrays["W"] + m.arrays["W_fb"] @ m.arrays["W_out"]
    x = np.random.default_rng(0).normal(size=c.n) * 0.3
    u = np.array([0.0, 1.0, 0.0])
    z = A @ x + m.arrays["W_in"] @ u + m.arrays["b"]
    assert np.allclose(c.f(x, u), np.tanh(z), atol=1e-14)
    J = (1 - np.tanh(A @ x) ** 2)[:, None] * A
    assert np.allclose(c.jac(x), J, atol=1e-14)
    assert np.allclose(c.dfdu(x, u), (1 - np.tanh(z) ** 2)[:, None] * m.arrays["W_in"],
                       atol=1e-14)
    # the two products on x were folded into one matrix (one matvec per evaluation)
    assert len([p for p in c._blocks[0].products if p.operand == "x"]) == 1


def test_vector_model_with_leak_and_bias():
    rng = np.random.default_rng(3)
    W, b = rng.normal(size=(5, 5)) * 0.3, rng.normal(size=5)
    m = dynena.load_document({"dynena": 1, "name": "ctrnn", "kind": "ode",
                              "arrays": {"W": W, "b": b},
                              "variables": {"x": {"size": 5}}, "parameters": {"tau": 2},
                              "equations": {"x": "(-x + tanh(W@x) + b)/tau"}})
    c = dynena.compile_model(m)
    x = rng.normal(size=5)
    assert np.allclose(c.f(x), (-x + np.tanh(W @ x) + b) / 2)
    assert np.allclose(c.jac(x), fd_jac(c.f, x), atol=1e-8)
    assert np.allclose(c.dfdp(x)[:, 0], -(-x + np.tanh(W @ x) + b) / 4)


def test_a_pole_at_the_origin_keeps_numba_and_gives_non_finite_values(write_model):
    """Negative integer powers: numba raised ZeroDivisionError at the pole, which made dynena
    fall back to plain Python for the whole model; the pole must give inf/nan as numpy does."""
    import warnings

    m = dynena.load(write_model(
        "dynena: 1\nname: pole\nkind: map\nvariables: [x, y]\n"
        "equations:\n  x: x/(x**2 + y**2)**2\n  y: y/(x**2 + y**2)**3\n"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "numba could not compile" fallback
        c = dynena.compile_model(m, backend="numba")
        J0 = c.jac(np.zeros(2))
        x = np.array([0.3, -0.7])
        r2 = x @ x
        # d/dx [x r^-4] = r^-4 - 4 x^2 r^-6 against the numba code away from the pole
        assert c.jac(x)[0, 0] == pytest.approx(r2**-2 - 4 * x[0] ** 2 * r2**-3, rel=1e-12)
    assert c.backend == "numba" and not np.all(np.isfinite(J0))


@pytest.mark.parametrize("backend", ["numba", "python"])
def test_definitions_that_share_a_subexpression_with_an_earlier_one(write_model, backend):
    """``g: (1 - rho)*(9 - rho)/8`` over ``rho: x**2 + y**2``: cse pulls ``-rho`` out of the
    definitions, and that intermediate was assigned before ``rho`` itself (UnboundLocalError
    at the first evaluation of f, in every command). Checked against the formula."""
    m = dynena.load(write_model(
        "dynena: 1\nname: defs\nvariables: [x, y]\ndefinitions:\n  rho: x**2 + y**2\n"
        "  g: (1 - rho)*(9 - rho)/8\nequations:\n  x: g*x - y\n  y: g*y + x\n"))
    c = dynena.compile_model(m, backend=backend, use_cache=False)
    x, y = 0.3, -1.7
    rho = x * x + y * y
    g = (1 - rho) * (9 - rho) / 8
    assert np.allclose(c.f([x, y]), [g * x - y, g * y + x], rtol=1e-14)
    assert np.allclose(c.jac([x, y]), fd_jac(c.f, np.array([x, y])), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("backend", ["numba", "python"])
def test_max_and_min_of_three_or_more_arguments(write_model, backend):
    """symengine flattens ``Max(Max(x, 1), y)`` to ``max(1, x, y)``, and numpy's ``maximum``
    takes a third argument as its output: the model failed at its first evaluation (found by
    the property test). Checked against Python's max / min, on single states and a batch, in
    a definition too; the Jacobian against finite differences away from the kinks."""
    m = dynena.load(write_model(
        "dynena: 1\nname: extrema\nvariables: [x, y]\ndefinitions:\n  g: Min(x, y, -x, 1)\n"
        "equations:\n  x: Max(Max(x, 1), y) + g\n  y: -y + Max(x, y, 2*x, 1/2)\n"))
    c = dynena.compile_model(m, backend=backend, use_cache=False)

    def ref(x, y):
        return [max(x, 1, y) + min(x, y, -x, 1), -y + max(x, y, 2 * x, 0.5)]

    X = np.array([[0.1, 3.0], [2.0, 5.0], [4.0, -1.0], [-0.3, 0.2], [1.7, 0.9]])
    for x in X:
        assert np.allclose(c.f(x), ref(*x), rtol=1e-15)
        assert np.allclose(c.jac(x), fd_jac(c.f, x), atol=1e-7)
    assert np.allclose(c.f_batch(X), [ref(*x) for x in X], rtol=1e-15)
