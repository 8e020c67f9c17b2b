"""Continuation against AUTO-07p on the same models, side by side (issue: continuation)."""

from __future__ import annotations

import re
import time

import numpy as np
from _common import best_of, budget, report

import dynena
from dynena.continuation import continue_equilibrium
from dynena.equilibrium import find_equilibria
from dynena.export.auto07p import auto_available, run_auto

EXACT = {("brusselator", "H"): 2.0, ("lorenz", "H"): 470 / 19, ("lorenz", "BP"): 1.0,
         ("toggle", "BP"): 2.0, ("logistic", "PD"): 3.0}


def _auto_points(log: str) -> int:
    """Points AUTO-07p computed: the point numbers of the end points of its runs."""
    return sum(abs(int(k)) for k in re.findall(r"^\s+\d+\s+(-?\d+)\s+EP\s", log, re.M))


def bench_against_auto() -> None:
    """One-parameter runs, the same branches on both sides: from every equilibrium found at
    the start, both directions, same initial and largest step (0.01, 0.1), once without
    branch switching (AUTO's MXBF = 0) and once switching at branch points (MXBF = 10; maps
    without dynena's switch onto the doubled cycle, which AUTO does not do). AUTO's own
    "Total Time" (no compile, no link); dynena's continuation with its compiled loop already
    on disk (``compiled=True`` warmed once). Best of 5 on each side."""
    for name, param, rng in (("brusselator", "b", (1.0, 3.0)), ("lorenz", "rho", (0.0, 30.0)),
                             ("toggle", "a", (0.5, 6.0)), ("logistic", "r", (2.5, 3.5))):
        m = dynena.load(f"../models/{name}.yaml")
        c = dynena.compile_model(m)
        eq = find_equilibria(c)
        for switch, mxbf in ((False, 0), (True, 10)):
            kw = dict(equilibria=eq, p_range=rng, ds=0.01, ds_max=0.1, switch=switch,
                      max_period=1)
            ours = continue_equilibrium(c, param, compiled=True, **kw)  # warm (numba, once)
            t_ours = best_of(lambda c=c, param=param, kw=kw: continue_equilibrium(c, param, **kw))
            t_py = best_of(lambda c=c, param=param, kw=kw: continue_equilibrium(
                c, param, compiled=False, **kw), 3)
            n_ours = sum(len(b.p) for b in ours.branches)
            auto, t_run, n_auto = [], float("nan"), 0
            if auto_available():
                runs = []
                for _ in range(5):
                    auto, log = [], ""
                    for e in eq:
                        pts, lg = run_auto(m, param, e.state, rng, mxbf=mxbf)
                        auto += pts
                        log += lg
                    runs.append(sum(float(x) for x in
                                    re.findall(r"Total Time\s+([0-9.Ee+-]+)", log)))
                t_run, n_auto = min(runs), _auto_points(log)
            errs = []
            for (nm, typ), exact in EXACT.items():
                if nm != name:
                    continue
                o = min((abs(sp.p - exact) for sp in ours.special_points(typ)), default=np.nan)
                a = min((abs(p.p - exact) for p in auto if p.type == typ), default=np.nan)
                errs.append(f"{typ}: dynena err {o:.1e}, AUTO err {a:.1e}")
            report(f"{name}, {'switching at BP' if switch else 'no switching'}: dynena vs "
                   "AUTO-07p run alone", t_ours, t_run, "s", "goal <= 1 (no slower)",
                   f"points: dynena {n_ours}, AUTO {n_auto}; Python loop {t_py * 1e3:.1f} ms; "
                   + "; ".join(errs))


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
    "Total Time", no compile, one OpenMP thread) against dynena's branch alone (its compiled
    loop on disk, the one-parameter equilibrium run done beforehand), best of 5 on each side:
    goal within 3x."""
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
        autos = [run_auto_cycles(m, param, x0, rng, nmx=200, ds_max=0.05) for _ in range(5)]
        auto = autos[0]
        continue_cycles(c, param, result=one, max_points=10, compiled=True)  # warm (numba, once)
        dt = best_of(lambda c=c, param=param, one=one: continue_cycles(
            c, param, result=one, max_points=200, ds_max=0.05))
        t_py = best_of(lambda c=c, param=param, one=one: continue_cycles(
            c, param, result=one, max_points=200, ds_max=0.05, compiled=False), 3)
        r = continue_cycles(c, param, result=one, max_points=200, ds_max=0.05)
        cb = r.cycles[0]
        report(f"{name}: 200 cycles, 20 x 4 collocation, dynena vs AUTO-07p run alone", dt,
               min(a.seconds for a in autos), "s", "goal <= 3x",
               f"Python loop {t_py * 1e3:.1f} ms; "
               f"dynena {len(cb.p)} cycles to {param} = {cb.p[-1]:.4g} (period "
               f"{cb.period[-1]:.4g}); AUTO {len(auto.rows)} to {auto.rows[-1, 0]:.4g} "
               f"(period {auto.rows[-1, 1]:.4g})")
        # AUTO's steps are longer in its own norm: the same stretch of the branch as well
        end = (rng[0], float(auto.rows[-1, 0]))
        dt = best_of(lambda c=c, param=param, one=one, end=end: continue_cycles(
            c, param, result=one, max_points=2000, ds_max=0.05, p_range=end))
        cb = continue_cycles(c, param, result=one, max_points=2000, ds_max=0.05,
                             p_range=end).cycles[0]
        report(f"{name}: the same stretch of the branch ({param} to {end[1]:.4g}), dynena vs "
               "AUTO-07p run alone", dt, min(a.seconds for a in autos), "s", "goal <= 3x",
               f"dynena {len(cb.p)} cycles, AUTO {len(auto.rows)}")


if __name__ == "__main__":
    bench_against_auto()
    bench_500_points()
    bench_curves_against_auto()
    bench_cycles_against_auto()
