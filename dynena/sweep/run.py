r"""Running a sweep on Dask's distributed scheduler, losing nothing.

Each point is one Dask task (:func:`run_point`): the model at the point's parameter values and
the analysis, returning a summary row and the full result. As each task completes, the client
writes ``DIR/points/<key>.json`` (atomically); the key is a hash of the model's mathematics, the
fixed and swept parameter values and the analysis, so a rerun after a crash or Ctrl-C finds
what is done and computes only the rest. A point whose analysis raises is recorded with its
error (``status: failed``) and the sweep goes on. Tasks are submitted with Dask's ``retries``,
so a worker that dies mid-task has its task rerun elsewhere. Nothing here is a pool, a queue
or a retry loop of dynena's own.

Where: an embedded ``LocalCluster`` (one single-threaded worker process per core, at most
``workers``) unless ``scheduler`` names a running one (``tcp://host:8786``). Workers of an
external cluster must see the model file at the same path.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._version import __version__
from ..errors import DynenaError, ParameterError
from ..progress import say, step
from ..results.jsonable import jsonable
from .spec import SweepSpec

__all__ = ["sweep", "SweepResult", "run_point"]

_COLUMNS = {
    "equilibria": ["n_equilibria", "n_stable", "n_saddles", "analysis_status"],
    "network": ["n_nodes", "n_edges", "min_threshold", "max_threshold", "analysis_status"],
    "flipflop": ["accuracy", "rmse", "n_nodes", "n_spurious", "n_edges", "n_saddles",
                 "n_slow_points", "clean", "diagnosis", "analysis_status"],
}


@dataclass(frozen=True)
class SweepResult:
    """The table (one row per point, in the spec's order) and where it was written."""

    rows: tuple[dict[str, Any], ...]
    axes: tuple[str, ...]
    columns: tuple[str, ...]
    directory: Path
    computed: int
    reused: int
    failed: int
    seconds: float
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        """Every point computed without error."""
        return self.failed == 0

    def to_dict(self) -> dict[str, Any]:
        return {"rows": list(self.rows), "axes": list(self.axes), "columns": list(self.columns),
                "directory": str(self.directory), "computed": self.computed,
                "reused": self.reused, "failed": self.failed, "seconds": self.seconds,
                "success": self.success, "files": {k: str(v) for k, v in self.files.items()}}


def run_point(model_path: str | None, sets: dict[str, str], point: dict[str, float],
              analysis: str) -> dict[str, Any]:
    """One point (runs on a worker): the summary row and the full result, or the error."""
    t0 = time.perf_counter()
    try:
        if analysis == "flipflop":
            row, full = _flipflop(sets, point)
        else:
            from ..model import load

            assert model_path is not None
            model = load(model_path).with_parameters({**sets, **point})
            row, full = _analyse(model, analysis)
        status, error = "ok", ""
    except DynenaError as exc:
        row, full, status, error = {}, None, "failed", str(exc)
    except Exception as exc:  # a bug at one point must not end the sweep: record it
        row, full, status = {}, None, "failed"
        error = f"internal error: {type(exc).__name__}: {exc}"
    return {"point": point, "status": status, "error": error, "row": row,
            "result": full, "seconds": time.perf_counter() - t0}


def _analyse(model: Any, analysis: str) -> tuple[dict[str, Any], dict[str, Any]]:
    from ..equilibrium import find_equilibria

    eq = find_equilibria(model)
    if analysis == "equilibria":
        return ({"n_equilibria": len(eq), "n_stable": len(eq.stable),
                 "n_saddles": len(eq.saddles), "analysis_status": str(eq.status)},
                jsonable(eq.to_dict()))
    from ..network import excitable_network

    net = excitable_network(model, equilibria=eq)
    th = [c.threshold for c in net.edges]
    return ({"n_nodes": len(net.node_ids), "n_edges": len(net.edges),
             "min_threshold": min(th) if th else None,
             "max_threshold": max(th) if th else None,
             "analysis_status": str(net.status)}, jsonable(net.to_dict()))


def _flipflop(sets: dict[str, str], point: dict[str, float]
              ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Train the ESN with these options and extract its network (the paper, at one point).
    ``clean``: every code a stable node, no spurious node, every single-bit flip an edge and
    nothing else, and no diagnosis."""
    from ..rnn.esn import ESNConfig, train_flipflop_esn
    from ..rnn.extract import analyse_flipflop
    from .spec import FLIPFLOP_OPTIONS

    opts: dict[str, Any] = {}
    merged: dict[str, str | float] = {**sets, **point}
    for k, v in merged.items():
        cast = FLIPFLOP_OPTIONS[k]
        x = float(v)
        if cast is int and x != int(x):
            raise ParameterError(f"flip-flop option {k!r} must be an integer, got {v!r}")
        opts[k] = cast(x)
    task = {k: opts.pop(k) for k in ("bits", "amplitude", "width", "p", "test_steps")
            if k in opts}
    bits = int(task.pop("bits", 3))
    cfg = ESNConfig(**opts)
    cfg.validate()
    esn, _ = train_flipflop_esn(bits, cfg, **{k: v for k, v in task.items()
                                              if k != "test_steps"})
    a = analyse_flipflop(esn, bits=bits, seed=cfg.seed, **task)
    edges = a.edges_at()
    flips = {(c.source, c.target) for c in edges}
    codes = {n.code for n in a.nodes if n.code is not None}
    clean = (len(codes) == 2**bits and not any(n.spurious for n in a.nodes)
             and len(flips) == len(edges) == bits * 2**bits and not a.diagnosis)
    return ({"accuracy": a.accuracy, "rmse": a.rmse, "n_nodes": len(a.nodes),
             "n_spurious": sum(n.spurious for n in a.nodes), "n_edges": len(edges),
             "n_saddles": len(a.saddles), "n_slow_points": len(a.slow_points),
             "clean": bool(clean), "diagnosis": "; ".join(a.diagnosis),
             "analysis_status": str(a.status)}, jsonable(a.to_dict()))


def point_key(digest: str, spec: SweepSpec, point: dict[str, float]) -> str:
    """A stable name for a point's file: the model's mathematics, every parameter value,
    the analysis."""
    text = json.dumps({"model": digest, "set": spec.sets, "point": point,
                       "analysis": spec.analysis}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def sweep(spec: SweepSpec, directory: str | Path, *, scheduler: str | None = None,
          workers: int | None = None, progress: Callable[[str], None] | None = None
          ) -> SweepResult:
    """Run ``spec`` into ``directory`` (see the module docstring) and write the table.

    The toggle switch has one equilibrium below its pitchfork at a = 2 and three above:

    >>> import tempfile
    >>> from pathlib import Path
    >>> from dynena.sweep import SweepSpec, parse_axis, sweep
    >>> spec = SweepSpec(Path("models/toggle.yaml"), (parse_axis("a=1.5,3"),))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     res = sweep(spec, d, workers=1)
    >>> [(r["a"], r["n_equilibria"], r["n_stable"]) for r in res.rows], res.success
    ([(1.5, 1, 1), (3.0, 3, 2)], True)
    """
    from ..model import load

    spec.check()
    t0 = time.perf_counter()
    out = Path(directory)
    pts_dir = out / "points"
    pts_dir.mkdir(parents=True, exist_ok=True)
    if spec.model is not None:
        model = load(spec.model)
        _check_parameters(model, spec)
        digest = model.digest()
    else:
        digest = f"flipflop-esn-{__version__}"  # the network is trained at each point
    points = spec.points()
    keys = [point_key(digest, spec, p) for p in points]
    done: dict[str, dict[str, Any]] = {}
    for k in keys:
        rec = _read(pts_dir / f"{k}.json")
        if rec is not None:
            done[k] = rec
    todo = [(k, p) for k, p in zip(keys, points) if k not in done]
    say(progress, f"{len(points)} points: {len(done)} already done, {len(todo)} to compute")
    if todo:
        done.update(_compute(spec, todo, pts_dir, scheduler, workers, progress))
    records = [done[k] for k in keys]
    axes = tuple(a.name for a in spec.axes)
    columns = tuple(_COLUMNS[spec.analysis])
    rows = tuple({**r["point"], "status": r["status"], "error": r["error"],
                  **{c: r["row"].get(c) for c in columns}, "seconds": r["seconds"]}
                 for r in records)
    files = _write_table(out, rows, axes, columns)
    (out / "sweep.json").write_text(json.dumps({
        "dynena": __version__, "model": None if spec.model is None else str(spec.model),
        "set": spec.sets,
        "axes": {a.name: (list(a.values) if a.sobol is None else {"sobol": list(a.sobol)})
                 for a in spec.axes},
        "samples": spec.samples, "analysis": spec.analysis, "points": len(points)}, indent=1))
    failed = sum(r["status"] != "ok" for r in rows)
    return SweepResult(rows, axes, columns, out, len(todo), len(points) - len(todo), failed,
                       time.perf_counter() - t0, files)


def _check_parameters(model: Any, spec: SweepSpec) -> None:
    known = set(model.parameters)
    for name in [*spec.sets, *(a.name for a in spec.axes)]:
        if name not in known:
            raise ParameterError(f"{name!r} is not a parameter of {model.name}; it has: "
                                 + (", ".join(sorted(known)) or "none"))


def _compute(spec: SweepSpec, todo: list[tuple[str, dict[str, float]]], pts_dir: Path,
             scheduler: str | None, workers: int | None,
             progress: Callable[[str], None] | None) -> dict[str, dict[str, Any]]:
    """Submit every missing point to Dask; write each result as it completes."""
    from distributed import as_completed

    client, cluster = _client(scheduler, workers)
    out: dict[str, dict[str, Any]] = {}
    try:
        model = None if spec.model is None else str(spec.model)
        futures = {client.submit(run_point, model, spec.sets, p, spec.analysis,
                                 key=f"dynena-point-{k}", retries=2, pure=False): k
                   for k, p in todo}
        failed = 0
        for n, fut in enumerate(as_completed(futures), 1):
            k = futures[fut]
            rec = fut.result()
            _atomic_write(pts_dir / f"{k}.json", json.dumps(rec, default=str))
            out[k] = rec
            failed += rec["status"] != "ok"
            step(progress, "sweep: points done", n, len(todo), f"{failed} failed")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return out


#: MALLOC_TRIM_THRESHOLD_ as the user started us (before any Dask nanny changed it)
_USER_MALLOC_TRIM = os.environ.get("MALLOC_TRIM_THRESHOLD_")


def _client(scheduler: str | None, workers: int | None) -> tuple[Any, Any]:
    import logging

    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="10s"), None
        except OSError as exc:
            raise ParameterError(f"--scheduler {scheduler!r}: cannot connect ({exc})") from None
    import dask

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # the workers inherit it
    n = max(1, min(int(workers or (os.cpu_count() or 1)), os.cpu_count() or 1))
    # Dask's nannies start workers with MALLOC_TRIM_THRESHOLD_=65536, which makes glibc hand
    # memory back to the system after every small free: the analyses allocate many arrays and
    # ran 1.7x slower per point in the workers than in a plain process (measured on the
    # flip-flop sweep). Keep glibc's own adaptive threshold (the thread pins stay). A nanny
    # also leaves the variable in this process's environment, where the next cluster's
    # workers would inherit it: put back what the user had.
    if _USER_MALLOC_TRIM is None:
        os.environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    else:
        os.environ["MALLOC_TRIM_THRESHOLD_"] = _USER_MALLOC_TRIM
    environ = {**dask.config.get("distributed.nanny.pre-spawn-environ"),
               "MALLOC_TRIM_THRESHOLD_": None}  # None: Dask does not set it
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
    return Client(cluster), cluster


def _read(path: Path) -> dict[str, Any] | None:
    """A finished point's record, or None when the file is damaged (then it is recomputed)."""
    try:
        rec = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return rec if isinstance(rec, dict) and "status" in rec and "point" in rec else None


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _write_table(out: Path, rows: tuple[dict[str, Any], ...], axes: tuple[str, ...],
                 columns: tuple[str, ...]) -> dict[str, Path]:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    names = [*axes, "status", "error", *columns, "seconds"]
    table = pa.Table.from_pylist([{k: r.get(k) for k in names} for r in rows])
    pq.write_table(table, out / "results.parquet")
    pacsv.write_csv(table, out / "results.csv")
    return {"parquet": out / "results.parquet", "csv": out / "results.csv"}


