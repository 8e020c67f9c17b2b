"""The report of a designed network: the round trip and how B sets the thresholds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..model.protocol import SystemModel
from .api import write_report
from .plots import design_threshold_figure

__all__ = ["write_design_report"]


def write_design_report(outdir: str | Path, model: SystemModel, check: Any, parameters: dict[str, float],
                        curve: tuple[Any, Any], expected: float, *, overwrite: bool = False
                        ) -> dict[str, Path]:
    """Write the report of a design's round trip ``check`` (a ``DesignCheck``); ``curve`` is
    the first-order threshold against B and ``expected`` its value at the design's B."""
    par = parameters
    A = par["A"]
    measured = [t for _, _, t in check.recovered]
    fig = design_threshold_figure(curve[0], curve[1], par["B"], measured, 1 + A)
    text = (f"Ashwin–Postlethwaite construction. At a vertex the edge cell y_k has eigenvalue "
            f"-(1 + A - B) = {-(1 + A - par['B']):.4g}: for B < 1 + A = {1 + A:g} the vertex is "
            "stable and a kick along y_k must cross the saddle at y_k^2 ≈ (1 + A - B)/2, so the "
            f"edge threshold is close to sqrt((1 + A - B)/2) = {expected:.4g}; "
            "for B > 1 + A the vertex is a saddle and the edge is heteroclinic (threshold 0). "
            f"Round trip at amplitude {check.amplitude:.4g}: "
            + ("the recovered graph equals the requested one." if check.equal else
               f"MISMATCH: missing {check.missing}, extra {check.extra}."))
    rows = [["edge", "threshold"]] + [[f"{a} -> {b}", f"{t:.7g}"]
                                      for a, b, t in check.recovered]
    net = check.network
    return write_report(outdir, model=model, equilibria=net.equilibria, network=net,
                        extra={"design": {"parameters": par, "verify": check.to_dict()}},
                        extra_figures={"design_thresholds": fig},
                        extra_sections=[("5. How the parameters set the thresholds",
                                         [text, "design_thresholds_png", rows])],
                        overwrite=overwrite, provenance={"command": "dynena design --report"})


def design_header(source: str, vertices: int, edges: int, kind: str, expected: float,
                  amplitude: float) -> str:
    """The comment block at the top of a designed model file."""
    return (f"# Designed by dynena from {source}: {vertices} vertices, {edges} edges, {kind} "
            f"(Ashwin & Postlethwaite 2016).\n"
            f"# Edge thresholds are designed near {expected:.4g}; read the network at "
            f"amplitude {amplitude:.4g}.\n")
