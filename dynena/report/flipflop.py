"""The flip-flop report: sections 5–7 (the task, the geometry, the amplitude sweep) after the
model, equilibria and network sections every report has."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..model.protocol import SystemModel
from ..results.rnn import FlipFlopAnalysis
from .api import write_report
from .rnn_plots import pca_figure, q_figure, readout_cube_figure, sweep_figure, timeseries_figure

__all__ = ["write_flipflop_report", "flipflop_summary"]


def flipflop_summary(a: FlipFlopAnalysis) -> str:
    """One paragraph: accuracy, nodes, edges, saddles, diagnosis, errors by cause, timings."""
    return (f"Test run: sign accuracy {a.accuracy:.4f}, RMSE {a.rmse:.4f}. "
            f"{len(a.nodes)} stable equilibria "
            f"({sum(n.spurious for n in a.nodes)} spurious), {len(a.edges_at())} edges "
            f"and {len(a.self_loops_at())} self-loops at pulse amplitude {a.amplitude}; "
            f"{len(a.saddles)} saddles ({sum(s.unstable_dim == 1 for s in a.saddles)} "
            f"of index 1); {len(a.slow_points)} slow points. Diagnosis: "
            + ("; ".join(a.diagnosis) if a.diagnosis else "none: the extracted network "
               "explains the behaviour.")
            + " Output errors on the test run, by cause: "
            + (", ".join(f"{k}: {v}" for k, v in a.errors.items()) or "none") + "."
            + " Timings (s): "
            + ", ".join(f"{k} {v:.2f}" for k, v in a.timings.items()))


def write_flipflop_report(outdir: str | Path, a: FlipFlopAnalysis, model: SystemModel, *,
                          provenance: dict[str, Any] | None = None, overwrite: bool = False
                          ) -> dict[str, Path]:
    """Write the full report of a flip-flop analysis ``a`` of the network ``model``."""
    figs = {"timeseries": timeseries_figure(a), "q": q_figure(a), "pca": pca_figure(a),
            "readout_cube": readout_cube_figure(a), "sweep": sweep_figure(a)}
    sweep_rows = [["amplitude", "pulses", "agreement", "predicted flips", "observed flips",
                   "accuracy"]] + [[f"{r['amplitude']:.2f}", str(r["pulses"]),
                                    f"{100 * r['agreement']:.1f}%", str(r["predicted_flips"]),
                                    str(r["observed_flips"]), f"{r['accuracy']:.4f}"]
                                   for r in a.sweep]
    sections: list[tuple[str, list[Any]]] = [
        ("5. The recurrent network on the flip-flop task",
         [flipflop_summary(a), "timeseries_png", "q_png"]),
        ("6. Geometry: trajectory, nodes and saddles", ["pca_png", "readout_cube_png"]),
        ("7. Amplitude sweep: predictions from thresholds", ["sweep_png", sweep_rows])]
    return write_report(outdir, model=model, equilibria=a.equilibria, network=a.network,
                        extra={"flipflop": a.to_dict()}, extra_figures=figs,
                        extra_sections=sections, overwrite=overwrite,
                        provenance={**(provenance or {}),
                                    "trajectories": a.network.stats["trajectories"]})
