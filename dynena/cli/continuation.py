"""``dynena continue MODEL --param NAME``: branches of equilibria and their bifurcations."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import ParameterError
from .options import (
    add_model_args,
    count,
    emit_json,
    load_model_from_args,
    number,
    output_file,
    parse_state,
    progress,
)


def register(sub: Any) -> None:
    p = sub.add_parser("continue", help="follow equilibria in a parameter (LP, H, BP; PD, NS)")
    add_model_args(p)
    p.add_argument("--param", required=True, help="the continuation parameter")
    p.add_argument("--to", type=number(), default=None, help="follow up to this value")
    p.add_argument("--from", dest="start", default=None,
                   help="start from this equilibrium id (default: every equilibrium)")
    p.add_argument("--start", dest="start_state", default=None, metavar="x=..,y=..",
                   help="start from (Newton-corrected) this state: no global equilibrium search")
    p.add_argument("--ds-max", type=number(0), default=None,
                   help="largest arclength step (default 2%% of the parameter range, or of the "
                        "branch's expected length where the state moves > 10x faster than "
                        "the parameter)")
    p.add_argument("--ds", type=number(0), default=0.01, help="initial step")
    p.add_argument("--max-points", type=count(1, 10**7), default=1000, help="point budget per direction")
    p.add_argument("--no-switch", action="store_true", help="do not switch at branch points")
    p.add_argument("--plot", default=None, help="write the bifurcation diagram (.svg/.pdf/.png)")
    p.add_argument("--variable", default=None, help="state variable on the diagram's y axis")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --plot file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..continuation import continue_equilibrium

    if args.plot:
        output_file(args.plot, "--plot", overwrite=args.overwrite,
                    suffixes=(".svg", ".pdf", ".png"), inputs=(args.model,))
    model = load_model_from_args(args)
    if args.param not in model.parameters:
        raise ParameterError(f"--param {args.param}: model {model.name!r} has no such parameter; "
                             f"its parameters: {', '.join(model.parameters) or 'none'}")
    if args.variable is not None and args.variable not in _state_names(model):
        raise ParameterError(f"--variable {args.variable}: not a state variable of "
                             f"{model.name!r}; its variables: "
                             f"{', '.join(_state_names(model)[:12])}")
    progress(f"continuing equilibria of {model.name} in {args.param}")
    start: Any = args.start
    if args.start_state is not None:
        if args.start is not None:
            raise ParameterError("give --from (an equilibrium id) or --start (a state), not both")
        start = parse_state(args.start_state, _state_names(model), option="--start")
    res = continue_equilibrium(model, args.param, to=args.to, start=start, ds=args.ds,
                               ds_max=args.ds_max, max_points=args.max_points,
                               switch=not args.no_switch)
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
            crit = f"  [{sp.criticality}, coefficient {sp.coefficient:.6g}]" \
                if sp.criticality and sp.coefficient is not None else ""
            print(f"  {sp.type:>2} at {args.param} = {sp.p:.10g} (± {sp.accuracy:.1e})  {st}{crit}")
    return 0


def _state_names(model: Any) -> tuple[str, ...]:
    return tuple(model.state_names)
