"""``dynena report MODEL -o DIR``: results.json, network.svg/pdf and report.pdf."""

from __future__ import annotations

import argparse
from typing import Any

from .network import add_network_args, network_from_args
from .options import add_model_args, load_model_from_args, progress


def register(sub: Any) -> None:
    p = sub.add_parser("report", help="write the full report of a model")
    add_model_args(p, json_flag=False)
    add_network_args(p)
    p.add_argument("-o", "--output", default=None, help="output folder (default: report-NAME)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the report's files in an existing folder")
    p.add_argument("--show-saddles", action="store_true",
                   help="draw the via-saddles as small nodes")
    p.add_argument("--merge-pairs", action="store_true",
                   help="draw each ± symmetric pair of states as one node")
    p.add_argument("--self-loops", action="store_true",
                   help="draw the perturbations that return to their own state")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..portrait import phase_portrait
    from ..report import write_report

    model = load_model_from_args(args)
    from ..report.api import check_output_dir

    out = args.output or f"report-{model.name}"
    check_output_dir(out, args.overwrite)  # before the work, not after it
    eq, net = network_from_args(args, model)
    progress("phase portrait")
    portrait = phase_portrait(model, eq)
    progress(f"writing {out}/")
    files = write_report(out, model=model, equilibria=eq, network=net, portrait=portrait,
                         overwrite=args.overwrite, show_saddles=args.show_saddles,
                         merge_pairs=args.merge_pairs, self_loops=args.self_loops,
                         provenance={"command": "dynena report", "rtol": args.rtol,
                                     "trajectories": net.stats["trajectories"],
                                     "network_seconds": round(net.stats["seconds"], 2),
                                     "equilibria_seconds": round(eq.stats["seconds"], 2)})
    for _, path in sorted(files.items()):
        print(path)
    return 0
