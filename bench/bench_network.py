"""Thresholds: dynena's geometric search against a random-search minimal critical shock."""

from __future__ import annotations

import time

import numpy as np
from _common import budget, report

import dynena
from dynena.equilibrium import find_equilibria
from dynena.network import excitable_network
from dynena.network.outcome import OutcomeOracle


def minimal_critical_shock(oracle: OutcomeOracle, i: int, n: int, radius: float,
                           rng: np.random.Generator) -> float:
    """Random search as in Attractors.jl's minimal_critical_shock (RandomSearch): sample
    perturbations uniformly in a ball, keep the smallest that leaves the basin."""
    d = oracle.nodes.shape[1]
    best = np.inf
    V = rng.standard_normal((n, d))
    V /= np.linalg.norm(V, axis=1)[:, None]
    A = radius * rng.random(n) ** (1.0 / d)
    for k in range(0, n, 256):
        X = oracle.nodes[i] + A[k:k + 256, None] * V[k:k + 256]
        out = oracle(X)
        left = A[k:k + 256][out != i]
        if len(left):
            best = min(best, float(left.min()))
    return best


def bench_mcs() -> None:
    for name, exact in (("cube3", 1.0), ("double_well", 1.0)):
        m = dynena.load(f"../models/{name}.yaml")
        c = dynena.compile_model(m)
        eq = find_equilibria(c)
        net = excitable_network(c, equilibria=eq)
        node = net.node_ids[0]
        ours = min(cn.threshold for cn in net.connections if cn.source == node)
        traj_ours = net.stats["trajectories"] / max(1, net.stats["nodes_computed"])
        N = np.array([e.state for e in eq.stable])
        oracle = OutcomeOracle.build(c, N, np.array([e.state for e in eq]),
                                     eigenvalues=[e.eigenvalues for e in eq.stable])
        n_mcs = 10_000
        t = time.perf_counter()
        mcs = minimal_critical_shock(oracle, 0, n_mcs, 2.0, np.random.default_rng(0))
        t_mcs = time.perf_counter() - t
        n_conn = sum(1 for cn in net.connections if cn.source == node)
        report(f"{name}: trajectories per state (all {n_conn} connections) vs MCS", traj_ours,
               n_mcs, "traj", "goal ratio <= 0.02",
               f"error dynena {abs(ours - exact):.1e}, MCS {abs(mcs - exact):.1e} "
               f"(MCS {t_mcs:.1f} s; MCS finds only the smallest)")
        report(f"{name}: trajectories per threshold vs MCS", traj_ours / n_conn, n_mcs, "traj",
               "goal ratio <= 0.02")
        near = excitable_network(c, equilibria=eq, nearest_only=True)
        t_near = near.stats["trajectories"] / max(1, near.stats["nodes_computed"])
        err = abs(min(cn.threshold for cn in near.connections if cn.source == node) - exact)
        report(f"{name}: minimal critical shock only (the same quantity as MCS)", t_near, n_mcs,
               "traj", "goal ratio <= 0.02", f"error dynena {err:.1e}, MCS {abs(mcs - exact):.1e}")


def bench_design_network() -> None:
    m = dynena.load("../models/ap_cube3.yaml")
    c = dynena.compile_model(m)
    t = time.perf_counter()
    eq = find_equilibria(c)
    net = excitable_network(c, equilibria=eq, max_threshold=0.5, jobs=2)
    total = time.perf_counter() - t
    G = net.labelled_graph()
    budget("AP 3-cube design: whole network (equilibria + thresholds, 2 jobs)", total, 30.0,
           note=f"{len(net.edges)} edges, {G.number_of_edges()} graph edges between "
           f"{G.number_of_nodes()} vertices, {net.stats['trajectories']} trajectories")


def bench_design_verify() -> None:
    import networkx as nx

    from dynena.design import design_model, verify_design
    from dynena.design.roundtrip import design_parameters, expected_threshold

    rng = np.random.default_rng(3)
    G = nx.DiGraph()
    G.add_nodes_from(f"v{k}" for k in range(10))
    while G.number_of_edges() < 20:
        a, b = rng.choice(10, 2, replace=False)
        G.add_edge(f"v{a}", f"v{b}")
    t = time.perf_counter()
    par = design_parameters("excitable")
    m = design_model(G, parameters=par)
    chk = verify_design(G, m, amplitude=3 * expected_threshold(par), jobs=2)
    budget("design + verify, 10 vertices and 20 edges (2 jobs)", time.perf_counter() - t, 60.0,
           note=f"round trip {'equal' if chk.equal else 'DIFFERS'}, {chk.stats}")


if __name__ == "__main__":
    bench_mcs()
    bench_design_network()
    bench_design_verify()
