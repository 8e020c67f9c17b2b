"""Branch points located as regular zeros of Moore's extended system, with an accuracy that
bounds the true error; and a continuation that does not jump from one branch onto another at a
pitchfork's fold. References are analytic: every branch point below is at a known parameter.

Before: a branch point's accuracy was 2 |F| / sigma_min([F_x F_p]), which is unbounded there
(the toggle switch's pitchfork at a = 2, found to 1e-9, printed ±11 in units of 1/100 and ±0.0002
in its own), and a pitchfork's bifurcating branch, followed towards its fold, was corrected onto
the symmetric branch and followed it (four branches instead of two, no fold)."""

from __future__ import annotations

import numpy as np
import pytest

import dynena
from dynena.compile import as_compiled
from dynena.continuation import branch_point
from dynena.continuation import palc as palc_module
from dynena.continuation.palc import Continuer


def model(name: str, variables: dict, parameters: dict, equations: dict, kind: str = "ode"):
    return dynena.load_document({"dynena": 1, "name": name, "kind": kind,
                                 "variables": {v: {"range": r} for v, r in variables.items()},
                                 "parameters": parameters, "equations": equations})


def transcritical():
    """x' = p x - x^2: x = 0 and x = p cross at p = 0."""
    return model("tc", {"x": [-2, 2]}, {"p": {"value": -1, "range": [-1, 1]}},
                 {"x": "p*x - x**2"})


def skew():
    """x' = (x - p)(x - 2p), y' = x - y: x = p and x = 2p cross at p = 0 at 18 degrees."""
    return model("skew", {"x": [-3, 3], "y": [-3, 3]}, {"p": {"value": -1, "range": [-1, 1]}},
                 {"x": "(x - p)*(x - 2*p)", "y": "x - y"})


def toggle(s: float, width: float = 1.0):
    """The symmetric toggle switch with states in units of 1/s: pitchfork at a = 2, u = v = s
    (its ranges ``width`` wide)."""
    return model("toggle_s", {"u": [0, width], "v": [0, width]},
                 {"a": {"value": 3, "range": [0.5, 6]}, "s": s},
                 {"u": "a*s/(1 + (v/s)**2) - u", "v": "a*s/(1 + (u/s)**2) - v"})


def cubic_map():
    """x -> (1 + p) x - x^3 (a map): the fixed points 0 and ±sqrt(p) meet at p = 0."""
    return model("cubic_map", {"x": [-1, 1]}, {"p": {"value": -0.5, "range": [-0.5, 0.5]}},
                 {"x": "(1 + p)*x - x**3"}, kind="map")


@pytest.mark.parametrize("make, param, start, bp", [
    (transcritical, "p", [3e-3, 1e-3], [0.0, 0.0]),
    (skew, "p", [1e-3, -2e-3, 2e-3], [0.0, 0.0, 0.0]),
    (lambda: toggle(0.01), "a", [0.0101, 0.0099, 2.003], [0.01, 0.01, 2.0]),
    (cubic_map, "p", [2e-3, 1e-3], [0.0, 0.0]),
])
def test_the_extended_system_converges_to_the_branch_point(make, param, start, bp):
    """From a start 1e-3 off, Newton reaches the analytic branch point within its bound."""
    c = Continuer(as_compiled(make()), param, compiled=False)
    r = branch_point.refine_branch_point(c.F, c.DF, np.array(start),
                                         map_residual=c.c.dynamics.is_map)
    assert r.converged and abs(r.beta) <= 2 * r.bound
    err = float(np.linalg.norm(r.y - np.array(bp)))
    assert err <= r.bound <= 1e-12


def test_an_imperfect_pitchfork_is_not_a_crossing():
    """x' = p x - x^3 + eps has no branch point; the extended system's zero is the branch
    point of F + beta psi = 0, at beta = -eps (psi = ±1): not zero, so not a crossing of F."""
    eps = 1e-3
    m = model("imperfect", {"x": [-2, 2]}, {"p": {"value": -1, "range": [-1, 1]}},
              {"x": f"p*x - x**3 + {eps}"})
    c = Continuer(as_compiled(m), "p", compiled=False)
    r = branch_point.refine_branch_point(c.F, c.DF, np.array([1e-3, 1e-3]))
    assert r.converged
    assert abs(abs(r.beta) - eps) <= 1e-12 and abs(r.beta) > 2 * r.bound


@pytest.mark.parametrize("make, param, p_bp", [
    (transcritical, "p", 0.0), (skew, "p", 0.0), (cubic_map, "p", 0.0),
    (lambda: toggle(1.0, 5.0), "a", 2.0), (lambda: toggle(0.15), "a", 2.0),
    (lambda: toggle(1e-2, 5e-2), "a", 2.0), (lambda: toggle(1e-9, 5e-9), "a", 2.0),
])
def test_every_branch_point_is_within_its_stated_accuracy(make, param, p_bp):
    """The stated accuracy bounds the error from the analytic location and is at rounding
    level at the branch point. Seen from the bifurcating branch the same point is a fold:
    within its accuracy, which is at rounding level too where the fold's bordered matrix is
    singular (the point is recognised as the crossing) and the fold's own bound otherwise."""
    r = dynena.continue_equilibrium(make(), param)
    assert r.special_points("BP")
    for sp in r.special_points():
        if abs(sp.p - p_bp) < 1e-3:
            limit = 1e-12 if sp.type == "BP" else 1e-4
            assert abs(sp.p - p_bp) <= sp.accuracy <= limit, (sp.type, sp.p, sp.accuracy)
            assert sp.note == ""


@pytest.mark.parametrize("s", [0.1, 0.15, 0.2, 0.3])
def test_the_bifurcating_branch_does_not_jump_onto_the_symmetric_one(s, monkeypatch):
    """The toggle switch with states of order s: its two asymmetric states lie on one branch
    that folds at the pitchfork (a = 2); the symmetric states on another. Followed with steps of
    2 % of the parameter range, the asymmetric branch was corrected past its fold onto the
    symmetric one (s = 0.1, 0.15, 0.2: four branches, the fold missing; s = 0.3: the fold at
    2.024 ± 0.15). The tangent-angle test halves such a step."""
    r = dynena.continue_equilibrium(toggle(s), "a")
    assert len(r.branches) == 2
    folds = r.special_points("LP")
    assert len(folds) == 1 and abs(folds[0].p - 2.0) <= folds[0].accuracy <= 1e-4
    asym = next(b for b in r.branches if any(sp.type == "LP" for sp in b.special_points))
    # one branch through both asymmetric states: u - v changes sign on it, u = v nowhere else
    d = (asym.x[:, 0] - asym.x[:, 1]) / s
    assert d.min() < -3 and d.max() > 3
    assert np.all(np.abs(d[np.abs(asym.p - 2.0) > 0.05]) > 1e-3)
    # the check is what decides: without it the branches jump (s = 0.3: the fold is wrong)
    monkeypatch.setattr(palc_module, "MIN_TANGENT_COS", -1.0)
    old = dynena.continue_equilibrium(toggle(s), "a")
    assert len(old.branches) == 4 or not any(
        abs(sp.p - 2.0) < 1e-3 for sp in old.special_points("LP"))


def test_the_compiled_loop_halves_the_same_steps(monkeypatch):
    """The compiled predictor-corrector loop has the same tangent-angle test (it is passed in,
    so switching it off switches off both loops)."""
    r = dynena.continue_equilibrium(toggle(0.15), "a", compiled=True)
    assert all(b.stats["compiled_loops"] for b in r.branches)
    assert len(r.branches) == 2 and len(r.special_points("LP")) == 1
    monkeypatch.setattr(palc_module, "MIN_TANGENT_COS", -1.0)
    assert len(dynena.continue_equilibrium(toggle(0.15), "a", compiled=True).branches) == 4


def test_a_branch_point_the_corrector_failed_next_to_is_still_solved_for(monkeypatch):
    """Where locating by the test function fails (the corrector next to the singular point:
    the compiled corrector's bordered matrix was exactly singular at Lorenz's pitchfork, hit
    exactly by a secant step), the point was reported as the step's bracket (±0.6 there) and
    not switched at; it is solved for from the bracket as a crossing all the same."""
    monkeypatch.setattr(Continuer, "_locate", lambda self, kind, *a, **k: None)
    r = dynena.continue_equilibrium(toggle(1.0, 5.0), "a")
    (bp,) = r.special_points("BP")
    assert abs(bp.p - 2.0) <= bp.accuracy <= 1e-12 and "bisected" not in bp.extra
    assert len(r.branches) == 2  # the other branch was followed from it


def test_lorenz_pitchfork_with_the_compiled_loop(models_dir):
    """The compiled corrector fails where the bordered matrix is exactly singular; the Python
    one takes the point there (rho = 1 exactly, the secant step's landing point)."""
    r = dynena.continue_equilibrium(dynena.load(models_dir / "lorenz.yaml"), "rho",
                                    compiled=True)
    (bp,) = r.special_points("BP")
    assert abs(bp.p - 1.0) <= bp.accuracy <= 1e-12 and np.allclose(bp.state, 0, atol=1e-12)


@pytest.mark.parametrize("compiled", [False, True])
def test_a_very_sharp_fold_is_still_passed(compiled):
    """x' = p - 1e6 x^2: a fold at p = 0 whose branch turns faster than 8° per smallest step.
    The tangent-angle test halved the step below the smallest and the branch stopped at the
    fold ("a very sharp turn"); it is waived near the smallest step."""
    m = dynena.load_document({"dynena": 1, "name": "sharp_fold",
                              "variables": {"x": {"range": [-1, 1]}},
                              "parameters": {"p": {"value": 0.5, "range": [-1, 1]}},
                              "equations": {"x": "p - 1000000*x**2"}})
    r = dynena.continue_equilibrium(m, "p", compiled=compiled)
    (br,) = r.branches
    assert br.status == "ok" and br.p.max() > 1.0  # through the fold and back to the end
    (lp,) = r.special_points("LP")
    assert abs(lp.p) <= lp.accuracy <= 1e-10
