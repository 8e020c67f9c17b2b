"""Options shared by every command, and the translation of errors into exit codes."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import DynenaError, ParameterError
from ..results.jsonable import jsonable as _jsonable

__all__ = ["add_model_args", "load_model_from_args", "emit_json", "progress", "run_safely",
           "parse_state"]


def add_model_args(p: argparse.ArgumentParser, *, json_flag: bool = True) -> None:
    p.add_argument("model", help="model file (YAML)")
    p.add_argument("--set", metavar="NAME=VALUE", action="append", default=[],
                   help="override a parameter (repeatable); exact values such as 8/3 allowed")
    if json_flag:
        p.add_argument("--json", action="store_true",
                       help="print one JSON object on stdout (progress goes to stderr)")


def parse_assignments(items: list[str], what: str = "--set") -> dict[str, str]:
    out: dict[str, str] = {}
    for it in items:
        if "=" not in it:
            raise ParameterError(f"{what} expects NAME=VALUE, got {it!r}")
        k, v = it.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def load_model_from_args(args: argparse.Namespace) -> Any:
    from ..model import load

    model = load(args.model)
    sets = parse_assignments(getattr(args, "set", []) or [])
    if sets:
        model = model.with_parameters(sets)
    return model


def parse_state(text: str, names: tuple[str, ...], what: str = "variable") -> np.ndarray:
    """``"x=1,y=2"`` (missing names are 0) or ``"1,2"`` (all values) into a state vector."""
    parts = [s.strip() for s in text.split(",") if s.strip()]
    x = np.zeros(len(names))
    if parts and all("=" in s for s in parts):
        for s in parts:
            k, v = s.split("=", 1)
            if k.strip() not in names:
                raise ParameterError(f"unknown {what} {k.strip()!r} in {text!r}; the model's "
                                     f"{what}s: {', '.join(names[:10]) or 'none'}")
            x[names.index(k.strip())] = float(v)
        return x
    try:
        vals = [float(s) for s in parts]
    except ValueError:
        raise ParameterError(f"cannot read state {text!r}: give 'x=1,y=2' or '1,2'") from None
    if len(vals) != len(names):
        raise ParameterError(f"{text!r} has {len(vals)} values, the model has "
                             f"{len(names)} {what}s")
    return np.array(vals)


def emit_json(obj: Any) -> None:
    """Print one JSON object on stdout (non-finite numbers become null)."""
    sys.stdout.write(json.dumps(_jsonable(obj), indent=2) + "\n")


def progress(msg: str) -> None:
    """A progress line on stderr (never on stdout, which may carry JSON)."""
    if not os.environ.get("DYNENA_QUIET"):
        print(f"dynena: {msg}", file=sys.stderr, flush=True)


def run_safely(fn: Callable[[], int | None]) -> int:
    """Run a command; turn expected errors into a one-paragraph message and exit status."""
    import warnings

    def _warn(message: Any, category: Any, filename: str, lineno: int, file: Any = None,
              line: Any = None) -> None:
        print(f"dynena: warning: {message}", file=sys.stderr)

    warnings.showwarning = _warn
    try:
        return int(fn() or 0)
    except DynenaError as exc:
        print(f"dynena: error: {exc}", file=sys.stderr)
        return 2
    except (FileExistsError, FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        print(f"dynena: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dynena: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:  # a bug: one paragraph, the traceback on request
        if os.environ.get("DYNENA_DEBUG"):
            raise
        print(f"dynena: internal error: {type(exc).__name__}: {exc}. This is a bug in dynena; "
              "rerun with DYNENA_DEBUG=1 for the traceback and report it.", file=sys.stderr)
        return 3
