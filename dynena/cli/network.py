"""``dynena network MODEL``: the excitable network (JSON as in the spec)."""

from __future__ import annotations

import argparse
from typing import Any

from .options import add_model_args, count, emit_json, jobs, load_model_from_args, number, progress


def add_network_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-threshold", type=number(0), default=None,
                   help="leave out connections above this amplitude (the thresholds do not "
                        "depend on it; for input pulses it is the largest amplitude scanned)")
    p.add_argument("--directions", default=None,
                   help="comma-separated named directions from the model (default: all of "
                        "state space)")
    p.add_argument("--inputs", action="store_true",
                   help="perturb with input pulses on the model's input channels")
    p.add_argument("--pulse-width", type=count(1, 10**6), default=1, help="input pulse width")
    p.add_argument("--rtol", type=number(0, 0.5), default=1e-6,
                   help="relative tolerance of thresholds")
    p.add_argument("--jobs", type=jobs, default=1, help="local worker processes")
    p.add_argument("--stable-only", action="store_true",
                   help="search only stable equilibria first (faster; no via-saddles)")
    p.add_argument("--nearest-only", action="store_true",
                   help="only each state's smallest connection (its minimal critical shock)")
    p.add_argument("--weights", default=None,
                   help="weighted norm: comma-separated weight per variable (|v|^2 = sum w v^2)")
    p.add_argument("--no-certify", action="store_true",
                   help="geometric search only: faster, but no global search and no stated "
                        "lower bound")
    p.add_argument("--max-time", type=number(0), default=1800.0,
                   help="wall-clock budget in seconds after the equilibria: attractor "
                        "discovery (at most a third) and the thresholds (default 1800)")
    p.add_argument("--budget", type=count(1, 10**9), default=40000,
                   help="trajectories the global search may spend per source state "
                        "(default 40000); a search that runs out says so")
    p.add_argument("--resolution", type=count(1, 64), default=1,
                   help="first grid of directions N times denser (2-D and 3-D state spaces; "
                        "about N^2 or N^3 times the trajectories): for basin pieces narrower "
                        "than the default grid's rays (default 1)")
    p.add_argument("--seeds", type=count(0, 200), default=None,
                   help="minimal-seed starts per connection above three variables (ascents "
                        "along the adjoint towards the target at lowered amplitudes; default "
                        "6 for maps, 0 for ODEs): more starts, more chance of a transient "
                        "route the other starts miss, for more time")
    p.add_argument("--seed", type=count(0, 2**32 - 1), default=0,
                   help="random starts of the search above three variables, random "
                        "verification directions (default 0): another seed starts elsewhere, "
                        "and a lower threshold it finds is a witness")
    p.add_argument("--attractors", choices=("auto", "yes", "no"), default="auto",
                   help="look for periodic and other non-equilibrium attractors as nodes "
                        "(auto: models of up to 50 variables)")


_ATTRACTORS: dict[str, bool | str] = {"auto": "auto", "yes": True, "no": False}


def _weights(text: str | None, n: int) -> list[float] | None:
    """``--weights w1,...``: one positive finite number per state variable."""
    from ..errors import ParameterError

    if not text:
        return None
    try:
        w = [float(v) for v in text.split(",")]
    except ValueError:
        raise ParameterError(f"--weights {text}: expects numbers separated by commas") from None
    if len(w) != n or not all(0 < v < float("inf") for v in w):
        raise ParameterError(f"--weights {text}: expects {n} positive finite numbers (one per "
                             "state variable)")
    return w


def network_from_args(args: argparse.Namespace, model: Any, eq: Any = None
                      ) -> tuple[Any, Any]:
    """The equilibria (unless given) and the excitable network the options ask for."""
    from ..equilibrium import find_equilibria
    from ..network import InputPulses, excitable_network

    weights = _weights(getattr(args, "weights", None),
                       model.n)

    if eq is None:
        progress(f"equilibria of {model.name}")
        eq = find_equilibria(model, stable_only=getattr(args, "stable_only", False),
                             progress=progress)
    progress(f"{len(eq)} equilibria ({len(eq.stable)} stable); computing thresholds")
    pert: Any = "state"
    if args.inputs:
        pert = InputPulses(width=args.pulse_width)
    elif args.directions:
        pert = [d.strip() for d in args.directions.split(",") if d.strip()]
    net = excitable_network(model, equilibria=eq, perturbations=pert,
                            max_threshold=args.max_threshold, rtol=args.rtol, jobs=args.jobs,
                            weights=weights, progress=progress,
                            nearest_only=getattr(args, "nearest_only", False),
                            certify=not getattr(args, "no_certify", False),
                            budget=getattr(args, "budget", 40000),
                            resolution=getattr(args, "resolution", 1),
                            seeds=getattr(args, "seeds", None),
                            max_time=getattr(args, "max_time", 1800.0),
                            seed=getattr(args, "seed", 0),
                            attractors=_ATTRACTORS[getattr(args, "attractors", "auto")])
    return eq, net


def register(sub: Any) -> None:
    p = sub.add_parser("network", help="compute the excitable network")
    add_model_args(p)
    add_network_args(p)
    p.add_argument("--merge-pairs", action="store_true",
                   help="also give the network with each ± symmetric pair as one node")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    model = load_model_from_args(args)
    _, net = network_from_args(args, model)
    if args.json:
        d = net.to_dict()
        if args.merge_pairs:
            G = net.graph(merge_pairs=True)
            d["merged_pairs"] = {
                "nodes": [{"id": n, "pair": a.get("pair"), "label": a.get("label")}
                          for n, a in G.nodes(data=True)],
                "edges": [{"source": u, "target": v, "threshold": a["threshold"],
                           "via": a["via"]} for u, v, a in G.edges(data=True)]}
        emit_json(d)
        return 0
    print(f"{net.model}: {net.message}; {net.stats['trajectories']} trajectories, "
          f"{net.stats['seconds']:.1f} s")
    for k, nid in enumerate(net.node_ids):
        lab = f" [{net.node_labels[k]}]" if net.node_labels[k] else ""
        kind = net.node_kinds[k] if k < len(net.node_kinds) else "equilibrium"
        print(f"  node {nid}{lab}: {net.node_stability[k]} {kind}")
    att = net.attractors
    if att is not None and att.basins:
        print(f"  basins ({att.samples} starts, fraction ± standard error): " + ", ".join(
            f"{b.outcome} {b.fraction:.3f} ± {b.stderr:.3f}" for b in att.basins))
    if att is not None and att.grid is not None:
        sb, sbb = att.grid.entropy
        print(f"  basin entropy on a {att.grid.codes.shape[1]}-cell grid: S_b = {sb:.3f}, "
              f"S_bb = {sbb:.3f} ({'fractal' if att.grid.fractal else 'not shown fractal'}: "
              "S_bb > log 2 + 0.02 says fractal)")
    for c in net.connections:
        what = (f"channel {c.channel} sign {c.sign:+d}" if c.space == "input" else "")
        print(f"  {c.source} -> {c.target}: threshold {c.threshold:.7g} via {c.via or '-'} "
              f"{what} ({c.trajectories} trajectories)")
        if c.certificate is not None:
            print(f"      {c.certificate.statement}")
    return 0
