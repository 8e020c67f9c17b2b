"""``dynena flipflop``: train an ESN on the N-bit flip-flop and extract its excitable network."""

from __future__ import annotations

import argparse
from typing import Any

from .options import count, emit_json, jobs, number, progress


def register(sub: Any) -> None:
    p = sub.add_parser("flipflop", help="train an echo state network on the N-bit flip-flop "
                                        "and extract its excitable network (the paper)")
    p.add_argument("--bits", type=count(1, 8), default=3)
    p.add_argument("--size", type=count(2, 5000), default=200, help="reservoir size N")
    p.add_argument("--seed", type=count(0, 2**32 - 1), default=0)
    p.add_argument("--amplitude", type=number(0), default=1.0, help="task pulse amplitude")
    p.add_argument("--width", type=count(1, 10**4), default=1, help="pulse width (steps)")
    p.add_argument("--p", type=number(0, 1), default=0.01, help="pulse probability per step")
    p.add_argument("--density", type=number(0, 1), default=0.1)
    p.add_argument("--spectral-radius", type=number(0), default=0.5)
    p.add_argument("--input-scale", type=number(0, low_open=False), default=1.0)
    p.add_argument("--feedback-scale", type=number(0, low_open=False), default=1.0)
    p.add_argument("--leak", type=number(0, 1), default=1.0)
    p.add_argument("--bias-scale", type=number(0, low_open=False), default=0.0)
    p.add_argument("--ridge", type=number(0, low_open=False), default=1e-6)
    p.add_argument("--noise", type=number(0, low_open=False), default=0.05, help="noise on the fed-back target")
    p.add_argument("--train-steps", type=count(1, 10**7), default=20000)
    p.add_argument("--washout", type=count(0, 10**7), default=200)
    p.add_argument("--test-steps", type=count(1, 10**7), default=10000)
    p.add_argument("--rtol", type=number(0, 0.5), default=1e-6, help="threshold tolerance")
    p.add_argument("--jobs", type=jobs, default=1)
    p.add_argument("--load", default=None, help="analyse a trained network instead of "
                   "training: a model file (vector form with arrays W, W_in, W_fb, W_out, b), "
                   "or with --arch a PyTorch state dict (.safetensors or .npz)")
    p.add_argument("--arch", default=None, choices=("rnn-tanh", "rnn-relu", "gru", "lstm"),
                   help="with --load: the file is a PyTorch state dict of this module")
    p.add_argument("--prefix", default="rnn.",
                   help="with --arch: state-dict prefix of the recurrent module")
    p.add_argument("--readout", default="readout.",
                   help="with --arch: state-dict prefix of the nn.Linear read-out")
    p.add_argument("--json", action="store_true")
    p.add_argument("-o", "--output", default=None, help="write the full report here")
    p.add_argument("--overwrite", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..rnn.esn import EchoStateNetwork, ESNConfig, train_flipflop_esn
    from ..rnn.extract import analyse_flipflop

    if args.washout >= args.train_steps:
        from ..errors import ParameterError

        raise ParameterError(f"--washout {args.washout} must be below --train-steps "
                             f"{args.train_steps}")
    if args.output:
        from ..report.api import check_output_dir

        check_output_dir(args.output, args.overwrite)  # before training, not after
    esn: Any
    if args.arch and not args.load:
        from ..errors import ParameterError

        raise ParameterError("--arch goes with --load (the PyTorch weights file to analyse)")
    if args.load and args.arch:
        from ..rnn.network import ModelNetwork
        from ..rnn.pytorch import load_torch

        esn = ModelNetwork(load_torch(args.load, args.arch, prefix=args.prefix,
                                      readout=args.readout))
        progress(f"loaded a PyTorch {args.arch} of {esn.size} state variables from {args.load}")
        name = Path(args.load).stem
    elif args.load:
        from ..model import load

        esn = EchoStateNetwork.from_model(load(args.load))
        progress(f"loaded a trained network of {esn.size} units from {args.load}")
        name = Path(args.load).stem
    else:
        cfg = ESNConfig(size=args.size, density=args.density, spectral_radius=args.spectral_radius,
                        input_scale=args.input_scale, feedback_scale=args.feedback_scale,
                        leak=args.leak, bias_scale=args.bias_scale, ridge=args.ridge,
                        noise=args.noise, train_steps=args.train_steps, washout=args.washout,
                        seed=args.seed)
        progress(f"training an ESN (N = {args.size}) on the {args.bits}-bit flip-flop")
        esn, _ = train_flipflop_esn(args.bits, cfg, p=args.p, amplitude=args.amplitude,
                                    width=args.width)
        name = f"flipflop{args.bits}"
    a = analyse_flipflop(esn, bits=args.bits, amplitude=args.amplitude, width=args.width,
                         p=args.p, test_steps=args.test_steps, seed=args.seed, rtol=args.rtol,
                         jobs=args.jobs, progress=progress, name=name)
    if args.output:
        from ..report.flipflop import write_flipflop_report

        out = Path(args.output)
        progress(f"writing the report to {out}/")
        write_flipflop_report(out, a, esn.to_model(name), overwrite=True,
                              provenance={"command": "dynena flipflop", **a.config})
        if args.arch:  # the weights analysed, beside the report (it is read from them alone)
            import shutil

            kept = out / Path(args.load).name
            if kept.resolve() != Path(args.load).resolve():
                shutil.copyfile(args.load, kept)
        else:
            kept = esn.save(out / f"{name}.yaml", overwrite=True)
        progress(f"wrote {out}/report.pdf, report.html, results.json, network.svg and the model "
                 f"{kept.name}")
    if args.json:
        emit_json(a.to_dict())
    elif not args.output:
        print(f"accuracy {a.accuracy:.4f}, RMSE {a.rmse:.4f}; {len(a.nodes)} nodes, "
              f"{len(a.edges_at())} edges, {len(a.self_loops_at())} self-loops, "
              f"{len(a.saddles)} saddles, {len(a.slow_points)} slow points")
        for d in a.diagnosis:
            print(f"  diagnosis: {d}")
    return 0
