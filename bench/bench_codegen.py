"""Generated code against hand-written code, measured side by side (issue: foundation)."""

from __future__ import annotations

import time

import numba
import numpy as np
from _common import best_of, budget, report

import dynena
from dynena.compile import compile_model
from dynena.design import design_model, hypercube_graph


def lorenz96_doc(n: int = 10) -> dict:
    eqs = {f"x{i}": f"(x{(i + 1) % n} - x{(i - 2) % n})*x{(i - 1) % n} - x{i} + F"
           for i in range(n)}
    return {"dynena": 1, "name": f"lorenz96_{n}", "variables": [f"x{i}" for i in range(n)],
            "parameters": {"F": 8}, "equations": eqs}


@numba.njit(cache=True)
def hand_f(x, F, out):
    n = x.shape[0]
    for i in range(n):
        out[i] = (x[(i + 1) % n] - x[(i - 2) % n]) * x[(i - 1) % n] - x[i] + F
    return out


@numba.njit(cache=True)
def hand_jac(x, out):
    n = x.shape[0]
    out[:, :] = 0.0
    for i in range(n):
        out[i, (i + 1) % n] += x[(i - 1) % n]
        out[i, (i - 2) % n] -= x[(i - 1) % n]
        out[i, (i - 1) % n] += x[(i + 1) % n] - x[(i - 2) % n]
        out[i, i] -= 1.0
    return out


def bench_ten_variables() -> None:
    m = dynena.load_document(lorenz96_doc(10))
    c = compile_model(m, backend="numba")
    x = np.random.default_rng(0).normal(size=10)
    out_f, out_j = np.empty(10), np.zeros((10, 10))
    c.f(x), c.jac(x), hand_f(x, 8.0, out_f), hand_jac(x, out_j)  # compile
    assert np.allclose(c.jac(x), hand_jac(x, out_j)) and np.allclose(c.f(x), hand_f(x, 8.0, out_f))
    kf, kj = c._fn("f"), c._fn("jac")
    p, u = c.p, c._u0
    fd, dd = np.zeros((10, 0)), np.zeros((0, 10))
    kern = best_of(lambda: (kf(x, p, u, out_f), kj(x, p, u, out_j, fd, dd)), 7, 20000)
    hand = best_of(lambda: (hand_f(x, 8.0, out_f), hand_jac(x, out_j)), 7, 20000)
    report("f + Jacobian, 10 variables (Lorenz-96): generated kernel", kern * 1e6, hand * 1e6,
           "us", "goal ratio <= 2")
    wrap = best_of(lambda: (c.f(x), c.jac(x)), 7, 20000)
    report("  the same through CompiledModel.f/.jac (allocating)", wrap * 1e6, hand * 1e6, "us",
           "", "Python wrapper overhead included")


def bench_design_jacobians() -> None:
    import sympy as sp

    limits = {3: 0.2, 4: 0.5, 5: 2.0}
    for bits in (3, 4, 5):
        G = hypercube_graph(bits)
        m = design_model(G, name=f"ap_cube{bits}_bench")
        t = time.perf_counter()
        c = compile_model(m, use_cache=False, backend="python")
        total = time.perf_counter() - t
        budget(f"AP design {bits}-cube ({m.n} vars): derive + generate", total, limits[bits],
               note=f"derive {c.stats['derive_s']:.3f} s, generate {c.stats['generate_s']:.3f} s")
    # baseline side by side at 3 bits: sympy Matrix.jacobian on the expanded equations
    m = design_model(hypercube_graph(3))
    t = time.perf_counter()
    sp.Matrix(m.expanded_equations()).jacobian(sp.Matrix(m.x))
    base = time.perf_counter() - t
    t = time.perf_counter()
    compile_model(m, use_cache=False, backend="python")
    ours = time.perf_counter() - t
    report("AP 3-cube Jacobian: dynena derive+generate vs sympy jacobian", ours, base, "s",
           "lower is better")


def bench_esn_jacobian() -> None:
    from dynena.rnn.esn import EchoStateNetwork, ESNConfig

    rng = np.random.default_rng(1)
    esn = EchoStateNetwork.random(3, 3, ESNConfig(size=500))
    esn.W_out = rng.uniform(-0.1, 0.1, (3, 500))
    c = dynena.compile_model(esn.to_model("esn500"))
    A = esn.W + esn.W_fb @ esn.W_out
    x = rng.normal(size=500) * 0.3

    def hand() -> np.ndarray:
        return (1 - np.tanh(A @ x) ** 2)[:, None] * A

    assert np.allclose(c.jac(x), hand())
    ours = best_of(lambda: c.jac(x), 7, 20)
    base = best_of(hand, 7, 20)
    report("ESN N=500 Jacobian (structured vector form) vs numpy formula", ours * 1e3,
           base * 1e3, "ms", "goal ratio <= 1.5")


def bench_generators() -> None:
    """The measurement behind the choice of code generator (AP 3-cube, 32 variables)."""
    import symengine as se
    import sympy as sp

    m = design_model(hypercube_graph(3))
    x = np.random.default_rng(0).normal(size=m.n) * 0.5
    eqs = m.expanded_equations()
    subs = {sp.Symbol(k, real=True): float(v) for k, v in m.parameters.items()}
    eqs = [e.xreplace(subs) for e in eqs]
    t = time.perf_counter()
    c = compile_model(m, use_cache=False, backend="numba")
    c.jac(x)
    ours_gen = time.perf_counter() - t
    ours = best_of(lambda: c.jac(x), 5, 200)
    t = time.perf_counter()
    J = sp.Matrix(eqs).jacobian(sp.Matrix(m.x))
    lam = sp.lambdify([m.x], J, modules="numpy", cse=False)
    base_gen = time.perf_counter() - t
    base = best_of(lambda: lam(x), 5, 20)
    report("AP 3-cube Jacobian evaluation: dynena vs sympy lambdify (no CSE)", ours * 1e6,
           base * 1e6, "us", "lower is better",
           f"generation {ours_gen:.2f} s (incl. numba) vs {base_gen:.2f} s")
    t = time.perf_counter()
    X = [se.Symbol(str(s)) for s in m.x]
    Jse = se.Matrix([se.sympify(e) for e in eqs]).jacobian(se.Matrix(X))
    try:
        llvm = se.Lambdify(X, Jse, backend="llvm", cse=True)
        name = "symengine Lambdify (LLVM, CSE)"
    except Exception:  # pragma: no cover - symengine built without LLVM
        llvm = se.Lambdify(X, Jse, cse=True)
        name = "symengine Lambdify (lambda, CSE)"
    se_gen = time.perf_counter() - t
    se_t = best_of(lambda: llvm(x), 5, 200)
    report(f"AP 3-cube Jacobian evaluation: dynena vs {name}", ours * 1e6, se_t * 1e6, "us",
           "lower is better", f"generation {ours_gen:.2f} s vs {se_gen:.2f} s")


if __name__ == "__main__":
    bench_generators()
    bench_ten_variables()
    bench_design_jacobians()
    bench_esn_jacobian()
