"""``dynena rnn WEIGHTS --arch ARCH``: a trained PyTorch network's fixed points under a constant
input and its excitable network of input pulses."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import ParameterError
from .network import add_network_args, network_from_args
from .options import emit_json, number, progress


def register(sub: Any) -> None:
    from ..rnn.pytorch import ARCHITECTURES

    p = sub.add_parser("rnn", help="fixed points and input-pulse network of a trained PyTorch "
                                   "RNN/GRU/LSTM (.safetensors or .npz state dict)")
    p.add_argument("file", metavar="WEIGHTS",
                   help="the state dict: .safetensors (preferred) or .npz, with PyTorch's "
                        "parameter names")
    p.add_argument("--arch", required=True, choices=ARCHITECTURES,
                   help="the recurrent module: nn.RNN (tanh or relu), nn.GRU or nn.LSTM")
    p.add_argument("--prefix", default="rnn.",
                   help="state-dict prefix of the recurrent module (default 'rnn.')")
    p.add_argument("--readout", default="readout.",
                   help="state-dict prefix of the nn.Linear read-out (default 'readout.'; "
                        "'' for none)")
    p.add_argument("--input", default=None, metavar="V1,V2,...",
                   help="a constant input held throughout (default zero); pulses come on top")
    p.add_argument("--no-network", action="store_true",
                   help="fixed points only (no thresholds)")
    p.add_argument("--pulse-amplitude", type=number(0), default=1.0,
                   help="amplitude of the random input pulses whose trajectory seeds the fixed "
                        "point search (default 1)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object on stdout (progress goes to stderr)")
    add_network_args(p)
    p.set_defaults(func=run)


def _input(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise ParameterError(f"--input {text}: expects numbers separated by commas") from None


def run(args: argparse.Namespace) -> int:
    from ..rnn.fixed_points import rnn_fixed_points
    from ..rnn.pytorch import load_torch

    model = load_torch(args.file, args.arch, prefix=args.prefix, readout=args.readout,
                       input=_input(args.input))
    progress(f"{model.title}: {model.n} state variables")
    readout = "z" in model.outputs
    eq = rnn_fixed_points(model, pulse_amplitude=args.pulse_amplitude,
                          stable_only=args.stable_only, progress=progress)
    net = None
    if not args.no_network:
        args.inputs, args.directions = True, None  # input pulses: the network's own channels
        eq, net = network_from_args(args, model, eq)
    points = [{**e.to_dict(full_state=False),
               **({"readout": [float(v) for v in model.output("z", e.state)]} if readout else {})}
              for e in eq]
    if args.json:
        emit_json({"model": model.name, "arch": args.arch, "weights": str(args.file),
                   "state_size": model.n, "input": _input(args.input),
                   "fixed_points": points, "equilibria": eq.to_dict(),
                   **({"network": net.to_dict()} if net is not None else {})})
        return 0
    print(f"{model.name} ({args.arch}, {model.n} state variables): {len(eq)} fixed points, "
          f"{len(eq.stable)} stable; {eq.message}")
    for pt in points:
        z = ", ".join(f"{v:+.3f}" for v in pt.get("readout", []))
        print(f"  {pt['id']}: {pt['stability']:<8} unstable dim {pt['unstable_dim']}"
              + (f"  read-out ({z})" if z else ""))
    if net is not None:
        print(f"network: {net.message}")
        for c in net.connections:
            print(f"  {c.source} -> {c.target}: pulse on u[{c.channel}] sign {c.sign:+d}, "
                  f"threshold {c.threshold:.6g}")
    return 0
