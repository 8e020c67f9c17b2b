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
