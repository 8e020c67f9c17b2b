r"""The symbolic model: what a model file declares, held as exact sympy expressions.

A :class:`Model` is frozen and holds no numerics. ``compile_model`` turns it into a
:class:`~dynena.compile.CompiledModel` with generated code for

.. math:: f(x; p, u), \qquad D_x f, \qquad D_p f, \qquad D_u f .
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import sympy as sp

from .._typing import KindName
from ..errors import ParameterError
from .derivative import derivatives
from .faults import parameter_fault
from .values import exact_value, format_value

__all__ = ["Model"]


@dataclass(frozen=True, eq=False)
class Model:
    r"""A scalar-form dynamical system :math:`\dot x = f(x; p, u)` (ode) or
    :math:`x_{n+1} = f(x_n; p, u)` (map), exactly as declared.

    Build one from a model file with :func:`dynena.load`, or from Python with
    :func:`dynena.load_document` (same schema as the YAML file).

    Attributes
    ----------
    name, title : str
    kind : ``"ode"`` or ``"map"``
    variables : tuple of str
        State variables, in order.
    equations : tuple of sympy.Expr
        One right-hand side per variable, in the symbols of :attr:`symbols`.
    parameters : dict of str to sympy.Expr
        Exact parameter values (``8/3`` stays a Rational).
    ranges : dict of str to (float, float)
        Search box per variable (for equilibria), where given.
    parameter_ranges : dict of str to (float, float)
    inputs : tuple of str
        Input channels; zero in autonomous analysis.
    directions : dict of str to dict of str to float
        Named perturbation directions (for thresholds restricted to them).
    states : dict of str to dict of str to float
        Named reference states; an equilibrium near one carries its name as label.
    definitions : dict of str to sympy.Expr
        Named intermediate expressions (in order) that equations may use; generated code
        computes each once and the Jacobian uses the chain rule through them.
    source : str or None
        The file the model came from.
    texts : dict of str to str
        The right-hand sides as the user wrote them.
    """

    name: str
    kind: KindName
    variables: tuple[str, ...]
    equations: tuple[sp.Expr, ...]
    parameters: dict[str, sp.Expr] = field(default_factory=dict)
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    parameter_ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    inputs: tuple[str, ...] = ()
    title: str = ""
    functions: dict[str, sp.Lambda] = field(default_factory=dict)
    directions: dict[str, dict[str, float]] = field(default_factory=dict)
    states: dict[str, dict[str, float]] = field(default_factory=dict)
    source: str | None = None
    texts: dict[str, str] = field(default_factory=dict)
    definitions: dict[str, sp.Expr] = field(default_factory=dict)

    # -- symbols ------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """State dimension."""
        return len(self.variables)

    @property
    def state_names(self) -> tuple[str, ...]:
        return self.variables

    @property
    def x(self) -> tuple[sp.Symbol, ...]:
        return tuple(sp.Symbol(v, real=True) for v in self.variables)

    @property
    def p(self) -> tuple[sp.Symbol, ...]:
        return tuple(sp.Symbol(k, real=True) for k in self.parameters)

    @property
    def u(self) -> tuple[sp.Symbol, ...]:
        return tuple(sp.Symbol(k, real=True) for k in self.inputs)

    @property
    def rhs(self) -> sp.Matrix:
        """The right-hand side as a column matrix, definitions substituted."""
        return sp.Matrix(self.expanded_equations())

    def expanded_equations(self) -> tuple[sp.Expr, ...]:
        """The equations with every definition substituted (in the model's symbols)."""
        if not self.definitions:
            return self.equations
        sub: dict[sp.Symbol, sp.Expr] = {}
        for k, e in self.definitions.items():
            sub[sp.Symbol(k, real=True)] = e.xreplace(sub)
        return tuple(e.xreplace(sub) for e in self.equations)

    def jacobian(self) -> sp.Matrix:
        r"""Exact :math:`D_x f` as a sympy Matrix (derived with symengine, converted back)."""
        return derivatives(self.expanded_equations(), self.x).to_sympy((self.n, self.n))

    def dfdp(self) -> sp.Matrix:
        r"""Exact :math:`D_p f` (columns in parameter order)."""
        return derivatives(self.expanded_equations(), self.p).to_sympy(
            (self.n, len(self.parameters)))

    def dfdu(self) -> sp.Matrix:
        r"""Exact :math:`D_u f` (columns in input order)."""
        return derivatives(self.expanded_equations(), self.u).to_sympy(
            (self.n, len(self.inputs)))

    # -- values -------------------------------------------------------------------------
    def parameter_values(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.parameters.items()}

    def with_parameters(self, values: Mapping[str, Any] | None = None, **kw: Any) -> Model:
        """A copy with some parameter values replaced (exact where given as text)."""
        new = dict(self.parameters)
        for k, v in {**(values or {}), **kw}.items():
            if k not in new:
                raise ParameterError(
                    f"unknown parameter {k!r} for model {self.name!r}; it has: "
                    + (", ".join(self.parameters) or "no parameters"))
            new[k] = exact_value(v, k)
        exprs = {**{f"definition {k}": e for k, e in self.definitions.items()},
                 **{f"equation {v}": e for v, e in zip(self.variables, self.equations)}}
        fault = parameter_fault(exprs, new)
        if fault:
            changed = ", ".join(f"{k} = {format_value(new[k])}" for k in {**(values or {}), **kw})
            raise ParameterError(f"with {changed}, {fault[0]}: {fault[1]}; the right-hand side "
                                 "must be real and finite in double precision")
        return replace(self, parameters=new)

    def digest(self) -> str:
        """A hash of the mathematics (kind, symbols, equations), keying the code cache."""
        h = hashlib.sha256()
        h.update(self.kind.encode())
        for part in (self.variables, tuple(self.parameters), self.inputs):
            h.update(("|".join(part) + "#").encode())
        for k, e in [*self.definitions.items(), *zip(self.variables, self.equations)]:
            h.update(f"{k}={sp.srepr(e)};".encode())
        return h.hexdigest()[:24]

    def __repr__(self) -> str:
        return (f"Model({self.name!r}, kind={self.kind!r}, variables={list(self.variables)}, "
                f"parameters={ {k: str(v) for k, v in self.parameters.items()} })")
