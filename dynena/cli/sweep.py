"""``dynena sweep MODEL --axis a=0.5:4:8 -o DIR``: an analysis at every point of a grid."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .options import count, emit_json, parse_assignments, progress


def register(sub: Any) -> None:
    p = sub.add_parser("sweep", help="run an analysis over a grid of parameter values "
                                     "(on Dask: a local cluster or --scheduler)")
    p.add_argument("target", help="a model file, a sweep spec (a YAML file with 'sweep: 1'), "
                                  "or 'flipflop' (the ESN of the paper, trained at each point; "
                                  "--set and --axis then name ESN and task options)")
    p.add_argument("--axis", action="append", default=[], metavar="NAME=lo:hi:num|v1,v2,..",
                   help="a swept parameter: a grid lo:hi:num or a list (repeatable)")
    p.add_argument("--analysis", choices=("equilibria", "network", "flipflop"), default=None,
                   help="what to compute at each point (default: equilibria; flipflop for the "
                        "'flipflop' target)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                   help="a fixed parameter value (repeatable)")
    p.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="the sweep folder: points/, results.parquet, results.csv, sweep.svg; "
                        "rerunning into it computes only the missing points")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="a running Dask scheduler (tcp://host:8786); default: a local cluster")
    p.add_argument("--workers", type=count(1, 4096), default=None,
                   help="local worker processes (default: one per core)")
    p.add_argument("--overwrite", action="store_true",
                   help="allow DIR to hold other files (they are left alone)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import ParameterError
    from ..report.sweep import write_sweep_figure
    from ..sweep import SweepSpec, load_spec, parse_axis, sweep

    out = Path(args.output)
    if out.exists() and any(out.iterdir()) and not (out / "sweep.json").exists() \
            and not args.overwrite:
        raise ParameterError(f"-o {args.output!r}: the folder holds files that are not a "
                             "sweep's; choose another folder or pass --overwrite")
    if _is_spec(args.target):
        if args.axis or args.set or args.analysis:
            raise ParameterError("with a sweep spec, give the axes, --set values and the "
                                 "analysis in the spec, not as options")
        spec = load_spec(args.target)
    else:
        flip = args.target == "flipflop"
        spec = SweepSpec(None if flip else Path(args.target).resolve(),
                         tuple(parse_axis(a) for a in args.axis),
                         args.analysis or ("flipflop" if flip else "equilibria"),
                         parse_assignments(args.set))
        spec.check()
    res = sweep(spec, out, scheduler=args.scheduler, workers=args.workers, progress=progress)
    fig = write_sweep_figure(res, out / "sweep.svg")
    if args.json:
        emit_json(res.to_dict())
        return 0 if res.success else 1
    print(f"{len(res.rows)} points ({res.computed} computed, {res.reused} reused, "
          f"{res.failed} failed) in {res.seconds:.1f} s; table {res.files['csv']}"
          + (f"; figure {fig}" if fig else ""))
    for r in [r for r in res.rows if r["status"] != "ok"][:5]:
        print("  failed at " + ", ".join(f"{a}={r[a]:g}" for a in res.axes) + f": {r['error']}")
    return 0 if res.success else 1


def _is_spec(path: str) -> bool:
    """A sweep spec starts with 'sweep:'; anything else is treated as a model file."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return any(line.strip().startswith("sweep:") for line in head.splitlines()
               if not line.lstrip().startswith("#"))
