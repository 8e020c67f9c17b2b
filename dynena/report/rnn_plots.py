"""The paper's pictures of a flip-flop extraction (drawn from a FlipFlopAnalysis)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .plots import _plt

__all__ = ["timeseries_figure", "q_figure", "pca_figure", "readout_cube_figure",
           "sweep_figure"]


def timeseries_figure(a: Any, steps: int = 1500) -> Any:
    plt = _plt()
    s = a.series
    fig, axes = plt.subplots(a.bits, 1, figsize=(7.5, 1.5 * a.bits + 0.6), sharex=True)
    axes = np.atleast_1d(axes)
    t = np.arange(min(steps, len(s["u"])))
    for c, ax in enumerate(axes):
        ax.plot(t, s["u"][t, c], color="#999999", lw=0.8, label="input")
        ax.plot(t, s["y"][t, c], color="#2ca02c", lw=1.2, label="target")
        ax.plot(t, s["z"][t, c], color="#1f77b4", lw=1.0, ls="--", label="output")
        ax.set_ylabel(f"ch {c}")
        ax.set_ylim(-1.6, 1.6)
    axes[0].legend(fontsize=7, ncol=3, loc="upper right")
    axes[-1].set_xlabel("step")
    fig.suptitle(f"{a.bits}-bit flip-flop: input, target and output "
                 f"(accuracy {a.accuracy:.4f}, RMSE {a.rmse:.4f})", fontsize=10)
    return fig


def q_figure(a: Any, steps: int = 1500) -> Any:
    plt = _plt()
    s = a.series
    n = min(steps, len(s["q"]))
    fig, ax = plt.subplots(figsize=(7.5, 2.6))
    ax.semilogy(np.arange(n), np.maximum(s["q"][:n], 1e-32), lw=0.8, color="#1f77b4")
    for k in s["pulses"]:
        if k < n:
            ax.axvline(k, color="#d62728", lw=0.6, alpha=0.6)
    ax.set_xlabel("step")
    ax.set_ylabel("q = ½‖G(x) − x‖²")
    ax.set_title("q along the trajectory (red: pulses)", fontsize=10)
    return fig


def pca_figure(a: Any) -> Any:
    plt = _plt()
    X = a.series["X"]
    mean = X.mean(0)
    _, _, Vt = np.linalg.svd(X - mean, full_matrices=False)
    P = Vt[:2]
    fig, ax = plt.subplots(figsize=(5.5, 4.8))
    Y = (X - mean) @ P.T
    ax.plot(Y[:, 0], Y[:, 1], lw=0.4, color="#bbbbbb", label="trajectory")
    pos = {}
    for n in a.nodes:
        y = (n.state - mean) @ P.T
        pos[n.id] = y
        ax.plot(*y, "o", color="#1f77b4", ms=9, mec="k")
        lab = "".join("+" if v > 0 else "-" for v in n.code) if n.code else "?"
        ax.annotate(lab, y, textcoords="offset points", xytext=(6, 4), fontsize=8)
    for sd in a.saddles:
        y = (sd.state - mean) @ P.T
        pos[sd.id] = y
        ax.plot(*y, "X" if sd.unstable_dim == 1 else "s", color="#d62728", ms=6)
    for c in a.edges_at():
        if c.via in pos and c.source in pos and c.target in pos:
            pts = np.array([pos[c.source], pos[c.via], pos[c.target]])
            ax.plot(pts[:, 0], pts[:, 1], color="#ff7f0e", lw=0.6, alpha=0.7)
    ax.set_xlabel("PC1")
    ax.set_ylabel("PC2")
    ax.set_title("PCA of the trajectory: nodes (o), saddles (x), edges via saddles",
                 fontsize=9)
    return fig


def readout_cube_figure(a: Any) -> Any:
    plt = _plt()
    fig = plt.figure(figsize=(5.2, 4.8))
    ax = fig.add_subplot(projection="3d") if a.bits >= 3 else fig.add_subplot()
    R = {n.id: n.readout for n in a.nodes}
    S = {s.id: s.readout for s in a.saddles}
    for c in a.edges_at():
        if c.source in R and c.target in R:
            pts = np.array([R[c.source], S.get(c.via, 0.5 * (R[c.source] + R[c.target])),
                            R[c.target]])[:, :3]
            ax.plot(*pts.T[: (3 if a.bits >= 3 else 2)], color="#ff7f0e", lw=0.8)
    for r in R.values():
        ax.scatter(*r[: (3 if a.bits >= 3 else 2)], color="#1f77b4", s=40)
    for sd in a.saddles:
        ax.scatter(*sd.readout[: (3 if a.bits >= 3 else 2)], color="#d62728", marker="x", s=25)
    ax.set_title("read-out space: nodes, saddles and edges", fontsize=9)
    return fig


def sweep_figure(a: Any) -> Any:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 3.0))
    amps = [r["amplitude"] for r in a.sweep]
    ax.plot(amps, [100 * r["agreement"] for r in a.sweep], "o-", label="agreement (%)")
    ax.set_ylim(0, 105)
    ax2 = ax.twinx()
    ax2.plot(amps, [r["predicted_flips"] for r in a.sweep], "s--", color="#2ca02c",
             label="predicted flips")
    ax2.plot(amps, [r["observed_flips"] for r in a.sweep], "x:", color="#d62728",
             label="observed flips")
    ax.set_xlabel("pulse amplitude")
    ax.set_ylabel("prediction agreement (%)")
    ax2.set_ylabel("flips")
    lines = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    labels = ax.get_legend_handles_labels()[1] + ax2.get_legend_handles_labels()[1]
    ax.legend(lines, labels, fontsize=7, loc="lower right")
    ax.set_title("flips predicted from thresholds vs observed", fontsize=10)
    return fig
