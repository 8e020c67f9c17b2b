"""Two-parameter continuation of LP, H, PD and NS points against analytic answers: the cusp,
Bogdanov–Takens, Bautin and zero-Hopf normal forms, the generalised flip, the Hénon map (its
fold, flip and Neimark–Sacker curves and the 1:1–1:4 resonances on them) and the Lorenz Hopf
curve."""

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
from dynena.continuation import continue_curve, continue_equilibrium
from dynena.equilibrium import find_equilibria
from dynena.errors import ParameterError
from dynena.export.auto07p import auto_available, run_auto_curve


def model(name, variables, parameters, equations, kind="ode"):
    return dynena.load_document({"dynena": 1, "name": name, "kind": kind,
                                 "variables": variables, "parameters": parameters,
                                 "equations": equations})


def only(res, type_):
    pts = res.points(type_)
    assert len(pts) == 1, f"{type_}: {[(p.type, p.p) for p in res.points()]}"
    return pts[0]


def near(pt, a, b, tol=1e-8):
    """The point is at (a, b), and its stated accuracy covers the actual error and says
    something: at most ``tol`` or 1e-8 (a test value of exactly zero once left Brent's whole first
    bracket as the accuracy: the BT point on the fold curve, found to 1e-13, was ±0.04)."""
    err = float(np.hypot(pt.p[0] - a, pt.p[1] - b))
    assert err < tol, (pt.type, pt.p, (a, b))
    assert err <= max(pt.accuracy, 1e-12) * 1.01 + 1e-11, (pt.type, err, pt.accuracy)
    assert pt.accuracy <= max(tol, 1e-8), (pt.type, pt.accuracy)


CUSP = model("cusp", ["x"], {"a": {"value": 0, "range": [-2, 2]},
                             "b": {"value": 1, "range": [-1, 2]}}, {"x": "a + b*x - x**3"})
BT = model("bt", ["x", "y"], {"b1": {"value": -0.5, "range": [-2, 2]},
                              "b2": {"value": -1, "range": [-2, 2]}},
           {"x": "y", "y": "b1 + b2*x + x**2 - x*y"})
# Bautin normal form in Cartesian form: r' = r(b1 + b2 r² - r⁴), θ' = 1
BAUTIN = model("bautin", ["x", "y"], {"b1": {"value": -0.5, "range": [-1, 1]},
                                      "b2": {"value": -1, "range": [-2, 2]}},
               {"x": "x*(b1 + b2*(x**2 + y**2) - (x**2 + y**2)**2) - y",
                "y": "y*(b1 + b2*(x**2 + y**2) - (x**2 + y**2)**2) + x"})
# a fold in x times a rotation in (y, z) whose damping is b2 + x
ZH = model("zh", ["x", "y", "z"], {"b1": {"value": 0.5, "range": [-2, 2]},
                                   "b2": {"value": -1, "range": [-2, 2]}},
           {"x": "b1 - x**2", "y": "(b2 + x)*y - z", "z": "y + (b2 + x)*z"})
HENON = model("henon", ["x", "y"], {"a": {"value": 1.4, "range": [-2, 5]},
                                    "b": {"value": 0.3, "range": [-2, 2]}},
              {"x": "1 - a*x**2 + y", "y": "b*x"}, kind="map")


def test_cusp_fold_curve_and_cusp_point():
    r = continue_curve(CUSP, "a", "b")
    # the two folds at b = 1 lie on one curve: followed once
    assert len(r.curves) == 1 and r.curves[0].kind == "LP"
    a, b = r.curves[0].p.T
    assert np.max(np.abs(27 * a**2 - 4 * b**3)) < 1e-8
    assert b.min() < 0.01 and np.sum(a > 0.1) > 5 and np.sum(a < -0.1) > 5  # both arms
    near(only(r, "CP"), 0.0, 0.0, 1e-9)
    assert not r.points("BT")  # a scalar equation has no Jordan block


def test_bogdanov_takens_on_the_fold_and_the_hopf_curve():
    one = continue_equilibrium(BT, "b1")
    assert set(one.labelled()) == {"LP1", "H1"}
    r = continue_curve(BT, "b1", "b2", result=one)
    lp = next(c for c in r.curves if c.kind == "LP")
    h = next(c for c in r.curves if c.kind == "H")
    b1, b2 = lp.p.T
    assert np.max(np.abs(b2**2 - 4 * b1)) < 1e-8          # fold: discriminant zero
    assert np.max(np.abs(h.p[:, 0])) < 1e-9                # Hopf: b1 = 0 (x = 0, trace 0)
    assert np.allclose(h.kappa, -h.p[:, 1], atol=1e-8)     # ω² = det J = -b2
    assert np.any(h.kappa < 0) and np.any(h.kappa > 0)     # through BT onto the neutral saddle
    for c in (lp, h):
        (bt,) = c.points
        assert bt.type == "BT"
        near(bt, 0.0, 0.0, 1e-9)


def test_bautin_point_where_the_lyapunov_coefficient_changes_sign():
    one = continue_equilibrium(BAUTIN, "b1", start=[0, 0])
    (h1,) = one.special_points("H")
    assert h1.criticality == "supercritical"  # b2 = -1 < 0
    r = continue_curve(BAUTIN, "b1", "b2", start="H1", result=one)
    (h,) = r.curves
    assert np.max(np.abs(h.p[:, 0])) < 1e-9 and np.allclose(h.kappa, 1.0)
    near(only(r, "GH"), 0.0, 0.0, 1e-8)
    # on the other side of GH the Hopf point is subcritical
    other = continue_equilibrium(BAUTIN.with_parameters(b2=1), "b1", start=[0, 0])
    assert other.special_points("H")[0].criticality == "subcritical"


def test_zero_hopf_on_both_curves():
    one = continue_equilibrium(ZH, "b1")
    r = continue_curve(ZH, "b1", "b2", result=one)
    lp = next(c for c in r.curves if c.kind == "LP")
    h = next(c for c in r.curves if c.kind == "H")
    assert np.max(np.abs(lp.p[:, 0])) < 1e-9                       # fold at b1 = 0
    assert np.max(np.abs(h.p[:, 0] - h.p[:, 1] ** 2)) < 1e-8        # Hopf: x = -b2, b1 = b2²
    for c in (lp, h):
        (zh,) = [pt for pt in c.points if pt.type == "ZH"]
        near(zh, 0.0, 0.0, 1e-9)
        w = np.sort_complex(zh.eigenvalues)
        assert np.min(np.abs(w)) < 1e-6 and np.allclose(np.abs(w.imag).max(), 1.0)


def test_generalised_flip_of_the_flip_normal_form():
    # x -> -(1 + b1) x + b2 x³ - x⁵: flip at b1 = 0 with coefficient c = b2
    m = model("gpd", ["x"], {"b1": {"value": -0.5, "range": [-1, 1]},
                             "b2": {"value": 1, "range": [-2, 2]}},
              {"x": "-(1 + b1)*x + b2*x**3 - x**5"}, kind="map")
    one = continue_equilibrium(m, "b1", start=[0.0])
    (pd,) = one.special_points("PD")
    assert pd.criticality == "supercritical" and pd.coefficient == pytest.approx(1.0)
    r = continue_curve(m, "b1", "b2", start="PD1", result=one)
    assert np.max(np.abs(r.curves[0].p[:, 0])) < 1e-10
    near(only(r, "GPD"), 0.0, 0.0, 1e-9)


def test_henon_fold_and_flip_curves_and_their_resonances():
    one = continue_equilibrium(HENON, "a")
    r = continue_curve(HENON, "a", "b", result=one, max_points=300)
    lp = next(c for c in r.curves if c.kind == "LP")
    pd = next(c for c in r.curves if c.kind == "PD")
    a, b = lp.p.T
    assert np.max(np.abs(a + (1 - b) ** 2 / 4)) < 1e-9          # fixed points collide
    a, b = pd.p.T
    assert np.max(np.abs(a - 3 * (1 - b) ** 2 / 4)) < 1e-9      # a multiplier at -1
    near(next(p for p in lp.points if p.type == "R1"), -1.0, -1.0)
    near(next(p for p in pd.points if p.type == "R2"), 3.0, -1.0)
    # the flip coefficient blows up at R2 (its normalisation degenerates): that sign change is
    # a pole, not a generalised flip
    assert not [p for p in pd.points if p.type == "GPD"]
    # the point budget ends a curve that runs off to infinity, and says so
    assert any(c.status == "budget" and "point budget" in c.message for c in r.curves)


def test_henon_neimark_sacker_curve_and_the_strong_resonances():
    one = continue_equilibrium(HENON.with_parameters(a=1), "b")
    r = continue_curve(HENON.with_parameters(a=1), "b", "a", start="NS1", result=one,
                       max_points=300)
    (ns,) = r.curves
    real = np.abs(ns.kappa) < 1
    assert np.max(np.abs(ns.p[:, 0] + 1)) < 1e-9                        # det Df = -b = 1
    a = ns.p[real, 1]
    assert np.allclose(ns.kappa[real], 1 - np.sqrt(1 + a), atol=1e-8)   # cos θ = -a x*
    want = {"R1": -1.0, "R4": 0.0, "R3": 1.25, "R2": 3.0}  # κ = 1, 0, -1/2, -1
    for t, av in want.items():
        near(only(r, t), -1.0, av)
    # the map preserves area at b = -1: the NS coefficient vanishes identically, no CH
    assert not r.points("CH")


def test_lorenz_hopf_curve_follows_the_formula(models_dir):
    m = dynena.load(models_dir / "lorenz.yaml")
    one = continue_equilibrium(m, "rho", p_range=(20, 30))
    r = continue_curve(m, "rho", "sigma", start="H1", result=one,
                       box=((0, 60), (6, 20)), max_points=200)
    (h,) = r.curves
    rho, sigma = h.p.T
    beta = 8 / 3
    assert np.max(np.abs(rho - sigma * (sigma + beta + 3) / (sigma - beta - 1))) < 1e-7
    assert sigma.min() < 6.5 and sigma.max() > 19


def run_cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("dynena", path=str(Path(sys.executable).parent)) or "dynena"
    r = subprocess.run([exe, *args], capture_output=True, text=True,
                       env={**os.environ, "DYNENA_QUIET": "1"}, timeout=300)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def test_cli_two_parameters(write_model, tmp_path):
    path = write_model("dynena: 1\nname: bt\nvariables: [x, y]\nparameters:\n"
                       "  b1: {value: -0.5, range: [-2, 2]}\n  b2: {value: -1, range: [-2, 2]}\n"
                       "equations:\n  x: y\n  y: b1 + b2*x + x**2 - x*y\n")
    out = run_cli("continue", str(path), "--param", "b1")
    assert "LP1 at b1 = 0.25" in out.stdout and "H1 at b1" in out.stdout
    plot = tmp_path / "bt.png"
    out = run_cli("continue", str(path), "--param", "b1", "--param2", "b2", "--from", "LP1",
                  "--range2", "-1", "1", "--json", "--plot", str(plot))
    doc = json.loads(out.stdout)
    (curve,) = doc["curves"]
    assert curve["kind"] == "LP" and doc["parameters"] == ["b1", "b2"]
    assert all(-1.05 <= p["b2"] <= 1.05 for p in curve["points"])
    (bt,) = curve["codim2_points"]
    assert bt["type"] == "BT" and abs(bt["b2"]) < 1e-9 and plot.stat().st_size > 1000
    bad = run_cli("continue", str(path), "--param", "b1", "--param2", "b2", "--from", "LP7",
                  check=False)
    assert bad.returncode != 0 and "LP7" in bad.stderr and "LP1" in bad.stderr
    assert "Traceback" not in bad.stderr
    bad = run_cli("continue", str(path), "--param", "b1", "--from", "H1", check=False)
    assert bad.returncode != 0 and "--param2" in bad.stderr
    bad = run_cli("continue", str(path), "--param", "b1", "--param2", "zz", check=False)
    assert bad.returncode != 0 and "zz" in bad.stderr


def test_curves_start_at_fixed_points_only():
    """The Hénon map's 2-cycle has its own flip (PD2): its curve is not followed as if the
    cycle point were a fixed point, and asking for it says why."""
    one = continue_equilibrium(HENON, "a", p_range=(-0.5, 2))
    assert any(b.period == 2 for b in one.branches)
    r = continue_curve(HENON, "a", "b", result=one, max_points=50)
    assert sorted(c.origin for c in r.curves) == ["LP1", "PD1"]
    with pytest.raises(ParameterError, match="branch of cycles"):
        continue_curve(HENON, "a", "b", start="PD2", result=one)


def test_api_errors():
    with pytest.raises(ParameterError, match="differ"):
        continue_curve(CUSP, "a", "a")
    one = continue_equilibrium(BT, "b1")
    with pytest.raises(ParameterError, match="no special point 'H5'"):
        continue_curve(BT, "b1", "b2", start="H5", result=one)


def _distance_to_polyline(y, P):
    a, b = P[:-1], P[1:]
    ab = b - a
    t = np.clip(np.einsum("ij,ij->i", y - a, ab) / np.maximum(np.einsum("ij,ij->i", ab, ab),
                                                               1e-300), 0, 1)
    return float(np.min(np.linalg.norm(a + t[:, None] * ab - y, axis=1)))


@pytest.mark.skipif(not auto_available(), reason="AUTO-07p not installed (make setup installs it)")
@pytest.mark.parametrize("name, kind, want", [
    ("cusp", "LP", {"CP"}), ("bt", "H", {"BT"}), ("bautin", "H", {"GH"}), ("zh", "LP", {"ZH"}),
    ("lorenz", "H", set())])
def test_same_curves_and_codim2_points_as_auto07p(models_dir, name, kind, want):
    """AUTO-07p (ISW = 2 from its own LP/HB point) and dynena follow the same curve and find
    the same codimension-two points; AUTO's every curve point lies on dynena's polyline (within
    its chord error)."""
    if name == "lorenz":
        m = dynena.load(models_dir / "lorenz.yaml")
        a, b, box = "rho", "sigma", ((20.0, 30.0), (6.0, 20.0))
    else:
        m = {"cusp": CUSP, "bt": BT, "bautin": BAUTIN, "zh": ZH}[name]
        a, b = list(m.parameters)
        box = tuple(tuple(float(v) for v in m.parameter_ranges[q]) for q in (a, b))
    x0 = np.zeros(m.n) if name == "bautin" else \
        max((e.state for e in find_equilibria(m)), key=lambda s: float(s[0]))
    auto = run_auto_curve(m, a, b, x0, kind, box[0], box[1])
    one = continue_equilibrium(m, a, start=x0, p_range=box[0])
    label = next(k for k, sp in one.labelled().items() if sp.type == kind)
    r = continue_curve(m, a, b, start=label, result=one, box=box, ds_max=0.05)
    (cv,) = r.curves
    inside = [y for y in auto.p if box[0][0] <= y[0] <= box[0][1] and
              box[1][0] <= y[1] <= box[1][1]]
    assert len(inside) > 20
    assert max(_distance_to_polyline(y, cv.p) for y in inside) < 5e-4
    assert {t for t, _, _ in auto.points} == want
    assert {pt.type for pt in cv.points} == want
    for t, pa, pb in auto.points:
        pt = next(p for p in cv.points if p.type == t)
        assert np.hypot(pt.p[0] - pa, pt.p[1] - pb) < 1e-6  # AUTO's own accuracy: ~1e-7


@pytest.mark.skipif(not auto_available(), reason="AUTO-07p not installed (make setup installs it)")
def test_no_spurious_bautin_points_where_auto07p_reports_them():
    """On the zero-Hopf model's Hopf curve the first Lyapunov coefficient is identically zero
    (the rotation is linear): AUTO-07p labels rounding noise as GH points along it; dynena
    reports none and says the Hopf points are degenerate."""
    x0 = max((e.state for e in find_equilibria(ZH)), key=lambda s: float(s[0]))
    auto = run_auto_curve(ZH, "b1", "b2", x0, "H", (-2.0, 2.0), (-2.0, 2.0))
    assert sum(t == "GH" for t, _, _ in auto.points) >= 2
    one = continue_equilibrium(ZH, "b1", start=x0)
    assert one.special_points("H")[0].criticality == "degenerate"
    r = continue_curve(ZH, "b1", "b2", start="H1", result=one)
    assert not r.points("GH")


def test_notebook_display_of_the_curves():
    r = continue_curve(BT, "b1", "b2")
    svg, html = r._repr_svg_(), r._repr_html_()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "BT" in html and "b1" in html and "<table" in html


AB = model("ab", ["u1", "u2"], {"D": {"value": 0.0, "range": [0, 0.3]},
                                "beta": {"value": 2.0, "range": [0, 6]}, "B": 14},
           {"u1": "-u1 + D*(1 - u1)*exp(u2)", "u2": "-u2 + B*D*(1 - u1)*exp(u2) - beta*u2"})


def test_auto07p_demo_ab_fold_curve_and_cusp_in_closed_form():
    """AUTO-07p's demo 'ab' (the A -> B reaction, B = 14). On the equilibria
    u1 = (1 + β) u2 / B and D = c u2 e^{-u2} / (1 - c u2), c = (1 + β)/B; a fold has
    d ln D/du2 = 0, so the fold curve is D = (u2 - 1) e^{-u2}, β = B (u2 - 1)/u2² - 1, and
    the cusp (d² ln D = 0 too) is at u2 = 2: D = e^{-2}, β = 5/2."""
    one = continue_equilibrium(AB, "D", start=[0, 0])
    r = continue_curve(AB, "D", "beta", result=one, start="LP1", ds_max=0.02)
    (cv,) = r.curves
    u2 = cv.x[:, 1]
    assert np.max(np.abs(cv.p[:, 0] - (u2 - 1) * np.exp(-u2))) < 1e-10
    assert np.max(np.abs(cv.p[:, 1] - (14 * (u2 - 1) / u2**2 - 1))) < 1e-9
    near(only(r, "CP"), np.exp(-2.0), 2.5, 1e-9)


@pytest.mark.skipif(not auto_available(), reason="AUTO-07p not installed (make setup installs it)")
@pytest.mark.parametrize("label, kind", [("LP1", "LP"), ("H1", "H")])
def test_auto07p_demo_ab_curves_as_auto07p(label, kind):
    """The same demo through AUTO-07p itself (ISW = 2 from its own LP and HB points): every
    point of AUTO's curve lies on dynena's, and the Bogdanov–Takens point AUTO reports on the
    fold curve is dynena's to 1e-8 (dynena also locates the cusp and, on the Hopf curve, the
    generalised Hopf point, which AUTO does not report here)."""
    one = continue_equilibrium(AB, "D", start=[0, 0])
    r = continue_curve(AB, "D", "beta", result=one, start=label, ds_max=0.02)
    (cv,) = r.curves
    auto = run_auto_curve(AB, "D", "beta", np.zeros(2), kind, (0.0, 0.3), (0.0, 6.0),
                          ds_max=0.02)
    inside = [y for y in auto.p if 0 <= y[0] <= 0.3 and 0 <= y[1] <= 6]
    assert len(inside) > 100
    assert max(_distance_to_polyline(y, cv.p) for y in inside) < 2e-6
    for t, pa, pb in auto.points:
        assert any(p.type == t and np.hypot(p.p[0] - pa, p.p[1] - pb) < 1e-8 for p in cv.points)
    assert {p.type for p in cv.points} >= ({"BT", "CP"} if kind == "LP" else {"GH", "BT"})
