"""Progress of long analyses: messages, and counted steps a front end can show as a bar.

Every analysis that can take more than a few seconds takes ``progress=``: any callable that
receives one message string (``print`` will do). A progress object that also has
``step(task, done, total)`` — the command line's, which draws a bar on a terminal — receives
the counted steps as numbers; a plain callable receives them as messages ``task done/total``.

>>> say(print, "finding equilibria")
finding equilibria
>>> step(print, "thresholds", 2, 8)
thresholds 2/8
>>> say(None, "nothing happens")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["ProgressFn", "StepProgress", "say", "step"]

#: What analyses accept as ``progress``: a callable taking one message.
ProgressFn = Callable[[str], None]


@runtime_checkable
class StepProgress(Protocol):
    """A progress receiver that also counts steps (e.g. to draw a bar)."""

    def __call__(self, message: str) -> None: ...

    def step(self, task: str, done: int, total: int, note: str = "") -> None: ...


def say(progress: ProgressFn | None, message: str) -> None:
    """Pass a message on, if anyone listens."""
    if progress is not None:
        progress(message)


def step(progress: ProgressFn | None, task: str, done: int, total: int, note: str = ""
         ) -> None:
    """Report that ``done`` of ``total`` steps of ``task`` are finished (``note``: a short
    status such as ``"2 failed"``)."""
    if isinstance(progress, StepProgress):
        progress.step(task, done, total, note)
    elif progress is not None:
        progress(f"{task} {done}/{total}" + (f" ({note})" if note else ""))
