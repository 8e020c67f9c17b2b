"""Export a model as a PyDSTool ``args`` specification (a Python file users can run).

PyDSTool itself does not import on Python >= 3.10 (it needs the removed ``parser`` module); the
file is for users who keep an older Python with PyDSTool to go on there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ParameterError
from ..model.model import Model

__all__ = ["pydstool_args", "write_pydstool"]


def pydstool_args(model: Any) -> dict[str, Any]:
    """The ``args`` dict of ``PyDSTool.Generator.Vode_ODEsystem`` (or ``MapSystem``)."""
    if not isinstance(model, Model):
        raise ParameterError("PyDSTool export needs a scalar-form model")
    eqs = [e.xreplace({s: 0 for s in model.u}) for e in model.expanded_equations()]
    J = model.jacobian()
    rows = ["[" + ", ".join(str(J[i, j]) for j in range(model.n)) + "]"
            for i in range(model.n)]
    return {
        "name": model.name,
        "varspecs": {v: str(e).replace("**", "^") for v, e in zip(model.variables, eqs)},
        "pars": {k: float(v) for k, v in model.parameters.items()},
        "ics": {v: 0.0 for v in model.variables},
        "xdomain": {k: list(v) for k, v in model.ranges.items()},
        "pdomain": {k: list(v) for k, v in model.parameter_ranges.items()},
        "fnspecs": {"Jacobian": (["t", *model.variables],
                                 ("[" + ", ".join(rows) + "]").replace("**", "^"))},
        "tdomain": [0, 100],
        "_generator": "MapSystem" if model.kind == "map" else "Vode_ODEsystem",
    }


def write_pydstool(model: Any, path: str | Path) -> Path:
    import pprint

    p = Path(path)
    args = pydstool_args(model)
    gen = args.pop("_generator")
    p.write_text(
        f"# PyDSTool specification of {model.name!r}, exported by dynena.\n"
        "import PyDSTool as dst\n\n"
        f"args = dst.args(**{pprint.pformat(args, width=100)})\n"
        f"ode = dst.Generator.{gen}(args)\n")
    return p
