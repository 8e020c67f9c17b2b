"""``dynena simulate MODEL --t-end T``: one trajectory, as a table, CSV or JSON."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .options import add_model_args, emit_json, load_model_from_args, parse_state, progress


def register(sub: Any) -> None:
    p = sub.add_parser("simulate", help="integrate (ode) or iterate (map) from a state")
    add_model_args(p)
    p.add_argument("--t-end", type=float, default=50.0, help="end time, or steps for a map")
    p.add_argument("--x0", default=None, help="initial state: 'x=1,y=2' or '1,2' (default: "
                   "the centre of each variable's range, else 0)")
    p.add_argument("--u", default=None, help="constant input: 's=0.5' or '0.5' (default 0)")
    p.add_argument("--csv", default=None, help="write the trajectory to this CSV file")
    p.add_argument("--stop-at-equilibrium", action="store_true")
    p.add_argument("--method", default="LSODA", help="solve_ivp method (ode)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..compile import compile_model
    from ..simulation import simulate

    model = load_model_from_args(args)
    c = compile_model(model)
    if args.x0:
        x0 = parse_state(args.x0, c.names)
    else:
        x0 = np.array([np.mean(getattr(model, "ranges", {}).get(v, (0.0, 0.0))) for v in c.names])
    progress(f"simulating {model.name} from {np.array2string(x0, precision=4)[:80]}")
    u = parse_state(args.u, tuple(c.input_names), "input") if args.u else None
    tr = simulate(c, x0, args.t_end, u=u, method=args.method,
                  stop_at_equilibrium=args.stop_at_equilibrium)
    if args.csv:
        tr.to_csv(args.csv)
        progress(f"wrote {len(tr.t)} rows to {args.csv}")
    if args.json:
        emit_json({"model": model.name, "parameters": c.parameter_values(), **tr.to_dict()})
    else:
        print(f"{model.name}: {tr.status} ({tr.message}); {len(tr.t)} points, nfev={tr.nfev}")
        print("final state: " + ", ".join(f"{n}={v:.6g}" for n, v in
                                          list(zip(tr.names, tr.final))[:20]))
    return 0 if tr.success else 1
