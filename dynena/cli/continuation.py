"""``dynena continue MODEL --param NAME [--param2 NAME2 --from LP1]``: branches of equilibria
and their bifurcations; with a second parameter, curves of those bifurcations and their
codimension-two points."""

from __future__ import annotations

import argparse
import re
from typing import Any, Literal

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
    p = sub.add_parser("continue", help="follow equilibria in a parameter (LP, H, BP; PD, NS), "
                                        "and those points in two parameters (--param2)")
    add_model_args(p)
    p.add_argument("--param", required=True, help="the continuation parameter")
    p.add_argument("--to", type=number(), default=None, help="follow up to this value")
    p.add_argument("--from", dest="start", default=None, metavar="LABEL|ID",
                   help="with --param2: the special point whose curve to follow (LP1, H2, PD1, "
                        "NS1 as the one-parameter run prints them; default every one); "
                        "without: an equilibrium id to start from (default every equilibrium)")
    p.add_argument("--from-equilibrium", dest="start_id", default=None, metavar="ID",
                   help="start the one-parameter branch from this equilibrium id")
    p.add_argument("--param2", default=None,
                   help="second parameter: follow the folds and Hopf points (odes) or folds, "
                        "period doublings and Neimark-Sacker points (maps) in two parameters")
    p.add_argument("--range2", type=number(), nargs=2, default=None, metavar=("LO", "HI"),
                   help="stop the curves outside this interval of --param2 (default its "
                        "declared range, else its value +- 10)")
    p.add_argument("--max-time", type=number(0), default=120.0,
                   help="time budget per two-parameter curve or cycle branch, seconds "
                        "(default 120)")
    p.add_argument("--cycles", action="store_true",
                   help="odes: follow the periodic orbits born at the Hopf points (orthogonal "
                        "collocation; --from H1 for one of them)")
    p.add_argument("--ntst", type=count(2, 2000), default=20,
                   help="with --cycles: mesh intervals (default 20)")
    p.add_argument("--ncol", type=count(1, 7), default=4,
                   help="with --cycles: collocation points per interval (default 4)")
    p.add_argument("--period", type=number(0), default=None,
                   help="with --cycles and --start: the start is a point on a periodic orbit of "
                        "about this period (from a simulation); its branch is followed both ways "
                        "(no equilibrium continuation)")
    p.add_argument("--start", dest="start_state", default=None, metavar="x=..,y=..",
                   help="start from (Newton-corrected) this state: no global equilibrium search")
    p.add_argument("--ds-max", type=number(0), default=None,
                   help="largest arclength step (default 2%% of the parameter range, or of the "
                        "branch's expected length where the state moves > 10x faster than "
                        "the parameter)")
    p.add_argument("--ds", type=number(0), default=0.01, help="initial step")
    p.add_argument("--max-points", type=count(1, 10**7), default=None,
                   help="point budget per direction (default 1000; 200 cycles with --cycles)")
    p.add_argument("--compiled", choices=("auto", "yes", "no"), default="auto",
                   help="run the continuation loop (and the periodic orbits' corrector) compiled "
                        "with the model, the same branch, faster: yes compiles it once per "
                        "model and machine (8-15 s), auto uses it when an earlier run compiled "
                        "it, no never")
    p.add_argument("--no-switch", action="store_true",
                   help="do not switch at branch points (nor, for maps, at period doublings)")
    p.add_argument("--max-period", type=count(1, 4096), default=16,
                   help="maps: follow the doubled cycles of period doublings up to this period "
                        "(default 16)")
    p.add_argument("--plot", default=None, help="write the bifurcation diagram (.svg/.pdf/.png)")
    p.add_argument("--variable", default=None, help="state variable on the diagram's y axis")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --plot file")
    p.set_defaults(func=run)


_COMPILED: dict[str, bool | Literal["auto"]] = {"auto": "auto", "yes": True, "no": False}


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
    label = args.start if args.start is not None and _LABEL.match(args.start) else None
    if args.param2 is None and args.range2 is not None:
        raise ParameterError("--range2 needs --param2 (the second parameter of a two-parameter "
                             "continuation)")
    if args.param2 is None and label is not None and not (args.cycles and label[0] == "H"):
        raise ParameterError(f"--from {label} needs --param2 (the second parameter of a "
                             "two-parameter continuation), or --cycles with a Hopf point (H1, "
                             "H2, ...)")
    if args.cycles and args.param2 is not None:
        raise ParameterError("--cycles and --param2 are separate runs: give one of them")
    if args.param2 is not None and args.param2 not in model.parameters:
        raise ParameterError(f"--param2 {args.param2}: model {model.name!r} has no such "
                             f"parameter; its parameters: {', '.join(model.parameters) or 'none'}")
    start: Any = args.start if label is None else None
    if args.start_id is not None:
        if start is not None:
            raise ParameterError("give --from (an equilibrium id) or --from-equilibrium, not both")
        start = args.start_id
    if args.start_state is not None:
        if start is not None:
            raise ParameterError("give --from / --from-equilibrium (an equilibrium id) or --start "
                                 "(a state), not both")
        start = parse_state(args.start_state, _state_names(model), option="--start")
    if args.period is not None:
        if not args.cycles or args.start_state is None:
            raise ParameterError("--period goes with --cycles and --start (a point on the "
                                 "periodic orbit)")
        from ..continuation import continue_cycles

        progress(f"following the periodic orbit through --start in {args.param}")
        res = continue_cycles(model, args.param, start=start, period=args.period,
                              ntst=args.ntst, ncol=args.ncol, max_time=args.max_time,
                              max_points=args.max_points or 200,
                              compiled=_COMPILED[args.compiled])
        return _print(args, res)
    progress(f"continuing equilibria of {model.name} in {args.param}")
    res = continue_equilibrium(model, args.param, to=args.to, start=start, ds=args.ds,
                               ds_max=args.ds_max, max_points=args.max_points or 1000,
                               switch=not args.no_switch, max_period=args.max_period,
                               compiled=_COMPILED[args.compiled])
    if args.param2 is not None:
        return _two_parameters(args, model, res, label)
    if args.cycles:
        from ..continuation import continue_cycles

        progress(f"following the periodic orbits from {label or 'every Hopf point'}")
        res = continue_cycles(model, args.param, result=res, start=label, ntst=args.ntst,
                              ncol=args.ncol, max_points=args.max_points or 200,
                              max_time=args.max_time, compiled=_COMPILED[args.compiled])
    return _print(args, res)


def _hint(args: argparse.Namespace, res: Any) -> None:
    """Where the Python loop took long, say that the compiled one exists (stderr)."""
    loops = [b.stats for b in res.branches] + [cb.stats for cb in res.cycles]
    seconds = sum(float(s.get("seconds", 0.0)) for s in loops)
    if args.compiled == "auto" and seconds > 2.0 and not any(
            s.get("compiled_loops") for s in loops):
        progress(f"the continuation took {seconds:.1f} s in the Python loop; --compiled yes "
                 "compiles the loop with this model once (8-15 s) and later runs use it")


def _print(args: argparse.Namespace, res: Any) -> int:
    """The diagram, the JSON or the text listing of a one-parameter result."""
    _hint(args, res)
    if args.plot:
        from ..report.bifurcation import bifurcation_figure

        fig = bifurcation_figure(res, args.variable)
        fig.savefig(args.plot, bbox_inches="tight", dpi=150)
        progress(f"wrote {args.plot}")
    if args.json:
        emit_json(res.to_dict())
        return 0
    labels = {id(sp): k for k, sp in res.labelled().items()}
    for b in res.branches:
        print(f"branch from {b.origin}: {len(b.p)} points, {args.param} in "
              f"[{b.p.min():.6g}, {b.p.max():.6g}]; {b.message}")
        for sp in b.special_points:
            st = ", ".join(f"{n}={v:.6g}" for n, v in list(zip(res.names, sp.state))[:4])
            crit = f"  [{sp.criticality}, coefficient {sp.coefficient:.6g}]" \
                if sp.criticality and sp.coefficient is not None else ""
            print(f"  {labels[id(sp)]:>4} at {args.param} = {sp.p:.10g} (± {sp.accuracy:.1e})  "
                  f"{st}{crit}")
    if "note" in res.options.get("cycles", {}):
        print(f"cycles: no Hopf point in the continuation in {args.param}, so no periodic orbit "
              "to follow from one; give a point on a known orbit with --start and --period")
    for cb in res.cycles:
        if not len(cb.p):
            print(f"cycles from {cb.origin}: {cb.status}: {cb.message}")
            continue
        print(f"cycles from {cb.origin}: {len(cb.p)} cycles, {args.param} in "
              f"[{cb.p.min():.6g}, {cb.p.max():.6g}], period in [{cb.period.min():.6g}, "
              f"{cb.period.max():.6g}]; {cb.status}: {cb.message}")
        for sp in cb.special_points:
            print(f"  {sp.type:>4} at {args.param} = {sp.p:.10g} (± {sp.accuracy:.1e})  "
                  f"period {sp.extra['period']:.6g}, amplitude {sp.extra['amplitude']:.6g}")
    return 0


_LABEL = re.compile(r"^(LP|H|PD|NS|BP)[0-9]+$")


def _two_parameters(args: argparse.Namespace, model: Any, res: Any, label: str | None) -> int:
    """Curves of the special points of ``res`` in (--param, --param2)."""
    from ..continuation import continue_curve

    box = None
    if args.range2 is not None:
        lo, hi = sorted(args.range2)
        p1 = res.options["p_range"]
        box = ((float(p1[0]), float(p1[1])), (lo, hi))
    progress(f"following {label or 'every special point'} in ({args.param}, {args.param2})")
    cr = continue_curve(model, args.param, args.param2, start=label, result=res, box=box,
                        ds=args.ds, max_points=args.max_points or 1000, max_time=args.max_time)
    if args.plot:
        from ..report.bifurcation import curves_figure

        fig = curves_figure(cr)
        fig.savefig(args.plot, bbox_inches="tight", dpi=150)
        progress(f"wrote {args.plot}")
    if args.json:
        emit_json(cr.to_dict())
        return 0
    a, b = cr.parameters
    for cv in cr.curves:
        print(f"{cv.kind} curve from {cv.origin}: {len(cv.p)} points, {a} in "
              f"[{cv.p[:, 0].min():.6g}, {cv.p[:, 0].max():.6g}], {b} in "
              f"[{cv.p[:, 1].min():.6g}, {cv.p[:, 1].max():.6g}]; {cv.status}: {cv.message}")
        for pt in cv.points:
            st = ", ".join(f"{n}={v:.6g}" for n, v in list(zip(cr.names, pt.state))[:4])
            print(f"  {pt.type:>4} at {a} = {pt.p[0]:.10g}, {b} = {pt.p[1]:.10g} "
                  f"(± {pt.accuracy:.1e})  {st}")
    return 0


def _state_names(model: Any) -> tuple[str, ...]:
    return tuple(model.state_names)
