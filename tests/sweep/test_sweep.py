"""Sweeps on Dask: counts against the discriminant of a cubic, a local cluster against an
external scheduler with two workers, resuming, failed points recorded, the command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from dynena.errors import ParameterError
from dynena.sweep import SweepSpec, load_spec, parse_axis, sweep

CUSP = ("dynena: 1\nname: cusp\nvariables: {x: {range: [-3, 3]}}\n"
        "parameters: {a: 1, b: 0}\nequations: {x: a*x - x**3 + b}\n")
A, B = (-1.0, 0.6, 1.5), (0.1, 0.5)


def _real_roots(a: float, b: float) -> int:
    """Independent count: real roots of x^3 - a x - b (numpy), none degenerate here."""
    r = np.roots([1.0, 0.0, -a, -b])
    return int(np.sum(np.abs(r.imag) < 1e-9))


@pytest.fixture(scope="module")
def cusp(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("cusp") / "cusp.yaml"
    p.write_text(CUSP)
    return p


def _stop(procs: list[subprocess.Popen]) -> None:
    """Terminate the Dask processes a test started; kill what does not stop in time."""
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=15)


def _spec(cusp: Path) -> SweepSpec:
    return SweepSpec(cusp, (parse_axis("a=-1,0.6,1.5"), parse_axis("b=0.1,0.5")))


def _table(res) -> list[tuple]:
    return [(r["a"], r["b"], r["status"], r["n_equilibria"], r["n_stable"], r["n_saddles"])
            for r in res.rows]


def test_counts_match_the_discriminant_and_resume_computes_only_the_rest(cusp, tmp_path):
    res = sweep(_spec(cusp), tmp_path / "s", workers=2)
    assert res.success and res.computed == 6 and res.reused == 0
    for r in res.rows:
        n = _real_roots(r["a"], r["b"])
        assert r["n_equilibria"] == n and r["n_stable"] == (n + 1) // 2
    for name in ("results.parquet", "results.csv", "sweep.json"):
        assert (tmp_path / "s" / name).exists()
    # a crash after four points: two point files are missing (one truncated mid-write)
    files = sorted((tmp_path / "s" / "points").glob("*.json"))
    files[0].unlink()
    files[1].write_text('{"status": "o')
    again = sweep(_spec(cusp), tmp_path / "s", workers=1)
    assert again.computed == 2 and again.reused == 4
    assert _table(again) == _table(res)
    import pyarrow.parquet as pq

    t = pq.read_table(tmp_path / "s" / "results.parquet").to_pylist()
    assert [(r["a"], r["b"], r["n_equilibria"]) for r in t] == \
        [(r["a"], r["b"], r["n_equilibria"]) for r in res.rows]


def test_an_external_scheduler_with_two_workers_gives_the_same_table(cusp, tmp_path):
    exe = Path(sys.executable).parent
    sched_file = tmp_path / "scheduler.json"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    procs = [subprocess.Popen([str(exe / "dask"), "scheduler", "--port", "0",
                               "--dashboard-address", ":0", "--scheduler-file", str(sched_file)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)]
    try:
        for _ in range(300):
            if sched_file.exists() and sched_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        procs += [subprocess.Popen([str(exe / "dask"), "worker", "--scheduler-file",
                                    str(sched_file), "--nthreads", "1", "--nworkers", "1",
                                    "--no-dashboard"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, env=env) for _ in range(2)]
        ext = sweep(_spec(cusp), tmp_path / "ext", scheduler=address)
    finally:
        _stop(procs)
    local = sweep(_spec(cusp), tmp_path / "local", workers=2)
    assert ext.success and _table(ext) == _table(local)


def test_a_failing_point_is_recorded_and_the_sweep_goes_on(tmp_path):
    m = tmp_path / "logm.yaml"
    m.write_text("dynena: 1\nname: logm\nvariables: {x: {range: [-3, 3]}}\n"
                 "parameters: {a: 1}\nequations: {x: log(a) - x}\n")
    res = sweep(SweepSpec(m, (parse_axis("a=-1,1,2"),)), tmp_path / "s", workers=1)
    bad = [r for r in res.rows if r["status"] != "ok"]
    assert res.failed == 1 and not res.success and bad[0]["a"] == -1.0
    assert "log" in bad[0]["error"] and "internal" not in bad[0]["error"]
    good = {r["a"]: r["n_equilibria"] for r in res.rows if r["status"] == "ok"}
    assert good == {1.0: 1, 2.0: 1}


def test_the_command_line(cusp, tmp_path):
    exe = shutil.which("dynena", path=str(Path(sys.executable).parent))
    out = tmp_path / "cli"
    r = subprocess.run([exe, "sweep", str(cusp), "--axis", "a=-1:1.5:3", "--axis", "b=0.1",
                        "--workers", "1", "-o", str(out), "--json"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert [row["n_equilibria"] for row in d["rows"]] == \
        [_real_roots(a, 0.1) for a in (-1.0, 0.25, 1.5)]
    assert (out / "sweep.svg").exists() and (out / "results.csv").exists()
    # a folder holding someone's files is not a sweep folder
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    r = subprocess.run([exe, "sweep", str(cusp), "--axis", "a=1", "-o", str(other)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "--overwrite" in r.stderr and "Traceback" not in r.stderr
    assert (other / "notes.txt").read_text() == "mine"


def test_spec_files_and_their_errors(cusp, tmp_path):
    spec_file = tmp_path / "s.yaml"
    spec_file.write_text(f"sweep: 1\nmodel: {cusp}\naxes:\n  a: {{grid: [0.5, 1.5, 3]}}\n"
                         "  b: {sobol: [0, 0.2]}\nsamples: 4\nanalysis: equilibria\n")
    spec = load_spec(spec_file)
    pts = spec.points()
    assert len(pts) == 3 * 4 and all(0 <= p["b"] <= 0.2 for p in pts)
    spec_file.write_text(f"sweep: 1\nmodel: {cusp}\naxes:\n  a: {{grid: [0.5]}}\n")
    with pytest.raises(ParameterError, match=str(spec_file)):
        load_spec(spec_file)
    with pytest.raises(ParameterError, match="not a parameter"):
        sweep(SweepSpec(cusp, (parse_axis("c=1,2"),)), tmp_path / "x", workers=1)
    for bad in ("a", "a=1:2", "a=1:2:x", "a=2:1:3", "a=1,foo"):
        with pytest.raises(ParameterError, match="axis"):
            parse_axis(bad)


def test_flipflop_sweep_finds_the_small_reservoir_failure(tmp_path):
    """The paper's reference (science notes §5): N = 200 gives the clean 3-bit network (8
    nodes, 24 single-bit edges, accuracy 1); N = 50 does not (missing flips, same-sign
    switches). Each point trains its own network."""
    spec = SweepSpec(None, (parse_axis("size=50,200"),), "flipflop", {"bits": "3"})
    res = sweep(spec, tmp_path / "ff", workers=2)
    by = {int(r["size"]): r for r in res.rows}
    assert res.success
    assert by[200]["clean"] and by[200]["n_nodes"] == 8 and by[200]["n_edges"] == 24
    assert by[200]["accuracy"] == pytest.approx(1.0)
    assert not by[50]["clean"] and by[50]["diagnosis"]
    with pytest.raises(ParameterError, match="not a flip-flop option"):
        sweep(SweepSpec(None, (parse_axis("a=1,2"),), "flipflop"), tmp_path / "x")


def test_a_worker_killed_mid_sweep_loses_nothing(cusp, tmp_path):
    """Two external workers; one is killed while points are running. Dask reruns its tasks on
    the other worker: every point is in the table, once."""
    import signal

    exe = Path(sys.executable).parent
    sched_file = tmp_path / "scheduler.json"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    procs = [subprocess.Popen([str(exe / "dask"), "scheduler", "--port", "0",
                               "--dashboard-address", ":0", "--scheduler-file", str(sched_file)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)]
    try:
        for _ in range(300):
            if sched_file.exists() and sched_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        workers = [subprocess.Popen([str(exe / "dask"), "worker", "--scheduler-file",
                                     str(sched_file), "--nthreads", "1", "--nworkers", "1",
                                     "--no-nanny", "--no-dashboard"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    env=env) for _ in range(2)]
        procs += workers
        killed = []

        def kill_one(msg: str) -> None:
            # after the first finished point, the others are running or queued
            if msg.startswith("sweep: points done 1/") and not killed:
                workers[0].send_signal(signal.SIGKILL)
                killed.append(True)

        spec = SweepSpec(cusp, (parse_axis("a=-1:1.5:12"), parse_axis("b=0.1,0.5")))
        res = sweep(spec, tmp_path / "k", scheduler=address, progress=kill_one)
        assert killed and workers[0].wait(timeout=10) == -signal.SIGKILL
    finally:
        _stop(procs)
    assert res.success and len(res.rows) == 24
    keys = [(r["a"], r["b"]) for r in res.rows]
    assert len(set(keys)) == 24
    for r in res.rows:
        assert r["n_equilibria"] == _real_roots(r["a"], r["b"])
    assert len(list((tmp_path / "k" / "points").glob("*.json"))) == 24
