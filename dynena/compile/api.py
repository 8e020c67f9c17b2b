"""The entries of the compile layer: :func:`compile_model` and :func:`as_compiled`."""

from __future__ import annotations

from ..model.model import Model
from ..model.protocol import SystemModel
from ..model.vector import VectorModel
from .compiled import CompiledModel, compile_scalar_model
from .system import CompiledSystem
from .vector import compile_vector_model

__all__ = ["compile_model", "as_compiled"]


def compile_model(model: Model | VectorModel, *, backend: str = "auto", use_cache: bool = True
                  ) -> CompiledSystem:
    r"""Numeric :math:`f`, :math:`D_x f`, :math:`D_p f`, :math:`D_u f` of a model.

    A scalar-form :class:`~dynena.Model` gets generated code (cached on disk; ``backend``
    ``"auto"``, ``"numba"`` or ``"python"`` for single-state evaluation, see
    :func:`~dynena.compile.compiled.compile_scalar_model`); a vector-form
    :class:`~dynena.VectorModel` its structured Jacobian (nothing to cache).

    Examples
    --------
    >>> import dynena
    >>> c = dynena.compile_model(dynena.load("models/toggle.yaml"))
    >>> c.f([1.0, 1.0]).tolist(), c.jac([1.0, 1.0]).tolist()
    ([0.5, 0.5], [[-1.0, -1.5], [-1.5, -1.0]])
    """
    if isinstance(model, VectorModel):
        return compile_vector_model(model)
    return compile_scalar_model(model, backend=backend, use_cache=use_cache)


def as_compiled(system: SystemModel | CompiledSystem) -> CompiledSystem:
    """``system`` itself when it is compiled already, else :func:`compile_model` of it.

    >>> import dynena
    >>> m = dynena.load_document({"dynena": 1, "name": "decay", "kind": "ode",
    ...                           "variables": ["x"], "equations": {"x": "-x"}})
    >>> c = as_compiled(m)
    >>> as_compiled(c) is c, c.f([2.0]).tolist()
    (True, [-2.0])
    """
    if isinstance(system, CompiledModel):
        return system  # the common case first: a Protocol check costs ~40 µs
    if isinstance(system, CompiledSystem):
        return system
    if not isinstance(system, (Model, VectorModel)):
        raise TypeError(f"expected a dynena model or compiled system, got {type(system).__name__}")
    return compile_model(system)
