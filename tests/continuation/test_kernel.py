"""The compiled continuation loop (dynena.continuation.kernel) against the Python loop and
against analytic bifurcation values: the same branch, point for point, and the same special
points, on the paths the compiled loop has to reproduce (the chain rule through definitions, an
input channel, a map's k-cycles and the merge onto the parent cycle, a closed loop)."""

from __future__ import annotations

import types

import numpy as np
import pytest

import dynena
from dynena.continuation import continue_cycles, continue_equilibrium
from dynena.continuation.kernel import kernel_cached, mark_ready
from dynena.continuation.palc import Continuer
from dynena.errors import DynenaWarning


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """A code cache of this test's own: nothing compiled before."""
    monkeypatch.setenv("DYNENA_CACHE_DIR", str(tmp_path / "cache"))


def _same(a, b, atol=1e-9):
    """Two continuation results with the same branches and special points."""
    assert len(a.branches) == len(b.branches)
    for ba, bb in zip(a.branches, b.branches):
        assert ba.x.shape == bb.x.shape and ba.message == bb.message
        assert np.allclose(ba.x, bb.x, atol=atol) and np.allclose(ba.p, bb.p, atol=atol)
        assert np.array_equal(ba.unstable_dim, bb.unstable_dim)
        assert [s.type for s in ba.special_points] == [s.type for s in bb.special_points]
        assert np.allclose([s.p for s in ba.special_points], [s.p for s in bb.special_points],
                           atol=atol)


def _loops(res):
    return sum(b.stats.get("compiled_loops", 0) for b in res.branches)


def test_definitions_and_inputs_give_the_python_loops_branch_and_the_exact_hopf_points(
        fresh_cache):
    """FitzHugh–Nagumo with its cubic as a definition and the stimulus as an input channel:
    Hopf points where v² = 1 - eps b, I = v³/3 - v + (v + a)/b."""
    m = dynena.load_document({
        "dynena": 1, "name": "fhn_defs",
        "variables": {"v": {"range": [-2.5, 2.5]}, "w": {"range": [-1.5, 2.5]}},
        "parameters": {"I": {"value": 0, "range": [0, 2]}, "a": "7/10", "b": "4/5",
                       "eps": "2/25"},
        "inputs": {"I_ext": {}},
        "definitions": {"cubic": "v - v**3/3"},
        "equations": {"v": "cubic - w + I + I_ext", "w": "eps*(v + a - b*w)"}})
    c = dynena.compile_model(m)
    assert not kernel_cached(c)
    assert Continuer(c, "I").kernel is None  # "auto" never compiles
    ours = continue_equilibrium(c, "I", compiled=True)
    assert kernel_cached(c) and _loops(ours) > 0
    assert Continuer(c, "I").kernel is not None  # "auto" now finds it on disk
    ref = continue_equilibrium(c, "I", compiled=False)
    assert _loops(ref) == 0
    _same(ours, ref)
    a, b, eps = 0.7, 0.8, 0.08
    exact = sorted(v**3 / 3 - v + (v + a) / b for v in (-np.sqrt(1 - eps * b),
                                                        np.sqrt(1 - eps * b)))
    assert sorted(sp.p for sp in ours.special_points("H")) == pytest.approx(exact, abs=1e-9)
    # the periodic orbits born at the first Hopf point: the compiled collocation corrector
    cyc = continue_cycles(c, "I", result=ours, start="H1", max_points=40, compiled=True)
    cref = continue_cycles(c, "I", result=ours, start="H1", max_points=40, compiled=False)
    assert kernel_cached(c, "cycles")
    a, b = cyc.cycles[0], cref.cycles[0]
    assert len(a.p) == len(b.p) == 40 and a.message == b.message
    assert np.allclose(a.p, b.p, atol=1e-9) and np.allclose(a.period, b.period, atol=1e-8)
    assert np.allclose(a.multipliers, b.multipliers, atol=1e-7)


def test_cycles_of_a_map_follow_the_python_loop_through_the_cascade(models_dir):
    """The logistic map's doublings at r = 3, 1 + √6 and 3.5440903596 (the 4-cycle's flip),
    on branches of k-cycles (fixed points of f^k) continued by the compiled loop."""
    m = dynena.load(models_dir / "logistic.yaml")
    kw = dict(p_range=(2.8, 3.56), max_period=4)
    ours = continue_equilibrium(m, "r", compiled=True, **kw)
    ref = continue_equilibrium(m, "r", compiled=False, **kw)
    _same(ours, ref)
    assert all(b.stats.get("compiled_loops", 0) > 0 for b in ours.branches)
    pd = sorted({round(sp.p, 8) for sp in ours.special_points("PD")})
    assert pd[:3] == pytest.approx([3.0, 1 + np.sqrt(6), 3.5440903596], abs=1e-8)


@pytest.mark.slow  # a third compile of the loop (~10 s): make test-all
def test_a_closed_loop_ends_where_the_python_loop_ends():
    m = dynena.load_document({"dynena": 1, "name": "isola_kernel",
                              "variables": {"x": {"range": [-3, 3]}},
                              "parameters": {"a": {"value": 0, "range": [-3, 3]}},
                              "equations": {"x": "1 - a**2 - x**2"}})
    ours = continue_equilibrium(m, "a", compiled=True)
    _same(ours, continue_equilibrium(m, "a", compiled=False))
    assert "closed loop" in ours.branches[0].message
    lps = sorted(sp.p for sp in ours.special_points("LP"))
    assert lps == pytest.approx([-1.0, 1.0], abs=1e-9)


def test_a_failing_compiled_loop_falls_back_to_python_and_says_so(models_dir, fresh_cache):
    m = dynena.load(models_dir / "brusselator.yaml")
    c = dynena.compile_model(m)
    mark_ready(c)  # as if an earlier run had compiled it
    assert kernel_cached(c)
    eng = Continuer(c, "b", compiled=False, p_range=(1.0, 3.0))

    def broken(*args):
        raise RuntimeError("no such loop")

    eng.kernel = types.SimpleNamespace(advance=broken)
    with pytest.warns(DynenaWarning, match="continuing in Python"):
        br = eng.run(np.array([1.0, 1.5]), 1.5)
    assert eng.kernel is None and br.stats["compiled_loops"] == 0
    assert not kernel_cached(c)  # forgotten: "auto" will not try it again
    ref = Continuer(c, "b", compiled=False, p_range=(1.0, 3.0)).run(np.array([1.0, 1.5]), 1.5)
    assert np.array_equal(br.x, ref.x)
    assert [s.p for s in br.special_points] == [s.p for s in ref.special_points]


def test_large_systems_rebuild_the_tests_in_chunks_with_the_same_result(models_dir,
                                                                        monkeypatch):
    """Above the memory cap the points' bordered matrices are not kept (1000 points of a
    2000-unit network would be 32 GB): the tests are rebuilt in chunks, the same branch."""
    from dynena.continuation import palc

    m = dynena.load(models_dir / "lorenz.yaml")
    x0 = np.array([np.sqrt(8 / 3 * 27), np.sqrt(8 / 3 * 27), 27.0])
    kw = dict(start=x0, p_range=(0.5, 30.0), compiled=False)
    ref = continue_equilibrium(m, "rho", **kw)
    monkeypatch.setattr(palc, "_MATRIX_BYTES", 3 * 16 * 8)  # three points a chunk
    _same(continue_equilibrium(m, "rho", **kw), ref, atol=0.0)
    assert {"H", "LP"} <= {s.type for s in ref.special_points()}


def test_the_command_line_names_the_compiled_loop_after_a_long_python_run(capsys, monkeypatch):
    """`dynena continue` says on stderr that --compiled exists when the Python loop took long,
    and not when the compiled loop ran or the user chose."""
    from dynena.cli.continuation import _hint

    monkeypatch.delenv("DYNENA_QUIET", raising=False)
    slow = types.SimpleNamespace(branches=[types.SimpleNamespace(
        stats={"seconds": 2.5, "compiled_loops": 0})], cycles=[])
    fast = types.SimpleNamespace(branches=[types.SimpleNamespace(
        stats={"seconds": 2.5, "compiled_loops": 1})], cycles=[])
    _hint(types.SimpleNamespace(compiled="auto"), slow)
    assert "--compiled yes" in capsys.readouterr().err
    for args, res in (("auto", fast), ("no", slow)):
        _hint(types.SimpleNamespace(compiled=args), res)
        assert capsys.readouterr().err == ""


@pytest.mark.slow  # another compile of the loop (~10 s): make test-all
def test_a_branch_ending_at_a_singular_edge_ends_the_same_way():
    """sqrt(x) at x = 0 (the derivative blows up, the state leaves the domain): the compiled
    loop stops where the Python loop stops, with the same message, and no warning."""
    m = dynena.load_document({
        "dynena": 1, "name": "sqrt_edge",
        "variables": {"x": {"range": [0, 4]}, "y": {"range": [-2, 2]}},
        "parameters": {"a": {"value": 1, "range": [-1, 2]}},
        "equations": {"x": "a - sqrt(x) + 0.1*y", "y": "-y + log(1 + x)"}})
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", DynenaWarning)
        ours = continue_equilibrium(m, "a", compiled=True)
    _same(ours, continue_equilibrium(m, "a", compiled=False))
    assert _loops(ours) > 0 and "corrector failed below the minimum step" in \
        ours.branches[0].message


def _same_cycles(a, b, atol=1e-9):
    """Two branches of periodic orbits with the same points, ends and special points."""
    assert len(a.p) == len(b.p) and a.message == b.message and a.status == b.status
    assert np.allclose(a.p, b.p, atol=atol) and np.allclose(a.period, b.period, atol=atol)
    assert np.allclose(a.maximum, b.maximum, atol=1e-8)
    assert np.allclose(a.multipliers, b.multipliers, atol=1e-7)
    assert [s.type for s in a.special_points] == [s.type for s in b.special_points]
    assert np.allclose([s.p for s in a.special_points], [s.p for s in b.special_points],
                       atol=atol)


def test_the_compiled_cycle_loop_follows_the_python_loop(monkeypatch):
    """The whole collocation step compiled (``coll_advance``: corrector, tangent, monodromy,
    mesh adaptation, end tests) against the Python loop on the subcritical Bautin form: the
    fold of cycles at b1 = -1/4 (located between two points of a chunk and, with chunks of 7
    points, across chunk boundaries), the end at the parameter range and the end where the
    cycles shrink through zero onto the Hopf point; and a hand-over to Python in mid-branch
    (a singular block) that continues the same branch."""
    from dynena.continuation import collocation
    from dynena.continuation.codes import C_SINGULAR

    m = dynena.load_document({
        "dynena": 1, "name": "bautin_kernel", "variables": ["x", "y"],
        "parameters": {"b1": {"value": -0.5, "range": [-1, 1]}, "b2": 1},
        "equations": {"x": "x*(b1 + b2*(x**2 + y**2) - (x**2 + y**2)**2) - y",
                      "y": "y*(b1 + b2*(x**2 + y**2) - (x**2 + y**2)**2) + x"}})
    one = continue_equilibrium(m, "b1", start=[0, 0])
    kw = dict(result=one, max_points=150)
    ours = continue_cycles(m, "b1", compiled=True, **kw).cycles[0]
    ref = continue_cycles(m, "b1", compiled=False, **kw).cycles[0]
    assert ours.stats["compiled_loops"] == 1 and ref.stats["compiled_loops"] == 0
    _same_cycles(ours, ref)
    (lpc,) = ours.special_points
    assert lpc.type == "LPC" and lpc.p == pytest.approx(-0.25, abs=1e-9)
    r = np.sqrt((1 + np.sqrt(0.6)) / 2)
    orbit = dict(start=[r + 0.01, 0.0], period=6.3, max_points=80)
    a = continue_cycles(m.with_parameters(b1="-1/10"), "b1", compiled=True, **orbit).cycles[0]
    b = continue_cycles(m.with_parameters(b1="-1/10"), "b1", compiled=False, **orbit).cycles[0]
    _same_cycles(a, b)
    assert "shrink onto an equilibrium" in a.message and a.stats["compiled_loops"] > 0
    monkeypatch.setattr(collocation.CycleContinuer, "_CHUNK", 7)
    _same_cycles(continue_cycles(m, "b1", compiled=True, **kw).cycles[0], ref)

    real = collocation.call
    calls = []

    def singular_on_the_third_chunk(c, kernel, fn, *args, **kwargs):
        ok, out = real(c, kernel, fn, *args, **kwargs)
        if fn == "coll_advance":
            calls.append(fn)
            if len(calls) == 3:
                out = (C_SINGULAR, *out[1:])
        return ok, out

    monkeypatch.setattr(collocation, "call", singular_on_the_third_chunk)
    handed = continue_cycles(m, "b1", compiled=True, **kw).cycles[0]
    assert len(calls) == 3
    _same_cycles(handed, ref)


@pytest.mark.slow  # three more compiles of the loop (~20 s each): make test-all
@pytest.mark.parametrize("case", ["rossler_pd", "langford_ns", "lorenz_unresolved"])
def test_the_compiled_cycle_loop_on_flips_tori_and_unresolved_orbits(case, models_dir):
    """Period doubling (Rössler), Neimark–Sacker (Langford) and the honest stop where the mesh
    no longer resolves the orbit (Lorenz near its homoclinic orbit): the same branch as the
    Python loop."""
    from test_cycles import ROSSLER

    if case == "rossler_pd":
        m, param = dynena.load_document(ROSSLER), "c"
        y = (-1 + np.sqrt(1 - 4 * 0.1 * 0.2)) / 0.2
        one = continue_equilibrium(m, "c", start=np.array([-0.1 * y, y, -y]))
        kw = dict(result=one, max_points=400)
    elif case == "langford_ns":
        m, param = dynena.load_document({
            "dynena": 1, "name": "langford_kernel", "variables": ["x", "y", "z"],
            "parameters": {"lam": {"value": -1.0, "range": [-1, 3]}, "alpha": 1.0,
                           "beta": 0.7, "rho": 0.25, "omega": 3.5},
            "equations": {"x": "(z - beta)*x - omega*y", "y": "omega*x + (z - beta)*y",
                          "z": "lam + alpha*z - z**3/3 - (x**2 + y**2)*(1 + rho*z)"}}), "lam"
        kw = dict(result=continue_equilibrium(m, "lam"), max_points=300)
    else:
        m, param = dynena.load(models_dir / "lorenz.yaml"), "rho"
        one = continue_equilibrium(m, "rho", p_range=(10, 30))
        kw = dict(result=one, start="H1", p_range=(10, 30), max_points=300)
    ours = continue_cycles(m, param, compiled=True, **kw).cycles[0]
    ref = continue_cycles(m, param, compiled=False, **kw).cycles[0]
    assert ours.stats["compiled_loops"] == 1
    if case == "lorenz_unresolved":
        # near the homoclinic orbit the monodromy matrix has a multiplier ~1e6 and the
        # trivial one is computed to ~1e-5 (rounding in the product of the transfer matrices):
        # the check crosses its 1e-3 threshold a point or two apart; the orbits agree
        k = min(len(ours.p), len(ref.p))
        assert abs(len(ours.p) - len(ref.p)) <= 3 and ref.status == "unresolved"
        assert np.allclose(ours.p[:k], ref.p[:k], atol=1e-8)
        assert np.allclose(ours.period[:k], ref.period[:k], atol=1e-8)
    else:
        _same_cycles(ours, ref, atol=1e-8)
    want = {"rossler_pd": ["PD"], "langford_ns": ["NS"], "lorenz_unresolved": []}[case]
    assert [s.type for s in ours.special_points] == want
    assert (ours.status == "unresolved") == (case == "lorenz_unresolved")


def test_only_the_whole_cycle_loop_marks_the_cycles_ready(models_dir, fresh_cache):
    """``compiled="auto"`` trusts the ready mark to mean no compile is left: the corrector
    alone (a start from an orbit that then fails) does not set it, the whole loop does."""
    from dynena.continuation.kernel import call

    c = dynena.compile_model(dynena.load(models_dir / "brusselator.yaml"))
    fake = types.SimpleNamespace(coll_correct=lambda: 1, coll_advance=lambda: 2)
    assert call(c, fake, "coll_correct", part=None) == (True, 1)
    assert not kernel_cached(c, "cycles")
    assert call(c, fake, "coll_advance", part="cycles") == (True, 2)
    assert kernel_cached(c, "cycles")


def test_a_small_model_in_a_fresh_process_continues_without_loading_numba(models_dir):
    """Loading numba and the machine code costs 0.6 s, more than a small model's branch in
    plain Python: a fresh process without the compiled loop never loads it, and finds the
    same branch as the numba-compiled model."""
    import json
    import subprocess
    import sys

    code = (
        "import sys, json, dynena\n"
        "from dynena.continuation import continue_equilibrium\n"
        f"m = dynena.load({str(models_dir / 'toggle.yaml')!r})\n"
        "r = continue_equilibrium(m, 'a', start=[0.5, 2.5])\n"
        "b = r.branches[0]\n"
        "print(json.dumps({'numba': 'numba' in sys.modules, 'p': b.p.tolist(),\n"
        "                  'sp': [s.p for s in b.special_points]}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, check=True)
    got = json.loads(out.stdout)
    assert got["numba"] is False
    c = dynena.compile_model(dynena.load(models_dir / "toggle.yaml"))
    c.f(np.zeros(2))  # the numba-compiled model, in this process
    ref = continue_equilibrium(c, "a", start=[0.5, 2.5], compiled=False).branches[0]
    assert np.allclose(got["p"], ref.p, atol=1e-9)
    assert np.allclose(got["sp"], [s.p for s in ref.special_points], atol=1e-9)
