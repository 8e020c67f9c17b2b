r"""What a parameter sweep computes: a base model, the axes, and the analysis at each point.

Axes, on the command line (``--axis``) or in a spec file:

* ``a=0.5:4:8`` — a grid of 8 values from 0.5 to 4 (both included);
* ``b=1,2,5/2`` — a list (exact values allowed, as in ``--set``);
* in a spec file also ``{sobol: [lo, hi]}``: the axes given this way are sampled jointly by a
  scrambled Sobol sequence of ``samples`` points (seeded), crossed with the grid and list axes.

A spec file::

    sweep: 1
    model: cusp.yaml            # relative to the spec file (or flipflop: {bits: 3, ...})
    set: {c: 1}                 # fixed parameter values (like --set)
    axes:
      a: {grid: [-1, 1, 9]}
      b: {values: [0, 0.1]}
    analysis: equilibria        # or network
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ParameterError

__all__ = ["Axis", "SweepSpec", "parse_axis", "load_spec", "ANALYSES", "MAX_POINTS",
           "FLIPFLOP_OPTIONS"]

ANALYSES = ("equilibria", "network", "flipflop")
FLIPFLOP_OPTIONS = {"bits": int, "size": int, "density": float, "spectral_radius": float,
                    "input_scale": float, "feedback_scale": float, "leak": float,
                    "bias_scale": float, "ridge": float, "noise": float, "train_steps": int,
                    "washout": int, "seed": int, "amplitude": float, "width": int, "p": float,
                    "test_steps": int}
"""What a flip-flop sweep may fix or sweep: the ESN's hyperparameters and the task's."""
MAX_POINTS = 100_000
"""A sweep larger than this is refused up front (split it, or raise it in the spec)."""


@dataclass(frozen=True)
class Axis:
    """One swept parameter: its values (grid or list), or a range sampled by Sobol points."""

    name: str
    values: tuple[float, ...] = ()
    sobol: tuple[float, float] | None = None


@dataclass(frozen=True)
class SweepSpec:
    """A sweep: the model file (``None`` for the flip-flop ESN, trained at each point), fixed
    parameters (for the flip-flop: ESN and task options), the axes, the analysis per point."""

    model: Path | None
    axes: tuple[Axis, ...]
    analysis: str = "equilibria"
    sets: dict[str, str] = field(default_factory=dict)
    samples: int = 16
    seed: int = 0

    def points(self) -> list[dict[str, float]]:
        """Every point, in a fixed order: grid and list axes crossed (last fastest), then the
        joint Sobol sample of the sampled axes."""
        listed = [a for a in self.axes if a.sobol is None]
        sampled = [a for a in self.axes if a.sobol is not None]
        rows: list[dict[str, float]] = [dict(zip([a.name for a in listed], combo))
                                        for combo in itertools.product(*(a.values
                                                                         for a in listed))]
        if sampled:
            from scipy.stats import qmc

            U = qmc.Sobol(d=len(sampled), scramble=True, seed=self.seed).random(self.samples)
            extra = [{a.name: float(a.sobol[0] + (a.sobol[1] - a.sobol[0]) * u)  # type: ignore
                      for a, u in zip(sampled, row)} for row in U]
            rows = [{**r, **e} for r in rows for e in extra]
        return rows

    def check(self) -> None:
        """Refuse a sweep that is empty, too large, or names an unknown analysis."""
        if self.analysis not in ANALYSES:
            raise ParameterError(f"unknown analysis {self.analysis!r}; choose one of "
                                 + ", ".join(ANALYSES))
        if not self.axes:
            raise ParameterError("a sweep needs at least one axis (--axis NAME=lo:hi:num)")
        names = [a.name for a in self.axes]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ParameterError(f"axis {dup[0]!r} is given twice")
        clash = sorted(set(names) & set(self.sets))
        if clash:
            raise ParameterError(f"parameter {clash[0]!r} is both swept and fixed by --set")
        if (self.model is None) != (self.analysis == "flipflop"):
            raise ParameterError("the flipflop analysis trains its own network (target "
                                 "'flipflop', no model file); a model file takes equilibria "
                                 "or network")
        if self.model is None:
            unknown = sorted((set(names) | set(self.sets)) - set(FLIPFLOP_OPTIONS))
            if unknown:
                raise ParameterError(f"{unknown[0]!r} is not a flip-flop option; sweep or set "
                                     "any of " + ", ".join(FLIPFLOP_OPTIONS))
        n = math.prod(len(a.values) for a in self.axes if a.sobol is None) * (
            self.samples if any(a.sobol is not None for a in self.axes) else 1)
        if n > MAX_POINTS:
            raise ParameterError(f"the sweep has {n} points; the limit is {MAX_POINTS}")


def parse_axis(text: str) -> Axis:
    """``NAME=lo:hi:num`` (a grid) or ``NAME=v1,v2,...`` (a list)."""
    name, sep, rest = text.partition("=")
    name, rest = name.strip(), rest.strip()
    if not sep or not name.isidentifier() or not rest:
        raise ParameterError(f"--axis {text!r}: write NAME=lo:hi:num (a grid) or "
                             "NAME=v1,v2,... (a list)")
    if ":" in rest:
        parts = rest.split(":")
        if len(parts) != 3:
            raise ParameterError(f"--axis {text!r}: a grid is lo:hi:num, e.g. a=0.5:4:8")
        lo, hi = (_number(p, text) for p in parts[:2])
        try:
            num = int(parts[2])
        except ValueError:
            raise ParameterError(f"--axis {text!r}: the number of values {parts[2]!r} is not "
                                 "an integer") from None
        return _grid(name, lo, hi, num, text)
    values = tuple(_number(v, text) for v in rest.split(","))
    return Axis(name, values)


def _grid(name: str, lo: float, hi: float, num: int, text: str) -> Axis:
    if num < 1 or num > MAX_POINTS:
        raise ParameterError(f"axis {text!r}: between 1 and {MAX_POINTS} values, got {num}")
    if num > 1 and not lo < hi:
        raise ParameterError(f"axis {text!r}: a grid needs lo < hi")
    return Axis(name, tuple(float(v) for v in np.linspace(lo, hi, num)))


def _number(v: Any, text: str) -> float:
    """A finite value, exact text allowed (``5/2``, ``sqrt(2)``)."""
    from ..model.values import exact_value

    try:
        x = float(exact_value(str(v).strip(), "axis"))
    except (ParameterError, TypeError, ValueError):
        raise ParameterError(f"axis {text!r}: {str(v).strip()!r} is not a number") from None
    if not math.isfinite(x):
        raise ParameterError(f"axis {text!r}: {str(v).strip()!r} is not finite")
    return x


def load_spec(path: str | Path) -> SweepSpec:
    """Read a sweep spec file (see the module docstring); errors name the file and key."""
    from ..model.source import read_user_file, read_yaml

    p = Path(path)
    doc = read_yaml(read_user_file(p, "sweep spec"), str(p))

    def bad(msg: str) -> ParameterError:
        return ParameterError(f"{p}: {msg}")

    if not isinstance(doc, Mapping) or str(doc.get("sweep")) != "1":
        raise bad("a sweep spec is a mapping starting with 'sweep: 1'")
    unknown = sorted(set(doc) - {"sweep", "model", "flipflop", "set", "axes", "analysis",
                                 "samples", "seed"})
    if unknown:
        raise bad(f"unknown key {unknown[0]!r}")
    flip = doc.get("flipflop")
    if flip is not None and not isinstance(flip, Mapping):
        raise bad("'flipflop:' must map ESN and task options to values")
    if (flip is None) == (not isinstance(doc.get("model"), str)):
        raise bad("give 'model:' (a model file) or 'flipflop:' (ESN options), not both")
    axes_doc = doc.get("axes")
    if not isinstance(axes_doc, Mapping) or not axes_doc:
        raise bad("'axes:' must map parameter names to {grid: [lo, hi, num]}, {values: [...]} "
                  "or {sobol: [lo, hi]}")
    axes = [_axis_from_doc(str(k), v, bad) for k, v in axes_doc.items()]
    sets = doc.get("set") or {}
    if not isinstance(sets, Mapping):
        raise bad("'set:' must map parameter names to values")
    samples = doc.get("samples", 16)
    if not isinstance(samples, int) or isinstance(samples, bool) or not 1 <= samples <= MAX_POINTS:
        raise bad(f"'samples:' must be an integer from 1 to {MAX_POINTS}")
    if flip is not None:
        sets = {**flip, **sets}
    model = None if flip is not None else (p.parent / doc["model"]).resolve()
    spec = SweepSpec(model, tuple(axes),
                     str(doc.get("analysis", "flipflop" if flip is not None else "equilibria")),
                     {str(k): str(v) for k, v in sets.items()}, samples, int(doc.get("seed", 0)))
    spec.check()
    return spec


def _axis_from_doc(name: str, v: Any, bad: Any) -> Axis:
    if not isinstance(v, Mapping) or len(v) != 1:
        raise bad(f"axis {name!r}: give one of grid: [lo, hi, num], values: [...], "
                  "sobol: [lo, hi]")
    (kind, arg), = v.items()
    if kind == "grid" and isinstance(arg, list) and len(arg) == 3:
        return _grid(name, _number(arg[0], name), _number(arg[1], name), int(arg[2]), name)
    if kind == "values" and isinstance(arg, list) and arg:
        return Axis(name, tuple(_number(x, name) for x in arg))
    if kind == "sobol" and isinstance(arg, list) and len(arg) == 2:
        lo, hi = _number(arg[0], name), _number(arg[1], name)
        if not lo < hi:
            raise bad(f"axis {name!r}: sobol: [lo, hi] needs lo < hi")
        return Axis(name, (), (lo, hi))
    raise bad(f"axis {name!r}: {kind!r} must be grid: [lo, hi, num], values: [...] or "
              "sobol: [lo, hi]")
