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
``DYNENA_BENCH_VALUES`` (default 50) the number of parameter values of the continuation, and
``DYNENA_BENCH_FULL_SAMPLE`` (default: all of them) at how many of them, evenly spaced, the
from-scratch networks are computed (the cost then scaled to all values; 50 from scratch take
about an hour).
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
    from dynena.equilibrium import find_equilibria
    from dynena.network import excitable_network

    values = int(os.environ.get("DYNENA_BENCH_VALUES", "50"))
    sample = int(os.environ.get("DYNENA_BENCH_FULL_SAMPLE", str(values)))
    m = dynena.load("../models/ap_cube3.yaml")
    opts = dict(max_threshold=0.5, attractors=False)
    # below the heteroclinic switch at B = 1.5 (past it a full value gains edges and the warm
    # values before it are recomputed in full)
    lo, hi = 1.45, 1.45 + min(0.0018, 0.049 / max(1, values - 1)) * (values - 1)
    t = time.perf_counter()
    warm = dynena.continue_network(m, "B", lo, hi, points=values, max_bisections=0,
                                   max_time=36000.0, **opts)
    t_warm = time.perf_counter() - t
    # from scratch: every value (or ``sample`` of them, evenly spaced, the cost scaled up)
    grid = np.linspace(lo, hi, values)
    idx = sorted({int(round(k)) for k in np.linspace(0, values - 1, sample)})
    c = dynena.compile_model(m)
    t = time.perf_counter()
    traj, diff, same = 0, 0.0, True
    by_p = {pt.p: pt for pt in warm.points}
    for k in idx:
        cp = c.with_parameters({"B": float(grid[k])})
        net = excitable_network(cp, equilibria=find_equilibria(cp), **opts)
        traj += net.stats["trajectories"]
        got = {(e.source, e.target): e.threshold for e in by_p[float(grid[k])].network.edges}
        ref = {(e.source, e.target): e.threshold for e in net.edges}
        same &= set(got) == set(ref)
        diff = max([diff] + [abs(got[key] - ref[key]) for key in ref if key in got])
    t_full = time.perf_counter() - t
    scale = values / len(idx)
    report(f"3-cube design: network continuation over {values} values, warm vs each from "
           "scratch", warm.stats["trajectories"], traj * scale, "traj", "goal ratio <= 0.2",
           f"max threshold difference {diff:.1e} (goal 1e-5), edge sets "
           f"{'equal' if same else 'DIFFER'}, {warm.stats['warm_values']} values warm, "
           f"{warm.stats['recomputed_in_full']} recomputed; from scratch "
           + ("at every value" if len(idx) == values else
              f"measured at {len(idx)} evenly spaced values and scaled by {scale:.3g}")
           + f"; {t_warm:.0f} s vs {t_full * scale:.0f} s")


if __name__ == "__main__":
    bench_overhead()
    bench_flipflop_sweep()
    bench_network_continuation()
