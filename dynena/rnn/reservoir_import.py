r"""Echo state networks built with reservoirpy, as vector-form models.

reservoirpy's ``Reservoir`` node steps

.. math:: x' = (1 - \mathrm{lr})\, x + \mathrm{lr}\, f(W x + W_{in} u + b),

(``lr`` a number or one value per unit, ``f`` its activation) and a ``Ridge`` read-out gives
:math:`z = W_{out}^\top x + b_{out}` (reservoirpy stores ``Wout`` as units × outputs). With
output feedback (``reservoir << readout``: the read-out's previous value is appended to the
reservoir's input, so ``Win = [W_in | W_fb]``) the step is

.. math:: x' = (1 - \mathrm{lr})\, x + \mathrm{lr}\, f(W x + W_{in} u + W_{fb} z(x) + b),

a map of :math:`x` alone, since :math:`z` is read out from the state it feeds back. Both are
read from the nodes' attributes — reservoirpy itself is not imported — and checked against
states recorded from reservoirpy's own ``run`` in the tests. A sparse ``W`` of more than
:data:`LARGE` units stays sparse: the model's products are sparse matrix–vector products, and
:func:`dynena.equilibrium.krylov.krylov_equilibria` finds its fixed points without forming a
Jacobian.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ModelError, ParameterError

__all__ = ["from_reservoirpy"]

_ACTIVATIONS = {"tanh": "tanh({})", "sigmoid": "(1 + tanh(({})/2))/2", "relu": "Max(0, {})",
                "identity": "({})", "softplus": "log(1 + exp({}))"}


LARGE = 1000
"""Above this many units a sparse ``W`` stays sparse (and the analyses use Jacobian–vector
products); below, it is read as a dense array."""


def _dense(a: Any, what: str) -> np.ndarray:
    if hasattr(a, "toarray"):  # scipy.sparse
        a = a.toarray()
    arr = np.asarray(a, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ModelError(f"reservoirpy {what} has non-finite entries")
    return arr


def from_reservoirpy(reservoir: Any, readout: Any = None, *, input: Any = None,
                     name: str = "reservoirpy_esn") -> Any:
    """The vector-form model (a map) of a reservoirpy ``Reservoir`` and, optionally, its
    ``Ridge`` read-out (or a reservoirpy model ``reservoir >> readout``).

    Parameters
    ----------
    reservoir : reservoirpy.nodes.Reservoir or a model holding one
        Initialised (it has run or been fitted): ``W``, ``Win``, ``bias``, ``lr`` and
        ``activation`` are read.
    readout : reservoirpy.nodes.Ridge, optional
        Fitted: ``Wout`` and ``bias`` become the output ``z``.
    input : array_like, optional
        A constant input held throughout (default zero), folded into the bias.

    Returns
    -------
    VectorModel
        State ``x``, input ``u``, read-out ``z``.

    Examples
    --------
    Any object with the node's attributes will do (reservoirpy is not imported):

    >>> import numpy as np, dynena
    >>> class Reservoir:
    ...     W, Win, bias, lr = 0.5 * np.eye(3), np.ones((3, 1)), np.zeros(3), 0.5
    ...     activation = np.tanh
    >>> m = dynena.from_reservoirpy(Reservoir())
    >>> m.n, m.kind
    (3, 'map')
    """
    from ..model import load_document

    reservoir, readout, n_fb = _nodes(reservoir, readout)
    W, Win, bias, lr, act = _reservoir_arrays(reservoir)
    N = W.shape[0]
    # reservoirpy feeds the read-out back by widening the input: Win = [W_in | W_fb]
    Win, W_fb = Win[:, :Win.shape[1] - n_fb], Win[:, Win.shape[1] - n_fb:]
    u0 = np.zeros(Win.shape[1]) if input is None else np.asarray(input, float).ravel()
    if u0.shape != (Win.shape[1],):
        raise ParameterError(f"the constant input must have {Win.shape[1]} values")
    arrays: dict[str, Any] = {"W": W, "W_in": Win, "b": bias + Win @ u0}
    pre = _ACTIVATIONS[act].format("W@x + W_in@u + b" + (" + W_fb@z" if n_fb else ""))
    if n_fb:
        arrays["W_fb"] = W_fb
    if lr.size == 1:
        eq = f"(1 - {float(lr[0])!r})*x + {float(lr[0])!r}*{pre}"
    else:
        arrays["lr"] = lr
        eq = f"(1 - lr)*x + lr*{pre}"
    doc: dict[str, Any] = {"dynena": 1, "name": name, "kind": "map",
                           "title": f"reservoirpy ESN, {N} units ({act}, lr "
                                    f"{float(lr.mean()):.3g})",
                           "variables": {"x": {"size": N}},
                           "inputs": {"u": {"size": Win.shape[1]}}, "equations": {"x": eq}}
    if readout is not None:
        out_arrays, doc["outputs"] = _readout(readout, N, n_fb)
        arrays.update(out_arrays)
    doc["arrays"] = arrays
    return load_document(doc)


def _nodes(reservoir: Any, readout: Any) -> tuple[Any, Any, int]:
    """The Reservoir and Ridge nodes (of a model, or as given) and the width of the
    fed-back read-out in the reservoir's input (0 without feedback)."""
    nodes = getattr(reservoir, "nodes", None)
    if nodes is None or type(reservoir).__name__ == "Reservoir":
        return reservoir, readout, 0
    found = {type(nd).__name__: nd for nd in nodes}
    if "Reservoir" not in found:
        raise ParameterError("the reservoirpy model has no Reservoir node")
    if readout is None:
        readout = found.get("Ridge")
    n_fb = _feedback_width(getattr(reservoir, "edges", None) or [], found["Reservoir"], readout)
    return found["Reservoir"], readout, n_fb


def _reservoir_arrays(reservoir: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, str]:
    """``W`` (sparse above :data:`LARGE` units), ``Win``, the bias, the leak rates and the
    activation's name, checked."""
    from scipy import sparse

    for attr in ("W", "Win", "bias", "lr", "activation"):
        if not hasattr(reservoir, attr):
            raise ParameterError(f"the reservoir has no {attr!r}: pass an initialised "
                                 "reservoirpy Reservoir (run or fit it once first)")
    W: Any = reservoir.W
    if sparse.issparse(W) and W.shape[0] > LARGE:
        W = sparse.csr_matrix(W, dtype=float)
        if not np.all(np.isfinite(W.data)):
            raise ModelError("reservoirpy W has non-finite entries")
    else:
        W = _dense(W, "W")
    N = W.shape[0]
    if W.shape != (N, N):
        raise ModelError(f"reservoirpy W has shape {W.shape}, expected square")
    Win = _dense(reservoir.Win, "Win")
    if Win.ndim != 2 or Win.shape[0] != N:
        raise ModelError(f"reservoirpy Win has shape {Win.shape}, expected ({N}, inputs)")
    bias = np.broadcast_to(_dense(reservoir.bias, "bias").ravel() if np.ndim(reservoir.bias)
                           else float(reservoir.bias), (N,)).astype(float)
    lr = _dense(reservoir.lr, "lr").ravel()
    if lr.size not in (1, N) or np.any(lr <= 0) or np.any(lr > 1):
        raise ModelError(f"reservoirpy lr must be one value or {N} values in (0, 1]")
    act = getattr(reservoir.activation, "__name__", str(reservoir.activation))
    if act not in _ACTIVATIONS:
        raise ParameterError(f"activation {act!r} is not elementwise-supported; dynena reads "
                             f"{', '.join(sorted(_ACTIVATIONS))}")
    return W, Win, bias, lr, act


def _readout(readout: Any, N: int, n_fb: int) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The Ridge read-out as ``z = W_out@x (+ b_out)``: its arrays and the output."""
    Wout = _dense(readout.Wout, "Wout")
    if n_fb and Wout.shape[-1] != n_fb:
        raise ModelError(f"reservoirpy Wout has {Wout.shape[-1]} outputs but the reservoir "
                         f"receives {n_fb} fed-back values")
    if Wout.ndim != 2 or Wout.shape[0] != N:
        raise ModelError(f"reservoirpy Wout has shape {Wout.shape}, expected ({N}, outputs)")
    b_out = getattr(readout, "bias", None)
    if b_out is not None and np.any(np.asarray(b_out) != 0):
        return ({"W_out": Wout.T, "b_out": np.broadcast_to(
            _dense(b_out, "bias").ravel(), (Wout.shape[1],)).astype(float)},
            {"z": "W_out@x + b_out"})
    return {"W_out": Wout.T}, {"z": "W_out@x"}


def _feedback_width(edges: Any, reservoir: Any, readout: Any) -> int:
    """How many of the reservoir's input columns are the read-out fed back (0 for none).

    reservoirpy (0.4) stores a connection as ``(sender, delay, receiver)``; feedback
    (``reservoir << readout``) is the edge ``(readout, 1, reservoir)`` and appends the
    read-out's previous value to the reservoir's input, so the last ``outputs`` columns of
    ``Win`` are the feedback matrix. Other wirings into the reservoir are refused: they would
    be read as inputs held at zero, a silently different network.
    """
    n_fb = 0
    for sender, delay, receiver in edges:
        if receiver is not reservoir:
            continue
        kind = type(sender).__name__
        if delay == 0 and kind == "Input":
            continue
        if delay == 1 and sender is readout and readout is not None:
            n_fb = int(np.asarray(readout.Wout).shape[-1])
            continue
        raise ParameterError(
            f"the reservoir receives {kind} with a delay of {delay} step(s): dynena reads a "
            "reservoir driven by the input alone, or with its Ridge read-out fed back one "
            "step later (reservoir << readout)")
    return n_fb
