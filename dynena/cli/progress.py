"""Progress on stderr (never stdout, which may carry JSON): a tqdm bar per counted task when
stderr is a terminal, plain lines otherwise, nothing with ``--quiet``."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

__all__ = ["CliProgress"]


class CliProgress:
    """The command line's progress receiver (see :mod:`dynena.progress`).

    ``progress(message)`` prints ``dynena: message``; ``progress.step(task, done, total)``
    moves a bar on a terminal, and on a pipe or file prints ``dynena: task done/total`` at most
    every ``interval`` seconds per task, always the first and the last, with the time left.
    ``DYNENA_QUIET`` (set by ``--quiet``) silences both; warnings and errors still appear.
    """

    def __init__(self, interval: float = 2.0) -> None:
        self.interval = interval
        self._bar: Any = None
        self._task = ""
        self._start: dict[str, float] = {}
        self._last: dict[str, float] = {}

    @staticmethod
    def _quiet() -> bool:
        return bool(os.environ.get("DYNENA_QUIET"))

    def __call__(self, message: str) -> None:
        if self._quiet():
            return
        line = f"dynena: {message}"
        if self._bar is not None:
            self._bar.write(line, file=sys.stderr)  # above the bar, which stays
        else:
            print(line, file=sys.stderr, flush=True)

    def step(self, task: str, done: int, total: int, note: str = "") -> None:
        if self._quiet():
            return
        now = time.monotonic()
        if done == 0 or task not in self._start:
            self._start[task] = now
        if sys.stderr.isatty():
            self._bar_step(task, done, total, note)
            return
        finished = done >= total
        if not finished and done > 0 and now - self._last.get(task, -1e9) < self.interval:
            return
        self._last[task] = now
        left = ""
        if 0 < done < total:
            left = f", about {(now - self._start[task]) / done * (total - done):.0f} s left"
        extra = f" ({note}{left})" if note else (f" ({left[2:]})" if left else "")
        print(f"dynena: {task} {done}/{total}{extra}", file=sys.stderr, flush=True)

    def _bar_step(self, task: str, done: int, total: int, note: str) -> None:
        from tqdm import tqdm

        if self._bar is None or self._task != task:
            self.close()
            try:  # a terminal that reports no size (a bare pseudo-terminal): 80 × 24
                size = os.get_terminal_size(sys.stderr.fileno())
                cols, rows = size.columns or 80, size.lines or 24
            except OSError:
                cols, rows = 80, 24
            self._bar = tqdm(total=total, desc=f"dynena: {task}", file=sys.stderr,
                             unit="step", leave=True, ncols=cols, nrows=rows)
            self._task = task
        self._bar.total = total
        if note:
            self._bar.set_postfix_str(note, refresh=False)
        self._bar.update(done - self._bar.n)
        if done >= total:
            self.close()

    def close(self) -> None:
        """End the current bar (the next message starts on a fresh line)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
            self._task = ""
