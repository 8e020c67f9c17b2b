"""Options shared by every command, and the translation of errors into exit codes."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DynenaError, ParameterError
from ..results.jsonable import jsonable as _jsonable
from .progress import CliProgress

__all__ = ["add_model_args", "load_model_from_args", "emit_json", "progress", "run_safely",
           "parse_state", "number", "count", "jobs", "output_file"]


def number(low: float | None = None, high: float | None = None, *, low_open: bool = True,
           high_open: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite float in the interval given (open or closed at each end)."""
    lo_s = "" if low is None else f"{'>' if low_open else '>='} {low:g}"
    hi_s = "" if high is None else f"{'<' if high_open else '<='} {high:g}"
    want = " and ".join(x for x in (lo_s, hi_s) if x)

    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expects a number, got {text!r}") from None
        ok = np.isfinite(v)
        if ok and low is not None:
            ok = v > low if low_open else v >= low
        if ok and high is not None:
            ok = v < high if high_open else v <= high
        if not ok:
            raise argparse.ArgumentTypeError(f"expects a finite number{' ' + want if want else ''}"
                                             f", got {text!r}")
        return v

    return parse


def count(low: int = 1, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer in [low, high]."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expects an integer, got {text!r}") from None
        if v < low or (high is not None and v > high):
            rng = f">= {low}" if high is None else f"from {low} to {high}"
            raise argparse.ArgumentTypeError(f"expects an integer {rng}, got {text!r}")
        return v

    return parse


def output_file(path: str, option: str, *, overwrite: bool, suffixes: tuple[str, ...] = (),
                inputs: tuple[str, ...] = ()) -> Path:
    """Check an output file before any work: known suffix, folder exists, not an input, and
    nothing the user wrote is replaced without ``--overwrite``."""
    p = Path(path)
    if suffixes and p.suffix.lower() not in suffixes:
        raise ParameterError(f"{option} {path}: unknown file type {p.suffix or '(none)'!r}; "
                             f"give a name ending in {', '.join(suffixes)}")
    if p.is_dir():
        raise ParameterError(f"{option} {path}: is a folder; give a file name")
    if not p.parent.resolve().is_dir():
        raise ParameterError(f"{option} {path}: the folder {str(p.parent)!r} does not exist")
    for other in inputs:
        if other and Path(other).resolve() == p.resolve():
            raise ParameterError(f"{option} {path}: is an input of this command; writing it "
                                 "would destroy it, even with --overwrite")
    if p.exists() and not overwrite:
        raise ParameterError(f"{option} {path}: the file exists; pass --overwrite to replace it")
    return p


def jobs(text: str) -> int:
    """``--jobs``: 1 to 8 × the machine's cores."""
    return count(1, 8 * (os.cpu_count() or 1))(text)


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
        try:
            model = model.with_parameters(sets)
        except ParameterError as exc:
            given = " ".join(f"{k}={v}" for k, v in sets.items())
            raise ParameterError(f"--set {given}: {exc}") from None
    return model


def parse_state(text: str, names: tuple[str, ...], what: str = "variable",
                option: str | None = None) -> np.ndarray:
    """``"x=1,y=2"`` (missing names are 0) or ``"1,2"`` (all values) into a state vector;
    errors name ``option`` (such as ``--x0``) when given."""
    try:
        return _parse_state(text, names, what)
    except ParameterError as exc:
        if option is None:
            raise
        raise ParameterError(f"{option} {text}: {exc}") from None


def _parse_state(text: str, names: tuple[str, ...], what: str) -> np.ndarray:
    parts = [s.strip() for s in text.split(",") if s.strip()]
    x = np.zeros(len(names))
    if parts and all("=" in s for s in parts):
        for s in parts:
            k, v = s.split("=", 1)
            if k.strip() not in names:
                raise ParameterError(f"unknown {what} {k.strip()!r} in {text!r}; the model's "
                                     f"{what}s: {', '.join(names[:10]) or 'none'}")
            try:
                x[names.index(k.strip())] = float(v)
            except ValueError:
                raise ParameterError(f"cannot read {k.strip()}={v.strip()!r} in {text!r}: "
                                     "not a number") from None
        if not np.all(np.isfinite(x)):
            raise ParameterError(f"{text!r} has a non-finite value")
        return x
    try:
        vals = [float(s) for s in parts]
    except ValueError:
        raise ParameterError(f"cannot read state {text!r}: give 'x=1,y=2' or '1,2'") from None
    if len(vals) != len(names):
        raise ParameterError(f"{text!r} has {len(vals)} values, the model has "
                             f"{len(names)} {what}s")
    if not np.all(np.isfinite(vals)):
        raise ParameterError(f"{text!r} has a non-finite value")
    return np.array(vals)


def emit_json(obj: Any) -> None:
    """Print one JSON object on stdout (non-finite numbers become null)."""
    sys.stdout.write(json.dumps(_jsonable(obj), indent=2) + "\n")


#: Progress lines and bars on stderr (never on stdout, which may carry JSON).
progress = CliProgress()


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
