"""Continuation in a box much wider than the states: each variable is followed in the units of
its starting states, so that the steps resolve the branches. References are analytic.

Before: the toggle switch with states of order s declared in a box [0, 1] gave one branch and
no pitchfork at s = 1e-9 ... 1e-3 (every start lay within the 'on a branch already' distance,
and the steps were 2 % of the parameter range), and four branches at s = 0.02, 0.03 (the
asymmetric ones jumped onto the symmetric one at the pitchfork). The same with a third variable
of order one beside them."""

from __future__ import annotations

import numpy as np
import pytest

import dynena
from dynena.compile import as_compiled
from dynena.continuation.api import _in_scaled_units


def model(name: str, variables: dict, parameters: dict, equations: dict, kind: str = "ode"):
    return dynena.load_document({"dynena": 1, "name": name, "kind": kind,
                                 "variables": {v: {"range": r} for v, r in variables.items()},
                                 "parameters": parameters, "equations": equations})


def toggle(s: float, third: bool = False):
    """The symmetric toggle switch with states of order s in the box [0, 1]: pitchfork at
    a = 2, u = v = s; the asymmetric states meet it at a fold. ``third``: a variable of order
    one beside them, w = 0.5 + 0.1 sin a."""
    variables = {"u": [0, 1], "v": [0, 1]}
    equations = {"u": "a*s/(1 + (v/s)**2) - u", "v": "a*s/(1 + (u/s)**2) - v"}
    if third:
        variables["w"] = [0, 1]
        equations["w"] = "0.5 + 0.1*sin(a) - w"
    return model("toggle_box", variables, {"a": {"value": 3, "range": [0.5, 6]}, "s": s},
                 equations)


@pytest.mark.parametrize("s, third", [(1e-9, False), (1e-6, False), (1e-3, False),
                                      (0.02, False), (0.03, False), (1e-9, True),
                                      (0.02, True)])
def test_the_pitchfork_of_states_far_below_their_box(s, third):
    r = dynena.continue_equilibrium(toggle(s, third), "a")
    assert len(r.branches) == 2, [b.message for b in r.branches]
    bps, folds = r.special_points("BP"), r.special_points("LP")
    assert len(bps) == 1 and abs(bps[0].p - 2.0) <= bps[0].accuracy <= 1e-12
    assert len(folds) == 1 and abs(folds[0].p - 2.0) <= folds[0].accuracy <= 1e-4
    assert np.allclose(bps[0].state[:2], [s, s], rtol=1e-9, atol=0)
    # one branch through both asymmetric states; the symmetric one has u = v throughout
    asym = next(b for b in r.branches if any(sp.type == "LP" for sp in b.special_points))
    sym = next(b for b in r.branches if b is not asym)
    d = (asym.x[:, 0] - asym.x[:, 1]) / s
    assert d.min() < -3 and d.max() > 3
    assert np.all(np.abs(d[np.abs(asym.p - 2.0) > 0.05]) > 1e-3)
    assert np.allclose(sym.x[:, 0], sym.x[:, 1], rtol=1e-8, atol=0)
    # every point is an equilibrium in the model's own units: u (1 + (v/s)^2) = a s
    u, v, a = asym.x[:, 0], asym.x[:, 1], asym.p
    assert np.allclose(u * (1 + (v / s) ** 2), a * s, rtol=1e-8, atol=0)


def test_the_compiled_loop_follows_the_same_units():
    """The compiled loop runs the model's own code in the units (it used to be switched off
    for any system in scaled coordinates): the same points as the Python loop."""
    m = toggle(1e-6)
    py = dynena.continue_equilibrium(m, "a", compiled=False)
    nb = dynena.continue_equilibrium(m, "a", compiled=True)
    assert [len(b.p) for b in nb.branches] == [len(b.p) for b in py.branches]
    for b1, b2 in zip(py.branches, nb.branches):
        assert np.allclose(b1.x, b2.x, rtol=1e-9, atol=1e-15)
        assert np.allclose(b1.p, b2.p, rtol=1e-9, atol=1e-12)


def test_rounding_noise_of_a_zero_is_not_a_unit():
    """An equilibrium at the origin that came out as (3.5e-18, 3.5e-18) keeps the box's units
    (measured in 1e-18, every branch from it would leave the bound at once); a state that
    really is 1e-18 gets its own."""
    noisy = as_compiled(model("osc", {"x": [-3, 3], "y": [-3, 3]},
                              {"p": {"value": -1, "range": [-1, 1]}},
                              {"x": "p*x - y - x*(x**2 + y**2)", "y": "x + p*y - y*(x**2 + y**2)"}))
    _, unit, _ = _in_scaled_units(noisy, False, [np.array([3.5e-18, 3.5e-18])])
    assert np.all(unit == 1.0)
    tiny = as_compiled(toggle(1e-18))
    x = np.array([1e-18, 1e-18]) * 1.0  # the symmetric state at a = 2 would be (s, s)
    tiny_at = tiny.with_parameters(a=2.0)
    _, unit, _ = _in_scaled_units(tiny_at, False, [x])
    assert np.all((unit > 2 ** -61) & (unit < 2 ** -59))


def test_a_state_that_grows_out_of_its_units_is_followed_over_the_range():
    """x' = exp(p) - x from p = -14 (x = 8e-7, in a box [0, 2]) to p = 0 (x = 1): measured in
    its starting units, the branch grows by 1e6; the largest step grows with it (the steps a
    run started there would take; without that the budget ran out at p = -8.6). Before the
    units, the corrector's absolute tolerance left the small states 5e-5 wrong (relative)."""
    m = model("grow", {"x": [0, 2], "y": [0, 2]}, {"p": {"value": -14, "range": [-14, 0]}},
              {"x": "exp(p) - x", "y": "x - y"})
    r = dynena.continue_equilibrium(m, "p")
    (b,) = r.branches
    assert b.p.min() <= -14 and b.p.max() >= 0, b.message
    assert np.allclose(b.x[:, 0], np.exp(b.p), rtol=1e-9, atol=0)
    assert len(b.p) < 200
    # the parameter is still resolved: no step longer than the default largest (2 % of 14)
    assert np.max(np.diff(np.sort(b.p))) <= 0.02 * 14 + 1e-12


@pytest.mark.parametrize("s", [1e-3, 1e-6, 1e-9])
def test_cycles_far_smaller_than_their_box(s):
    """x' = p x - y - x r^2 / s^2 (and y alike) in a box [-2, 2]^2: a supercritical Hopf point
    at p = 0 on the equilibrium at the origin, and circles of radius s sqrt(p) and period 2 pi.
    Before: at s = 1e-3 the first orbit (amplitude ds = 0.01 in the box's units) lay at p = 100,
    so the branch 'reached the end of the parameter range' with no cycle inside it; at 1e-6
    Newton failed at the start ('no periodic orbit next to the start')."""
    m = model("hopf_s", {"x": [-2, 2], "y": [-2, 2]},
              {"p": {"value": -0.5, "range": [-0.5, 1]}, "s": s},
              {"x": "p*x - y - x*(x**2 + y**2)/s**2", "y": "x + p*y - y*(x**2 + y**2)/s**2"})
    r = dynena.continue_cycles(m, "p", max_points=100)
    (cb,) = r.cycles
    assert cb.p.min() < 0.02 and cb.p.max() >= 1.0, cb.message
    assert np.allclose(cb.period, 2 * np.pi, rtol=1e-9, atol=0)
    inside = cb.p > 1e-3
    radius = 0.5 * (cb.maximum[inside, 0] - cb.minimum[inside, 0])  # the mesh's extremes
    assert np.allclose(radius, s * np.sqrt(cb.p[inside]), rtol=1e-3, atol=0)
    assert bool(np.all(cb.stable[1:]))


@pytest.mark.parametrize("s", [1e-3, 1e-6, 1e-9])
@pytest.mark.parametrize("kind", ["pitchfork", "transcritical"])
def test_branches_switched_to_that_are_far_smaller_than_their_box(kind, s):
    """A branch point on the origin whose other branch is s across in a box [-2, 2]^2 (y = x
    follows it): x' = p x - x^3/s^2 (branches ±s sqrt(p)) or x' = p x - x^2/s (x = s p). The
    starts (the origin alone) give no scale; the branch switched to is probed at the ends of
    the range and, being far smaller than its units, followed again in its own. Before: the
    pitchfork's branch at 1e-3 lay within the 'on a branch already' distance of the origin's
    branch and was dropped; at 1e-6 it was one point at p = 0. (The transcritical branch,
    which leaves along the parameter, was found before too: a control.)"""
    rhs = "p*x - x**3/s**2" if kind == "pitchfork" else "p*x - x**2/s"
    m = model(kind, {"x": [-2, 2], "y": [-2, 2]}, {"p": {"value": -0.5, "range": [-0.5, 1]},
                                                   "s": s},
              {"x": rhs, "y": "x - y"})
    r = dynena.continue_equilibrium(m, "p")
    assert len(r.branches) == 2, [(len(b.p), b.message) for b in r.branches]
    other = next(b for b in r.branches if np.max(np.abs(b.x[:, 0])) > 0)
    x, p = other.x[:, 0], other.p
    # every point on the analytic branch, in the parameter (x is ill-conditioned at the BP)
    if kind == "pitchfork":
        assert p.min() > -1e-9 and p.max() >= 1.0 and x.min() < 0 < x.max()
        assert np.allclose(p, (x / s) ** 2, rtol=0, atol=1e-8)
    else:
        assert p.min() <= -0.5 and p.max() >= 1.0
        assert np.allclose(p, x / s, rtol=0, atol=1e-8)
    assert np.allclose(other.x[:, 1], x, rtol=1e-8, atol=0)
    bps = r.special_points("BP")
    assert bps and all(abs(bp.p) <= bp.accuracy <= 1e-12 for bp in bps)


@pytest.mark.parametrize("s", [1e-3, 1e-6])
def test_a_period_doubling_whose_cycle_is_far_smaller_than_its_box(s):
    """x -> -(1 + p) x + x^3/s^2 in [-2, 2]: the origin doubles at p = 0 into the 2-cycle
    ±s sqrt(p), and the fixed points ±s sqrt(2 + p) are there throughout. Before: at 1e-3 only
    the origin's branch was reported (the fixed points 1.2e-3 from it and the 2-cycle lay
    within the 'on a branch already' distance); at 1e-6 the 2-cycle was one point."""
    m = model("pd_s", {"x": [-2, 2]}, {"p": {"value": -0.5, "range": [-0.5, 0.5]}, "s": s},
              {"x": "-(1 + p)*x + x**3/s**2"}, kind="map")
    r = dynena.continue_equilibrium(m, "p", max_period=2)
    fixed = [b for b in r.branches if b.period == 1 and np.max(np.abs(b.x)) > 0]
    cycles = [b for b in r.branches if b.period == 2]
    assert len(fixed) == 2 and len(cycles) == 1, [(b.period, len(b.p)) for b in r.branches]
    for b in fixed:
        assert np.allclose(b.p, (b.x[:, 0] / s) ** 2 - 2, rtol=0, atol=1e-8)
    (c2,) = cycles
    assert c2.p.min() > -1e-9 and c2.p.max() >= 0.5
    assert np.allclose(c2.p, (c2.x[:, 0] / s) ** 2, rtol=0, atol=1e-8)


@pytest.mark.parametrize("name, param", [("toggle", "a"), ("lorenz", "rho"), ("logistic", "r")])
def test_models_of_order_one_are_followed_once(models_dir, name, param, monkeypatch):
    """The probe for far smaller branches leaves models whose branches fill their units alone:
    one run, in the range's units."""
    from dynena.continuation import api

    runs = []
    follow = api._follow_in_units
    monkeypatch.setattr(api, "_follow_in_units",
                        lambda c, unit, *a, **k: runs.append(unit.copy()) or follow(c, unit, *a, **k))
    r = dynena.continue_equilibrium(dynena.load(models_dir / f"{name}.yaml"), param,
                                    max_period=2)
    assert r.special_points("BP") or r.special_points("PD")
    assert len(runs) == 1 and np.all(runs[0] == 1.0)
