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
    from ..design.roundtrip import design_parameters, expected_threshold, reading_amplitude
    from ..errors import ModelError, ParameterError
    from ..model import load
    from ..model.parse import Where, check_identifier
    from ..report.design import design_header

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
    amplitude = reading_amplitude(args.kind, par)
    header = design_header(args.graph, G.number_of_nodes(), G.number_of_edges(), args.kind,
                           delta, amplitude)
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
            from ..design.roundtrip import threshold_curve
            from ..report.design import write_design_report

            write_design_report(args.report, model, chk, par, threshold_curve(par), delta,
                                overwrite=args.overwrite)
            progress(f"wrote the report to {args.report}/")
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

