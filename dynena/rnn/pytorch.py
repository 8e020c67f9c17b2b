r"""Trained PyTorch recurrent networks as vector-form models, read from their weights alone.

``load_torch(path, arch=...)`` reads a state dict from a ``.safetensors`` file (no pickle; the
``safetensors`` package, no torch) or an ``.npz`` file with PyTorch's own parameter names, and
returns the discrete-time map of one step of the network (``kind: map``), with the input block
``u`` and the read-out ``z`` of an ``nn.Linear`` (its bias included):

* ``rnn-tanh`` / ``rnn-relu`` (``nn.RNN``):
  :math:`h' = \phi(W_{ih} u + b_{ih} + W_{hh} h + b_{hh})`;
* ``gru`` (``nn.GRU``, gates stacked r, z, n):
  :math:`r = \sigma(W_{ir} u + b_{ir} + W_{hr} h + b_{hr})`,
  :math:`z = \sigma(W_{iz} u + b_{iz} + W_{hz} h + b_{hz})`,
  :math:`n = \tanh(W_{in} u + b_{in} + r \odot (W_{hn} h + b_{hn}))`,
  :math:`h' = (1 - z) \odot n + z \odot h`;
* ``lstm`` (``nn.LSTM``, gates stacked i, f, g, o; the state is (h, c)):
  :math:`c' = f \odot c + i \odot g`, :math:`h' = o \odot \tanh(c')`.

Stacked layers (``num_layers = L``) are one state :math:`(h_0, \dots, h_{L-1})` (and the
:math:`c_l` of an LSTM): layer :math:`l > 0` has :math:`h'_{l-1}` — the state layer
:math:`l - 1` has just computed, ``next(h<l-1>)`` in the model — where layer 0 has :math:`u`,
as torch steps the stack; the read-out is the top layer's.

with :math:`\sigma(a) = (1 + \tanh(a/2))/2` (the logistic function, written so that neither it
nor its derivative overflows). These are PyTorch's documented equations; the tests compare the models' steps with hidden
states recorded from torch's own forward pass. Every gate is an elementwise function of matrix
products, so the Jacobian is exact and structured (no N × N expressions). A constant input
``input`` is folded into the biases: the fixed points are those of the network held at that
input, and pulses on ``u`` come on top of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError, ParameterError

__all__ = ["load_torch", "from_torch", "torch_model", "read_weights", "ARCHITECTURES"]

ARCHITECTURES = ("rnn-tanh", "rnn-relu", "gru", "lstm")
_GATES = {"rnn-tanh": 1, "rnn-relu": 1, "gru": 3, "lstm": 4}


def read_weights(path: str | Path) -> dict[str, np.ndarray]:
    """The arrays of a ``.safetensors`` or ``.npz`` file (never unpickled)."""
    p = Path(path)
    if p.is_dir():
        raise ModelError("a folder, not a weights file (.safetensors or .npz)", file=str(p))
    if not p.is_file():
        raise ModelError("no such weights file", file=str(p))
    if p.suffix == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        try:
            return {k: np.asarray(v, dtype=float) for k, v in load_file(str(p)).items()}
        except (SafetensorError, ValueError, OSError) as exc:
            raise ModelError(f"cannot read the safetensors file: {exc}", file=str(p)) from None
    if p.suffix == ".npz":
        try:
            with np.load(p, allow_pickle=False) as z:
                return {k: np.asarray(z[k], dtype=float) for k in z.files}
        except (ValueError, OSError) as exc:
            raise ModelError(f"cannot read the .npz file (pickled objects are refused): {exc}",
                             file=str(p)) from None
    what = repr(p.suffix) if p.suffix else "a file without suffix"
    raise ModelError(f"weights must be a .safetensors or .npz file, not {what}", file=str(p))


def load_torch(path: str | Path, arch: str, *, prefix: str = "rnn.", readout: str = "readout.",
               input: Any = None, name: str | None = None) -> Any:
    """A trained PyTorch network from its weights file (see the module docstring).

    Parameters
    ----------
    path : str or Path
        ``.safetensors`` (preferred) or ``.npz`` holding the state dict.
    arch : {"rnn-tanh", "rnn-relu", "gru", "lstm"}
    prefix, readout : str
        The state-dict prefixes of the recurrent module and of the ``nn.Linear`` read-out
        (``model.rnn`` and ``model.readout`` give the defaults); ``readout=""`` for none.
    input : array_like, optional
        A constant input held throughout (default zero).
    name : str, optional
        The model's name (default: the file's stem).

    Returns
    -------
    VectorModel
        One step of the network as a map; state ``h`` (and ``c`` for an LSTM), input ``u``,
        read-out ``z``.

    Examples
    --------
    The 16-unit GRU trained in PyTorch on the 3-bit flip-flop (``models/``):

    >>> import dynena
    >>> m = dynena.load_torch("models/flipflop_gru.safetensors", arch="gru")
    >>> m.n, m.inputs[:2], m.output("z", [0.0] * 16).shape
    (16, ('u[0]', 'u[1]'), (3,))
    """
    weights = read_weights(path)
    return torch_model(weights, arch, prefix=prefix, readout=readout, input=input,
                       name=name or Path(path).stem, source=str(path))


def torch_model(weights: Mapping[str, np.ndarray], arch: str, *, prefix: str = "rnn.",
                readout: str = "readout.", input: Any = None, name: str = "torch_rnn",
                source: str | None = None) -> Any:
    """The vector-form model of a state dict already in memory (see :func:`load_torch`)."""
    from ..model import load_document

    if arch not in ARCHITECTURES:
        raise ParameterError(f"--arch {arch!r}: one of {', '.join(ARCHITECTURES)}")
    where = f" in {source}" if source else ""

    def get(key: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
        if key not in weights:
            near = sorted(k for k in weights if k.startswith(prefix) or k.startswith(readout))
            found = ", ".join(near[:12]) or \
                f"nothing with that prefix (keys: {', '.join(sorted(weights)[:8])}): give --prefix"
            raise ModelError(f"{key!r} is not in the weights{where} (arch {arch}, prefix "
                             f"{prefix!r}); found: {found}", file=source)
        a = np.asarray(weights[key], dtype=float)
        if shape is not None and a.shape != shape:
            raise ModelError(f"{key!r} has shape {a.shape}, expected {shape} for {arch}",
                             file=source)
        if not np.all(np.isfinite(a)):
            raise ModelError(f"{key!r} has non-finite entries", file=source)
        return a

    for key in weights:
        if key.startswith(prefix) and key.endswith("_reverse"):
            raise ModelError(f"the network{where} is bidirectional ({key}): its backward pass "
                             "runs against time, so it is not a dynamical system dynena can "
                             "step", file=source)
        if key.startswith(f"{prefix}weight_hr_l"):
            raise ModelError(f"the LSTM{where} has projections ({key}, proj_size > 0): not "
                             "read in this version", file=source)
    layers = 0
    while f"{prefix}weight_hh_l{layers}" in weights:
        layers += 1
    g = _GATES[arch]
    W_hh0 = get(f"{prefix}weight_hh_l0")
    if W_hh0.ndim != 2 or W_hh0.shape[0] != g * W_hh0.shape[1]:
        raise ModelError(f"{prefix}weight_hh_l0 has shape {W_hh0.shape}; {arch} needs "
                         f"({g}H, H)", file=source)
    H = W_hh0.shape[1]
    n_in = get(f"{prefix}weight_ih_l0").shape[-1]
    u0 = np.zeros(n_in) if input is None else np.asarray(input, dtype=float).ravel()
    if u0.shape != (n_in,) or not np.all(np.isfinite(u0)):
        raise ParameterError(f"the constant input must have {n_in} finite values, got "
                             f"{np.asarray(input).ravel().tolist()}")
    arrays: dict[str, np.ndarray] = {}
    variables: dict[str, Any] = {}
    eqs: dict[str, str] = {}
    below = ""
    for layer in range(max(layers, 1)):
        # one layer: state h (and c); stacked: h0, h1, ... where layer l reads the state
        # layer l-1 has just computed, next(h<l-1>), as torch does within one time step
        tag = "" if layers == 1 else str(layer)
        arr, eq = _layer(arch, weights, get, prefix, layer, H, n_in, tag, below, u0, source)
        arrays.update(arr)
        for var, text in eq.items():
            variables[var] = {"size": H}
            eqs[var] = text
        below = f"h{tag}"
    stack = f", {layers} stacked layers" if layers > 1 else ""
    doc: dict[str, Any] = {"dynena": 1, "name": name, "kind": "map",
                           "title": f"PyTorch {arch} network, {H} units{stack}, {n_in} inputs",
                           "variables": variables, "inputs": {"u": {"size": n_in}},
                           "equations": eqs}
    if readout:
        W_out = get(f"{readout}weight")
        if W_out.ndim != 2 or W_out.shape[1] != H:
            raise ModelError(f"{readout}weight has shape {W_out.shape}; the read-out needs "
                             f"(outputs, {H})", file=source)
        arrays["W_out"] = W_out
        if f"{readout}bias" in weights:
            arrays["b_out"] = get(f"{readout}bias", (W_out.shape[0],))
            doc["outputs"] = {"z": f"W_out@{below} + b_out"}
        else:
            doc["outputs"] = {"z": f"W_out@{below}"}
    doc["arrays"] = arrays
    return load_document(doc)


def _layer(arch: str, weights: Mapping[str, Any], get: Any, prefix: str, layer: int, H: int,
           n_in: int, tag: str,
           below: str, u0: np.ndarray, source: str | None
           ) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The arrays and equations of one layer. Layer 0 reads the input ``u`` (the held input
    folded into its bias); layer l > 0 reads ``next(h<l-1>)``."""
    g = _GATES[arch]
    W_hh = get(f"{prefix}weight_hh_l{layer}", (g * H, H))
    width = n_in if layer == 0 else H
    W_ih = get(f"{prefix}weight_ih_l{layer}")
    if W_ih.ndim != 2 or W_ih.shape != (g * H, width):
        what = "inputs" if layer == 0 else "H"
        raise ModelError(f"{prefix}weight_ih_l{layer} has shape {W_ih.shape}; {arch} needs "
                         f"({g * H}, {what})", file=source)
    zeros = np.zeros(g * H)
    b_ih, b_hh = (get(key, (g * H,)) if key in weights else zeros
                  for key in (f"{prefix}bias_ih_l{layer}", f"{prefix}bias_hh_l{layer}"))
    if layer == 0:
        b_ih = b_ih + W_ih @ u0  # the held input, as a bias
    x = "u" if layer == 0 else f"next({below})"
    h, c, t = f"h{tag}", f"c{tag}", tag
    sig = "(1 + tanh(({})/2))/2"  # the logistic function, without exp's overflow
    arrays: dict[str, np.ndarray] = {}
    if arch.startswith("rnn"):
        arrays.update({f"W_hh{t}": W_hh, f"W_ih{t}": W_ih, f"b{t}": b_ih + b_hh})
        pre = f"W_hh{t}@{h} + W_ih{t}@{x} + b{t}"
        return arrays, {h: f"tanh({pre})" if arch == "rnn-tanh" else f"Max(0, {pre})"}
    if arch == "gru":
        for k, gate in enumerate("rzn"):
            rows = slice(k * H, (k + 1) * H)
            arrays[f"W_i{gate}{t}"], arrays[f"W_h{gate}{t}"] = W_ih[rows], W_hh[rows]
        arrays.update({f"b_r{t}": b_ih[:H] + b_hh[:H], f"b_z{t}": b_ih[H:2 * H] + b_hh[H:2 * H],
                       f"b_in{t}": b_ih[2 * H:], f"b_hn{t}": b_hh[2 * H:]})
        r = sig.format(f"W_ir{t}@{x} + W_hr{t}@{h} + b_r{t}")
        z = sig.format(f"W_iz{t}@{x} + W_hz{t}@{h} + b_z{t}")
        n = f"tanh(W_in{t}@{x} + b_in{t} + {r}*(W_hn{t}@{h} + b_hn{t}))"
        return arrays, {h: f"(1 - {z})*{n} + {z}*{h}"}
    for k, gate in enumerate("ifgo"):
        rows = slice(k * H, (k + 1) * H)
        arrays[f"W_i{gate}{t}"], arrays[f"W_h{gate}{t}"] = W_ih[rows], W_hh[rows]
        arrays[f"b_{gate}{t}"] = b_ih[rows] + b_hh[rows]
    i, f, o = (sig.format(f"W_i{q}{t}@{x} + W_h{q}{t}@{h} + b_{q}{t}") for q in "ifo")
    gg = f"tanh(W_ig{t}@{x} + W_hg{t}@{h} + b_g{t})"
    c_new = f"{f}*{c} + {i}*{gg}"
    return arrays, {h: f"{o}*tanh({c_new})", c: c_new}


def from_torch(module: Any, readout: Any = None, *, input: Any = None,
               name: str = "torch_rnn") -> Any:
    """The vector-form model of a live ``nn.RNN``, ``nn.GRU`` or ``nn.LSTM`` (stacked or not,
    ``batch_first`` or not) and an optional ``nn.Linear`` read-out; torch is needed only here,
    by the caller who has the module.

    Examples
    --------
    Where torch is installed (``pip install 'dynena[torch]'``)::

        net = torch.nn.GRU(3, 16, batch_first=True)
        model = dynena.from_torch(net, readout=torch.nn.Linear(16, 3))

    >>> import dynena
    >>> dynena.from_torch(object())
    Traceback (most recent call last):
    ...
    dynena.errors.ParameterError: from_torch reads nn.RNN, nn.GRU or nn.LSTM, not object
    """
    kind = type(module).__name__
    if kind == "RNN":
        arch = f"rnn-{getattr(module, 'nonlinearity', 'tanh')}"
    elif kind in ("GRU", "LSTM"):
        arch = kind.lower()
    else:
        raise ParameterError(f"from_torch reads nn.RNN, nn.GRU or nn.LSTM, not {kind}")

    def arrays(m: Any, prefix: str) -> dict[str, np.ndarray]:
        return {prefix + k: v.detach().cpu().double().numpy() for k, v in m.state_dict().items()}

    weights = arrays(module, "rnn.")
    if readout is not None:
        weights.update(arrays(readout, "readout."))
    return torch_model(weights, arch, prefix="rnn.", readout="readout." if readout is not None
                       else "", input=input, name=name)


def trajectory_seeds(c: Any, *, steps: int = 3000, probability: float = 0.05,
                     amplitude: float = 1.0, keep: int = 600, seed: int = 0) -> np.ndarray:
    """States a trained network visits under its kind of input — rare ±``amplitude`` pulses
    on each channel, held at zero between them (as in the flip-flop tasks) — to seed the fixed
    point search where the network lives (FixedPointFinder samples its starts the same way).
    Returns up to ``keep`` states, half of them from the relaxed ends of the inter-pulse
    stretches."""
    rng = np.random.default_rng(seed)
    n_in = len(c.input_names)
    x = np.zeros(c.n)
    X = np.empty((steps, c.n))
    quiet = np.zeros(steps, bool)
    for k in range(steps):
        u = np.where(rng.random(n_in) < probability,
                     amplitude * rng.choice([-1.0, 1.0], n_in), 0.0) if n_in else None
        x = c.f(x, u)
        if not np.all(np.isfinite(x)):
            x = np.zeros(c.n)
        X[k] = x
        quiet[k] = u is None or not np.any(u)
    settled = X[1:][quiet[1:] & ~quiet[:-1]] if n_in else X  # the step before a pulse hits
    picks = rng.choice(steps, size=min(keep // 2, steps), replace=False)
    out = np.concatenate([settled[-(keep // 2):], X[picks]])
    return out[np.all(np.isfinite(out), axis=1)]
