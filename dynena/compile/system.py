r"""The compiled system: what every analysis needs.

Analyses take a model or a compiled system and call :func:`dynena.compile.as_compiled` once. They use only
the :class:`CompiledSystem` interface below — never which class implements it — so scalar-form
models (generated code), vector-form recurrent networks (structured Jacobians) and future
back-ends are interchangeable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .._typing import Array, KindName
from ..model.protocol import SystemModel
from .kind import Kind

__all__ = ["CompiledSystem", "state_vector"]


@runtime_checkable
class CompiledSystem(Protocol):
    r"""A model at fixed parameter values with numeric :math:`f`, :math:`D_x f`,
    :math:`D_p f`, :math:`D_u f`.

    ``x`` is one state of shape ``(n,)``; ``X`` a batch of shape ``(B, n)``; ``u`` the input
    (zero when omitted).
    """

    @property
    def model(self) -> SystemModel: ...

    kind: KindName
    dynamics: Kind
    n: int
    names: tuple[str, ...]
    parameter_names: tuple[str, ...]
    input_names: tuple[str, ...]
    p: Array
    stats: dict[str, Any]
    backend: str

    @property
    def state_names(self) -> tuple[str, ...]: ...

    def f(self, x: Any, u: Any = None) -> Array: ...
    def jac(self, x: Any, u: Any = None) -> Array: ...
    def dfdp(self, x: Any, u: Any = None) -> Array: ...
    def dfdu(self, x: Any, u: Any = None) -> Array: ...
    def f_batch(self, X: Any, U: Any = None) -> Array: ...
    def jac_batch(self, X: Any, U: Any = None) -> Array: ...
    def dfdp_batch(self, X: Any, U: Any = None) -> Array: ...
    def residual(self, x: Any) -> Array: ...
    def residual_jac(self, x: Any) -> Array: ...
    def parameter_values(self) -> dict[str, float]: ...
    def with_parameters(self, values: Mapping[str, Any] | None = None, **kw: Any
                        ) -> CompiledSystem: ...


def state_vector(c: CompiledSystem, values: Mapping[str, float]) -> Array:
    """A state (or direction) from a mapping of variable names to values; the others are 0.
    Names are the model's own (checked when the model was loaded)."""
    v = np.zeros(c.n)
    for name, val in values.items():
        v[c.names.index(name)] = val
    return v
