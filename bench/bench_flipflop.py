"""The flagship end to end, and how the extraction cost grows with the reservoir size."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import budget

from dynena.rnn.esn import ESNConfig, train_flipflop_esn
from dynena.rnn.extract import analyse_flipflop


def bench_flagship() -> None:
    out = Path(tempfile.mkdtemp()) / "ff"
    exe = shutil.which("dynena", path=str(Path(sys.executable).parent)) or "dynena"
    t = time.perf_counter()
    subprocess.run([exe, "flipflop", "--bits", "3", "-o", str(out), "--jobs", "2"], check=True,
                   capture_output=True)
    budget("3-bit flagship: train, test, extract, thresholds, saddles, report", 
           time.perf_counter() - t, 30.0)


def bench_scaling() -> None:
    prev = None
    for N in (200, 500, 1000):
        esn, _ = train_flipflop_esn(3, ESNConfig(size=N, seed=0))
        t = time.perf_counter()
        a = analyse_flipflop(esn, bits=3, sweep=(1.0,))
        dt = time.perf_counter() - t
        grow = "" if prev is None else f", x{dt / prev:.2f} vs previous N"
        budget(f"extraction N={N}", dt, 180.0,
               note=f"{len(a.nodes)} nodes, {len(a.edges_at())} edges, "
               f"{sum(s.unstable_dim == 1 for s in a.saddles)} index-1 saddles{grow}; "
               + ", ".join(f"{k} {v:.1f}" for k, v in a.timings.items()))
        prev = dt


if __name__ == "__main__":
    bench_flagship()
    bench_scaling()
