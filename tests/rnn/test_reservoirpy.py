"""reservoirpy echo state networks as dynena models: one step equals reservoirpy's own ``run``
(states recorded once with reservoirpy 0.4.2, ``fixtures/record_reservoirpy.py``; reservoirpy
is not needed here), sparse ``W`` included; bad nodes refused with the reason."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

import dynena
from dynena.errors import ModelError, ParameterError

FIX = np.load(__import__("pathlib").Path(__file__).resolve().parent / "fixtures" /
              "reservoirpy_esn.npz")


class Reservoir:
    """Stands in for reservoirpy.nodes.Reservoir: the attributes reservoirpy sets."""

    def __init__(self, **kw):
        self.W = sparse.csr_matrix((FIX["W_data"], FIX["W_indices"], FIX["W_indptr"]),
                                   shape=tuple(FIX["W_shape"]))
        self.Win, self.bias, self.lr, self.activation = FIX["Win"], FIX["bias"], \
            float(FIX["lr"]), np.tanh
        self.__dict__.update(kw)


class Ridge:
    def __init__(self):
        self.Wout, self.bias = FIX["Wout"], FIX["Wout_bias"]


class Model:
    """Stands in for a reservoirpy model ``reservoir >> readout``."""

    def __init__(self, *nodes):
        self.nodes = list(nodes)


def test_steps_equal_reservoirpy_run():
    assert str(FIX["activation"]) == "tanh" and str(FIX["version"]) == "0.4.2"
    m = dynena.from_reservoirpy(Reservoir(), Ridge())
    c = dynena.compile_model(m)
    x = FIX["x0"]
    for k, u in enumerate(FIX["u"]):
        x = c.f(x, u)
        assert np.max(np.abs(x - FIX["X"][k])) < 1e-13
        assert np.max(np.abs(m.output("z", x) - FIX["Z"][k])) < 1e-12
    # the same through a model holding both nodes
    m2 = dynena.from_reservoirpy(Model(Reservoir(), Ridge()))
    assert np.array_equal(dynena.compile_model(m2).f(x, FIX["u"][0]), c.f(x, FIX["u"][0]))


def test_leak_per_unit_and_held_input():
    lr = np.linspace(0.1, 1.0, 60)
    m = dynena.from_reservoirpy(Reservoir(lr=lr), input=[0.5, -1.0])
    c = dynena.compile_model(m)
    x = FIX["x0"]
    W = sparse.csr_matrix((FIX["W_data"], FIX["W_indices"], FIX["W_indptr"]),
                          shape=tuple(FIX["W_shape"])).toarray()
    want = (1 - lr) * x + lr * np.tanh(W @ x + FIX["Win"] @ np.array([0.5, -1.0]) + FIX["bias"])
    assert np.max(np.abs(c.f(x) - want)) < 1e-14


def test_bad_reservoirs_are_refused():
    with pytest.raises(ParameterError, match="softmax"):
        def softmax(a):
            return a
        dynena.from_reservoirpy(Reservoir(activation=softmax))
    with pytest.raises(ModelError, match="lr"):
        dynena.from_reservoirpy(Reservoir(lr=1.5))
    with pytest.raises(ParameterError, match="initialised"):
        r = Reservoir()
        del r.W
        dynena.from_reservoirpy(r)
    with pytest.raises(ModelError, match="Win has shape"):
        dynena.from_reservoirpy(Reservoir(Win=np.ones((3, 2))))
    with pytest.raises(ParameterError, match="no Reservoir"):
        dynena.from_reservoirpy(Model(Ridge()))


FB = np.load(__import__("pathlib").Path(__file__).resolve().parent / "fixtures" /
             "reservoirpy_feedback.npz")


class _Node:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def _feedback_esn(edges=None):
    """Stands in for reservoirpy's ``(reservoir >> readout) & (reservoir << readout)``: nodes
    with reservoirpy's attributes, edges as (sender, delay, receiver)."""
    Res = type("Reservoir", (_Node,), {})
    Rid = type("Ridge", (_Node,), {})
    res = Res(W=FB["W"], Win=FB["Win"], bias=FB["bias"], lr=float(FB["lr"]),
              activation=np.tanh)
    ridge = Rid(Wout=FB["Wout"], bias=FB["Wout_bias"])
    esn = _Node(nodes=[res, ridge],
                edges=[(res, 0, ridge), (ridge, 1, res)] if edges is None else edges(res, ridge))
    return esn


def test_output_feedback_steps_equal_reservoirpy():
    assert str(FB["version"]) == "0.4.2" and FB["Win"].shape == (40, 4)
    m = dynena.from_reservoirpy(_feedback_esn())
    assert m.inputs_sized == (("u", 2),)  # the 2 fed-back columns are not inputs
    c = dynena.compile_model(m)
    x = FB["x0"]
    for k, u in enumerate(FB["u"]):
        x = c.f(x, u)
        assert np.max(np.abs(x - FB["X"][k])) < 1e-12, k
        assert np.max(np.abs(m.output("z", x) - FB["Z"][k])) < 1e-12
    # the Jacobian includes the loop through the read-out, in closed form:
    # (1 - lr) I + lr diag(1 - tanh(a)^2) (W + W_fb W_out^T)
    x, u = FB["X"][-1], FB["u"][0]
    lr, Win, Wout = float(FB["lr"]), FB["Win"], FB["Wout"]
    a = FB["W"] @ x + Win[:, :2] @ u + Win[:, 2:] @ (x @ Wout + FB["Wout_bias"]) + FB["bias"]
    J = (1 - lr) * np.eye(40) + lr * (1 - np.tanh(a) ** 2)[:, None] * \
        (FB["W"] + Win[:, 2:] @ Wout.T)
    assert np.max(np.abs(c.jac(x, u) - J)) < 1e-13


def test_feedback_ignored_would_differ_and_odd_wiring_is_refused():
    # reading the wider Win as plain inputs (the fed-back values held at 0) gives another
    # network: the recorded steps tell them apart
    plain = _Node(W=FB["W"], Win=FB["Win"], bias=FB["bias"], lr=float(FB["lr"]),
                  activation=np.tanh)
    c = dynena.compile_model(dynena.from_reservoirpy(plain))
    step = c.f(FB["x0"], np.concatenate([FB["u"][0], [0.0, 0.0]]))
    assert np.max(np.abs(step - FB["X"][0])) > 1e-3
    with pytest.raises(ParameterError, match="delay of 2"):
        dynena.from_reservoirpy(_feedback_esn(lambda r, d: [(r, 0, d), (d, 2, r)]))
    with pytest.raises(ParameterError, match="receives Ridge with a delay of 0"):
        dynena.from_reservoirpy(_feedback_esn(lambda r, d: [(r, 0, d), (d, 0, r)]))
