"""Record the shortest known kicks of the flip-flop ESN's state-space network.

``tests/network/test_esn_state_space.py`` holds each connection's threshold to the shortest
kick known that switches it (``tests/network/fixtures/flipflop3_witnesses.npz``): the
network is computed with each seed given, every kick (the bracket's upper end along the
connection's direction) is replayed by a NumPy forward pass from the weights, and a kick
that reaches its target and is shorter than the recorded one replaces it. Kicks only ever
get shorter, so a run that finds nothing new changes nothing.

    python bench/record_esn_witnesses.py 0 1 2 3     # seeds; about 30 s each
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests/network/fixtures/flipflop3_witnesses.npz"


def forward(weights: dict[str, np.ndarray], X: np.ndarray, steps: int = 300) -> np.ndarray:
    """``steps`` updates x <- tanh(W x + W_fb W_out x + b) of every row (leak 1, no input)."""
    A = weights["W"] + weights["W_fb"] @ weights["W_out"]
    for _ in range(steps):
        X = np.tanh(X @ A.T + weights["b"])
    return X


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("seeds", type=int, nargs="+")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    import dynena

    warnings.filterwarnings("ignore")
    weights = dict(np.load(ROOT / "models/flipflop3.npz"))
    c = dynena.compile_model(dynena.load(ROOT / "models/flipflop3.yaml"))
    best = dict(np.load(FIXTURE)) if FIXTURE.exists() else {}
    for seed in args.seeds:
        net = dynena.excitable_network(c, seed=seed)
        S = np.array(net.node_states)
        ids = list(net.node_ids)
        keys = [f"{cn.source}_to_{cn.target}" for cn in net.connections]
        W = [cn.bracket[1] * np.asarray(cn.direction) for cn in net.connections]
        X = np.array([S[ids.index(cn.source)] + w for cn, w in zip(net.connections, W)])
        Y = forward(weights, X)
        end = np.argmin(np.linalg.norm(Y[:, None, :] - S[None, :, :], axis=2), axis=1)
        new = 0
        for k, w, e, cn in zip(keys, W, end, net.connections):
            if ids[int(e)] != cn.target:
                print(f"seed {seed}: {k}'s kick does not reach its target in the replay")
                continue
            if k not in best or np.linalg.norm(w) < np.linalg.norm(best[k]):
                best[k], new = w, new + 1
        print(f"seed {seed}: {new} connections shorter than recorded", flush=True)
    np.savez(FIXTURE, **best)


if __name__ == "__main__":
    main()
