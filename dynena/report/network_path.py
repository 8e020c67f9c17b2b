"""Pictures of a network followed through a parameter: the thresholds against the parameter
with the events marked, and the network drawn on both sides of every event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..results.jsonable import jsonable
from ..results.network_path import NetworkPath
from .api import check_output_dir
from .graphviz import render_network
from .plots import _plt, save_figure

__all__ = ["network_path_figure", "write_network_path"]


def network_path_figure(path: NetworkPath) -> Any:
    """δ of every edge (by node keys) against the parameter; events as vertical lines."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 4))
    for key in path.edge_keys():
        pts = sorted(path.thresholds(key))
        ax.plot([p for p, _ in pts], [t for _, t in pts], marker="o", ms=3, label=key)
    for k, e in enumerate(path.events, start=1):
        ax.axvspan(*sorted(e.bracket), color="#d62728", alpha=0.25)
        ax.axvline(e.p, color="#d62728", lw=0.8, ls="--")
        ax.annotate(f"{k}: {e.type} {e.key}", (e.p, 1.0), xycoords=("data", "axes fraction"),
                    rotation=90, va="top", ha="right", fontsize=7, color="#d62728")
    ax.set_xlabel(path.parameter)
    ax.set_ylabel("threshold δ")
    ax.set_title(f"{path.model}: thresholds along {path.parameter} (events in red)",
                 fontsize=10)
    ax.grid(alpha=0.3)
    if path.edge_keys():
        ax.legend(fontsize=7, ncol=2)
    return fig


def write_network_path(outdir: str | Path, path: NetworkPath, *, overwrite: bool = False
                       ) -> dict[str, Path]:
    """``path.json``, ``thresholds.svg``/``.pdf``, and ``event<k>_before.svg`` /
    ``event<k>_after.svg``: the networks at the two ends of each event's bracket."""
    out = check_output_dir(outdir, overwrite)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    p = out / "path.json"
    p.write_text(json.dumps(jsonable(path.to_dict()), indent=1, allow_nan=False))
    files["json"] = p
    figs = save_figure(network_path_figure(path), out, "thresholds", formats=("svg", "pdf"))
    files.update({f"thresholds_{k}": v for k, v in figs.items()})
    for k, e in enumerate(path.events, start=1):
        for side, net in zip(("before", "after"), e.networks):
            if net is not None:
                r = render_network(net, out, stem=f"event{k}_{side}",
                                   amplitude=net.max_threshold)
                for fmt in ("pdf", "png"):
                    r[fmt].unlink(missing_ok=True)
                files[f"event{k}_{side}"] = r["svg"]
    return files
