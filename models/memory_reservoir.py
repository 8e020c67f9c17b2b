"""A large sparse reservoir with a known excitable network: ``memory_reservoir(N)``.

A leaky reservoir x' = 0.3 x + 0.7 tanh(W x + W_in u + b) of N units (W 1 % sparse, spectral
radius about 0.5) in which three units are bistable memories: self-weight 3, input weight 4
from their own channel, nothing else feeding them; the other units read them. It has eight
stable states (the sign patterns of the memories) and each single-bit flip has the analytic
one-step pulse threshold

    a = (3 x* + atanh(0.3 x* / 0.7)) / 4 ≈ 0.860044,   x* = tanh(3 x*),

the pulse that carries the memory unit from -x* past its unstable point 0. Used by the test
suite and ``bench/bench_large.py``::

    m = memory_reservoir(10_000)     # a dynena model (vector form, sparse W)
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import brentq

import dynena


def memory_reservoir(N: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    W = sparse.lil_matrix(sparse.random(N, N, density=0.01, random_state=seed, format="lil",
                                        data_rvs=rng.standard_normal) * (0.5 / np.sqrt(0.01 * N)))
    W_in = 0.1 * rng.uniform(-1, 1, (N, 3))
    for i in range(3):
        W[i, :] = 0
        W[i, i] = 3.0
        W_in[i] = 0
        W_in[i, i] = 4.0
    return dynena.load_document({
        "dynena": 1, "name": f"memory{N}", "kind": "map",
        "arrays": {"W": sparse.csr_matrix(W), "W_in": W_in,
                   "b": 0.1 * rng.standard_normal(N) * (np.arange(N) >= 3)},
        "variables": {"x": {"size": N}}, "inputs": {"u": {"size": 3}},
        "equations": {"x": "0.3*x + 0.7*tanh(W@x + W_in@u + b)"}})


def flip_threshold() -> float:
    """The analytic pulse threshold of every single-bit flip."""
    x_star = brentq(lambda x: x - np.tanh(3 * x), 0.5, 1.0)
    return float((3 * x_star + np.arctanh(0.3 * x_star / 0.7)) / 4)
