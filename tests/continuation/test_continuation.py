"""Continuation against analytic bifurcation values and AUTO-07p."""

from __future__ import annotations

import numpy as np
import pytest

import dynena
from dynena.continuation import continue_equilibrium
from dynena.equilibrium import find_equilibria
from dynena.export.auto07p import auto_available, run_auto


def points(res, kind, period=1):
    """The special points of one type on the branches of equilibria (period 1) or of a map's
    cycles of the given period."""
    return sorted(sp.p for b in res.branches if b.period == period for sp in b.special_points
                  if sp.type == kind)


def test_fold_of_the_normal_form(write_model):
    m = dynena.load(write_model(
        "dynena: 1\nname: fold\nvariables:\n  x: {range: [-3, 3]}\n"
        "parameters:\n  mu: {value: 1, range: [-1, 2]}\nequations:\n  x: mu - x**2\n"))
    r = continue_equilibrium(m, "mu")
    lp = r.special_points("LP")
    assert len(lp) == 1
    assert lp[0].p == pytest.approx(0.0, abs=1e-8)
    assert lp[0].state[0] == pytest.approx(0.0, abs=1e-4)
    br = r.branches[0]
    # stable on the upper half x > 0, unstable below
    assert np.all(br.stable[br.x[:, 0] > 1e-3]) and not np.any(br.stable[br.x[:, 0] < -1e-3])


def test_one_curve_through_three_equilibria_is_one_branch(write_model):
    """x' = x^2 (1 - x) - a, y' = -y + x g / 10 (a second, bending coordinate): at a = 0.1
    three equilibria lie on one curve a = x^2 (1 - x), whose folds are at x = 0 (a = 0) and
    x = 2/3 (a = 4/27). The branch from the second equilibrium passed 0.023 from the first
    branch's chords (tolerance 0.02) and was followed again: four folds for two."""
    m = dynena.load(write_model(
        "dynena: 1\nname: bend\nvariables:\n  x: {range: [-2, 2]}\n  y: {range: [-2, 2]}\n"
        "parameters:\n  a: 0.1\ndefinitions:\n  q: x**2\n  g: (1 - q)*(2 - q)\n"
        "equations:\n  x: q*(1 - x) - a\n  y: -y + x*g/10\n"))
    assert len(find_equilibria(m).equilibria) == 3
    r = continue_equilibrium(m, "a")
    assert len(r.branches) == 1
    assert points(r, "LP") == pytest.approx([0.0, 4 / 27], abs=1e-8)


def test_brusselator_hopf_at_1_plus_a_squared(models_dir):
    r = continue_equilibrium(dynena.load(models_dir / "brusselator.yaml"), "b")
    h = r.special_points("H")
    assert len(h) == 1 and h[0].p == pytest.approx(2.0, abs=1e-8)
    assert h[0].extra["frequency"] == pytest.approx(1.0, abs=1e-6)  # sqrt(det) = a = 1
    m2 = dynena.load(models_dir / "brusselator.yaml").with_parameters(a="3/2")
    r2 = continue_equilibrium(m2, "b", p_range=(1, 5))
    assert points(r2, "H") == pytest.approx([1 + 1.5**2], abs=1e-8)


def test_lorenz_pitchfork_and_hopf(models_dir):
    r = continue_equilibrium(dynena.load(models_dir / "lorenz.yaml"), "rho")
    s, b = 10.0, 8 / 3
    assert points(r, "H") == pytest.approx([s * (s + b + 3) / (s - b - 1)] * 2, abs=1e-8)
    bp = r.special_points("BP")
    assert len(bp) == 1 and bp[0].p == pytest.approx(1.0, abs=1e-8)
    assert np.allclose(bp[0].state, 0, atol=1e-8)
    # the bifurcating branch folds in rho at the pitchfork (AUTO reports LP there too)
    assert points(r, "LP") == pytest.approx([1.0], abs=1e-8)
    assert len(r.branches) == 2


def test_toggle_pitchfork_with_branch_switching(models_dir):
    m = dynena.load(models_dir / "toggle.yaml")
    r = continue_equilibrium(m, "a", start=np.array([1.2134116627622296] * 2))
    assert points(r, "BP") == pytest.approx([2.0], abs=1e-8)
    assert len(r.branches) == 2  # the symmetric branch and, switched at BP, the other one
    other = r.branches[1]
    assert other.origin.startswith("BP")
    assert np.max(np.abs(other.x[:, 0] - other.x[:, 1])) > 1.0  # asymmetric states
    assert np.all(other.stable[np.abs(other.x[:, 0] - other.x[:, 1]) > 0.1])


def test_logistic_flip_at_3(models_dir):
    r = continue_equilibrium(dynena.load(models_dir / "logistic.yaml"), "r")
    assert points(r, "PD") == pytest.approx([3.0], abs=1e-8)


# the period-doubling values of the logistic map x -> r x (1 - x): r2 = 1 + sqrt 6 exactly,
# the next ones from the literature (OEIS A086181 and Briggs 1991), to 15 digits
CASCADE = [3.0, 1 + np.sqrt(6), 3.544090359551922, 3.564407266095432, 3.568759419544783]


def test_logistic_period_doubling_cascade(models_dir):
    """At each period doubling the branch switches onto the doubled cycle (the pitchfork of
    f^{2k} along the multiplier -1 eigenvector); the cascade's values are the known ones and
    their ratios tend to Feigenbaum's delta."""
    r = continue_equilibrium(dynena.load(models_dir / "logistic.yaml"), "r",
                             p_range=(2.5, 3.58), max_period=16)
    got = [points(r, "PD", 2**m) for m in range(5)]
    assert [len(g) for g in got] == [1, 1, 1, 1, 1]   # each doubling once, not once per point
    got = [g[0] for g in got]
    assert got == pytest.approx(CASCADE, abs=1e-9)
    delta = [(got[k + 1] - got[k]) / (got[k + 2] - got[k + 1]) for k in range(3)]
    assert delta == pytest.approx([4.7514, 4.6562, 4.6683], abs=1e-3)
    assert abs(delta[2] - 4.6692016) < abs(delta[0] - 4.6692016)
    f = lambda x, rr: rr * x * (1 - x)  # noqa: E731
    for b in r.branches:
        assert b.period in (1, 2, 4, 8, 16)
        if b.period == 2:
            # genuinely 2-cycles: f(f(x)) = x, f(x) != x, and stable between the doublings
            for x, rr in zip(b.x[:, 0], b.p):
                assert abs(f(f(x, rr), rr) - x) < 1e-9
                assert rr < 3 + 1e-4 or abs(f(x, rr) - x) > 1e-6  # away from its origin
            inside = (b.p > 3.01) & (b.p < 3.44)
            assert inside.any() and b.stable[inside].all() and not b.stable[b.p > 3.46].any()
    # max_period bounds the cascade
    short = continue_equilibrium(dynena.load(models_dir / "logistic.yaml"), "r",
                                 p_range=(2.5, 3.58), max_period=2)
    assert max(b.period for b in short.branches) == 2


def test_henon_fold_and_flip(models_dir):
    r = continue_equilibrium(dynena.load(models_dir / "henon.yaml"), "a", p_range=(-0.5, 2))
    b = 0.3
    assert points(r, "LP") == pytest.approx([-(1 - b) ** 2 / 4], abs=1e-8)
    assert points(r, "PD") == pytest.approx([3 * (1 - b) ** 2 / 4], abs=1e-8)


def test_bad_parameter_and_bad_start(models_dir):
    m = dynena.load(models_dir / "toggle.yaml")
    with pytest.raises(dynena.ParameterError, match="parameter 'zz' is not in model"):
        continue_equilibrium(m, "zz")
    # a start is Newton-corrected onto an equilibrium (no global search) ...
    r = continue_equilibrium(m, "a", start=np.array([3.0, 0.4]), max_points=20)
    br = r.branches[0]
    k = int(np.argmin(np.abs(br.p - 3.0)))
    (u, v), a = br.x[k], br.p[k]
    assert a == 3.0 and abs(a / (1 + v**2) - u) < 1e-9 and abs(a / (1 + u**2) - v) < 1e-9
    # ... and refused where Newton finds none (x' = a + x^2 has no real equilibrium at a = 1)
    none = dynena.load_document({"dynena": 1, "name": "none", "variables": {"x": {}},
                                   "parameters": {"a": 1}, "equations": {"x": "a + x**2"}})
    with pytest.raises(dynena.ParameterError, match="not near an equilibrium"):
        continue_equilibrium(none, "a", start=np.array([3.0]))


def test_singularity_keeps_the_branch_computed_so_far(write_model):
    # x' = mu - 1/x: the branch x = 1/mu runs into the pole at mu -> 0
    m = dynena.load(write_model(
        "dynena: 1\nname: pole\nvariables:\n  x: {range: [0.1, 10]}\n"
        "parameters:\n  mu: {value: 1, range: [-1, 2]}\nequations:\n  x: x*mu - 1\n"))
    r = continue_equilibrium(m, "mu", start=np.array([1.0]), max_points=300)
    br = r.branches[0]
    assert len(br.p) > 20 and br.p.min() > 0  # kept, ending before the singularity
    assert "range" in br.message or "bound" in br.message or "budget" in br.message \
        or "stopped" in br.status


def test_json_contract(models_dir):
    d = continue_equilibrium(dynena.load(models_dir / "toggle.yaml"), "a").to_dict()
    assert d["parameter"] == "a"
    pt = d["branches"][0]["points"][0]
    assert set(pt) >= {"a", "state", "stable"}
    sps = [s for b in d["branches"] for s in b["special_points"]]
    assert {s["type"] for s in sps} <= {"LP", "BP", "H"}
    assert all("a" in s and "state" in s for s in sps)


def _compare_with_auto(name, param, p_range):
    m = dynena.load(f"models/{name}.yaml")
    eq = find_equilibria(m)
    ours = continue_equilibrium(m, param, equilibria=eq, p_range=p_range)
    # AUTO follows equilibria (fixed points) only: compare the period-1 branches
    mine = [(sp.type, sp.p) for b in ours.branches if b.period == 1 for sp in b.special_points]
    seen = []
    for e in eq:
        pts, _ = run_auto(m, param, e.state, p_range)
        seen += [(p.type, p.p) for p in pts if p.type in ("LP", "H", "BP", "PD", "NS")]
    assert seen, "AUTO-07p reported no special point"
    for typ, p in seen:
        # at a pitchfork the bifurcating branch folds: AUTO may call it BP, we call it LP
        ok = {typ, "LP", "BP"} if typ in ("LP", "BP") else {typ}
        assert any(t in ok and abs(q - p) < 1e-6 for t, q in mine), (typ, p, mine)
    for typ, q in mine:
        ok = {typ, "LP", "BP"} if typ in ("LP", "BP") else {typ}
        assert any(t in ok and abs(q - p) < 1e-6 for t, p in seen), (typ, q, seen)


@pytest.mark.skipif(not auto_available(), reason="AUTO-07p not installed (make setup installs it)")
@pytest.mark.parametrize("name, param, p_range", [
    ("brusselator", "b", (1.0, 3.0)),
    ("toggle", "a", (0.5, 6.0)),
    ("lorenz", "rho", (0.0, 30.0)),
    ("logistic", "r", (2.5, 3.5)),
])
def test_same_special_points_as_auto07p(models_dir, monkeypatch, name, param, p_range):
    monkeypatch.chdir(models_dir.parent)
    _compare_with_auto(name, param, p_range)


def test_delayed_logistic_neimark_sacker_at_2(write_model):
    # x' = y, y' = r y (1 - x): multipliers solve l^2 - l + (r - 1) = 0, |l|^2 = r - 1
    m = dynena.load(write_model(
        "dynena: 1\nname: dlog\nkind: map\nvariables:\n  x: {range: [0, 1]}\n"
        "  y: {range: [0, 1]}\nparameters:\n  r: {value: 3/2, range: [1.2, 2.3]}\n"
        "equations:\n  x: y\n  y: r*y*(1 - x)\n"))
    r = continue_equilibrium(m, "r", start=np.array([1 / 3, 1 / 3]))
    ns = r.special_points("NS")
    assert len(ns) == 1 and ns[0].p == pytest.approx(2.0, abs=1e-8)
    assert np.allclose(ns[0].state, [0.5, 0.5], atol=1e-7)
    assert np.allclose(np.abs(ns[0].eigenvalues), 1.0, atol=1e-7)


def test_fitzhugh_nagumo_hopf_points(models_dir):
    # trace zero: 1 - v^2 - eps b = 0, then I = v^3/3 - v + (v + a)/b
    a, b, eps = 0.7, 0.8, 0.08
    exact = sorted(v**3 / 3 - v + (v + a) / b for v in (-np.sqrt(1 - eps * b),
                                                        np.sqrt(1 - eps * b)))
    r = continue_equilibrium(dynena.load(models_dir / "fitzhugh_nagumo.yaml"), "I")
    assert points(r, "H") == pytest.approx(exact, abs=1e-8)


def test_closed_loop_is_followed_once_and_its_folds_reported_once():
    """An isola x^2 + a^2 = 1 (x' = 1 - a^2 - x^2): folds at a = -1 and a = 1, exactly two."""
    m = dynena.load_document({"dynena": 1, "name": "isola",
                                "variables": {"x": {"range": [-3, 3]}},
                                "parameters": {"a": {"value": 0, "range": [-3, 3]}},
                                "equations": {"x": "1 - a**2 - x**2"}})
    r = continue_equilibrium(m, "a")
    assert len(r.branches) == 1
    br = r.branches[0]
    assert "closed loop" in br.message
    lps = sorted(sp.p for sp in br.special_points if sp.type == "LP")
    assert len(lps) == 2 and abs(lps[0] + 1) < 1e-9 and abs(lps[1] - 1) < 1e-9
    assert len(br.p) < 200  # once around, not until the point budget
    assert np.allclose(br.x[:, 0] ** 2 + br.p**2, 1, atol=1e-9)


@pytest.mark.parametrize("x0", [0.0, 7e-11, -3e-9, 1e-6])
def test_branch_switching_from_starts_next_to_the_trivial_branch(x0):
    """Pitchfork x' = p x - x^3. A start 7e-11 off x = 0 once made the switch go back along
    the trivial branch (the tangent computed at the singular point was the other branch's):
    the bifurcating branch x^2 = p must be found from every start."""
    m = dynena.load_document({"dynena": 1, "name": "pf", "variables": {"x": {"range": [-2, 2]}},
                              "parameters": {"p": {"value": -1, "range": [-1, 1]}},
                              "equations": {"x": "p*x - x**3"}})
    r = continue_equilibrium(m, "p", start=np.array([x0]))
    assert len(r.branches) == 2
    new = r.branches[1]
    on = new.p > 1e-3
    assert np.allclose(new.x[on, 0] ** 2, new.p[on], rtol=1e-8)
    assert new.x[:, 0].min() < -0.9 and new.x[:, 0].max() > 0.9


def test_branch_switching_at_a_skew_crossing():
    """x' = (x - p)(x - 2p), y' = x - y: branches x = p and x = 2p cross at p = 0 at an angle
    far from 90 degrees; starting on the first, the second is found."""
    m = dynena.load_document({"dynena": 1, "name": "skew",
                              "variables": {"x": {"range": [-3, 3]}, "y": {"range": [-3, 3]}},
                              "parameters": {"p": {"value": -1, "range": [-1, 1]}},
                              "equations": {"x": "(x - p)*(x - 2*p)", "y": "x - y"}})
    r = continue_equilibrium(m, "p", start=np.array([-1.0, -1.0]))
    slopes = sorted(round(float(np.median(b.x[np.abs(b.p) > 0.1, 0] / b.p[np.abs(b.p) > 0.1])),
                          6) for b in r.branches)
    assert slopes == [1.0, 2.0]


def test_a_branch_whose_state_moves_by_hundreds_is_not_starved():
    """x = 100 p moves by 1000 over the range; y has a pitchfork at p = 5. With steps of 2% of
    the parameter range the branch used its 1000-point budget before p = 2 and never met the
    pitchfork; then the switched branch was taken for a copy of the first (its points near
    the branch point, where the two are close, were all that was compared)."""
    m = dynena.load_document({
        "dynena": 1, "name": "far",
        "variables": {"x": {"range": [-200, 2000]}, "y": {"range": [-10, 10]}},
        "parameters": {"p": {"value": 0, "range": [0, 10]}},
        "equations": {"x": "p - x/100", "y": "(p - 5)*y - y**3"}})
    r = continue_equilibrium(m, "p", start=np.array([0.0, 0.0]))
    first = r.branches[0]
    assert first.p.max() >= 10.0 and "budget" not in first.message
    assert points(r, "BP") == pytest.approx([5.0], abs=1e-6)
    assert len(r.branches) == 2
    new = r.branches[1]
    far = new.p > 6
    assert np.allclose(new.x[far, 1] ** 2, new.p[far] - 5, rtol=1e-8)
    assert np.allclose(new.x[far, 0], 100 * new.p[far], rtol=1e-8)
