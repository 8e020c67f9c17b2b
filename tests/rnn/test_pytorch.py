"""PyTorch networks read from their weights: one step of dynena's model equals torch's own
forward pass (hidden states recorded once with torch 2.13, ``fixtures/record_torch.py``; torch
is not needed here), the Jacobian is exact, bad files are refused with the reason, and the
trained flip-flop GRU's fixed points are the eight memory states."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import dynena
from dynena.errors import ModelError, ParameterError
from dynena.rnn.pytorch import from_torch, load_torch, read_weights, trajectory_seeds

FIX = Path(__file__).resolve().parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]
ARCHS = ["rnn-tanh", "rnn-relu", "gru", "lstm"]


def fixture(arch: str) -> Path:
    return FIX / f"{arch.replace('-', '_')}.safetensors"


@pytest.mark.parametrize("arch", ARCHS)
def test_steps_equal_torch_forward_pass(arch):
    m = load_torch(fixture(arch), arch)
    c = dynena.compile_model(m)
    tr = np.load(FIX / f"{arch.replace('-', '_')}_trace.npz")
    H = len(tr["h0"])
    x = np.concatenate([tr["h0"], tr["c0"]]) if arch == "lstm" else tr["h0"]
    assert m.n == (2 * H if arch == "lstm" else H)
    for k, u in enumerate(tr["u"]):
        x = c.f(x, u)
        assert np.max(np.abs(x[:H] - tr["h"][k])) < 1e-12
        if arch == "lstm":
            assert np.max(np.abs(x[H:] - tr["c"][k])) < 1e-12
        assert np.max(np.abs(m.output("z", x) - tr["z"][k])) < 1e-12  # read-out bias included
    # the structured Jacobian against central differences
    u = tr["u"][-1]
    J = c.jac(x, u)
    h = 1e-6
    fd = np.array([(c.f(x + h * e, u) - c.f(x - h * e, u)) / (2 * h) for e in np.eye(m.n)]).T
    assert np.max(np.abs(J - fd)) < 1e-7


@pytest.mark.parametrize("arch,layers", [("gru", 2), ("lstm", 2), ("rnn-tanh", 3)])
def test_stacked_layers_step_as_torch_steps_the_stack(arch, layers):
    """Layer l reads the state layer l-1 has just computed (next(h<l-1>)), within one step,
    as torch does: every layer's state after each step equals torch's to 1e-12, the read-out
    is the top layer's; the Jacobian (through the layers) and D_u f (an input pulse reaches
    every layer in the same step) against central differences."""
    name = arch.replace("-", "_") + "_stacked"
    m = load_torch(FIX / f"{name}.safetensors", arch)
    c = dynena.compile_model(m)
    tr = np.load(FIX / f"{name}_trace.npz")
    H = tr["h0"].shape[1]
    blocks = [f"h{k}" for k in range(layers)]
    if arch == "lstm":
        blocks = [b for k in range(layers) for b in (f"h{k}", f"c{k}")]
    assert [b for b, _ in m.blocks] == blocks and m.n == len(blocks) * H
    sl = m.block_slices()

    def pack(h, cc):
        parts = {f"h{k}": h[k] for k in range(layers)}
        parts.update({f"c{k}": cc[k] for k in range(layers)} if arch == "lstm" else {})
        return np.concatenate([parts[b] for b in blocks])

    x = pack(tr["h0"], tr["c0"])
    for k, u in enumerate(tr["u"]):
        x = c.f(x, u)
        for layer in range(layers):
            assert np.max(np.abs(x[sl[f"h{layer}"]] - tr["h"][k][layer])) < 1e-12
            if arch == "lstm":
                assert np.max(np.abs(x[sl[f"c{layer}"]] - tr["c"][k][layer])) < 1e-12
        assert np.max(np.abs(m.output("z", x) - tr["z"][k])) < 1e-12
    u = tr["u"][-1]
    e = 1e-6
    fd = np.array([(c.f(x + e * d, u) - c.f(x - e * d, u)) / (2 * e) for d in np.eye(m.n)]).T
    assert np.max(np.abs(c.jac(x, u) - fd)) < 1e-7
    assert np.max(np.abs(c.jac_batch(x[None], u[None])[0] - c.jac(x, u))) < 1e-13
    fu = np.array([(c.f(x, u + e * d) - c.f(x, u - e * d)) / (2 * e) for d in np.eye(3)]).T
    assert np.max(np.abs(c.dfdu(x, u) - fu)) < 1e-7
    assert np.abs(fu[sl[f"h{layers - 1}"]]).max() > 1e-3  # the top layer feels u at once
    v = np.linspace(-1, 1, m.n)
    assert np.max(np.abs(c.jvp(x, v, u) - c.jac(x, u) @ v)) < 1e-12


def test_npz_with_pytorch_names_equals_safetensors():
    a = dynena.compile_model(load_torch(FIX / "gru.npz", "gru"))
    b = dynena.compile_model(load_torch(fixture("gru"), "gru"))
    x = np.linspace(-0.5, 0.5, 16)
    u = np.array([0.3, -1.0, 0.0])
    assert np.array_equal(a.f(x, u), b.f(x, u))


def _gru_step(w: dict, h: np.ndarray, u: np.ndarray, layer: int = 0) -> np.ndarray:
    """PyTorch's GRU equations written out directly (an independent implementation)."""
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    H = len(h)
    gi = w[f"rnn.weight_ih_l{layer}"] @ u + w[f"rnn.bias_ih_l{layer}"]
    gh = w[f"rnn.weight_hh_l{layer}"] @ h + w[f"rnn.bias_hh_l{layer}"]
    r = sig(gi[:H] + gh[:H])
    z = sig(gi[H:2 * H] + gh[H:2 * H])
    n = np.tanh(gi[2 * H:] + r * gh[2 * H:])
    return (1 - z) * n + z * h


def test_constant_input_is_held():
    w = read_weights(fixture("gru"))
    u0 = np.array([0.5, -0.2, 0.1])
    c = dynena.compile_model(load_torch(fixture("gru"), "gru", input=u0))
    h = np.linspace(-0.3, 0.3, 16)
    assert np.max(np.abs(c.f(h) - _gru_step(w, h, u0))) < 1e-14
    pulse = np.array([0.0, 1.0, 0.0])          # pulses come on top of the held input
    assert np.max(np.abs(c.f(h, pulse) - _gru_step(w, h, u0 + pulse))) < 1e-14


def test_from_a_live_module_without_importing_torch():
    """``from_torch`` reads any object shaped like an nn.GRU (state_dict of tensors)."""
    w = read_weights(fixture("gru"))

    class _T:
        def __init__(self, a):
            self.a = a

        def detach(self):
            return self

        def cpu(self):
            return self

        def double(self):
            return self

        def numpy(self):
            return self.a

    class GRU:
        def state_dict(self):
            return {k[4:]: _T(v) for k, v in w.items() if k.startswith("rnn.")}

    class Linear:
        def state_dict(self):
            return {k[8:]: _T(v) for k, v in w.items() if k.startswith("readout.")}

    a = dynena.compile_model(from_torch(GRU(), Linear()))
    b = dynena.compile_model(load_torch(fixture("gru"), "gru"))
    x = np.linspace(-0.5, 0.5, 16)
    assert np.array_equal(a.f(x), b.f(x))
    with pytest.raises(ParameterError, match="nn.RNN, nn.GRU or nn.LSTM"):
        from_torch(Linear())


def test_bad_weights_are_refused_with_the_reason(tmp_path):
    with pytest.raises(ModelError, match="weight_hh_l0 has shape .48, 16.; lstm needs .4H, H."):
        load_torch(fixture("gru"), "lstm")              # a GRU's 3H rows are not an LSTM's 4H
    with pytest.raises(ModelError, match="'net.weight_hh_l0' is not in the weights.*prefix"):
        load_torch(fixture("gru"), "gru", prefix="net.")
    w = read_weights(fixture("rnn_tanh"))
    np.savez(tmp_path / "stacked.npz", **w, **{"rnn.weight_hh_l1": w["rnn.weight_hh_l0"]})
    with pytest.raises(ModelError, match="'rnn.weight_ih_l1' is not in the weights"):
        load_torch(tmp_path / "stacked.npz", "rnn-tanh")      # a second layer half written
    np.savez(tmp_path / "bi.npz", **w, **{"rnn.weight_hh_l0_reverse": w["rnn.weight_hh_l0"]})
    with pytest.raises(ModelError, match="bidirectional"):
        load_torch(tmp_path / "bi.npz", "rnn-tanh")
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object))
    (tmp_path / "pickled.npz").write_bytes(b"")
    np.savez(tmp_path / "pickled.npz", x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ModelError, match="pickled objects are refused"):
        load_torch(tmp_path / "pickled.npz", "gru")
    (tmp_path / "w.pt").write_bytes(b"\x80\x04not a pickle we would open")
    with pytest.raises(ModelError, match=r"\.safetensors or \.npz"):
        load_torch(tmp_path / "w.pt", "gru")
    (tmp_path / "broken.safetensors").write_bytes(b"\x05\x00\x00")
    with pytest.raises(ModelError, match="cannot read the safetensors file"):
        load_torch(tmp_path / "broken.safetensors", "gru")
    with pytest.raises(ParameterError, match="3 finite values"):
        load_torch(fixture("gru"), "gru", input=[1.0, 2.0])
    bad = dict(w)
    bad["rnn.weight_hh_l0"] = np.full_like(w["rnn.weight_hh_l0"], np.nan)
    np.savez(tmp_path / "nan.npz", **bad)
    with pytest.raises(ModelError, match="non-finite"):
        load_torch(tmp_path / "nan.npz", "rnn-tanh")


GRU3 = ROOT / "models" / "flipflop_gru.safetensors"


@pytest.fixture(scope="module")
def flipflop_gru():
    m = load_torch(GRU3, "gru")
    c = dynena.compile_model(m)
    return m, dynena.find_equilibria(m, seeds=trajectory_seeds(c))


def test_trained_flipflop_gru_every_settled_state_is_a_stable_fixed_point(flipflop_gru):
    """The 16-unit GRU trained in PyTorch on the 3-bit flip-flop: after each of the eight
    pulse patterns, torch's equations (written out in this test, independent of dynena) are
    iterated until the state stops moving; every state reached is one of dynena's stable fixed
    points, and dynena's stable fixed points are exactly those states. (This network holds its
    bits over the trained 200 steps by slow dynamics: left alone for longer, several patterns
    drift to the same fixed point. The fixed points say so; the read-outs show which bits
    are truly stored.)"""
    m, eq = flipflop_gru
    stable = [e for e in eq if e.stability == "stable"]
    assert all(e.residual <= 1e-12 for e in eq)
    assert any(e.unstable_dim >= 1 for e in eq)          # saddles between them
    w = read_weights(GRU3)
    settled = []
    for code in itertools.product([-1.0, 1.0], repeat=3):
        h = np.zeros(16)
        for _ in range(2):
            h = _gru_step(w, h, np.array(code))
        for _ in range(30000):
            h, prev = _gru_step(w, h, np.zeros(3)), h
            if np.linalg.norm(h - prev) < 1e-15:
                break
        settled.append(h)
        assert min(np.linalg.norm(h - e.state) for e in stable) < 1e-8, code
    for e in stable:                  # and no stable fixed point that nothing settles in...
        near = min(np.linalg.norm(h - e.state) for h in settled)
        # ...unless a trajectory of the trained task itself settles there
        if near > 1e-8:
            h = e.state + 1e-3 * np.ones(16)
            for _ in range(5000):
                h = _gru_step(w, h, np.zeros(3))
            assert np.linalg.norm(h - e.state) < 1e-8  # at least: attracting, as dynena says


def test_trained_two_layer_gru_settled_states_are_its_stable_fixed_points():
    """A 2-layer GRU trained in PyTorch on the 3-bit flip-flop (fixture; see
    models/train_flipflop_gru.py): torch's equations written out here, layer 1 reading layer
    0's new state, iterated after each pulse pattern until the stack stops moving; every state
    reached is one of dynena's stable fixed points of the stacked model."""
    path = FIX / "flipflop_gru_2layers.safetensors"
    m = load_torch(path, "gru")
    assert [b for b, _ in m.blocks] == ["h0", "h1"] and m.n == 32
    c = dynena.compile_model(m)
    eq = dynena.find_equilibria(m, seeds=trajectory_seeds(c))
    stable = [e for e in eq if e.stability == "stable"]
    assert stable and all(e.residual <= 1e-12 for e in eq)
    w = read_weights(path)

    def step(x, u):
        h0 = _gru_step(w, x[:16], u, 0)
        return np.concatenate([h0, _gru_step(w, x[16:], h0, 1)])

    reached = 0
    for code in itertools.product([-1.0, 1.0], repeat=3):
        x = np.zeros(32)
        for _ in range(2):
            x = step(x, np.array(code))
        for _ in range(30000):
            x, prev = step(x, np.zeros(3)), x
            if np.linalg.norm(x - prev) < 1e-15:
                break
        else:
            continue  # still drifting (slow dynamics): not a fixed point to compare with
        reached += 1
        assert min(np.linalg.norm(x - e.state) for e in stable) < 1e-8, code
        assert np.max(np.abs(c.f(x) - step(x, np.zeros(3)))) < 1e-12
    assert reached >= 1


def test_cli_rnn_json(tmp_path):
    exe = shutil.which("dynena", path=str(Path(sys.executable).parent)) or "dynena"
    env = {**os.environ, "DYNENA_QUIET": "1", "OPENBLAS_NUM_THREADS": "1"}
    r = subprocess.run([exe, "rnn", str(fixture("gru")), "--arch", "gru", "--no-network",
                        "--json"], capture_output=True, text=True, env=env, timeout=600,
                       check=False)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["arch"] == "gru" and doc["state_size"] == 16
    assert doc["fixed_points"] and len(doc["fixed_points"][0]["readout"]) == 3
    r = subprocess.run([exe, "rnn", str(fixture("gru")), "--arch", "lstm"], capture_output=True,
                       text=True, env=env, timeout=600, check=False)
    assert r.returncode != 0 and "weight_hh_l0" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([exe, "rnn", str(fixture("gru")), "--arch", "gru", "--input", "1,x"],
                       capture_output=True, text=True, env=env, timeout=600, check=False)
    assert r.returncode != 0 and "--input" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([exe, "flipflop", "--arch", "gru"], capture_output=True, text=True,
                       env=env, timeout=600, check=False)
    assert r.returncode != 0 and "--load" in r.stderr and "Traceback" not in r.stderr


def test_flipflop_analysis_of_the_pytorch_gru(flipflop_gru):
    """The paper's extraction runs on the GRU as on an ESN: its nodes are the GRU's stable
    fixed points (the same as the standalone search finds), and the diagnosis says that only
    one code is held by a true fixed point — the others by slow drift."""
    from dynena.rnn.network import ModelNetwork

    m, eq = flipflop_gru
    a = dynena.analyse_flipflop(ModelNetwork(m), bits=3, test_steps=2000, sweep=(1.0,),
                                sweep_steps=500)
    assert len(a.nodes) == len(eq.stable)
    for n in a.nodes:
        assert min(np.linalg.norm(n.state - e.state) for e in eq.stable) < 1e-8
    codes = {n.code for n in a.nodes if n.code is not None}
    assert any("missing memory states" in d and f"{len(codes)} of 8" in d for d in a.diagnosis)
    assert a.accuracy > 0.9            # the task itself is solved over a trial
    with pytest.raises(ParameterError, match="inputs and a read-out"):
        ModelNetwork(load_torch(fixture("gru"), "gru", readout=""))


def test_tanh_rnn_fixed_points_contain_every_point_an_independent_newton_finds():
    """The 16-unit tanh RNN trained on the flip-flop has hundreds of fixed points (saddles
    near the corners of the box). Newton written out here (F = tanh(W h + b) − h, with
    PyTorch's weights) from 4000 uniform random starts — not dynena's Sobol points — finds no
    fixed point that ``rnn_fixed_points`` (the search of ``dynena rnn``) misses."""
    path = ROOT / "models" / "flipflop_rnn_tanh.safetensors"
    eq = dynena.rnn_fixed_points(load_torch(path, "rnn-tanh"))
    ours = np.array([e.state for e in eq])
    assert len(eq) >= 250 and len(eq.stable) == 35 and "rounds" in eq.guarantee
    assert all(e.residual <= 1e-12 for e in eq)
    w = read_weights(path)
    W, b = w["rnn.weight_hh_l0"], w["rnn.bias_ih_l0"] + w["rnn.bias_hh_l0"]
    H = np.random.default_rng(7).uniform(-1, 1, (4000, 16))
    for _ in range(60):
        T = np.tanh(H @ W.T + b)
        F = T - H
        J = (1 - T**2)[:, :, None] * W[None] - np.eye(16)[None]
        with np.errstate(all="ignore"):
            try:
                H = H - np.linalg.solve(J, F[..., None])[..., 0]
            except np.linalg.LinAlgError:
                break
    F = np.tanh(H @ W.T + b) - H
    found = H[(np.max(np.abs(F), axis=1) < 1e-12) & (np.max(np.abs(H), axis=1) <= 1)]
    assert len(found) > 1000
    missing = [h for h in found if np.min(np.linalg.norm(ours - h, axis=1)) > 1e-8]
    assert not missing, f"{len(missing)} fixed points found here but not by dynena"
