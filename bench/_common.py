"""Helpers shared by the benchmarks: timing and a uniform report line."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def best_of(fn: Callable[[], Any], repeat: int = 5, number: int = 1) -> float:
    """Best wall time per call over ``repeat`` rounds of ``number`` calls."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t) / number)
    return best


def report(name: str, ours: float, base: float, unit: str = "s", goal: str = "",
           note: str = "") -> None:
    ratio = ours / base if base else float("nan")
    print(f"{name:<58} ours {ours:10.4g} {unit:<4} baseline {base:10.4g} {unit:<4} "
          f"ratio {ratio:7.3f}  {goal:<18} {note}", flush=True)


def budget(name: str, value: float, limit: float, unit: str = "s", note: str = "") -> None:
    ok = "ok" if value <= limit else "OVER"
    print(f"{name:<58} {value:10.4g} {unit:<4} budget {limit:g} {unit}  "
          f"ratio {value / limit:6.3f}  [{ok}] {note}", flush=True)
