"""Periodic orbits by collocation against analytic answers (the Bautin normal form, whose
cycles, period, fold of cycles and Floquet multipliers are known in closed form), the
Brusselator's branch against AUTO-07p's, and the Lorenz cycles' honest stop before the
homoclinic orbit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import dynena
from dynena.continuation import continue_cycles, continue_equilibrium
from dynena.equilibrium import find_equilibria
from dynena.errors import ParameterError
from dynena.export.auto07p import auto_available, run_auto_cycles


def bautin(b2: float):
    """r' = r (b1 + b2 r² - r⁴), θ' = 1: cycles where r⁴ - b2 r² - b1 = 0, period 2π exactly,
    nontrivial multiplier exp(2π (b1 + 3 b2 r² - 5 r⁴))."""
    return dynena.load_document({
        "dynena": 1, "name": "bautin", "variables": ["x", "y"],
        "parameters": {"b1": {"value": -0.5, "range": [-1, 1]}, "b2": b2},
        "equations": {"x": "x*(b1 + b2*(x**2 + y**2) - (x**2 + y**2)**2) - y",
                      "y": "y*(b1 + b2*(x**2 + y**2) - (x**2 + y**2)**2) + x"}})


def nontrivial(mu):
    return np.array([np.delete(m, int(np.argmin(np.abs(m - 1))))[0] for m in mu])


@pytest.mark.parametrize("b2", [1.0, 0.5])
def test_subcritical_hopf_cycles_fold_and_multipliers(b2):
    m = bautin(b2)
    one = continue_equilibrium(m, "b1", start=[0, 0])
    (h,) = one.special_points("H")
    assert h.criticality == "subcritical"
    (cb,) = continue_cycles(m, "b1", result=one, max_points=150).cycles
    assert cb.origin == "H1" and len(cb.p) > 20
    # the fold of cycles at b1 = -b2²/4, r² = b2/2
    (lpc,) = [sp for sp in cb.special_points if sp.type == "LPC"]
    # within its stated accuracy (the bracket alone, 3e-17, did not hold the 7e-16 error)
    assert abs(lpc.p + b2**2 / 4) <= lpc.accuracy <= 1e-8
    assert lpc.extra["amplitude"] / 2 == pytest.approx(np.sqrt(b2 / 2), abs=1e-6)
    assert not [sp for sp in cb.special_points if sp.type != "LPC"]
    # every cycle: period 2π, radius on r⁴ - b2 r² - b1 = 0 (max of x over the mesh nodes)
    assert np.max(np.abs(cb.period - 2 * np.pi)) < 1e-8
    r = (cb.maximum[:, 0] - cb.minimum[:, 0]) / 2
    assert np.max(np.abs(r**4 - b2 * r**2 - cb.p)) < 1e-6
    exact = np.exp(2 * np.pi * (cb.p + 3 * b2 * r**2 - 5 * r**4))
    assert np.max(np.abs(nontrivial(cb.multipliers) - exact) / np.maximum(exact, 1e-3)) < 1e-5
    assert cb.trivial_error.max() < 1e-6
    # unstable on the inner branch (r² < b2/2), stable on the outer one
    inner = r**2 < b2 / 2 - 1e-3
    outer = r**2 > b2 / 2 + 1e-3
    assert inner.any() and outer.any()
    assert not cb.stable[inner].any() and cb.stable[outer].all()


def test_supercritical_hopf_gives_stable_cycles(models_dir):
    r = continue_cycles(dynena.load(models_dir / "brusselator.yaml"), "b", max_points=40)
    (cb,) = r.cycles
    assert cb.stable.all() and not cb.special_points
    assert cb.period[0] == pytest.approx(2 * np.pi, abs=1e-3)   # 2π/ω₀ at the Hopf point
    assert np.all(np.diff(cb.period) > 0) and np.all(np.diff(cb.p) > 0)
    doc = r.to_dict()
    (c,) = doc["cycles"]
    assert c["origin"] == "H1" and len(c["points"]) == len(cb.p)
    assert {"b", "period", "min", "max", "stable", "multipliers"} <= set(c["points"][0])


def test_lorenz_cycles_stop_honestly_before_the_homoclinic_orbit(models_dir):
    """The subcritical Hopf cycles of Lorenz grow towards a homoclinic orbit at rho ≈ 13.926:
    the period blows up and a fixed mesh stops resolving them. dynena ends the branch where its
    own check (the trivial multiplier) fails and says what to do, instead of reporting the
    spurious folds and flips that an unresolved orbit produces."""
    m = dynena.load(models_dir / "lorenz.yaml")
    one = continue_equilibrium(m, "rho", p_range=(10, 30))
    (cb,) = continue_cycles(m, "rho", result=one, start="H1", p_range=(10, 30),
                            max_points=300).cycles
    assert cb.status == "unresolved" and "--ntst" in cb.message
    assert 13.926 < cb.p[-1] < 14.5 and cb.period[-1] > 2 * cb.period[0]
    assert not cb.special_points
    assert not cb.stable.any()          # the cycles of a subcritical Hopf point are unstable
    assert cb.trivial_error.max() <= 1e-3


@pytest.mark.skipif(not auto_available(), reason="AUTO-07p not installed (make setup installs it)")
def test_brusselator_cycles_as_auto07p(models_dir):
    """The same branch as AUTO-07p's (IPS = 2 from its Hopf point, 20 x 4 collocation): the
    period and the L2 norm agree where both have points (dynena's branch interpolated by a
    cubic spline in the parameter)."""
    from scipy.interpolate import CubicSpline

    m = dynena.load(models_dir / "brusselator.yaml")
    auto = run_auto_cycles(m, "b", find_equilibria(m)[0].state, (1.0, 3.0), nmx=60)
    (cb,) = continue_cycles(m, "b", max_points=200, ds_max=0.02).cycles
    keep = (auto.rows[:, 0] > 2.05) & (auto.rows[:, 0] < cb.p.max())
    assert keep.sum() > 20
    period = CubicSpline(cb.p, cb.period)(auto.rows[keep, 0])
    l2 = CubicSpline(cb.p, cb.l2_norm)(auto.rows[keep, 0])
    # both are 20 x 4 collocations with adaptive meshes: they agree to their discretisation
    # error (against a 80-interval run, AUTO's is ~4e-7 here, dynena's ~6e-8)
    assert np.max(np.abs(period - auto.rows[keep, 1])) < 2e-6
    assert np.max(np.abs(l2 - auto.rows[keep, 2])) < 2e-6
    # AUTO's maximum is over its mesh points, dynena's over the polynomial sampled finely
    xmax = CubicSpline(cb.p, cb.maximum[:, 0])(auto.rows[keep, 0])
    assert np.max(np.abs(xmax - auto.rows[keep, 3])) < 5e-3


def test_cli_cycles(tmp_path):
    exe = shutil.which("dynena", path=str(Path(sys.executable).parent)) or "dynena"
    path = tmp_path / "bautin.yaml"
    path.write_text("dynena: 1\nname: bautin\nvariables: [x, y]\nparameters:\n"
                    "  b1: {value: -0.5, range: [-1, 1]}\n  b2: 1\nequations:\n"
                    "  x: x*(b1 + b2*(x**2 + y**2) - (x**2 + y**2)**2) - y\n"
                    "  y: y*(b1 + b2*(x**2 + y**2) - (x**2 + y**2)**2) + x\n")
    env = {**os.environ, "DYNENA_QUIET": "1"}
    plot = tmp_path / "cycles.png"
    r = subprocess.run([exe, "continue", str(path), "--param", "b1", "--start", "x=0,y=0",
                        "--cycles", "--json", "--plot", str(plot)], capture_output=True,
                       text=True, env=env, timeout=300, check=False)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    (c,) = doc["cycles"]
    (lpc,) = c["special_points"]
    assert lpc["type"] == "LPC" and abs(lpc["b1"] + 0.25) < 1e-8 and plot.stat().st_size > 1000
    r = subprocess.run([exe, "continue", str(path), "--param", "b1", "--start", "x=0,y=0",
                        "--cycles", "--compiled", "no"], capture_output=True, text=True,
                       env=env, timeout=300, check=False)
    assert r.returncode == 0 and "cycles from H1" in r.stdout and "LPC at b1 = -0.25" in r.stdout
    r = subprocess.run([exe, "continue", str(path), "--param", "b1", "--compiled", "always"],
                       capture_output=True, text=True, env=env, timeout=300, check=False)
    assert r.returncode == 2 and "--compiled" in r.stderr and "Traceback" not in r.stderr


def test_maps_have_no_collocation(models_dir):
    with pytest.raises(ParameterError, match="map"):
        continue_cycles(dynena.load(models_dir / "logistic.yaml"), "r")


ROSSLER = {"dynena": 1, "name": "rossler", "variables": ["x", "y", "z"],
           "parameters": {"a": 0.1, "b": 0.2, "c": {"value": 1.0, "range": [0.2, 8]}},
           "equations": {"x": "-y - z", "y": "x + a*y", "z": "b + z*(x - c)"}}


@pytest.mark.skipif(not auto_available(), reason="AUTO-07p not installed (make setup installs it)")
def test_period_doubling_of_cycles_as_auto07p():
    """The Rössler cycles (a = 0.1, b = 0.2) born at the supercritical Hopf point c ≈ 1.0703
    double their period at c ≈ 6.3758: AUTO-07p finds the same point."""
    m = dynena.load_document(ROSSLER)
    y = (-1 + np.sqrt(1 - 4 * 0.1 * 0.2)) / 0.2
    x0 = np.array([-0.1 * y, y, -y])        # the inner equilibrium at c = 1
    one = continue_equilibrium(m, "c", start=x0)
    (cb,) = continue_cycles(m, "c", result=one, max_points=400).cycles
    assert cb.stable[cb.p < 6.3].all() and not cb.stable[cb.p > 6.4].any()
    (pd,) = cb.special_points
    assert pd.type == "PD" and pd.accuracy < 1e-7
    # at the flip one Floquet multiplier is -1
    assert np.min(np.abs(pd.eigenvalues + 1)) < 1e-6
    auto = run_auto_cycles(m, "c", x0, (0.2, 8.0), nmx=400)
    ((kind, c_auto),) = auto.points
    assert kind == "PD" and abs(pd.p - c_auto) < 1e-6


VDP = {"dynena": 1, "name": "vdp", "variables": ["x", "y"],
       "parameters": {"mu": {"value": 1, "range": [0.2, 5]}},
       "equations": {"x": "y", "y": "mu*(1 - x**2)*y - x"}}


def test_from_a_users_periodic_orbit_van_der_pol():
    """The van der Pol cycle has no Hopf point to start from (μ = 0 is a linear centre): a
    point on it and a rough period from a simulation start the branch. T(1) = 6.663286859323
    (the literature value) to 1e-8 with 40 intervals; amplitude 2.00862."""
    m = dynena.load_document(VDP)
    r = continue_cycles(m, "mu", start=[2.0, 0.0], period=6.66, ntst=40, max_points=30)
    (cb,) = r.cycles
    assert r.branches == () and cb.origin == "orbit"
    k = int(np.argmin(np.abs(cb.p - 1.0)))
    assert cb.p[k] == pytest.approx(1.0, abs=1e-12)
    assert cb.period[k] == pytest.approx(6.663286859323130, abs=1e-8)
    assert cb.maximum[k, 0] == pytest.approx(2.00862, abs=1e-4)
    assert cb.p.min() < 0.9 and cb.p.max() > 1.1 and cb.stable.all()  # both ways, stable
    assert np.all(np.diff(cb.p) > 0) and np.all(np.diff(cb.period) > 0)


def test_from_an_orbit_through_the_fold_of_cycles():
    """Started on the stable outer cycle of the subcritical Bautin form at b1 = -0.1, the
    branch runs through the fold of cycles at b1 = -1/4 onto the unstable inner cycles."""
    m = bautin(1.0).with_parameters(b1="-1/10")
    r = np.sqrt((1 + np.sqrt(1 - 0.4)) / 2)
    (cb,) = continue_cycles(m, "b1", start=[r + 0.01, 0.0], period=6.3, max_points=80).cycles
    (lpc,) = [sp for sp in cb.special_points if sp.type == "LPC"]
    assert lpc.p == pytest.approx(-0.25, abs=1e-8)
    assert cb.stable.any() and not cb.stable.all()
    # the inner cycles shrink onto the Hopf point at b1 = 0: the branch ends there (and does
    # not come back out mirrored, which would report the Hopf point as a fold of cycles)
    assert "shrink onto an equilibrium" in cb.message
    assert -0.25 <= cb.p[cb.p < 0.0].min() and cb.p[0] > -0.01


@pytest.mark.parametrize("start, period, words", [
    ([0.1, 0.0], 3.0, "equilibrium"), ([2.0, 0.0], 2.0, "did not settle"),
    ([2.0, 0.0], -1.0, "period > 0"), ([2.0], 6.6, "2 finite entries")])
def test_bad_orbit_starts_are_refused_with_a_reason(start, period, words):
    with pytest.raises(ParameterError, match=words):
        continue_cycles(dynena.load_document(VDP), "mu", start=start, period=period)


def test_cli_cycle_from_orbit(tmp_path):
    exe = shutil.which("dynena", path=str(Path(sys.executable).parent)) or "dynena"
    path = tmp_path / "vdp.yaml"
    path.write_text("dynena: 1\nname: vdp\nvariables: [x, y]\nparameters:\n"
                    "  mu: {value: 1, range: [0.5, 2]}\nequations:\n  x: y\n"
                    "  y: mu*(1 - x**2)*y - x\n")
    env = {**os.environ, "DYNENA_QUIET": "1"}
    r = subprocess.run([exe, "continue", str(path), "--param", "mu", "--cycles", "--start",
                        "x=2,y=0", "--period", "6.66", "--json"], capture_output=True,
                       text=True, env=env, timeout=300, check=False)
    assert r.returncode == 0, r.stderr
    (c,) = json.loads(r.stdout)["cycles"]
    assert c["origin"] == "orbit" and len(c["points"]) > 10
    r = subprocess.run([exe, "continue", str(path), "--param", "mu", "--period", "6.66"],
                       capture_output=True, text=True, env=env, timeout=300, check=False)
    assert r.returncode == 2 and "--cycles" in r.stderr and "Traceback" not in r.stderr


def test_neimark_sacker_of_cycles_in_the_langford_system():
    """Langford's system with ε = 0 is symmetric under rotation: in (r, z) it reduces to
    r' = (z − β) r, z' = λ + αz − z³/3 − r²(1 + ρz). Its cycles (z = β, period 2π/ω) are the
    reduced system's equilibria, and they lose stability to a torus where the reduced system
    has a Hopf point: λ_NS = (α − β²)(1 + ρβ)/ρ − αβ + β³/3, with multipliers e^{±iθ},
    θ = T √(2 r² (1 + ρβ)), r² = (α − β²)/ρ."""
    a, b, rho, om = 1.0, 0.7, 0.25, 3.5
    m = dynena.load_document({
        "dynena": 1, "name": "langford", "variables": ["x", "y", "z"],
        "parameters": {"lam": {"value": -1.0, "range": [-1, 3]}, "alpha": a, "beta": b,
                       "rho": rho, "omega": om},
        "equations": {"x": "(z - beta)*x - omega*y", "y": "omega*x + (z - beta)*y",
                      "z": "lam + alpha*z - z**3/3 - (x**2 + y**2)*(1 + rho*z)"}})
    one = continue_equilibrium(m, "lam")
    (cb,) = continue_cycles(m, "lam", result=one, max_points=300).cycles
    assert np.max(np.abs(cb.period - 2 * np.pi / om)) < 1e-9
    (ns,) = cb.special_points
    assert ns.type == "NS"
    exact = (a - b * b) * (1 + rho * b) / rho - a * b + b**3 / 3
    assert abs(ns.p - exact) <= ns.accuracy <= 1e-8
    pair = ns.eigenvalues[np.abs(ns.eigenvalues.imag) > 1e-6]
    theta = 2 * np.pi / om * np.sqrt(2 * (a - b * b) / rho * (1 + rho * b))
    assert np.allclose(np.abs(pair), 1.0, atol=1e-7)
    assert np.allclose(np.abs(np.angle(pair)), np.pi - abs(np.pi - theta % (2 * np.pi)), atol=1e-6)
    # the reduced trace α − β² − ρr² changes sign there: unstable cycles before, stable after
    before, after = cb.stable[cb.p < ns.p - 0.05], cb.stable[cb.p > ns.p + 0.05]
    assert len(before) and len(after) and not before.any() and after.all()


@pytest.mark.parametrize("m", range(1, 8))
def test_lagrange_values_match_the_product_form(m):
    """The basis values (from monomial coefficients) against prod_{r != i} (x - s_r)/(s_i - s_r)
    evaluated here, at the nodes (a Kronecker delta), inside and just outside [0, 1]."""
    from dynena.continuation.collocation import _lagrange_at

    s = np.linspace(0.0, 1.0, m + 1)
    x = np.concatenate([s, np.random.default_rng(m).uniform(-0.01, 1.01, 200)])
    ref = np.array([[np.prod([(xt - s[r]) / (s[i] - s[r]) for r in range(m + 1) if r != i])
                     for i in range(m + 1)] for xt in x])
    got = _lagrange_at(m, x)
    assert np.abs(got - ref).max() < 1e-10
    assert np.allclose(got[:m + 1], np.eye(m + 1), atol=1e-11)
    assert np.allclose(got.sum(axis=1), 1.0, atol=1e-11)  # the basis is a partition of unity


def test_the_accuracy_of_a_cycles_special_point_holds_the_meshs_error():
    """The Rössler period doubling located on 20 and 40 mesh intervals, against the same point
    on 160 (whose own error is ~2^-16 of the 20-interval one's). The accuracy used to be the
    bracket on the computed branch alone: 3e-10, while the point on 20 intervals is 3e-8 from
    the converged one. It now holds twice the change when every interval is halved."""
    m = dynena.load_document(ROSSLER)
    y = (-1 + np.sqrt(1 - 4 * 0.1 * 0.2)) / 0.2
    x0 = np.array([-0.1 * y, y, -y])
    one = continue_equilibrium(m, "c", start=x0)

    def pd_at(n: int):
        (cb,) = continue_cycles(m, "c", result=one, max_points=400, ntst=n).cycles
        (pd,) = cb.special_points
        assert pd.type == "PD"
        return pd

    ref = pd_at(160)
    assert ref.accuracy < 1e-9
    for n in (20, 40):
        pd = pd_at(n)
        assert abs(pd.p - ref.p) <= pd.accuracy <= 100 * abs(pd.p - ref.p) + 1e-9, n
