"""The outcome oracle on slow ODE kicks: the compiled Dormand-Prince loop against the path
without it (an explicit NumPy batch, then scipy's LSODA / Radau one trajectory at a time),
side by side in this process on the same kicks, after each path's compile (the loop's ~1.5 s
of numba, cached per machine) is paid.

Printed: wall time per question (ours: the loop; baseline: without it), and whether the two
paths give the same outcomes (they must, away from basin boundaries) and how many each left
undecided.
"""

from __future__ import annotations

import time

import numpy as np
from _common import report

import dynena
from dynena.attractor.api import node_oracle
from dynena.flow.oracle import UNKNOWN

CASES = {  # model, parameters, kick radius around the first stable node
    "Duffing d = 0.02 (weakly damped: kicks ring for thousands of steps)": (
        "duffing", {"d": 0.02}, 0.6),
    "FitzHugh-Nagumo I = 0.33 (weak focus inside an unstable cycle)": (
        "../models/fitzhugh_nagumo.yaml", {"I": 0.33}, 0.03),
    "tristable (fast, decided within the batch)": ("../models/tristable.yaml", {}, 0.5),
}
DUFFING = """dynena: 1
name: duffing_bench
kind: ode
parameters: {d: 0.1}
variables: {x: {range: [-2, 2]}, y: {range: [-2, 2]}}
equations: {x: y, y: x - x**3 - d*y}
"""


def main() -> None:
    rng = np.random.default_rng(0)
    for name, (path, params, radius) in CASES.items():
        model = dynena.load_document(__import__("yaml").safe_load(DUFFING)) \
            if path == "duffing" else dynena.load(path)
        c = dynena.compile_model(model).with_parameters(**params)
        eq = dynena.equilibria(c)
        stable = [e for e in eq if e.stability == "stable"]
        x0 = np.asarray(stable[0].state, float)
        V = rng.standard_normal((64, c.n))
        V /= np.linalg.norm(V, axis=1, keepdims=True)
        X = x0 + radius * rng.random((64, 1)) * V
        times, outs = {}, {}
        for compiled in (True, False):
            o = node_oracle(c, eq, stable, [])
            o.compiled = compiled
            o(X[:2])  # compile / warm up
            t = time.perf_counter()
            outs[compiled] = o(X)
            times[compiled] = time.perf_counter() - t
        same = int(np.sum(outs[True] == outs[False]))
        report(f"oracle, 64 kicks: {name}", times[True], times[False], "s",
               "faster, same outcomes",
               f"same outcome {same}/64; undecided {int(np.sum(outs[True] == UNKNOWN))} "
               f"against {int(np.sum(outs[False] == UNKNOWN))}")
    chaotic_neighbour()


def chaotic_neighbour() -> None:
    """Lorenz at rho = 24.5: kicks from C+ (attracting at 0.0072) beside the chaotic
    attractor, a node of 2 000 samples (binned on a grid for the loop; the k-d tree of the
    batch path without it)."""
    from scipy.integrate import odeint

    from dynena.flow.oracle import OutcomeOracle

    rho = 24.5
    c = dynena.compile_model(dynena.load("../models/lorenz.yaml")).with_parameters(rho=rho)

    def f(z: np.ndarray, t: float) -> list[float]:
        return [10 * (z[1] - z[0]), z[0] * (rho - z[2]) - z[1], z[0] * z[1] - 8 / 3 * z[2]]

    cloud = odeint(f, [1.0, 1.0, 1.0], np.linspace(0, 300, 4001), rtol=1e-10,
                   atol=1e-12)[2001:]
    cp = np.sqrt(8 / 3 * (rho - 1))
    C = np.array([[cp, cp, rho - 1], [-cp, -cp, rho - 1]])
    rng = np.random.default_rng(1)
    V = rng.standard_normal((32, 3))
    X = C[0] + rng.uniform(0.5, 4, (32, 1)) * V / np.linalg.norm(V, axis=1, keepdims=True)
    times, outs = {}, {}
    for compiled in (True, False):
        o = OutcomeOracle.build(c, np.vstack([C, cloud.mean(axis=0)]),
                                np.vstack([C, np.zeros((1, 3))]),
                                node_points=[C[:1], C[1:], cloud], clouds=1,
                                eigenvalues=[np.linalg.eigvals(c.jac(x)) for x in C] + [[]])
        o.compiled = compiled
        o(X[:2])
        t = time.perf_counter()
        outs[compiled] = o(X)
        times[compiled] = time.perf_counter() - t
    same = int(np.sum(outs[True] == outs[False]))
    report("oracle, 32 kicks: Lorenz rho = 24.5 (C+ beside a chaotic attractor node)",
           times[True], times[False], "s", "faster, same outcomes",
           f"same outcome {same}/32; undecided {int(np.sum(outs[True] == UNKNOWN))} "
           f"against {int(np.sum(outs[False] == UNKNOWN))}")


if __name__ == "__main__":
    main()
