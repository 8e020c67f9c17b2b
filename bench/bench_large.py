"""Large echo state networks: fixed points from a trajectory by Newton–Krylov with the exact
Jacobian–vector product and their leading multipliers by Arnoldi (issue 12's scale goals).

Random leaky ESNs (x' = 0.7 x + 0.3 tanh(W x + W_in u + b), W with 1 % non-zeros scaled to
spectral radius 1.2 so that there are several fixed points, 3 inputs) of N = 1000 ... 10 000
units; seeds: the states the network visits under rare ±1 input pulses. Prints the time and
peak memory at each N and the growth exponent of the time. Baseline for the side-by-side
ratio: the dense global search (``find_equilibria``) at N = 1000, from the same seeds.
"""

from __future__ import annotations

import resource
import time

import numpy as np
from _common import budget, report
from scipy import sparse

import dynena
from dynena.equilibrium.krylov import krylov_equilibria
from dynena.rnn.pytorch import trajectory_seeds


def esn(N: int, seed: int = 0) -> object:
    rng = np.random.default_rng(seed)
    W = sparse.random(N, N, density=0.01, random_state=seed, format="csr",
                      data_rvs=rng.standard_normal)
    # spectral radius by a few power iterations on |W| is rough; scale by the circular law
    W = W * (1.2 / np.sqrt(0.01 * N))
    arrays = {"W": W, "W_in": rng.uniform(-1, 1, (N, 3)), "b": 0.2 * rng.standard_normal(N)}
    return dynena.load_document({
        "dynena": 1, "name": f"esn{N}", "kind": "map", "arrays": arrays,
        "variables": {"x": {"size": N}}, "inputs": {"u": {"size": 3}},
        "equations": {"x": "0.7*x + 0.3*tanh(W@x + W_in@u + b)"}})


def bench_scale() -> None:
    times = {}
    for N in (1000, 2000, 5000, 10000):
        c = dynena.compile_model(esn(N))
        t = time.perf_counter()
        seeds = trajectory_seeds(c, steps=2000, keep=100)
        eq = krylov_equilibria(c, seeds)
        dt = time.perf_counter() - t
        times[N] = dt
        mem = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        budget(f"ESN N = {N}, 1 % sparse W: fixed points from a trajectory", dt,
               300.0 if N == 10000 else 120.0,
               note=f"{len(eq)} fixed points ({len(eq.stable)} stable), peak RSS {mem:.0f} MB")
    Ns = np.array(sorted(times))
    slope = np.polyfit(np.log(Ns), np.log([times[n] for n in Ns]), 1)[0]
    print(f"growth exponent of the time: {slope:.2f}")
    # side by side at N = 1000: the dense global search from the same seeds
    c = dynena.compile_model(esn(1000))
    seeds = trajectory_seeds(c, steps=2000, keep=100)
    t = time.perf_counter()
    ek = krylov_equilibria(c, seeds)
    t_k = time.perf_counter() - t
    t = time.perf_counter()
    ed = dynena.find_equilibria(c, seeds=seeds, n_starts=0)
    t_d = time.perf_counter() - t
    report("ESN N = 1000: Newton-Krylov vs the dense batched search", t_k, t_d, "s",
           "lower is better", f"{len(ek)} vs {len(ed)} fixed points")


def bench_pulse_network() -> None:
    """Issue 12's scale goal in full: stable states from a trajectory plus the input-pulse
    network, N = 1000 ... 10 000, on ``models/memory_reservoir.py`` (three bistable memory
    units read by a sparse reservoir), against the analytic threshold."""
    import importlib.util
    from pathlib import Path

    from dynena.network import InputPulses

    spec = importlib.util.spec_from_file_location(
        "memory_reservoir", Path(__file__).resolve().parents[1] / "models" / "memory_reservoir.py")
    mod = importlib.util.module_from_spec(spec)                   # type: ignore[arg-type]
    spec.loader.exec_module(mod)                                  # type: ignore[union-attr]
    exact = mod.flip_threshold()
    times = {}
    for N in (1000, 2000, 5000, 10000):
        c = dynena.compile_model(mod.memory_reservoir(N))
        t = time.perf_counter()
        eq = krylov_equilibria(c, trajectory_seeds(c, steps=2000, keep=100))
        net = dynena.excitable_network(c, equilibria=eq, nodes="stable",
                                       perturbations=InputPulses(width=1, max_amplitude=3.0))
        dt = time.perf_counter() - t
        times[N] = dt
        err = max((abs(cn.threshold / exact - 1) for cn in net.edges), default=np.inf)
        mem = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        budget(f"memory reservoir N = {N}: stable states + input-pulse network", dt,
               300.0 if N == 10000 else 120.0,
               note=f"{len(eq.stable)} stable, {len(net.edges)} edges (expect 8, 24), max "
                    f"threshold error {err:.1e}, {net.stats.get('trajectories')} trajectories, "
                    f"peak RSS {mem:.0f} MB")
    Ns = np.array(sorted(times))
    slope = np.polyfit(np.log(Ns), np.log([times[n] for n in Ns]), 1)[0]
    print(f"growth exponent of the time: {slope:.2f}")


if __name__ == "__main__":
    bench_scale()
    bench_pulse_network()
