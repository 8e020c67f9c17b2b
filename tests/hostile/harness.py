"""Run one hostile-input case in-process: files in a fresh folder, the CLI, a time limit.

A case ends in one of five ways: ``ok`` (exit 0), ``error`` (a clean one-paragraph error,
exit 2), ``internal`` (exit 3: a bug), ``traceback`` (anything escaping ``main``) or
``timeout`` (the case's time limit passed: a hang).
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` swallows it."""


@dataclass
class Case:
    """One input and what must come of it.

    ``expect`` is ``"error"`` (with ``fragments`` that must all appear in the message,
    case-insensitively) or ``"ok"`` (with an optional ``check(stdout, folder)`` that
    asserts the answer is right, not only that it was given).
    """

    id: str
    argv: list[str]
    files: dict[str, Any] = field(default_factory=dict)
    expect: str = "error"
    fragments: tuple[str, ...] = ()
    check: Callable[[str, Path], None] | None = None
    timeout: float = 30.0
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Outcome:
    kind: str
    code: int | None
    stdout: str
    stderr: str


def _write(folder: Path, files: dict[str, Any]) -> None:
    for name, content in files.items():
        p = folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict):
            np.savez(p, **content)
        elif isinstance(content, bytes):
            p.write_bytes(content)
        elif callable(content):
            content(p)
        else:
            p.write_text(content)


def run_case(case: Case, folder: Path) -> Outcome:
    """Write the case's files into ``folder`` and run ``dynena ARGV`` there."""
    from dynena.cli.main import main

    _write(folder, case.files)
    out, err = io.StringIO(), io.StringIO()
    old_cwd = os.getcwd()
    old_env = {k: os.environ.get(k) for k in case.env}

    def _alarm(signum: int, frame: Any) -> None:
        raise _Timeout

    old_handler = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, case.timeout)
    code: int | None = None
    kind = "ok"
    try:
        os.chdir(folder)
        os.environ.update(case.env)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(case.argv))
            except SystemExit as exc:  # argparse's own usage errors
                code = exc.code if isinstance(exc.code, int) else 2
    except _Timeout:
        kind = "timeout"
    except Exception as exc:  # noqa: BLE001 - what escapes main is the finding
        kind = "traceback"
        err.write(f"{type(exc).__name__}: {exc}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        os.chdir(old_cwd)
        for k, v in old_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if kind == "ok":
        text = err.getvalue()
        if code == 0:
            kind = "ok"
        elif "internal error" in text:
            kind = "internal"
        elif "Traceback" in text:
            kind = "traceback"
        else:
            kind = "error"
    return Outcome(kind, code, out.getvalue(), err.getvalue())


def verdict(case: Case, outcome: Outcome, folder: Path) -> str | None:
    """None when the outcome is what the case expects, else what went wrong."""
    if outcome.kind != case.expect:
        return f"expected {case.expect}, got {outcome.kind} (exit {outcome.code}): " \
               f"{(outcome.stderr or outcome.stdout)[-600:]}"
    if case.expect == "error":
        msg = outcome.stderr.lower()
        missing = [f for f in case.fragments if f.lower() not in msg]
        if missing:
            return f"message lacks {missing}: {outcome.stderr[-600:]}"
        if "\n" in outcome.stderr.strip().split("dynena: error:")[-1].strip():
            return f"error is not one paragraph: {outcome.stderr[-600:]}"
    if case.expect == "ok" and case.check is not None:
        try:
            case.check(outcome.stdout, folder)
        except AssertionError as exc:
            return f"wrong answer: {exc}"
    return None
