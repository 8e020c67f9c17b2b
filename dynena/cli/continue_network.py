"""``dynena continue-network MODEL --param p --range a b``: the excitable network followed
through a parameter, with its events located by bisection."""

from __future__ import annotations

import argparse
from typing import Any

from .options import add_model_args, count, emit_json, load_model_from_args, number, progress


def register(sub: Any) -> None:
    p = sub.add_parser("continue-network",
                       help="follow the excitable network through a parameter; locate where "
                            "nodes and edges appear, vanish, change stability or kind")
    add_model_args(p)
    p.add_argument("--param", required=True, help="the parameter to vary")
    p.add_argument("--range", nargs=2, type=float, required=True, metavar=("LO", "HI"))
    p.add_argument("--points", type=count(2, 10_000), default=11,
                   help="grid values in the range (default 11)")
    p.add_argument("--tol", type=number(0), default=None,
                   help="locate events to brackets this narrow (default: grid step / 256)")
    p.add_argument("--max-threshold", type=number(0), default=None,
                   help="edges are connections with threshold up to this")
    p.add_argument("--max-time", type=number(0), default=600.0,
                   help="time budget of the whole path in seconds (default 600)")
    p.add_argument("--no-warm", dest="warm", action="store_false",
                   help="compute every value's thresholds from scratch (default: follow them "
                        "from the previous value; the ends are always computed in full)")
    p.add_argument("--full-every", type=count(1, 10_000), default=None, metavar="K",
                   help="with warm starts, also compute every K-th value in full")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="compute the grid values on a running Dask scheduler (tcp://host:8786)")
    p.add_argument("--workers", type=count(1, 4096), default=None,
                   help="compute the grid values on a local Dask cluster of this many processes")
    p.add_argument("-o", "--output", default=None, metavar="DIR",
                   help="write path.json, thresholds.svg/pdf and the network before/after "
                        "each event")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..sweep.follow import continue_network

    model = load_model_from_args(args)
    if args.output:
        from ..report.api import check_output_dir

        check_output_dir(args.output, args.overwrite)  # before the work, not after
    lo, hi = args.range
    path = continue_network(model, args.param, lo, hi, points=args.points, tol=args.tol,
                            max_threshold=args.max_threshold, max_time=args.max_time,
                            warm=args.warm, full_every=args.full_every,
                            scheduler=args.scheduler, workers=args.workers, progress=progress)
    if args.output:
        from ..report.network_path import write_network_path

        write_network_path(args.output, path, overwrite=True)
        progress(f"wrote {args.output}/path.json, thresholds.svg and the event drawings")
    if args.json:
        emit_json(path.to_dict())
        return 0
    print(f"{path.model}: network along {path.parameter} in [{lo:g}, {hi:g}], "
          f"{len(path.points)} values, {path.stats['networks']} networks, "
          f"{path.stats['trajectories']} trajectories ({path.status}); {path.message}")
    for k, e in enumerate(path.events, start=1):
        print(f"  {k}. {e.type} {e.key} at {path.parameter} = {e.p:.8g} "
              f"(in [{e.bracket[0]:.8g}, {e.bracket[1]:.8g}]{'' if e.converged else ', budget'})"
              f": {e.before} -> {e.after}")
    if not path.events:
        print("  no events: the same nodes and edges throughout")
    return 0
