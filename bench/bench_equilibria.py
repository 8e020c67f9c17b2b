"""Equilibrium search against a plain scipy multistart, side by side (issue: equilibria)."""

from __future__ import annotations

import time

import numpy as np
from _common import budget, report
from scipy.optimize import root

import dynena
from dynena.equilibrium import find_equilibria
from dynena.equilibrium.api import distinct_points


def bench_design_stable() -> None:
    m = dynena.load("../models/ap_cube3.yaml")
    c = dynena.compile_model(m)
    c.f(np.zeros(c.n)), c.jac(np.zeros(c.n))  # numba compiled (cached on disk after a first run)
    t = time.perf_counter()
    r = find_equilibria(c, stable_only=True)
    ours = time.perf_counter() - t
    budget("AP 3-cube design: all stable equilibria (stable_only)", ours, 1.0,
           note=f"found {len(r.stable)} of 16")
    t = time.perf_counter()
    full = find_equilibria(c)
    budget("AP 3-cube design: every equilibrium (Newton+PTC+deflation)",
           time.perf_counter() - t, 10.0,
           note=f"{len(full)} equilibria, indices {full.index_counts()}")
    # baseline: plain multistart of scipy.optimize.root from 400 uniform starts
    rng = np.random.default_rng(0)
    lo, hi = -1.2, 1.2
    t = time.perf_counter()
    sols = []
    for x0 in rng.uniform(lo, hi, (400, c.n)):
        s = root(c.f, x0, jac=c.jac, method="hybr")
        if s.success and np.max(np.abs(c.f(s.x))) < 1e-10:
            sols.append(s.x)
    base = time.perf_counter() - t
    S = distinct_points(np.array(sols), 1e-6) if sols else np.zeros((0, c.n))
    stable = sum(np.all(np.linalg.eigvals(c.jac(x)).real < 0) for x in S)
    report("AP 3-cube stable equilibria: dynena vs 400-start scipy root", ours, base, "s",
           "lower is better", f"dynena {len(r.stable)}/16, scipy {stable}/16 stable "
           f"({len(S)} distinct roots)")


def bench_esn_trajectory(N: int = 500) -> None:
    from dynena.rnn.esn import ESNConfig, train_flipflop_esn
    from dynena.rnn.tasks import flipflop

    esn, _ = train_flipflop_esn(3, ESNConfig(size=N, seed=0))
    c = dynena.compile_model(esn.to_model("esn"))
    task = flipflop(3, 10000, seed=2000)
    X, _ = esn.run(task.u)
    t = time.perf_counter()
    seeds = X[[pl.step - 1 for pl in task.pulses if pl.step > 0] + [len(X) - 1]]
    Y = seeds.copy()
    for _ in range(300):
        Y = c.f_batch(Y)
    r = find_equilibria(c, seeds=np.concatenate([distinct_points(Y, 1e-8), distinct_points(seeds, 1e-3)[:40]]),
                        n_starts=0, deflation_rounds=1, symbolic=False)
    budget(f"ESN N={N}: equilibria from its trajectory", time.perf_counter() - t, 10.0,
           note=f"{len(r.stable)} stable, {len(r)} in all")


if __name__ == "__main__":
    bench_design_stable()
    bench_esn_trajectory()
