"""Continuation against AUTO-07p on the same models, side by side (issue: continuation)."""

from __future__ import annotations

import re
import time

import numpy as np
from _common import budget, report

import dynena
from dynena.continuation import continue_equilibrium
from dynena.equilibrium import find_equilibria
from dynena.export.auto07p import auto_available, run_auto

EXACT = {("brusselator", "H"): 2.0, ("lorenz", "H"): 470 / 19, ("lorenz", "BP"): 1.0,
         ("toggle", "BP"): 2.0, ("logistic", "PD"): 3.0}


def bench_against_auto() -> None:
    for name, param, rng in (("brusselator", "b", (1.0, 3.0)), ("lorenz", "rho", (0.0, 30.0)),
                             ("toggle", "a", (0.5, 6.0)), ("logistic", "r", (2.5, 3.5))):
        m = dynena.load(f"../models/{name}.yaml")
        c = dynena.compile_model(m)
        eq = find_equilibria(c)
        continue_equilibrium(c, param, equilibria=eq, p_range=rng)  # warm (numba)
        t = time.perf_counter()
        ours = continue_equilibrium(c, param, equilibria=eq, p_range=rng)
        t_ours = time.perf_counter() - t
        if auto_available():
            t = time.perf_counter()
            auto, t_run = [], 0.0
            for e in eq:
                pts, log = run_auto(m, param, e.state, rng)
                auto += pts
                t_run += sum(float(x) for x in re.findall(r"Total Time\s+([0-9.Ee+-]+)", log))
            t_auto = time.perf_counter() - t
        else:
            auto, t_auto, t_run = [], float("nan"), float("nan")
        errs = []
        for (nm, typ), exact in EXACT.items():
            if nm != name:
                continue
            o = min((abs(sp.p - exact) for sp in ours.special_points(typ)), default=np.nan)
            a = min((abs(p.p - exact) for p in auto if p.type == typ), default=np.nan)
            errs.append(f"{typ}: dynena err {o:.1e}, AUTO err {a:.1e}")
        report(f"{name}: all branches + special points, dynena vs AUTO-07p run alone", t_ours,
               t_run, "s", "goal <= 1 (no slower)",
               "; ".join(errs) + f" (AUTO with its compile and link: {t_auto:.2f} s)")


def bench_500_points() -> None:
    m = dynena.load("../models/lorenz.yaml")
    c = dynena.compile_model(m)
    x0 = np.array([np.sqrt(8 / 3 * 27), np.sqrt(8 / 3 * 27), 27.0])
    continue_equilibrium(c, "rho", start=x0, max_points=10, switch=False)
    t = time.perf_counter()
    r = continue_equilibrium(c, "rho", start=x0, max_points=250, ds=0.05, ds_max=0.05,
                             p_range=(-1e9, 1e9), switch=False)
    dt = time.perf_counter() - t
    budget("500-point branch of a 3-variable model (Lorenz C+)", dt, 0.5,
           note=f"{len(r.branches[0].p)} points")



def bench_curves_against_auto() -> None:
    """Two-parameter curves: AUTO-07p's run alone (its own "Total Time", compile and link
    excluded) against dynena's curve alone (compiled model and symbolic derivatives cached),
    same start, same box; AUTO's curve points checked to lie on dynena's curve."""
    import sys

    sys.path.insert(0, "../tests/continuation")
    from test_codim2 import BT, CUSP, ZH  # the normal forms of the test suite

    from dynena.continuation import continue_curve
    from dynena.export.auto07p import run_auto_curve

    if not auto_available():
        print("AUTO-07p not installed: two-parameter comparison skipped")
        return
    lorenz = dynena.load("../models/lorenz.yaml")
    for m, a, b, kind, box in ((CUSP, "a", "b", "LP", ((-2.0, 2.0), (-1.0, 2.0))),
                               (BT, "b1", "b2", "H", ((-2.0, 2.0), (-2.0, 2.0))),
                               (ZH, "b1", "b2", "LP", ((-2.0, 2.0), (-2.0, 2.0))),
                               (lorenz, "rho", "sigma", "H", ((20.0, 30.0), (6.0, 20.0)))):
        c = dynena.compile_model(m)
        x0 = max((e.state for e in find_equilibria(c)), key=lambda s: float(s[0]))
        auto = run_auto_curve(m, a, b, x0, kind, box[0], box[1], ds_max=0.05)
        one = continue_equilibrium(c, a, start=x0, p_range=box[0])
        label = next(k for k, sp in one.labelled().items() if sp.type == kind)
        continue_curve(c, a, b, start=label, result=one, box=box, ds_max=0.05)  # warm
        t = time.perf_counter()
        r = continue_curve(c, a, b, start=label, result=one, box=box, ds_max=0.05)
        dt = time.perf_counter() - t
        cv = r.curves[0]
        report(f"{m.name}: {kind} curve in ({a}, {b}), dynena vs AUTO-07p run alone", dt,
               auto.seconds, "s", "lower is better",
               f"dynena {len(cv.p)} points, codim-2 {[p.type for p in cv.points]}; AUTO "
               f"{len(auto.p)} points, codim-2 {sorted({t for t, _, _ in auto.points})}")



def bench_cycles_against_auto() -> None:
    """A branch of 200 periodic orbits at 20 x 4 collocation: AUTO-07p's run alone (its own
    "Total Time", no compile, one OpenMP thread) against dynena's branch alone (compiled model
    cached, the one-parameter equilibrium run done beforehand): goal within 3x."""
    from dynena.continuation import continue_cycles
    from dynena.export.auto07p import run_auto_cycles

    if not auto_available():
        print("AUTO-07p not installed: periodic-orbit comparison skipped")
        return
    for name, param, rng in (("brusselator", "b", (1.0, 30.0)),):
        m = dynena.load(f"../models/{name}.yaml")
        c = dynena.compile_model(m)
        x0 = find_equilibria(c)[0].state
        one = continue_equilibrium(c, param, start=x0, p_range=rng)
        auto = run_auto_cycles(m, param, x0, rng, nmx=200, ds_max=0.05)
        continue_cycles(c, param, result=one, max_points=10)  # warm
        t = time.perf_counter()
        r = continue_cycles(c, param, result=one, max_points=200, ds_max=0.05)
        dt = time.perf_counter() - t
        cb = r.cycles[0]
        report(f"{name}: 200 cycles, 20 x 4 collocation, dynena vs AUTO-07p run alone", dt,
               auto.seconds, "s", "goal <= 3x",
               f"dynena {len(cb.p)} cycles to {param} = {cb.p[-1]:.4g} (period "
               f"{cb.period[-1]:.4g}); AUTO {len(auto.rows)} to {auto.rows[-1, 0]:.4g} "
               f"(period {auto.rows[-1, 1]:.4g})")


if __name__ == "__main__":
    bench_against_auto()
    bench_500_points()
    bench_curves_against_auto()
    bench_cycles_against_auto()
