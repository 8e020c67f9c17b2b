"""``dynena continue MODEL --param NAME``: branches of equilibria and their bifurcations."""

from __future__ import annotations

import argparse
from typing import Any

from .options import add_model_args, emit_json, load_model_from_args, progress


def register(sub: Any) -> None:
    p = sub.add_parser("continue", help="follow equilibria in a parameter (LP, H, BP; PD, NS)")
    add_model_args(p)
    p.add_argument("--param", required=True, help="the continuation parameter")
    p.add_argument("--to", type=float, default=None, help="follow up to this value")
    p.add_argument("--from", dest="start", default=None,
                   help="start from this equilibrium id (default: every equilibrium)")
    p.add_argument("--ds", type=float, default=0.01, help="initial step")
    p.add_argument("--max-points", type=int, default=1000, help="point budget per direction")
    p.add_argument("--no-switch", action="store_true", help="do not switch at branch points")
    p.add_argument("--plot", default=None, help="write the bifurcation diagram (.svg/.pdf/.png)")
    p.add_argument("--variable", default=None, help="state variable on the diagram's y axis")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..continuation import continue_equilibrium

    model = load_model_from_args(args)
    progress(f"continuing equilibria of {model.name} in {args.param}")
    res = continue_equilibrium(model, args.param, to=args.to, start=args.start, ds=args.ds,
                               max_points=args.max_points, switch=not args.no_switch)
    if args.plot:
        from ..report.bifurcation import bifurcation_figure

        fig = bifurcation_figure(res, args.variable)
        fig.savefig(args.plot, bbox_inches="tight", dpi=150)
        progress(f"wrote {args.plot}")
    if args.json:
        emit_json(res.to_dict())
        return 0
    for b in res.branches:
        print(f"branch from {b.origin}: {len(b.p)} points, {args.param} in "
              f"[{b.p.min():.6g}, {b.p.max():.6g}]; {b.message}")
        for sp in b.special_points:
            st = ", ".join(f"{n}={v:.6g}" for n, v in list(zip(res.names, sp.state))[:4])
            print(f"  {sp.type:>2} at {args.param} = {sp.p:.10g} (± {sp.accuracy:.1e})  {st}")
    return 0
