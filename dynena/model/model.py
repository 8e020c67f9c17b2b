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

from .._typing import Kind
from ..errors import ModelError, ParameterError

__all__ = ["Model"]


@dataclass(frozen=True, eq=False)
class Model:
    r"""A scalar-form dynamical system :math:`\dot x = f(x; p, u)` (ode) or
    :math:`x_{n+1} = f(x_n; p, u)` (map), exactly as declared.

    Build one from a model file with :func:`dynena.load`, or from Python with
    :meth:`Model.from_dict` (same schema as the YAML file).

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
    kind: Kind
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

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_dict(cls, doc: Mapping[str, Any], *, source: str | None = None) -> Model:
        """Build and validate a model from a mapping with the model-file schema."""
        from .build import build_model

        model = build_model(doc, file=source)
        if not isinstance(model, Model):
            raise TypeError("this document declares a vector-form model; use dynena.load")
        return model

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
        from ..compile.codegen import derivatives

        return derivatives(self.expanded_equations(), self.x).to_sympy((self.n, self.n))

    def dfdp(self) -> sp.Matrix:
        r"""Exact :math:`D_p f` (columns in parameter order)."""
        from ..compile.codegen import derivatives

        return derivatives(self.expanded_equations(), self.p).to_sympy(
            (self.n, len(self.parameters)))

    def dfdu(self) -> sp.Matrix:
        r"""Exact :math:`D_u f` (columns in input order)."""
        from ..compile.codegen import derivatives

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
            new[k] = _exact_value(v, k)
        from .faults import parameter_fault

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


def format_value(v: Any) -> str:
    """An exact value as the user would write it (``8/3``, ``sqrt(2)``, ``1.5``)."""
    if isinstance(v, sp.Float):
        return repr(float(v))
    return str(v)


def _exact_value(v: Any, name: str) -> sp.Expr:
    """A parameter value as an exact sympy number; refuses non-finite or symbolic values."""
    from .parse import Where, parse_expression

    if isinstance(v, sp.Basic):
        val = v
    elif isinstance(v, bool):
        raise ParameterError(f"parameter {name!r}: {v!r} is not a number")
    elif isinstance(v, int):
        val = sp.Integer(v)
    elif isinstance(v, float):
        val = sp.Float(repr(v))
    else:
        try:
            val = parse_expression(str(v), {}, Where())
        except ModelError as exc:
            raise ParameterError(f"parameter {name!r}: cannot read value {v!r}: {exc.message}"
                                 ) from None
    if val.free_symbols or not val.is_number:
        raise ParameterError(f"parameter {name!r}: value {v!r} is not a number")
    f = complex(sp.N(val))
    if f.imag != 0 or f.real != f.real or abs(f.real) == float("inf"):
        raise ParameterError(f"parameter {name!r}: value {v!r} is not a finite real number")
    return val
