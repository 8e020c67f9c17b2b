"""``dynena export MODEL``: AUTO-07p input files or a PyDSTool specification."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .options import load_model_from_args, output_file, progress


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="write AUTO-07p files (NAME.c with the exact Jacobian, "
                                      "c.NAME) or a PyDSTool args specification")
    p.add_argument("model")
    p.add_argument("--set", metavar="NAME=VALUE", action="append", default=[])
    p.add_argument("--auto", metavar="DIR", default=None, help="folder for NAME.c and c.NAME")
    p.add_argument("--param", default=None, help="AUTO continuation parameter")
    p.add_argument("--from", dest="start", default=None,
                   help="equilibrium id to start from (default: the first stable one)")
    p.add_argument("--pydstool", metavar="FILE", default=None, help="PyDSTool .py file")
    p.add_argument("--overwrite", action="store_true", help="replace existing files")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import ParameterError

    if not args.auto and not args.pydstool:
        raise ParameterError("nothing to export: give --auto DIR and/or --pydstool FILE")
    if args.pydstool:
        output_file(args.pydstool, "--pydstool", overwrite=args.overwrite, suffixes=(".py",),
                    inputs=(args.model,))
    model = load_model_from_args(args)
    if args.auto:
        if not args.param:
            raise ParameterError("--auto needs --param (the continuation parameter)")
        if args.param not in model.parameters:
            raise ParameterError(f"--param {args.param}: model {model.name!r} has no such "
                                 f"parameter; its parameters: "
                                 f"{', '.join(model.parameters) or 'none'}")
        for f in (Path(args.auto) / f"{model.name}.c", Path(args.auto) / f"c.{model.name}"):
            if Path(args.auto).exists() and not Path(args.auto).is_dir():
                raise ParameterError(f"--auto {args.auto}: is a file, not a folder")
            if f.exists() and not args.overwrite:
                raise ParameterError(f"--auto {args.auto}: {f.name} exists there; pass "
                                     "--overwrite to replace it")
    if args.auto:
        from ..equilibrium import find_equilibria
        from ..export.auto07p import write_auto_files

        eq = find_equilibria(model, progress=progress)
        if not len(eq):
            raise ParameterError("no equilibrium to start AUTO-07p from")
        try:
            e = eq[args.start] if args.start else (eq.stable[0] if eq.stable else eq[0])
        except ParameterError as exc:
            raise ParameterError(f"--from {args.start}: {exc}") from None
        p0 = float(model.parameters[args.param])
        rng = model.parameter_ranges.get(args.param, (p0 - 10, p0 + 10))
        c, k = write_auto_files(model, args.param, args.auto, p_range=rng, start=e.state)
        progress(f"starting at {e.id}; run: gcc -c {c.name} ... (see docs/auto07p.md)")
        print(c)
        print(k)
    if args.pydstool:
        from ..export.pydstool import write_pydstool

        print(write_pydstool(model, Path(args.pydstool)))
    return 0
