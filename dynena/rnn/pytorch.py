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

    if f"{prefix}weight_hh_l1" in weights:
        raise ModelError(f"the network{where} has stacked layers (weight_hh_l1): this version "
                         "reads single-layer networks", file=source)
    g = _GATES[arch]
    W_hh = get(f"{prefix}weight_hh_l0")
    if W_hh.ndim != 2 or W_hh.shape[0] != g * W_hh.shape[1]:
        raise ModelError(f"{prefix}weight_hh_l0 has shape {W_hh.shape}; {arch} needs "
                         f"({g}H, H)", file=source)
    H = W_hh.shape[1]
    W_ih = get(f"{prefix}weight_ih_l0")
    if W_ih.ndim != 2 or W_ih.shape[0] != g * H:
        raise ModelError(f"{prefix}weight_ih_l0 has shape {W_ih.shape}; {arch} needs ({g * H}, "
                         "inputs)", file=source)
    n_in = W_ih.shape[1]
    zeros = np.zeros(g * H)
    b_ih = get(f"{prefix}bias_ih_l0", (g * H,)) if f"{prefix}bias_ih_l0" in weights else zeros
    b_hh = get(f"{prefix}bias_hh_l0", (g * H,)) if f"{prefix}bias_hh_l0" in weights else zeros
    u0 = np.zeros(n_in) if input is None else np.asarray(input, dtype=float).ravel()
    if u0.shape != (n_in,) or not np.all(np.isfinite(u0)):
        raise ParameterError(f"the constant input must have {n_in} finite values, got "
                             f"{np.asarray(input).ravel().tolist()}")
    b_ih = b_ih + W_ih @ u0  # the held input, as a bias
    arrays: dict[str, np.ndarray] = {}
    doc: dict[str, Any] = {"dynena": 1, "name": name, "kind": "map",
                           "title": f"PyTorch {arch} network, {H} units, {n_in} inputs"}
    sig = "(1 + tanh(({})/2))/2"  # the logistic function, without exp's overflow
    if arch.startswith("rnn"):
        arrays.update(W_hh=W_hh, W_ih=W_ih, b=b_ih + b_hh)
        pre = "W_hh@h + W_ih@u + b"
        eqs = {"h": f"tanh({pre})" if arch == "rnn-tanh" else f"Max(0, {pre})"}
        variables = {"h": {"size": H}}
    elif arch == "gru":
        for k, gate in enumerate("rzn"):
            rows = slice(k * H, (k + 1) * H)
            arrays[f"W_i{gate}"], arrays[f"W_h{gate}"] = W_ih[rows], W_hh[rows]
        arrays.update(b_r=b_ih[:H] + b_hh[:H], b_z=b_ih[H:2 * H] + b_hh[H:2 * H],
                      b_in=b_ih[2 * H:], b_hn=b_hh[2 * H:])
        r = sig.format("W_ir@u + W_hr@h + b_r")
        z = sig.format("W_iz@u + W_hz@h + b_z")
        n = f"tanh(W_in@u + b_in + {r}*(W_hn@h + b_hn))"
        eqs = {"h": f"(1 - {z})*{n} + {z}*h"}
        variables = {"h": {"size": H}}
    else:
        for k, gate in enumerate("ifgo"):
            rows = slice(k * H, (k + 1) * H)
            arrays[f"W_i{gate}"], arrays[f"W_h{gate}"] = W_ih[rows], W_hh[rows]
            arrays[f"b_{gate}"] = b_ih[rows] + b_hh[rows]
        i, f, o = (sig.format(f"W_i{q}@u + W_h{q}@h + b_{q}") for q in "ifo")
        gg = "tanh(W_ig@u + W_hg@h + b_g)"
        c_new = f"{f}*c + {i}*{gg}"
        eqs = {"h": f"{o}*tanh({c_new})", "c": c_new}
        variables = {"h": {"size": H}, "c": {"size": H}}
    doc.update(variables=variables, inputs={"u": {"size": n_in}}, equations=eqs)
    if readout:
        W_out = get(f"{readout}weight")
        if W_out.ndim != 2 or W_out.shape[1] != H:
            raise ModelError(f"{readout}weight has shape {W_out.shape}; the read-out needs "
                             f"(outputs, {H})", file=source)
        arrays["W_out"] = W_out
        if f"{readout}bias" in weights:
            arrays["b_out"] = get(f"{readout}bias", (W_out.shape[0],))
            doc["outputs"] = {"z": "W_out@h + b_out"}
        else:
            doc["outputs"] = {"z": "W_out@h"}
    doc["arrays"] = arrays
    return load_document(doc)


def from_torch(module: Any, readout: Any = None, *, input: Any = None,
               name: str = "torch_rnn") -> Any:
    """The vector-form model of a live ``nn.RNN``, ``nn.GRU`` or ``nn.LSTM`` (single layer,
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
