"""The flip-flop ESN's network in state space (200 variables), replayed by a forward pass
written here with NumPy from the weights, independent of dynena's compiled map and outcome
oracle."""

from __future__ import annotations

import numpy as np

import dynena


def forward(weights, X: np.ndarray, steps: int = 300) -> np.ndarray:
    """``steps`` updates x <- (1 - leak) x + leak tanh(W x + W_fb W_out x + b) of every row
    (no input; leak 1 in the model file)."""
    A = weights["W"] + weights["W_fb"] @ weights["W_out"]
    for _ in range(steps):
        X = np.tanh(X @ A.T + weights["b"])
    return X


def test_every_state_space_kick_replayed_along_its_ray(models_dir):
    """Every threshold is the first entry along its kick's direction: the kick at the
    bracket's upper end goes to the target, and none at 24 amplitudes up to its lower end
    does. The capture balls around the states (5 % of the distance to the nearest other
    state, unchecked at 200 variables) held kicks that switch: four thresholds from a state
    came out as its ball's radius, 0.27232, and the kick 0.2723 below it went to the target
    (so did one of 0.25 along the same direction)."""
    m = dynena.load(models_dir / "flipflop3.yaml")
    net = dynena.excitable_network(m)
    weights = np.load(models_dir / "flipflop3.npz")
    S = np.array(net.node_states)
    assert len(S) == 8 and len(net.connections) == 56
    X, want, kind = [], [], []
    for cn in net.connections:
        x0 = S[net.node_ids.index(cn.source)]
        lo, hi = cn.bracket
        assert lo <= cn.threshold <= hi and hi - lo <= 1e-5 * hi
        for a in [hi, *np.linspace(0.0, 1.0, 25)[1:] * lo]:
            X.append(x0 + a * cn.direction)
            want.append(net.node_ids.index(cn.target))
            kind.append(a == hi)
    Y = forward(weights, np.array(X))
    D = np.linalg.norm(Y[:, None, :] - S[None, :, :], axis=2)
    end = np.argmin(D, axis=1)
    assert np.all(D[np.arange(len(Y)), end] < 1e-6)  # every replay settled on a state
    reached = end == np.array(want)
    kind = np.array(kind)
    assert np.all(reached[kind]), "a kick at the upper end misses its target"
    assert not np.any(reached[~kind]), "a kick below the threshold already reaches the target"
    # and the certificates say what was shown: a local model, settled or not
    assert all(cn.certificate.local == "adjoint" for cn in net.connections)
