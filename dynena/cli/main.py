"""The ``dynena`` command: a thin layer over the library (one module per command)."""

from __future__ import annotations

import argparse
import os
import sys
from importlib import import_module
from typing import NoReturn

from .options import run_safely

_COMMANDS = ["check", "simulate", "equilibria", "continuation", "network", "report",
             "flipflop", "design", "export", "sweep", "continue_network", "rnn"]


class _Parser(argparse.ArgumentParser):
    """argparse with dynena's one-paragraph errors (no usage block), exit status 2."""

    def error(self, message: str) -> NoReturn:
        print(f"dynena: error: {self.prog}: {message} (see '{self.prog} --help')",
              file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    from .._version import __version__  # the package __init__ is light: analyses load lazily

    parser = _Parser(
        prog="dynena",
        description="Excitable network attractors of dynamical systems and recurrent networks.")
    parser.add_argument("--version", action="version", version=f"dynena {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        try:
            mod = import_module(f".{name}", __package__)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.endswith(f"cli.{name}"):
                continue  # command not built yet
            raise
        mod.register(sub)
    for cmd in sub.choices.values():
        cmd.add_argument("-q", "--quiet", action="store_true",
                         help="no progress lines on stderr (warnings and errors still appear)")
    return parser


def command_parsers() -> dict[str, argparse.ArgumentParser]:
    """The parser of each command, by name (the documentation prints their help)."""
    parser = build_parser()
    for action in parser._actions:  # argparse keeps its subcommands here
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    if getattr(args, "quiet", False):
        os.environ["DYNENA_QUIET"] = "1"  # read by options.progress, here and in workers
    return run_safely(lambda: args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
