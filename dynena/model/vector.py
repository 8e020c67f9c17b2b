r"""Vector-form models: recurrent networks written as a few lines over arrays.

.. code-block:: yaml

    arrays: esn3.npz                 # numeric arrays, beside the model file
    variables: {x: {size: 200}}
    inputs:    {u: {size: 3}}
    outputs:   {z: W_out@x}          # linear read-outs
    equations:
      x: (1 - leak)*x + leak*tanh(W@x + W_in@u + W_fb@z + b)

Each equation is an **elementwise** function :math:`g` of the vector symbols (element *i*),
1-D arrays (element *i*), parameters and matrix products :math:`z_k = M_k v_k` (a 2-D array
times a variable, an input, or an output, which folds into :math:`M_k W_{out}`). Hence the
exact, structured Jacobian

.. math:: D_{v_j} f_i = \mathrm{diag}\Big(\frac{\partial g_i}{\partial v_j}\Big)
          + \sum_{k:\,v_k = v_j} \mathrm{diag}\Big(\frac{\partial g_i}{\partial z_k}\Big) M_k ,

whose elementwise factors are sympy derivatives of :math:`g` — never :math:`N^2` scalar
expressions. Products with identical factors share one matrix (:math:`W + W_{fb}W_{out}`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import sympy as sp

from .._typing import KindName
from ..errors import ParameterError
from .values import exact_value

__all__ = ["VectorModel", "MatrixProduct", "VectorEquation"]


@dataclass(frozen=True, eq=False)
class MatrixProduct:
    """A product :math:`z = M v` appearing in an equation; ``symbol`` stands for its element."""

    symbol: sp.Symbol
    matrix_name: str
    M: np.ndarray
    operand: str
    operand_kind: str  # "variable", "input", or "next" (the variable after this step)


@dataclass(frozen=True, eq=False)
class VectorEquation:
    variable: str
    g: sp.Expr
    products: tuple[MatrixProduct, ...]
    text: str


@dataclass(frozen=True, eq=False)
class VectorModel:
    """A vector-form model (see module docstring). Compile it with :func:`dynena.compile_model`."""

    name: str
    kind: KindName
    blocks: tuple[tuple[str, int], ...]
    inputs_sized: tuple[tuple[str, int], ...]
    parameters: dict[str, sp.Expr]
    arrays: dict[str, np.ndarray]
    outputs: dict[str, tuple[str, np.ndarray, str]]
    equations_v: tuple[VectorEquation, ...]
    title: str = ""
    source: str | None = None
    output_bias: dict[str, tuple[str, np.ndarray]] = field(default_factory=dict)
    """Affine read-outs ``z = M@v + c``: the name and values of ``c`` per output."""
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    parameter_ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    directions: dict[str, dict[str, float]] = field(default_factory=dict)
    states: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return sum(s for _, s in self.blocks)

    @property
    def definitions(self) -> dict[str, sp.Expr]:
        """None: a vector-form model writes each equation in one line."""
        return {}

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(b for b, _ in self.blocks)

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(f"{b}[{i}]" for b, s in self.blocks for i in range(s))

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(f"{b}[{i}]" for b, s in self.inputs_sized for i in range(s))

    @property
    def texts(self) -> dict[str, str]:
        return {e.variable: e.text for e in self.equations_v}

    def parameter_values(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.parameters.items()}

    def with_parameters(self, values: Mapping[str, Any] | None = None, **kw: Any
                        ) -> VectorModel:
        new = dict(self.parameters)
        for k, v in {**(values or {}), **kw}.items():
            if k not in new:
                raise ParameterError(f"unknown parameter {k!r} for model {self.name!r}")
            new[k] = exact_value(v, k)
        return replace(self, parameters=new)

    def output(self, name: str, X: np.ndarray) -> np.ndarray:
        """Evaluate a declared output (``M @ operand``, plus its bias ``c`` when it has one)
        at states ``X`` (shape (n,) or (B, n))."""
        _, M, operand = self.outputs[name]
        sl = self.block_slices()[operand]
        z = np.asarray(X)[..., sl] @ M.T
        if name in self.output_bias:
            z = z + self.output_bias[name][1]
        return np.asarray(z)

    def block_slices(self) -> dict[str, slice]:
        out, k = {}, 0
        for b, s in self.blocks:
            out[b] = slice(k, k + s)
            k += s
        return out

    def __repr__(self) -> str:
        return (f"VectorModel({self.name!r}, kind={self.kind!r}, blocks={list(self.blocks)}, "
                f"arrays={sorted(self.arrays)})")
