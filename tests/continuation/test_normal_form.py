"""Sub- or supercritical: normal-form coefficients at Hopf and period-doubling points against
analytic values (the normal forms themselves, in rotated and sheared coordinates, and the
logistic and cubic maps)."""

from __future__ import annotations

import numpy as np
import pytest

import dynena


def _hopf_model(ell: float, omega: float, M: np.ndarray) -> dict:
    """z' = (mu + i omega) z + ell z |z|^2 written in coordinates X = M (x, y)."""
    M = M.tolist()
    Mi = np.linalg.inv(M).tolist()
    # x, y from X, Y; then (X, Y)' = M (x', y')
    x = f"({Mi[0][0]!r}*X + {Mi[0][1]!r}*Y)"
    y = f"({Mi[1][0]!r}*X + {Mi[1][1]!r}*Y)"
    fx = f"(mu*{x} - {omega!r}*{y} + ell*{x}*({x}**2 + {y}**2))"
    fy = f"({omega!r}*{x} + mu*{y} + ell*{y}*({x}**2 + {y}**2))"
    return {"dynena": 1, "name": "hopf", "variables": {"X": {"range": [-1, 1]},
                                                       "Y": {"range": [-1, 1]}},
            "parameters": {"mu": {"value": -0.5, "range": [-1, 1]}, "ell": repr(ell)},
            "equations": {"X": f"{M[0][0]!r}*{fx} + {M[0][1]!r}*{fy}",
                          "Y": f"{M[1][0]!r}*{fx} + {M[1][1]!r}*{fy}"}}


def _hopf(doc: dict):
    r = dynena.continue_equilibrium(dynena.load_document(doc), "mu",
                                    start=np.zeros(2), switch=False)
    (h,) = r.special_points("H")
    assert h.p == pytest.approx(0.0, abs=1e-9)
    return h


@pytest.mark.parametrize("ell, kind", [(-1.0, "supercritical"), (1.0, "subcritical")])
def test_hopf_normal_form_in_rotated_coordinates(ell, kind):
    """With <q, q> = 1 the coordinate of the centre manifold is z/sqrt(2): l1 = 2 ell/omega,
    the same in any rotated frame."""
    th = 0.7
    R = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    h = _hopf(_hopf_model(ell, 2.0, R))
    assert h.criticality == kind
    assert h.coefficient == pytest.approx(2 * ell / 2.0, rel=1e-8)


@pytest.mark.parametrize("ell", [-0.3, 0.8])
def test_hopf_sign_survives_a_shear(ell):
    h = _hopf(_hopf_model(ell, 1.5, np.array([[1.0, 2.5], [0.0, 0.7]])))
    assert np.sign(h.coefficient) == np.sign(ell)


def test_brusselator_hopf_is_supercritical(models_dir):
    r = dynena.continue_equilibrium(dynena.load(models_dir / "brusselator.yaml"), "b")
    (h,) = r.special_points("H")
    assert h.criticality == "supercritical" and h.coefficient < 0
    assert r.to_dict()["branches"][0]["special_points"][0]["criticality"] == "supercritical"


def test_logistic_period_doubling_coefficient(models_dir):
    """x -> r x (1 - x) at r = 3, x* = 2/3: f = x* - xi - 3 xi^2, so c = a2^2 + a3 = 9."""
    r = dynena.continue_equilibrium(dynena.load(models_dir / "logistic.yaml"), "r")
    (pd,) = [sp for b in r.branches if b.period == 1 for sp in b.special_points
             if sp.type == "PD"]
    assert pd.coefficient == pytest.approx(9.0, rel=1e-8) and pd.criticality == "supercritical"
    # on the 2-cycle's branch the coefficient is not computed, and the result says why
    (pd2,) = [sp for b in r.branches if b.period == 2 for sp in b.special_points]
    assert pd2.criticality is None and "cycles" in pd2.note


@pytest.mark.parametrize("sign, kind", [(1, "supercritical"), (-1, "subcritical")])
def test_cubic_map_flip(sign, kind):
    """x -> r x + s x^3 flips at r = -1 with c = s (a2 = 0, a3 = s)."""
    m = dynena.load_document({"dynena": 1, "name": "cubic", "kind": "map",
                              "variables": {"x": {"range": [-1, 1]}},
                              "parameters": {"r": {"value": -0.5, "range": [-1.5, 0]}},
                              "equations": {"x": f"r*x + ({sign})*x**3"}})
    r = dynena.continue_equilibrium(m, "r", start=np.zeros(1), switch=False)
    (pd,) = r.special_points("PD")
    assert pd.p == pytest.approx(-1.0, abs=1e-9)
    assert pd.coefficient == pytest.approx(sign, rel=1e-8) and pd.criticality == kind


def test_delayed_logistic_neimark_sacker_is_supercritical():
    """x -> y, y -> r y (1 - x): a stable invariant circle is born at r = 2 (textbook)."""
    m = dynena.load_document({"dynena": 1, "name": "dlog", "kind": "map",
                              "variables": {"x": {"range": [0, 1]}, "y": {"range": [0, 1]}},
                              "parameters": {"r": {"value": "3/2", "range": [1.2, 2.3]}},
                              "equations": {"x": "y", "y": "r*y*(1 - x)"}})
    r = dynena.continue_equilibrium(m, "r", start=np.array([1 / 3, 1 / 3]))
    (ns,) = r.special_points("NS")
    assert ns.criticality == "supercritical" and ns.coefficient < 0


@pytest.mark.parametrize("ell, kind", [(-0.5, "supercritical"), (0.5, "subcritical")])
def test_neimark_sacker_normal_form(ell, kind):
    """w -> (1 + mu) e^{i theta}(w + ell w |w|^2) with theta = 1 (no strong resonance):
    d = 2 ell with <q, q> = 1."""
    c, s = float(np.cos(1.0)), float(np.sin(1.0))
    fx = "(x + ell*x*(x**2 + y**2))"
    fy = "(y + ell*y*(x**2 + y**2))"
    m = dynena.load_document({
        "dynena": 1, "name": "ns", "kind": "map",
        "variables": {"x": {"range": [-1, 1]}, "y": {"range": [-1, 1]}},
        "parameters": {"mu": {"value": -0.2, "range": [-0.5, 0.5]}, "ell": repr(ell)},
        "equations": {"x": f"(1 + mu)*({c!r}*{fx} - {s!r}*{fy})",
                      "y": f"(1 + mu)*({s!r}*{fx} + {c!r}*{fy})"}})
    r = dynena.continue_equilibrium(m, "mu", start=np.zeros(2), switch=False)
    (ns,) = r.special_points("NS")
    assert ns.p == pytest.approx(0.0, abs=1e-9)
    assert ns.criticality == kind and ns.coefficient == pytest.approx(2 * ell, rel=1e-7)
