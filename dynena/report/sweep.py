"""The picture of a sweep: lines over one axis, a heat map over two; failed points marked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..sweep.run import SweepResult
from .plots import _plt

__all__ = ["write_sweep_figure"]


def write_sweep_figure(res: SweepResult, path: Path) -> Path | None:
    """Write ``path`` (SVG) for a sweep over one or two grid axes; None for other shapes."""
    numeric = [c for c in res.columns if c not in ("analysis_status", "diagnosis", "clean")]
    if len(res.axes) not in (1, 2) or not res.rows:
        return None
    plt = _plt()
    fig = _lines(plt, res, numeric) if len(res.axes) == 1 else _heatmap(plt, res, numeric[0])
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path


def _lines(plt: Any, res: SweepResult, columns: list[str]) -> Any:
    a = res.axes[0]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    x = np.array([r[a] for r in res.rows], dtype=float)
    order = np.argsort(x)
    for c in columns:
        y = np.array([np.nan if r[c] is None else r[c] for r in res.rows], dtype=float)
        ax.plot(x[order], y[order], marker="o", ms=3, label=c)
    bad = [r[a] for r in res.rows if r["status"] != "ok"]
    for b in bad:
        ax.axvline(b, color="red", alpha=0.4, lw=0.8)
    ax.set_xlabel(a)
    ax.legend(fontsize=8, title=("failed points: red lines" if bad else None),
              title_fontsize=8)
    return fig


def _heatmap(plt: Any, res: SweepResult, column: str) -> Any:
    a, b = res.axes
    xs = sorted({r[a] for r in res.rows})
    ys = sorted({r[b] for r in res.rows})
    Z = np.full((len(ys), len(xs)), np.nan)
    fig, ax = plt.subplots(figsize=(6, 4))
    for r in res.rows:
        i, j = ys.index(r[b]), xs.index(r[a])
        if r["status"] == "ok" and r[column] is not None:
            Z[i, j] = r[column]
        else:
            ax.plot(j, i, "x", color="red", ms=8)
    im = ax.imshow(Z, origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(xs)), [f"{v:.3g}" for v in xs], rotation=45, fontsize=7)
    ax.set_yticks(range(len(ys)), [f"{v:.3g}" for v in ys], fontsize=7)
    ax.set_xlabel(a)
    ax.set_ylabel(b)
    fig.colorbar(im, ax=ax, label=column)
    ax.set_title(f"{column} (red ×: failed)", fontsize=9)
    return fig
