"""Bifurcation diagrams (matplotlib): stable solid, unstable dashed, special points marked."""

from __future__ import annotations

from typing import Any

from .plots import _plt

__all__ = ["bifurcation_figure", "bifurcation_svg", "curves_figure", "curves_svg"]

_MARK = {"LP": ("o", "#d62728"), "H": ("s", "#9467bd"), "BP": ("^", "#2ca02c"),
         "PD": ("D", "#ff7f0e"), "NS": ("v", "#8c564b")}


def bifurcation_figure(res: Any, variable: str | int | None = None) -> Any:
    """Plot ``variable`` (name, index, or the state norm if None and n > 1... default: the
    first variable) against the continuation parameter for every branch."""
    import numpy as np

    plt = _plt()
    if variable is None:
        k = 0
    elif isinstance(variable, str):
        k = res.names.index(variable)
    else:
        k = int(variable)
    fig, ax = plt.subplots(figsize=(6, 4))
    for b in res.branches:
        _stability_runs(ax, b.p, b.x[:, k], b.stable, "#1f77b4", 1.6)
        for sp in b.special_points:
            mk, col = _MARK.get(sp.type, ("x", "k"))
            ax.plot(sp.p, sp.state[k], mk, color=col, ms=7, mec="k")
            ax.annotate(sp.type, (sp.p, sp.state[k]), textcoords="offset points",
                        xytext=(5, 5), fontsize=8)
    for cb in getattr(res, "cycles", ()):
        # a periodic orbit as its extent in the variable: max and min over the orbit
        for y in (cb.maximum[:, k], cb.minimum[:, k]):
            _stability_runs(ax, cb.p, y, cb.stable, "#2ca02c", 1.4)
        for sp in cb.special_points:
            j = int(np.argmin(np.abs(cb.p - sp.p)))
            ax.plot(sp.p, cb.maximum[j, k], "o", color="#17becf", ms=6, mec="k")
            ax.annotate(sp.type, (sp.p, cb.maximum[j, k]), textcoords="offset points",
                        xytext=(5, 5), fontsize=8)
    ax.set_xlabel(res.parameter)
    ax.set_ylabel(res.names[k])
    ax.set_title(f"{res.model}: equilibria" + (" and cycles (green: max/min)"
                                                if getattr(res, "cycles", ()) else "") +
                 f" against {res.parameter} (solid stable, dashed unstable)", fontsize=10)
    ax.grid(alpha=0.3)
    return fig


def _stability_runs(ax: Any, p: Any, y: Any, stable: Any, colour: str, width: float) -> None:
    """A branch as runs of equal stability: solid where stable, dashed and thinner where not
    (each run joined to the next point so the curve has no gaps)."""
    start = 0
    for i in range(1, len(stable) + 1):
        if i == len(stable) or stable[i] != stable[start]:
            seg = slice(start, min(i + 1, len(stable)))
            ax.plot(p[seg], y[seg], "-" if stable[start] else "--", color=colour,
                    lw=width if stable[start] else 0.6 * width)
            start = i


def _svg(fig: Any) -> str:
    """A figure as SVG text, the figure closed."""
    import io

    buf = io.StringIO()
    try:
        fig.savefig(buf, format="svg", bbox_inches="tight")
    finally:
        _plt().close(fig)
    return buf.getvalue()


def bifurcation_svg(res: Any, variable: str | int | None = None) -> str:
    """The diagram as SVG text (what a notebook shows for a continuation result)."""
    return _svg(bifurcation_figure(res, variable))


_CURVE_COLOUR = {"LP": "#d62728", "H": "#9467bd", "PD": "#ff7f0e", "NS": "#8c564b"}


def curves_figure(res: Any) -> Any:
    """The two-parameter diagram: each curve in the (p_a, p_b) plane, its neutral-saddle part
    (H with κ < 0, NS with |κ| > 1) dotted, codimension-two points marked and named."""
    import numpy as np

    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    seen: set[str] = set()
    for cv in res.curves:
        col = _CURVE_COLOUR.get(cv.kind, "k")
        real = np.ones(len(cv.p), bool)
        if cv.kind == "H":
            real = cv.kappa > 0
        elif cv.kind == "NS":
            real = np.abs(cv.kappa) < 1
        for mask, style in ((real, "-"), (~real, ":")):
            # keep each segment joined to its neighbour so no gap opens where the kind changes
            edge = mask | np.roll(mask, 1) | np.roll(mask, -1)
            y = np.where(edge[:, None], cv.p, np.nan)
            if np.any(mask):
                lab = cv.kind if style == "-" and cv.kind not in seen else None
                ax.plot(y[:, 0], y[:, 1], style, color=col if style == "-" else "0.55",
                        lw=1.6 if style == "-" else 1.0, label=lab)
                if lab:
                    seen.add(cv.kind)
        for pt in cv.points:
            ax.plot(*pt.p, "o", color="k", ms=5)
            ax.annotate(pt.type, pt.p, textcoords="offset points", xytext=(5, 5), fontsize=8)
    a, b = res.parameters
    ax.set_xlabel(a)
    ax.set_ylabel(b)
    ax.set_title(f"{res.model}: bifurcation curves in ({a}, {b}) "
                 "(dotted: neutral saddle)", fontsize=10)
    if seen:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def curves_svg(res: Any) -> str:
    """The two-parameter diagram as SVG text (what a notebook shows)."""
    return _svg(curves_figure(res))
