"""The flagship end to end, and how the extraction cost grows with the reservoir size."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
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
    """The extraction (test run, fixed points, pulse thresholds, via-saddles, sweep) of dense
    3-bit flip-flop ESNs; issue 12's goals: N = 200 within 5 s, N = 2000 within 2 min (dense
    W: above ``extract.LARGE`` units Newton-Krylov with Arnoldi stability)."""
    prev = None
    times = {}
    for N in (200, 500, 1000, 2000):
        esn, _ = train_flipflop_esn(3, ESNConfig(size=N, seed=0))
        t = time.perf_counter()
        a = analyse_flipflop(esn, bits=3, sweep=(1.0,))
        dt = time.perf_counter() - t
        times[N] = dt
        grow = "" if prev is None else f", x{dt / prev:.2f} vs previous N"
        budget(f"extraction N={N}", dt, 5.0 if N == 200 else 120.0,
               note=f"{len(a.nodes)} nodes, {len(a.edges_at())} edges, "
               f"{sum(s.unstable_dim == 1 for s in a.saddles)} index-1 saddles{grow}; "
               + ", ".join(f"{k} {v:.1f}" for k, v in a.timings.items()))
        prev = dt
    Ns = np.array(sorted(times))
    slope = np.polyfit(np.log(Ns[1:]), np.log([times[n] for n in Ns[1:]]), 1)[0]
    print(f"growth exponent of the extraction time (N >= 500): {slope:.2f}")


if __name__ == "__main__":
    bench_flagship()
    bench_scaling()
