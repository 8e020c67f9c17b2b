"""``dynena simulate MODEL --t-end T``: one trajectory, as a table, CSV or JSON."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ..errors import ConvergenceError
from ..flow.simulation import METHODS
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
    p = sub.add_parser("simulate", help="integrate (ode) or iterate (map) from a state")
    add_model_args(p)
    p.add_argument("--t-end", type=number(0), default=50.0, help="end time, or steps for a map")
    p.add_argument("--x0", default=None, help="initial state: 'x=1,y=2' or '1,2' (default: "
                   "the centre of each variable's range, else 0)")
    p.add_argument("--u", default=None, help="constant input: 's=0.5' or '0.5' (default 0)")
    p.add_argument("--csv", default=None, help="write the trajectory to this CSV file")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --csv file")
    p.add_argument("--stop-at-equilibrium", action="store_true")
    p.add_argument("--method", default="LSODA", choices=METHODS,
                   help="solve_ivp method (ode; default LSODA)")
    p.add_argument("--max-steps", type=count(1), default=None,
                   help="step budget (default 10^6 for an ode, 10^7 values for a map)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..compile import compile_model
    from ..flow.simulation import simulate

    if args.csv:
        output_file(args.csv, "--csv", overwrite=args.overwrite, suffixes=(".csv", ".txt"),
                    inputs=(args.model,))
    model = load_model_from_args(args)
    c = compile_model(model)
    if args.x0:
        x0 = parse_state(args.x0, c.names, option="--x0")
    else:
        x0 = np.array([np.mean(model.ranges.get(v, (0.0, 0.0))) for v in c.names])
    progress(f"simulating {model.name} from {np.array2string(x0, precision=4)[:80]}")
    u = parse_state(args.u, tuple(c.input_names), "input", option="--u") if args.u else None
    tr = simulate(c, x0, args.t_end, u=u, method=args.method, max_steps=args.max_steps,
                  stop_at_equilibrium=args.stop_at_equilibrium)
    if tr.status == "budget":
        raise ConvergenceError(f"{model.name}: {tr.message}; shorten --t-end or raise "
                               "--max-steps")
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
