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


if __name__ == "__main__":
    main()
