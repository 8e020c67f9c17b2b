"""The flow layer: batched integration and the outcome oracle, against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

import dynena
from dynena.flow import integrate_batch
from dynena.flow.oracle import DIVERGED, UNDECIDED, UNKNOWN, OutcomeOracle


def test_batched_dormand_prince_matches_the_exponential():
    A = np.array([[-0.3, 2.0], [-2.0, -0.3]])
    X0 = np.random.default_rng(0).standard_normal((200, 2))
    res = integrate_batch(lambda X, rows: X @ A.T, X0, 3.0, rtol=1e-10, atol=1e-12)
    from scipy.linalg import expm

    exact = X0 @ expm(3.0 * A).T
    assert np.max(np.abs(res.x - exact)) < 1e-8
    assert not res.stiff.any() and np.allclose(res.t, 3.0)


def oracle_for(write_model, text, nodes):
    c = dynena.compile_model(dynena.load(write_model(text)))
    eq = dynena.equilibria(c)
    N = np.array(nodes, float)
    return OutcomeOracle.build(c, N, np.array([e.state for e in eq]),
                               eigenvalues=[np.array([-1.0])] * len(N))


def test_finite_time_blow_up_is_divergence(write_model):
    o = oracle_for(write_model, """
dynena: 1
name: blowup
kind: ode
variables: {x: {range: [-2, 2]}}
equations: {x: x**2 - 1}
""", [[-1.0]])
    out = o(np.array([[0.5], [1.0 + 1e-3], [3.0]]))
    assert out[0] == 0 and out[1] == DIVERGED and out[2] == DIVERGED


def test_start_on_a_saddle_is_undecided_and_slow_escape_is_decided(write_model):
    o = oracle_for(write_model, """
dynena: 1
name: slow
kind: ode
variables: {x: {range: [-2, 2]}, y: {range: [-1, 1]}}
equations: {x: x**3*(1 - x**2), y: -y}
""", [[1.0, 0.0], [-1.0, 0.0]])
    out = o(np.array([[0.0, 0.3], [1e-5, 0.1], [-1e-5, 0.0]]))
    # on the degenerate line: stays; 1e-5 off it: escapes after t ~ 5e9, decided
    assert out.tolist() == [UNDECIDED, 0, 1]


def test_the_compiled_check_of_one_state_agrees_with_the_batch_check(models_dir):
    """The fate of one state after each integration step (compiled) against the vectorised
    check, on states inside, between and outside the capture balls, non-finite and far away;
    with few node points (nearest by scaled distance) and many (the k-d tree's rule)."""
    from dynena.flow.oracle import _RUNNING

    c = dynena.compile_model(dynena.load(models_dir / "brusselator.yaml"))
    rng = np.random.default_rng(3)
    for k in (3, 40):  # 40 points: the k-d tree path
        P = rng.uniform(-1, 1, (k, 2))
        o = OutcomeOracle(c, P[:2], np.array([0.05, 0.2]), 100.0, max_norm=50.0,
                          node_points=[P[: k // 2], P[k // 2:]])
        X = np.vstack([P + rng.normal(0, 0.01, P.shape), rng.uniform(-2, 2, (400, 2)),
                       [[np.nan, 0.0], [np.inf, 1.0], [60.0, 0.0]]])
        batch = o._fate(X)
        single = np.array([o._fate_single(x) for x in X])
        assert np.array_equal(batch, single)
        # a few rows at a time (the compiled rule per row, when no k-d tree is built)
        few = np.concatenate([o._fate(X[i:i + 3]) for i in range(0, len(X), 3)])
        assert np.array_equal(few, batch) and few.dtype == batch.dtype
        assert {DIVERGED, _RUNNING, 0, 1} <= set(single.tolist())


def test_trajectory_cuts_at_capture_when_the_event_root_finder_fails(write_model, monkeypatch):
    """The capture event (the gap to the nearest ball) jumps where the nearest sample
    changes, and scipy's root finder can then raise; the trajectory is cut by hand instead of
    stopping the caller (Lorenz at rho = 20 stopped a whole network)."""
    import dynena.flow.oracle as oracle_module

    o = oracle_for(write_model, """
dynena: 1
name: decay
kind: ode
variables: {x: {range: [-2, 2]}}
equations: {x: -x}
""", [[0.0]])
    real = oracle_module.solve_ivp

    def failing(*a, **kw):
        if any(e.__name__ == "capture" for e in kw.get("events") or []):
            raise ValueError("f(a) and f(b) must have different signs")
        return real(*a, **kw)

    monkeypatch.setattr(oracle_module, "solve_ivp", failing)
    t, X = o.trajectory(np.array([1.5]), t=50.0)
    r = o.radii[0]
    # it ends at the first step inside the capture ball, as the event would have ended it
    assert abs(X[-1, 0]) <= r < abs(X[-2, 0])
    assert t[-1] < 50.0 and np.allclose(X[:, 0], 1.5 * np.exp(-t), rtol=1e-5)


def test_capture_ball_of_a_weak_focus_shrinks_into_its_basin(write_model):
    """Lorenz at rho = 24.73, just below the subcritical Hopf point (24.74): an unstable cycle
    surrounds each focus closely. The ball of 5 % of the distance to the other equilibria
    (1.12) holds starts that go to the chaotic attractor, and the oracle called every one of
    them "captured". Checked here by scipy's own integration: a start on that ball leaves
    (distance > 5 within t = 3000); on the ball the Lyapunov test leaves, the starts stay."""
    from scipy.integrate import solve_ivp

    from dynena.flow.oracle import lyapunov_radius

    m = dynena.load(write_model(
        "dynena: 1\nname: lorenz2473\nvariables: [x, y, z]\nparameters: {s: 10, r: 24.73, "
        "b: 8/3}\nequations:\n  x: s*(y - x)\n  y: x*(r - z) - y\n  z: x*y - b*z\n"))
    c = dynena.compile_model(m)
    b, r = 8 / 3, 24.73
    xs = np.array([np.sqrt(b * (r - 1)), np.sqrt(b * (r - 1)), r - 1])
    heuristic = 0.05 * np.linalg.norm(xs - [0, 0, 0])  # the nearest other equilibrium
    small = lyapunov_radius(c, xs, heuristic)
    assert small < 0.01 * heuristic
    rng = np.random.default_rng(3)
    D = rng.standard_normal((3, 3))
    D /= np.linalg.norm(D, axis=1, keepdims=True)

    def farthest(x0: np.ndarray) -> float:
        sol = solve_ivp(lambda t, z: c.f(z), [0, 3000], x0, rtol=1e-10, atol=1e-12,
                        method="LSODA")
        return float(np.max(np.linalg.norm(sol.y.T - xs, axis=1)))

    assert max(farthest(xs + 0.999 * heuristic * d) for d in D) > 5.0
    assert max(farthest(xs + 0.999 * small * d) for d in D) < 1.5 * small
    # a strongly attracting node keeps the heuristic ball (x' = x - x^3: the check passes)
    cube = dynena.compile_model(dynena.load_document(
        {"dynena": 1, "name": "cube1", "variables": ["x", "y"],
         "equations": {"x": "x - x**3", "y": "-y"}}))
    assert lyapunov_radius(cube, np.array([1.0, 0.0]), 0.05) == 0.05


def test_a_weak_focus_is_not_taken_for_stiffness():
    """r' = r g(r^2), theta' = 1 with a focus of rate 0.001 at the origin: t_max is 60 000, and
    |λ| · t_max (with the rotation's |λ| = 1) sent every start to a single LSODA run, as if
    the model were stiff; discovery spent its two minutes on 256 starts without finding the
    stable cycle r = 1. Stiffness is about decay: |Re λ| · t_max = 60. A genuinely stiff
    model (rates 1000 and 1) still goes to the implicit path."""
    from dynena.attractor.api import node_oracle

    weak = dynena.compile_model(dynena.load_document(
        {"dynena": 1, "name": "weakfocus", "variables": ["x", "y"],
         "definitions": {"rho": "x**2 + y**2", "g": "(rho - 1/4)*(1 - rho)*(rho + 1/250)"},
         "equations": {"x": "g*x - y", "y": "g*y + x"}}))
    stiff = dynena.compile_model(dynena.load_document(
        {"dynena": 1, "name": "stiff", "variables": ["x", "y"],
         "equations": {"x": "-1000*(x - y**2)", "y": "-y"}}))
    for c, explicit in ((weak, True), (stiff, False)):
        eq = dynena.find_equilibria(c)
        st = [e for e in eq.equilibria if e.stability == "stable"]
        w = np.concatenate([np.asarray(e.eigenvalues) for e in st])
        oracle = node_oracle(c, eq, st, [])
        # the rates by numpy: the slowest sets t_max, the fastest decay decides stiffness
        assert oracle.t_max == pytest.approx(np.clip(60 / np.min(-w.real), 200, 1e6))
        assert oracle.batch_explicit is explicit


def test_a_blow_up_far_out_is_followed_along_its_orbit(write_model, monkeypatch):
    """x' = -x + x^7 / 100 blows up in finite time beyond x* = 100^(1/6) = 2.154; the
    explicit batch's step collapses near |x| ~ 100 (before max_norm). Such rows were each
    integrated again from the start by LSODA (8 ms apiece: most of a ring model's
    discovery); now their orbit is followed on at slowed speed (a few steps). The outcome of
    every start against x*; and x' = -x - x^7 from |x| = 50 (the step collapses there too,
    but the orbit comes back) still reaches the node. With the compiled loop the state is
    handed back past the run-off norm and followed the same way; scipy's solvers are not
    started at all."""
    import dynena.flow.oracle as oracle_mod

    calls = {"scipy": 0, "off": 0}
    scipy_steps, off = OutcomeOracle._advance, OutcomeOracle._runs_off

    def count_scipy(self, solver, steps):
        calls["scipy"] += 1
        return scipy_steps(self, solver, steps)

    def count_off(self, x0, steps=200):
        calls["off"] += 1
        return off(self, x0, steps)

    monkeypatch.setattr(oracle_mod.OutcomeOracle, "_advance", count_scipy)
    monkeypatch.setattr(oracle_mod.OutcomeOracle, "_runs_off", count_off)
    o = oracle_for(write_model, """
dynena: 1
name: blowup7
kind: ode
variables: {x: {range: [-4, 4]}}
equations: {x: -x + x**7/100}
""", [[0.0]])
    X = np.linspace(-4, 4, 161)[:, None]
    X = X[np.abs(np.abs(X[:, 0]) - 100 ** (1 / 6)) > 1e-3]
    want = np.where(np.abs(X[:, 0]) > 100 ** (1 / 6), DIVERGED, 0)
    for compiled in (True, False):
        calls.update(scipy=0, off=0)
        o.compiled = compiled
        out = o(X)
        assert out.tolist() == want.tolist()
        assert calls["off"] >= 0.9 * int(np.sum(want == DIVERGED))
        assert calls["scipy"] < (1 if compiled else 0.1 * len(X))
    back = oracle_for(write_model, """
dynena: 1
name: back7
kind: ode
variables: {x: {range: [-4, 4]}}
equations: {x: -x - x**7}
""", [[0.0]])
    assert back(np.array([[50.0], [-50.0], [3.0]])).tolist() == [0, 0, 0]


WEAK_FOCUS = """
dynena: 1
name: weak_focus
kind: ode
variables: {x: {range: [-2, 2]}, y: {range: [-2, 2]}}
equations: {x: -x/200 - y, y: x - y/200}
"""


def test_a_slow_spiral_into_a_node_is_followed_past_the_step_budget(write_model):
    """x' = -x/200 - y, y' = x - y/200: |x(t)| = |x0| e^(-t/200), so from |x0| = 1 the capture
    ball of radius 1e-3 is reached at t = 200 ln 1000, 220 turns: about 11 000 steps at the
    oracle's tolerance, more than scipy's budget (5 000). Closing in at a steady rate, the
    trajectory goes on and is decided, by scipy's solvers (``compiled=False``) and by the
    compiled loop alone (one chunk of 5 000 steps, then more while closing in); a centre
    (x' = -y, y' = x) never closes in and is undecided after the budgets."""
    c = dynena.compile_model(dynena.load(write_model(WEAK_FOCUS)))
    start = np.array([[1.0, 0.0]])

    def oracle(model, **kw):
        return OutcomeOracle(model, np.zeros((1, 2)), np.array([1e-3]), t_max=50.0,
                             max_steps=5000, **kw)

    assert oracle(c, compiled=False)(start)[0] == 0
    # without going on it was undecided: the budget alone does not reach the ball
    assert oracle(c, compiled=False, max_extend=0)(start)[0] == UNKNOWN
    assert oracle(c, compiled_chunks=1, compiled_extend=0)(start)[0] == UNKNOWN
    o = oracle(c, compiled_chunks=1)
    scipy_steps = []
    o._advance = lambda solver, steps: scipy_steps.append(steps)  # type: ignore[method-assign]
    assert o(start)[0] == 0 and not scipy_steps
    centre = dynena.compile_model(dynena.load(write_model(
        WEAK_FOCUS.replace("-x/200 - y", "-y").replace("x - y/200", "x"))))
    for compiled in (False, True):
        o2 = oracle(centre, compiled=compiled)
        assert o2(start)[0] == UNKNOWN and o2.budget_hits == 1


def test_kicks_beside_a_chaotic_attractor_are_decided_by_the_compiled_loop(models_dir):
    """Lorenz at rho = 24.5: C± (attracting at the rate 0.0072) beside the chaotic attractor,
    known to the oracle as 2 000 samples. Kicks from C+ of 2-9 either spiral back for hundreds
    of time units or join the chaos; the batch path left the slow ones to LSODA one by one.
    The compiled loop (its capture balls binned on a grid) decides each, in 0.06 s; the
    reference is the state after 800 time units (C+ attracts at 0.0072: distance 9 to 0.03)
    by odeint at two tolerances, kept where they agree."""
    from scipy.integrate import odeint

    rho = 24.5
    c = dynena.compile_model(dynena.load(models_dir / "lorenz.yaml").with_parameters(rho=rho))

    def f(z, t):
        return [10 * (z[1] - z[0]), z[0] * (rho - z[2]) - z[1], z[0] * z[1] - 8 / 3 * z[2]]

    cloud = odeint(f, [1.0, 1.0, 1.0], np.linspace(0, 300, 4001), rtol=1e-10,
                   atol=1e-12)[2001:]
    cp = np.sqrt(8 / 3 * (rho - 1))
    C = np.array([[cp, cp, rho - 1], [-cp, -cp, rho - 1]])
    eq = np.vstack([C, np.zeros((1, 3))])
    o = OutcomeOracle.build(c, np.vstack([C, cloud.mean(axis=0)]), eq,
                            node_points=[C[:1], C[1:], cloud], clouds=1,
                            eigenvalues=[np.linalg.eigvals(c.jac(x)) for x in C] + [[]])
    assert o._stepper() is not None and len(o._checks().grid.start) > 1
    rng = np.random.default_rng(3)
    V = rng.normal(size=(24, 3))
    X0 = C[0] + rng.uniform(2, 9, (24, 1)) * V / np.linalg.norm(V, axis=1)[:, None]
    out = o(X0)

    def ref(x0, rtol):
        z = odeint(f, x0, [0, 800], rtol=rtol, atol=1e-3 * rtol, mxstep=10**7)[-1]
        d = np.linalg.norm(C - z, axis=1)
        return int(np.argmin(d)) if d.min() < 0.5 else 2

    kept = 0
    for x0, got in zip(X0, out):
        a, b = ref(x0, 1e-9), ref(x0, 1e-10)
        if a == b:
            kept += 1
            assert got == a, (x0, got, a)
    assert kept >= 20
    assert {0, 2} <= set(out.tolist())  # both kinds of outcome among the kicks


def test_a_trajectory_stops_at_the_deadline(write_model):
    """A centre (x'' = -x) circles for ever: the trajectory used to name the saddle a kick
    passes ends at the oracle's deadline instead of running to t_max (a kick spiralling into
    Lorenz's C+ at rho = 24.5 took LSODA 4.5 s past an 8 s budget)."""
    import time

    o = oracle_for(write_model, """
dynena: 1
name: centre
kind: ode
variables: {x: {range: [-2, 2]}, y: {range: [-2, 2]}}
equations: {x: y, y: -x}
""", [[5.0, 5.0]])
    t, X = o.trajectory(np.array([1.0, 0.0]), t=200.0)
    assert t[-1] == pytest.approx(200.0)  # no deadline: the whole time
    o.deadline = time.monotonic() + 0.05
    start = time.monotonic()
    t, X = o.trajectory(np.array([1.0, 0.0]), t=1e7)
    assert time.monotonic() - start < 2.0 and t[-1] < 1e7
    assert np.allclose(X[:, 0], np.cos(t), atol=1e-5)


def test_a_map_past_its_escape_radius_once_has_not_diverged(models_dir):
    """Newton's map of z^3 - 1 sends a state near a preimage of its pole (z = 0) to |z| = 5e4,
    beyond the escape radius, and then contracts by about 2/3 a step back to a root. It was
    'diverged' (a connection E0 -> diverged at 3.2475, certified). Reference: the orbit
    iterated here in complex arithmetic. Hénon's escape stays an escape."""
    c = dynena.compile_model(dynena.load(models_dir / "hard" / "newton_cubic.yaml"))
    roots = np.exp(2j * np.pi * np.arange(3) / 3)
    o = OutcomeOracle.build(c, np.column_stack([roots.real, roots.imag]), np.zeros((0, 2)),
                            eigenvalues=[np.array([0.0, 0.0])] * 3)
    starts = np.array([[1.0 - 3.2475278, 0.0], [1.0 - 3.2475, 0.0], [0.7924, 0.0]])
    z = starts[:, 0] + 1j * starts[:, 1]
    far = np.zeros(len(z))
    for _ in range(200):
        z = 2 * z / 3 + 1 / (3 * z**2)
        far = np.maximum(far, np.abs(z))
    assert far[0] > 2 * o.max_norm  # the orbit does leave the escape radius
    want = np.argmin(np.abs(z[:, None] - roots[None, :]), axis=1)
    assert list(o(starts)) == list(want)
    h = dynena.compile_model(dynena.load(models_dir / "henon.yaml"))
    oh = OutcomeOracle.build(h, np.zeros((1, 2)), np.zeros((0, 2)),
                             eigenvalues=[np.array([0.5, 0.5])])
    assert oh(np.array([[3.0, 0.0]]))[0] == DIVERGED


def test_a_capture_ball_stops_short_of_a_node_a_billionth_as_far_as_the_state_is_large(
        write_model):
    """Stable states (1e3, ±1e-7): each ball must exclude the other. The node itself was told
    apart from its neighbours by a distance of 1e-9 (1 + |x|) = 1e-6, so the other state
    (2e-7 away) was taken for itself, the ball was 0.05 of the distance to the saddle at
    (0, 1e-7) — 50 — and a symmetry then mapped both states to one (a false edge E0 -> E0)."""
    c = dynena.compile_model(dynena.load(write_model("""
dynena: 1
name: far_and_near
kind: ode
variables:
  x: {range: [-2e3, 2e3]}
  y: {range: [-2e-7, 2e-7]}
equations:
  x: x - x**3/1e6
  y: y - y**3/1e-14
""")))
    eq = dynena.equilibria(c)
    nodes = np.array([e.state for e in eq.equilibria if e.stable])
    assert len(nodes) == 4
    o = OutcomeOracle.build(c, nodes, np.array([e.state for e in eq.equilibria]),
                            eigenvalues=[np.array([-2.0, -2.0])] * 4)
    gaps = np.linalg.norm(nodes[:, None] - nodes[None], axis=2) + np.diag([np.inf] * 4)
    assert np.all(o.radii < 0.5 * gaps.min(axis=1))
    # a state just off each node, on the side of its neighbour in y, goes to that node
    off = nodes + np.array([0.0, 1e-9]) * -np.sign(nodes[:, 1:2])
    assert list(o(off)) == [0, 1, 2, 3]


def test_a_mildly_stiff_approach_stays_in_the_compiled_loop(write_model, monkeypatch):
    """x' = -20 x beside a slow bistable y' = -0.02 y (y - 1)(y + 1): the fast direction
    holds the explicit step at its stability limit (h ~ 0.16) for the ~60 time units of the
    slow approach, so Hairer's test calls it stiff, and every kick went on in scipy's LSODA
    from Python (on the AP 3-cube, 8 118 of 8 678 trajectories, 2.4 million steps). A few
    hundred explicit steps decide it: LSODA is not called (made to fail here), and the
    outcome is the side of y = 0 the kick lands on. A stiff model (rate 1e5, decided in a
    few time units: 1e5 explicit steps) still goes to LSODA."""
    import scipy.integrate

    o = oracle_for(write_model, """
dynena: 1
name: mildstiff
kind: ode
variables: {x: {range: [-2, 2]}, y: {range: [-2, 2]}}
equations: {x: -20*x, y: -0.02*y*(y - 1)*(y + 1)}
""", [[0.0, 1.0], [0.0, -1.0]])
    calls: list[int] = []
    real = scipy.integrate.LSODA

    def counted(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(scipy.integrate, "LSODA", counted)
    Y = np.array([[1.0, 0.5], [-1.5, 0.2], [0.5, -0.3], [1.9, -0.8]])
    assert o(Y).tolist() == [0, 0, 1, 1]
    assert not calls, "a mildly stiff approach went to LSODA"
    o2 = oracle_for(write_model, """
dynena: 1
name: verystiff
kind: ode
variables: {x: {range: [-2, 2]}, y: {range: [-2, 2]}}
equations: {x: -100000*(x - y**2), y: -0.5*y*(y - 1)*(y + 1)}
""", [[1.0, 1.0], [1.0, -1.0]])
    assert o2(np.array([[0.3, 0.4], [1.5, -0.2]])).tolist() == [0, 1]
    assert calls, "a stiff model no longer reaches the implicit method"
