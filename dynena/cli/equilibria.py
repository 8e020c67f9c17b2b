"""``dynena equilibria MODEL``: all equilibria in the box, classified."""

from __future__ import annotations

import argparse
from typing import Any

from .options import add_model_args, count, emit_json, load_model_from_args, number, progress


def register(sub: Any) -> None:
    p = sub.add_parser("equilibria", help="find and classify equilibria (fixed points of maps)")
    add_model_args(p)
    p.add_argument("--starts", type=count(1, 10**7), default=None, help="number of Sobol starts")
    p.add_argument("--stable-only", action="store_true", help="only the stable equilibria")
    p.add_argument("--max-time", type=number(0), default=120.0, help="time budget in seconds")
    p.add_argument("--tol", type=number(0), default=1e-10, help="residual tolerance")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..equilibrium import find_equilibria

    model = load_model_from_args(args)
    progress(f"searching equilibria of {model.name}")
    res = find_equilibria(model, n_starts=args.starts, stable_only=args.stable_only,
                          max_time=args.max_time, tol=args.tol, progress=progress)
    if args.json:
        emit_json(res.to_dict())
        return 0
    print(f"{res.model}: {len(res)} equilibria ({res.message}); parameters "
          + ", ".join(f"{k}={v:g}" for k, v in res.parameters.items()))
    print(f"  method: {res.method}; {res.guarantee}")
    if res.symmetry:
        print(f"  symmetry: {', '.join(res.symmetry[:6])}{' ...' if len(res.symmetry) > 6 else ''}")
    for e in res.equilibria[:60]:
        st = ", ".join(f"{n}={v:.6g}" for n, v in list(zip(e.names, e.state))[:6])
        ev = ", ".join(f"{z.real:.4g}{z.imag:+.4g}j" if abs(z.imag) > 0 else f"{z.real:.4g}"
                       for z in e.eigenvalues[:4])
        extra = f" label={e.label}" if e.label else ""
        print(f"  {e.id:>4} {e.type:<24} ({st})  eig [{ev}{', ...' if len(e.eigenvalues) > 4 else ''}]"
              f"  |F|={e.residual:.1e}{extra}")
    if len(res) > 60:
        print(f"  ... {len(res) - 60} more (use --json)")
    for s in res.slow_points:
        print(f"  slow point q={s.q:.3g} (not an equilibrium)")
    return 0
