"""``write_report``: results.json, network drawings, figures and report.pdf in one folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ParameterError
from ..model.protocol import SystemModel
from ..results.equilibria import EquilibriumSet
from ..results.network import ExcitableNetwork

__all__ = ["write_report", "check_output_dir"]


def check_output_dir(outdir: str | Path, overwrite: bool) -> Path:
    """Refuse a non-empty existing folder unless ``overwrite`` (nothing a user wrote is
    replaced without asking); returns the path, not yet created."""
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise ParameterError(f"{str(out)!r} exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise ParameterError(f"output folder {str(out)!r} exists and is not empty; pass "
                             "overwrite=True (--overwrite) to replace the report's files, or "
                             "choose another folder (-o)")
    return out


def write_report(outdir: str | Path, *, model: SystemModel, equilibria: EquilibriumSet, network: ExcitableNetwork | None = None,
                 portrait: Any | None = None, extra: dict[str, Any] | None = None,
                 extra_figures: dict[str, Any] | None = None,
                 extra_sections: list[tuple[str, list[Any]]] | None = None,
                 provenance: dict[str, Any] | None = None, overwrite: bool = False,
                 show_saddles: bool = False, merge_pairs: bool = False,
                 self_loops: bool = False) -> dict[str, Path]:
    """Write the full report of a model's analysis into ``outdir``.

    Files: ``results.json`` (equilibria, network, extra), ``network.svg``/``.pdf``,
    ``staircase.svg``/``.pdf``, ``portrait.svg``/``.pdf``, ``report.pdf`` and ``report.html``
    (the same report as one interactive page: hover cards on the network, sortable tables). An existing
    non-empty folder is refused unless ``overwrite`` (files the report does not write are
    left alone).

    Examples
    --------
    >>> import tempfile, dynena
    >>> m = dynena.load("models/double_well.yaml")
    >>> eq = dynena.find_equilibria(m)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     files = dynena.write_report(d, model=m, equilibria=eq)
    >>> sorted(files)
    ['html', 'report', 'results']
    """
    from .document import provenance as make_prov
    from .document import write_pdf_report, write_results_json
    from .graphviz import render_network
    from .interactive import write_html_report
    from .plots import basin_figure, portrait_figure, save_figure, staircase_figure

    out = check_output_dir(outdir, overwrite)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    figs: dict[str, Path] = {}
    if network is not None:
        r = render_network(network, out, stem="network", amplitude=network.max_threshold,
                           show_saddles=show_saddles, merge_pairs=merge_pairs,
                           self_loops=self_loops)
        files.update({f"network_{k}": v for k, v in r.items()})
        figs["network_png"] = r["png"]
        s = save_figure(staircase_figure(network), out, "staircase")
        figs["staircase_png"] = s["png"]
        files.update({f"staircase_{k}": v for k, v in s.items()})
    att = network.attractors if network is not None else None
    if network is not None and att is not None and att.grid is not None:
        s = save_figure(basin_figure(att.grid, att, model.name,
                                     nodes=zip(network.node_ids, network.node_states)),
                        out, "basins")
        figs["basins_png"] = s["png"]
        files.update({f"basins_{k}": v for k, v in s.items()})
    if portrait is not None:
        s = save_figure(portrait_figure(portrait, f"{model.name}"), out, "portrait")
        figs["portrait_png"] = s["png"]
        files.update({f"portrait_{k}": v for k, v in s.items()})
    for name, fig in (extra_figures or {}).items():
        s = save_figure(fig, out, name)
        figs[f"{name}_png"] = s["png"]
        files.update({f"{name}_{k}": v for k, v in s.items()})
    prov = make_prov(n=model.n, **(provenance or {}))
    payload: dict[str, Any] = {"model": model.name, "provenance": prov,
                               "equilibria": equilibria.to_dict()}
    if network is not None:
        payload["network"] = network.to_dict()
    payload.update(extra or {})
    files["results"] = write_results_json(out / "results.json", payload)
    sections = [(h, [figs.get(i, i) if isinstance(i, str) and i in figs else i for i in items])
                for h, items in (extra_sections or [])]
    files["report"] = write_pdf_report(out / "report.pdf", model=model, equilibria=equilibria,
                                       network=network, figures=figs, provenance=prov,
                                       extra_sections=sections)
    svgs = {k[:-4]: v for k, v in files.items() if k.endswith("_svg")}
    files["html"] = write_html_report(out / "report.html", model=model, equilibria=equilibria,
                                      network=network, svgs=svgs, provenance=prov,
                                      extra_sections=extra_sections)
    # PNGs were only for the PDF
    for k in [k for k in files if k.endswith("_png")]:
        files[k].unlink(missing_ok=True)
        del files[k]
    return files
