"""``dynena design GRAPH -o MODEL.yaml``: a system whose excitable network is the graph."""

from __future__ import annotations

import argparse
from typing import Any

from .options import emit_json, jobs, number, output_file, progress


def register(sub: Any) -> None:
    p = sub.add_parser("design", help="realise a directed graph as an excitable or "
                                      "heteroclinic network (Ashwin & Postlethwaite 2016)")
    p.add_argument("graph", help="DOT (.dot/.gv), GraphML (.graphml) or edge list file")
    p.add_argument("-o", "--output", required=True, help="the model file to write (.yaml)")
    p.add_argument("--kind", choices=("excitable", "heteroclinic"), default="excitable")
    p.add_argument("--threshold", type=number(0), default=None,
                   help="target edge threshold of an excitable design (sets B = 1 + A - 2δ²); "
                        "default 0.0707 (B = 1.49)")
    p.add_argument("--threshold-scale", type=number(0), default=None,
                   help="scale the default designed threshold (0.0707) by this factor")
    p.add_argument("--report", metavar="DIR", default=None,
                   help="also verify and write the report (network, thresholds, and how B sets "
                        "them) into DIR")
    p.add_argument("--name", default=None, help="model name (default: the file's stem)")
    p.add_argument("--verify", action="store_true",
                   help="analyse the designed model and compare its network with the graph")
    p.add_argument("--jobs", type=jobs, default=1)
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import yaml

    from ..design import design_document, read_graph, verify_design
    from ..design.roundtrip import design_parameters, expected_threshold
    from ..errors import ModelError, ParameterError
    from ..model.parse import Where, check_identifier
    from ..model import load

    out = output_file(args.output, "-o", overwrite=args.overwrite, suffixes=(".yaml", ".yml"),
                      inputs=(args.graph,))
    if args.name is not None:
        try:
            check_identifier(args.name, Where(key="--name"), "model")
        except ModelError as exc:
            raise ParameterError(f"--name {args.name!r}: {exc.message}") from None
    G = read_graph(args.graph)
    threshold = args.threshold
    if args.threshold_scale is not None:
        if threshold is not None:
            raise ParameterError("give --threshold or --threshold-scale, not both")
        threshold = args.threshold_scale * expected_threshold(design_parameters("excitable"))
    try:
        par = design_parameters(args.kind, threshold)
    except ValueError as exc:
        raise ParameterError(str(exc)) from None
    name = args.name or "".join(ch if ch.isalnum() else "_" for ch in out.stem)
    if not name[0].isalpha():
        name = "design_" + name
    doc = design_document(G, kind=args.kind, name=name, parameters=par)
    delta = expected_threshold(par)
    # read the network above the designed threshold but well below the distance between
    # vertices (sqrt 2 in p), where transitions not in the graph start
    amplitude = 3.0 * delta if args.kind == "excitable" else 0.05
    header = (f"# Designed by dynena from {args.graph}: {G.number_of_nodes()} vertices, "
              f"{G.number_of_edges()} edges, {args.kind} (Ashwin & Postlethwaite 2016).\n"
              f"# Edge thresholds are designed near {delta:.4g}; read the network at "
              f"amplitude {amplitude:.4g}.\n")
    out.write_text(header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True,
                                           width=1000))
    progress(f"wrote {out} ({len(doc['variables'])} variables)")
    result: dict[str, Any] = {"model": str(out), "amplitude": amplitude,
                              "kind": args.kind, "parameters": par}
    status = 0
    if args.verify or args.report:
        progress("verifying: analysing the designed model")
        model = load(out)
        chk = verify_design(G, model, amplitude=amplitude, jobs=args.jobs,
                            progress=progress)
        result["verify"] = chk.to_dict()
        status = 0 if chk.equal else 1
        if args.report:
            _design_report(args.report, model, chk, par, args.overwrite)
    if args.json:
        emit_json(result)
    else:
        print(f"wrote {out}; read its network at amplitude {amplitude:.4g}")
        if args.verify:
            v = result["verify"]
            print("round trip: " + ("the recovered graph equals the requested one" if v["equal"]
                                    else "MISMATCH"))
            for e in v["edges"]:
                print(f"  {e['source']} -> {e['target']}: threshold {e['threshold']:.6g}")
            for e in v["missing"]:
                print(f"  missing {e[0]} -> {e[1]}")
            for e in v["extra"]:
                print(f"  extra {e['source']} -> {e['target']}: threshold {e['threshold']:.6g}")
    return status


def _design_report(outdir: str, model: Any, chk: Any, par: dict[str, float],
                   overwrite: bool) -> None:
    import numpy as np

    from ..design.roundtrip import expected_threshold
    from ..report import write_report
    from ..report.plots import design_threshold_figure

    A = par["A"]
    B = np.linspace(1 + A - 0.12, 1 + A + 0.03, 300)
    curve = np.array([expected_threshold({**par, "B": b}) for b in B])
    measured = [t for _, _, t in chk.recovered]
    fig = design_threshold_figure(B, curve, par["B"], measured, 1 + A)
    text = (f"Ashwin–Postlethwaite construction. At a vertex the edge cell y_k has eigenvalue "
            f"-(1 + A - B) = {-(1 + A - par['B']):.4g}: for B < 1 + A = {1 + A:g} the vertex is "
            "stable and a kick along y_k must cross the saddle at y_k^2 ≈ (1 + A - B)/2, so the "
            f"edge threshold is close to sqrt((1 + A - B)/2) = {expected_threshold(par):.4g}; "
            "for B > 1 + A the vertex is a saddle and the edge is heteroclinic (threshold 0). "
            f"Round trip at amplitude {chk.amplitude:.4g}: "
            + ("the recovered graph equals the requested one." if chk.equal else
               f"MISMATCH: missing {chk.missing}, extra {chk.extra}."))
    rows = [["edge", "threshold"]] + [[f"{a} -> {b}", f"{t:.7g}"] for a, b, t in chk.recovered]
    net = chk.network
    write_report(outdir, model=model, equilibria=net.equilibria, network=net,
                 extra={"design": {"parameters": par, "verify": chk.to_dict()}},
                 extra_figures={"design_thresholds": fig},
                 extra_sections=[("5. How the parameters set the thresholds",
                                  [text, "design_thresholds_png", rows])],
                 overwrite=overwrite, provenance={"command": "dynena design --report"})
    progress(f"wrote the report to {outdir}/")
