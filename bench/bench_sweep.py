"""Sweeps on Dask against the same points run one after another in this process.

1. A 64-point flip-flop sweep (N = 200; 8 spectral radii × 8 seeds; each point trains the ESN
   and extracts its network) on a 2-worker LocalCluster; baseline: ``run_point`` on the same
   points in a loop here. Goal: ≥ 1.7× faster on 2 cores.
2. Scheduler overhead per point: 64 trivial points (equilibria of the logistic map) through
   the same machinery; the overhead is the sweep's wall time minus the serial work shared by
   the workers, per point — with and without the local cluster's start-up. Goal ≤ 50 ms.

3. Network continuation of the Ashwin–Postlethwaite 3-cube design (32 variables, 16 states,
   48 edges) over B (the threshold law's parameter) with warm-started thresholds, against
   the same grid computed value by value from scratch (``warm=False``): trajectories, and
   the largest threshold difference. Goal: ≥ 5× cheaper, the same thresholds to 1e-5.

``DYNENA_BENCH_POINTS`` (default 64) sets the number of flip-flop points (8 seeds × k radii);
``DYNENA_BENCH_VALUES`` (default 50) the number of parameter values of the continuation.
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


def bench_network_continuation() -> None:
    import numpy as np

    import dynena

    values = int(os.environ.get("DYNENA_BENCH_VALUES", "50"))
    m = dynena.load("../models/ap_cube3.yaml")
    kw = dict(points=values, max_threshold=0.5, attractors=False, max_bisections=0,
              max_time=36000.0)
    lo, hi = 1.45, 1.45 + 0.0018 * (values - 1)  # below the heteroclinic switch at B = 1.5
    t = time.perf_counter()
    warm = dynena.continue_network(m, "B", lo, hi, **kw)
    t_warm = time.perf_counter() - t
    t = time.perf_counter()
    full = dynena.continue_network(m, "B", lo, hi, warm=False, **kw)
    t_full = time.perf_counter() - t
    diff = max(abs(a.edges[k]["threshold"] - b.edges[k]["threshold"])
               for a, b in zip(warm.points, full.points) for k in a.edges if k in b.edges)
    same = all(set(a.edges) == set(b.edges) for a, b in zip(warm.points, full.points))
    report(f"3-cube design: network continuation over {values} values, warm vs each from "
           "scratch", warm.stats["trajectories"], full.stats["trajectories"], "traj",
           "goal ratio <= 0.2",
           f"max threshold difference {diff:.1e} (goal 1e-5), edge sets "
           f"{'equal' if same else 'DIFFER'}, {warm.stats['warm_values']} values warm, "
           f"{warm.stats['recomputed_in_full']} recomputed; {t_warm:.0f} s vs {t_full:.0f} s; "
           f"thresholds {np.min([e['threshold'] for e in full.points[-1].edges.values()]):.4f}"
           f"..{np.max([e['threshold'] for e in full.points[0].edges.values()]):.4f}")


if __name__ == "__main__":
    bench_overhead()
    bench_flipflop_sweep()
    bench_network_continuation()
