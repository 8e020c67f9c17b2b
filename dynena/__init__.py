"""dynena: multistable dynamical systems and recurrent networks as excitable network attractors.

The public vocabulary, in data-flow order::

    model = dynena.load("models/cube3.yaml")            # or dynena.load_document({...})
    c = dynena.compile_model(model)                      # f, D_x f, D_p f, D_u f
    eq = dynena.equilibria(c)                            # = find_equilibria
    net = dynena.excitable_network(c, equilibria=eq)
    br = dynena.continue_equilibrium(c, "a")
    dynena.write_report("out", model=model, equilibria=eq, network=net)

Names are imported on first use (PEP 562), so ``import dynena`` and ``dynena --version`` stay
fast; sympy, scipy and numba load with the first analysis.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__

_LAZY: dict[str, tuple[str, str]] = {
    "CompiledModel": (".compile", "CompiledModel"),
    "compile_model": (".compile", "compile_model"),
    "continue_equilibrium": (".continuation", "continue_equilibrium"),
    "continue_curve": (".continuation", "continue_curve"),
    "continue_cycles": (".continuation", "continue_cycles"),
    "design_model": (".design", "design_model"),
    "verify_design": (".design", "verify_design"),
    "find_attractors": (".attractor", "find_attractors"),
    "find_equilibria": (".equilibrium", "find_equilibria"),
    "equilibria": (".equilibrium", "find_equilibria"),
    "unstable_manifold": (".equilibrium", "unstable_manifold"),
    "ConvergenceError": (".errors", "ConvergenceError"),
    "DynenaError": (".errors", "DynenaError"),
    "ModelError": (".errors", "ModelError"),
    "ParameterError": (".errors", "ParameterError"),
    "Model": (".model", "Model"),
    "VectorModel": (".model", "VectorModel"),
    "load": (".model", "load"),
    "load_document": (".model", "load_document"),
    "InputPulses": (".network", "InputPulses"),
    "excitable_network": (".network", "excitable_network"),
    "phase_portrait": (".portrait", "phase_portrait"),
    "write_report": (".report", "write_report"),
    "draw": (".report.graphviz", "draw"),
    "ESNConfig": (".rnn.esn", "ESNConfig"),
    "EchoStateNetwork": (".rnn.esn", "EchoStateNetwork"),
    "train_flipflop_esn": (".rnn.esn", "train_flipflop_esn"),
    "analyse_flipflop": (".rnn.extract", "analyse_flipflop"),
    "load_torch": (".rnn.pytorch", "load_torch"),
    "from_torch": (".rnn.pytorch", "from_torch"),
    "from_reservoirpy": (".rnn.reservoir_import", "from_reservoirpy"),
    "rnn_fixed_points": (".rnn.fixed_points", "rnn_fixed_points"),
    "flipflop": (".rnn.tasks", "flipflop"),
    "Trajectory": (".flow.simulation", "Trajectory"),
    "simulate": (".flow.simulation", "simulate"),
    "sweep": (".sweep", "sweep"),
    "continue_network": (".sweep", "continue_network"),
    "SweepSpec": (".sweep", "SweepSpec"),
}

__all__ = sorted(_LAZY) + ["__version__"]


def _register_renderers() -> None:
    """Let ``ExcitableNetwork.draw()`` and the notebook displays (``_repr_svg_``) reach the
    reporter's drawings, which the results layer below it cannot import; the reporter itself
    is imported on the first drawing, not now."""
    from .results.display import register_renderer

    def draw(net: Any, **options: Any) -> Any:
        from .report.graphviz import draw as _draw

        return _draw(net, **options)

    def bifurcation(res: Any) -> str:
        from .report.bifurcation import bifurcation_svg

        return bifurcation_svg(res)

    def curves(res: Any) -> str:
        from .report.bifurcation import curves_svg

        return curves_svg(res)

    register_renderer("network", draw)
    register_renderer("bifurcation", bifurcation)
    register_renderer("curves", curves)


_register_renderers()


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        mod, attr = _LAZY[name]
        value = getattr(importlib.import_module(mod, __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dynena' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .attractor import find_attractors as find_attractors
    from .compile import CompiledModel as CompiledModel
    from .compile import compile_model as compile_model
    from .continuation import continue_curve as continue_curve
    from .continuation import continue_cycles as continue_cycles
    from .continuation import continue_equilibrium as continue_equilibrium
    from .design import design_model as design_model
    from .design import verify_design as verify_design
    from .equilibrium import find_equilibria as equilibria  # noqa: F401  (alias)
    from .equilibrium import find_equilibria as find_equilibria
    from .equilibrium import unstable_manifold as unstable_manifold
    from .errors import ConvergenceError as ConvergenceError
    from .errors import DynenaError as DynenaError
    from .errors import ModelError as ModelError
    from .errors import ParameterError as ParameterError
    from .flow.simulation import Trajectory as Trajectory
    from .flow.simulation import simulate as simulate
    from .model import Model as Model
    from .model import VectorModel as VectorModel
    from .model import load as load
    from .model import load_document as load_document
    from .network import InputPulses as InputPulses
    from .network import excitable_network as excitable_network
    from .portrait import phase_portrait as phase_portrait
    from .report import write_report as write_report
    from .report.graphviz import draw as draw
    from .rnn.esn import EchoStateNetwork as EchoStateNetwork
    from .rnn.esn import ESNConfig as ESNConfig
    from .rnn.esn import train_flipflop_esn as train_flipflop_esn
    from .rnn.extract import analyse_flipflop as analyse_flipflop
    from .rnn.fixed_points import rnn_fixed_points as rnn_fixed_points
    from .rnn.pytorch import from_torch as from_torch
    from .rnn.pytorch import load_torch as load_torch
    from .rnn.reservoir_import import from_reservoirpy as from_reservoirpy
    from .rnn.tasks import flipflop as flipflop
    from .sweep import SweepSpec as SweepSpec
    from .sweep import continue_network as continue_network
    from .sweep import sweep as sweep
