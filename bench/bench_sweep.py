"""Sweeps on Dask against the same points run one after another in this process.

1. A 64-point flip-flop sweep (N = 200; 8 spectral radii × 8 seeds; each point trains the ESN
   and extracts its network) on a 2-worker LocalCluster; baseline: ``run_point`` on the same
   points in a loop here. Goal: ≥ 1.7× faster on 2 cores.
2. Scheduler overhead per point: 64 trivial points (equilibria of the logistic map) through
   the same machinery; the overhead is the sweep's wall time minus the serial work shared by
   the workers, per point — with and without the local cluster's start-up. Goal ≤ 50 ms.

``DYNENA_BENCH_POINTS`` (default 64) sets the number of flip-flop points (8 seeds × k radii).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from _common import budget, report

from dynena.sweep import SweepSpec, parse_axis, run_point, sweep


def bench_flipflop_sweep() -> None:
    n = int(os.environ.get("DYNENA_BENCH_POINTS", "64"))
    radii = max(1, n // 8)
    spec = SweepSpec(None, (parse_axis(f"spectral_radius=0.3:0.8:{radii}"),
                            parse_axis("seed=0:7:8")), analysis="flipflop",
                     sets={"bits": "3", "size": "200"})
    pts = spec.points()
    t = time.perf_counter()
    serial = [run_point(None, spec.sets, p, "flipflop") for p in pts]
    base = time.perf_counter() - t
    out = Path(tempfile.mkdtemp()) / "ff"
    t = time.perf_counter()
    res = sweep(spec, out, workers=2)
    ours = time.perf_counter() - t
    same = sum(r["status"] == "ok" for r in serial) == len(res.rows) - res.failed
    report(f"flip-flop sweep, {len(pts)} points N=200, 2 workers vs serial", ours, base,
           goal="speed-up >= 1.7", note=f"speed-up {base / ours:.2f}; same ok count: {same}")


def bench_overhead() -> None:
    spec = SweepSpec(Path("../models/logistic.yaml"), (parse_axis("r=2.5:3.5:64"),))
    pts = spec.points()
    t = time.perf_counter()
    for p in pts:
        run_point(str(spec.model), {}, p, "equilibria")
    serial = time.perf_counter() - t
    from distributed import Client, LocalCluster

    t = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    start = time.perf_counter() - t
    address = cluster.scheduler_address
    try:
        out = Path(tempfile.mkdtemp()) / "o"
        with Client(address):  # workers warm: the sweep's own client connects to them
            t = time.perf_counter()
            sweep(spec, out, scheduler=address)
            wall = time.perf_counter() - t
    finally:
        cluster.close()
    per = (wall - serial / 2) / len(pts)
    budget("sweep scheduler overhead per point (running cluster)", per * 1e3, 50.0, "ms",
           note=f"{len(pts)} trivial points: wall {wall:.2f} s, serial work {serial:.2f} s")
    budget("... including the local cluster's start-up", (per + start / len(pts)) * 1e3, 50.0,
           "ms", note=f"start-up {start:.2f} s")


if __name__ == "__main__":
    bench_overhead()
    bench_flipflop_sweep()
