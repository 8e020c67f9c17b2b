"""The compiled Dormand-Prince loop of one model, against closed forms and scipy's solvers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import dynena
from dynena.errors import DynenaWarning
from dynena.flow import stepper as stepper_mod
from dynena.flow.fate import DIVERGED, RUNNING
from dynena.flow.oracle import UNKNOWN, OutcomeOracle
from dynena.flow.stepper import RUNOFF, STIFF, Checks, stepper_for

DUFFING = """
dynena: 1
name: duffing_damped
kind: ode
parameters: {d: 0.1}
variables: {x: {range: [-2, 2]}, y: {range: [-2, 2]}}
equations: {x: y, y: x - x**3 - d*y}
"""


def checks(n=2, rtol=1e-10, atol=1e-12, **kw):
    """No capture ball, no bound in reach: the loop only integrates."""
    base = dict(rtol=rtol, atol=atol, pts=np.zeros((0, n)), prad=np.zeros(0),
                owner=np.zeros(0, np.int64), max_norm=1e6, euclidean=False, runoff=np.inf,
                transit=False)
    return Checks(**{**base, **kw})


@pytest.fixture(scope="module")
def duffing(tmp_path_factory):
    p = tmp_path_factory.mktemp("stepper") / "duffing.yaml"
    p.write_text(DUFFING)
    return dynena.compile_model(dynena.load(p))


def test_the_loop_follows_the_flow_to_its_tolerance(duffing):
    """Duffing from (1.4, 0.3) to t = 40 (many turns): within the tolerance's reach of a
    DOP853 solution 1000 times tighter; the loop stops at t_end, undecided."""
    st = stepper_for(duffing)
    assert st is not None
    x0 = np.array([1.4, 0.3])
    ref = solve_ivp(lambda t, z: duffing.f(z), (0, 40), x0, method="DOP853", rtol=1e-13,
                    atol=1e-15).y[:, -1]
    code, y, t, h, k = st.advance(x0, 0.0, 40.0, 0.0, 10**6, checks())
    assert code == RUNNING and t == pytest.approx(40.0, abs=1e-12)
    assert np.max(np.abs(y - ref)) < 1e-7
    assert np.array_equal(x0, [1.4, 0.3])  # the start is not changed
    # a budget of steps: stopped early, and going on from there ends at the same state
    code, y1, t1, h1, k1 = st.advance(x0, 0.0, 40.0, 0.0, 100, checks())
    assert code == RUNNING and k1 == 100 and t1 < 40
    _, y2, t2, _, _ = st.advance(y1, t1, 40.0, h1, 10**6, checks())
    assert t2 == pytest.approx(40.0) and np.max(np.abs(y2 - ref)) < 1e-7
    # many rows in one call: each as alone
    codes, Y, T, _ = st.advance_rows(np.array([x0, -x0]), 40.0, 10**6, checks())
    assert codes.tolist() == [RUNNING, RUNNING] and np.allclose(T, 40.0)
    assert np.max(np.abs(Y[0] - ref)) < 1e-7 and np.max(np.abs(Y[1] + ref)) < 1e-7


def test_capture_inside_a_step_needs_transit(tmp_path):
    """x' = 1 has no error to control: the steps grow tenfold (11.1 -> 111.1) and jump over a
    ball at x = 61 (radius 0.5); checked inside each step (``transit``: at 36.1, 61.1, 86.1)
    the ball is entered."""
    p = tmp_path / "drift.yaml"
    p.write_text("dynena: 1\nname: drift\nkind: ode\nvariables: {x: {range: [-1, 1]}}\n"
                 "equations: {x: '1'}\n")
    st = stepper_for(dynena.compile_model(dynena.load(p)))
    ball = dict(n=1, rtol=1e-8, atol=1e-10, pts=np.array([[61.0]]), prad=np.array([0.5]),
                owner=np.array([3]))
    code, y, t, _, _ = st.advance(np.zeros(1), 0.0, 1e4, 0.0, 10**4, checks(**ball))
    assert code == RUNNING and t == pytest.approx(1e4)  # jumped over it
    code, y, t, _, _ = st.advance(np.zeros(1), 0.0, 1e4, 0.0, 10**4,
                                  checks(transit=True, **ball))
    assert code == 3 and abs(y[0] - 61.0) < 0.5 and y[0] == pytest.approx(t)


def test_blow_up_is_handed_back_then_divergence(tmp_path):
    """x' = x^2 from 1 blows up at t = 1: the loop hands the state back past the run-off
    norm; the oracle calls it divergence."""
    p = tmp_path / "blow.yaml"
    p.write_text("dynena: 1\nname: blow2\nkind: ode\nvariables: {x: {range: [-1, 1]}}\n"
                 "equations: {x: x**2}\n")
    c = dynena.compile_model(dynena.load(p))
    st = stepper_for(c)
    code, y, t, _, _ = st.advance(np.ones(1), 0.0, 10.0, 0.0, 10**4,
                                  checks(n=1, rtol=1e-8, atol=1e-10, runoff=1e3))
    assert code == RUNOFF and y[0] > 1e3 and t < 1.0
    code, *_ = st.advance(np.ones(1), 0.0, 10.0, 0.0, 10**5, checks(n=1, rtol=1e-8,
                                                                    atol=1e-10))
    assert code == DIVERGED
    o = OutcomeOracle(c, np.array([[-1.0]]), np.array([0.1]), t_max=50.0)
    assert o(np.array([[1.0], [-1.0]])).tolist() == [DIVERGED, 0]


def test_outcomes_agree_with_scipys_solvers(duffing):
    """The weakly damped Duffing oscillator (d = 0.02: kicks ring for thousands of steps past
    the explicit batch): the oracle's outcomes with the compiled loop equal those of scipy's
    LSODA / Radau (``compiled=False``) on kicks away from the basin boundary, with no kick
    left undecided. The boundary is the saddle's stable manifold, computed here by
    integrating it backwards."""
    c = duffing.with_parameters(d=0.02)
    nodes = np.array([[1.0, 0.0], [-1.0, 0.0]])
    rng = np.random.default_rng(1)
    X = nodes[0] + rng.uniform(-0.6, 0.6, (40, 2))
    lam = (-0.02 - np.sqrt(0.02 ** 2 + 4)) / 2
    v = np.array([1.0, lam]) / np.hypot(1.0, lam)
    W = np.vstack([solve_ivp(lambda t, z: -c.f(z), (0, 150), s * 1e-9 * v, rtol=1e-11,
                             atol=1e-13, dense_output=True).sol(np.linspace(0, 150, 200001)).T
                   for s in (1, -1)])
    gap = np.min(np.linalg.norm(X[:, None, :] - W[None, :, :], axis=2), axis=1)
    X = X[gap > 1e-2]

    def oracle(**kw):
        return OutcomeOracle(c, nodes, np.array([0.05, 0.05]), t_max=200.0, **kw)

    fast = oracle()
    out = fast(X)
    assert UNKNOWN not in out and fast._dp5[0] is not None
    ref = oracle(compiled=False)(X)
    assert out.tolist() == ref.tolist()
    assert set(out.tolist()) == {0, 1}  # both basins among the kicks


def test_no_loop_where_it_cannot_run(duffing, monkeypatch):
    """Switched off, or failing to compile: a warning, no loop, scipy's solvers decide."""
    monkeypatch.setenv("DYNENA_NO_STEPPER", "1")
    assert stepper_for(duffing) is None
    monkeypatch.delenv("DYNENA_NO_STEPPER")

    def broken(source, key):
        raise RuntimeError("numba typing failed")

    c = duffing.with_parameters(d=0.3)
    monkeypatch.setattr(stepper_mod.templates, "load_template", broken)
    monkeypatch.setattr(stepper_mod, "_BROKEN", set())
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert stepper_for(c) is None
    assert any(issubclass(x.category, DynenaWarning) and "scipy" in str(x.message) for x in w)
    o = OutcomeOracle(c, np.array([[1.0, 0.0], [-1.0, 0.0]]), np.array([0.05, 0.05]),
                      t_max=200.0)
    assert o(np.array([[1.2, 0.1]])).tolist() == [0]


def test_stiffness_is_handed_to_an_implicit_method(tmp_path):
    """x' = -1000 (x - y), y' = -y / 10: after the fast transient the explicit steps are held
    at the stability limit (h ~ 3.3e-3, where accuracy alone would allow steps of ~1): Hairer's
    test says ``STIFF``. The oracle goes on from there with scipy's implicit solvers and
    decides the start; a centre (neither stiff nor closing in) is left undecided by the loop
    without them."""
    p = tmp_path / "stiff.yaml"
    p.write_text("dynena: 1\nname: stiff2\nkind: ode\nvariables: {x: {range: [-1, 1]}, "
                 "y: {range: [-1, 1]}}\nequations: {x: -1000*(x - y), y: -y/10}\n")
    c = dynena.compile_model(dynena.load(p))
    st = stepper_for(c)
    code, y, t, h, k = st.advance(np.array([1.0, 0.5]), 0.0, 100.0, 0.0, 10**5,
                                  checks(rtol=1e-8, atol=1e-10))
    assert code == STIFF and t < 1.0 and h < 1e-2
    o = OutcomeOracle(c, np.zeros((1, 2)), np.array([1e-3]), t_max=50.0)
    scipy_steps = []
    real = o._advance
    o._advance = lambda solver, steps: scipy_steps.append(steps) or real(solver, steps)
    assert o(np.array([[1.0, 0.5]])).tolist() == [0] and scipy_steps
    p2 = tmp_path / "centre.yaml"
    p2.write_text("dynena: 1\nname: centre2\nkind: ode\nvariables: {x: {range: [-1, 1]}, "
                  "y: {range: [-1, 1]}}\nequations: {x: -y, y: x}\n")
    o2 = OutcomeOracle(dynena.compile_model(dynena.load(p2)), np.zeros((1, 2)),
                       np.array([1e-3]), t_max=50.0)
    o2._advance = lambda solver, steps: scipy_steps.append(-1)
    assert o2(np.array([[1.0, 0.0]])).tolist() == [UNKNOWN] and -1 not in scipy_steps


def test_recorded_steps_follow_the_flow_and_stop_at_capture(duffing):
    """The loop's kept steps (the path that adjoints run back along): each state within the
    tolerance's reach of a DOP853 solution at its time, f at it, the cubic Hermite
    interpolant between them as near as the method's dense output; the steps are those of
    :meth:`advance` (the same end state); with a capture ball, the record ends at the node,
    inside it."""
    from dynena.flow.variational import steps_dense

    st = stepper_for(duffing)
    x0 = np.array([1.4, 0.3])
    ref = solve_ivp(lambda t, z: duffing.f(z), (0, 40), x0, method="DOP853", rtol=1e-13,
                    atol=1e-15, dense_output=True)
    code, T, Y, F = st.record(x0, 40.0, 10**5, checks())
    assert code == RUNNING and T[0] == 0.0 and T[-1] == pytest.approx(40.0, abs=1e-12)
    assert np.all(np.diff(T) > 0) and np.array_equal(Y[0], x0)
    assert np.max(np.abs(Y - ref.sol(T).T)) < 1e-7
    assert np.allclose(F, duffing.f_batch(Y), rtol=1e-14, atol=1e-14)
    _, y_adv, _, _, _ = st.advance(x0, 0.0, 40.0, 0.0, 10**6, checks())
    assert np.max(np.abs(Y[-1] - y_adv)) < 1e-12
    mid = 0.5 * (T[1:] + T[:-1])
    assert np.max(np.abs(steps_dense(T, Y, F)(mid) - ref.sol(mid))) < 1e-5
    # the stable focus (1, 0) as a node: the record stops on entering its ball
    ball = checks(pts=np.array([[1.0, 0.0]]), prad=np.array([0.05]),
                  owner=np.array([0], np.int64), transit=True)
    code, T, Y, F = st.record(x0, 1e4, 10**5, ball)
    assert code == 0 and np.linalg.norm(Y[-1] - [1.0, 0.0]) < 0.05
    assert np.all(np.linalg.norm(Y[:-1] - [1.0, 0.0], axis=1) >= 0.05)
    # rows run out: the record stops there, still running
    code, T, Y, F = st.record(x0, 40.0, 7, checks())
    assert code == RUNNING and len(T) == 7 and T[-1] < 40.0
