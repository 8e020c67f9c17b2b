"""Matplotlib figures of results (never recomputes: draws what the results hold)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..results.network import ExcitableNetwork

__all__ = ["staircase_figure", "portrait_figure", "save_figure", "equation_image",
           "design_threshold_figure"]

_STAB = {"stable": ("o", "#1f77b4"), "saddle": ("X", "#d62728"), "unstable": ("s", "#9467bd"),
         "nonhyperbolic": ("D", "#7f7f7f")}


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, outdir: str | Path, stem: str, formats: tuple[str, ...] = ("svg", "pdf", "png")
                ) -> dict[str, Path]:
    out = {}
    for fmt in formats:
        p = Path(outdir) / f"{stem}.{fmt}"
        fig.savefig(p, dpi=150, bbox_inches="tight")
        out[fmt] = p
    _plt().close(fig)
    return out


def staircase_figure(net: ExcitableNetwork) -> Any:
    """Number of edges with threshold ≤ δ, against δ."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    st = net.staircase()
    if st:
        xs = [0.0] + [t for t, _ in st]
        ys = [0] + [k for _, k in st]
        ax.step(xs + [xs[-1] * 1.15 + 1e-12], ys + [ys[-1]], where="post", color="#1f77b4")
        for t, k in st:
            ax.plot([t], [k], "o", ms=3, color="#1f77b4")
    ax.set_xlabel("amplitude δ (" + ("input pulse" if net.space == "input" else
                                     "state-space kick norm") + ")")
    ax.set_ylabel("edges with δ_ij ≤ δ")
    ax.set_title(f"{net.model}: the network as a function of amplitude", fontsize=10)
    ax.grid(alpha=0.3)
    return fig


def portrait_figure(portrait: Any, title: str = "") -> Any:
    """Phase plane (2-D) or projection (PCA) with equilibria and manifolds."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.0, 4.4))
    if portrait.kind == "plane" and portrait.grid_x.size:
        speed = np.hypot(portrait.u, portrait.v)
        ax.streamplot(portrait.grid_x, portrait.grid_y, portrait.u, portrait.v,
                      color=np.log10(speed + 1e-12), cmap="Greys", density=1.0, linewidth=0.6,
                      arrowsize=0.7)
    for style, pts in portrait.curves:
        if len(pts) < 2:
            continue
        ax.plot(pts[:, 0], pts[:, 1], "-" if style == "unstable" else "--",
                color="#d62728" if style == "unstable" else "#2ca02c", lw=1.4,
                label=f"{style} manifold")
    for eid, stab, xy in portrait.points:
        mk, col = _STAB.get(stab, ("o", "k"))
        ax.plot(xy[0], xy[1], mk, color=col, ms=8, mec="k")
        ax.annotate(eid, xy[:2], textcoords="offset points", xytext=(5, 5), fontsize=8)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        uniq = dict(zip(labels, handles))
        ax.legend(uniq.values(), uniq.keys(), fontsize=8, loc="best")
    ax.set_xlabel(portrait.axes[0] + (f" ({100 * portrait.explained[0]:.0f}% var.)"
                                      if portrait.explained else ""))
    ax.set_ylabel(portrait.axes[1] + (f" ({100 * portrait.explained[1]:.0f}% var.)"
                                      if len(portrait.explained) > 1 else ""))
    ax.set_title(title or ("phase portrait" if portrait.kind == "plane" else
                           "projection on principal components"), fontsize=10)
    return fig


def basin_figure(grid: Any, attractors: Any = None, title: str = "",
                 nodes: Any = ()) -> Any:
    """The basin picture of a two-variable model: the outcome of every grid cell (one colour
    per attractor, grey for divergence, dark grey for leaving the domain, white for unknown
    or undecided), the attractors on top (``nodes``: (id, state) pairs marked and named), and
    the basin entropy in the title."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.0, 4.4))
    palette = plt.get_cmap("tab10").colors
    special = {"diverged": "#7f7f7f", "left-domain": "#3f3f3f", "unknown": "#ffffff",
               "undecided": "#ffffff"}
    colours, k = [], 0
    for name in grid.outcomes:
        if name in special:
            colours.append(special[name])
        else:
            colours.append(palette[k % len(palette)])
            k += 1
    ax.imshow(grid.codes, origin="lower", interpolation="nearest", aspect="auto",
              cmap=ListedColormap(colours), vmin=-0.5, vmax=len(colours) - 0.5,
              extent=(grid.lo[0], grid.hi[0], grid.lo[1], grid.hi[1]))
    if attractors is not None:
        for o in attractors.stable_orbits:
            ax.plot(o.points[:, 0], o.points[:, 1], "o" if o.kind == "map-cycle" else "-",
                    color="k", ms=4, lw=1.2)
        for a in attractors.aperiodic:
            ax.plot(a.points[:, 0], a.points[:, 1], ",", color="k")
    for nid, x in nodes:
        ax.plot(x[0], x[1], "o", color="w", mec="k", ms=6)
        ax.annotate(nid, (x[0], x[1]), textcoords="offset points", xytext=(5, 5), fontsize=8)
    ax.set_xlim(grid.lo[0], grid.hi[0])
    ax.set_ylim(grid.lo[1], grid.hi[1])
    ax.legend(handles=[Patch(facecolor=c, edgecolor="k", label=n)
                       for n, c in zip(grid.outcomes, colours)], fontsize=7, loc="upper right")
    sb, sbb = grid.entropy
    ax.set_xlabel(grid.axes[0])
    ax.set_ylabel(grid.axes[1])
    ax.set_title((title + ": " if title else "") + f"basins (S_b = {sb:.3f}, S_bb = {sbb:.3f}"
                 + (", fractal)" if grid.fractal else ")"), fontsize=10)
    return fig


def equation_image(latex: str, path: str | Path, fontsize: int = 12) -> bool:
    """Typeset one equation with matplotlib's mathtext into a PNG; False if it cannot."""
    plt = _plt()
    fig = plt.figure(figsize=(0.01, 0.01))
    try:
        fig.text(0, 0, f"${latex}$", fontsize=fontsize)
        fig.savefig(path, dpi=200, bbox_inches="tight", pad_inches=0.02, transparent=True)
        return True
    except Exception:  # mathtext does not know every LaTeX construct
        return False
    finally:
        plt.close(fig)


def design_threshold_figure(B: Any, curve: Any, B_now: float, measured: list[float],
                            boundary: float) -> Any:
    """Designed edge threshold against B, the excitable/heteroclinic boundary, and the
    thresholds measured on the designed model."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    ax.plot(B, curve, color="#1f77b4", label="sqrt((1 + A - B)/2)")
    ax.axvline(boundary, color="#d62728", ls="--", lw=1, label="B = 1 + A (heteroclinic beyond)")
    if measured:
        ax.plot([B_now] * len(measured), measured, "o", color="#ff7f0e", ms=5,
                label="measured edge thresholds")
    ax.set_xlabel("B")
    ax.set_ylabel("edge threshold δ")
    ax.legend(fontsize=7)
    ax.set_title("how B sets the thresholds of a designed network", fontsize=10)
    return fig
