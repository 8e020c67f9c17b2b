r"""One state moved on by the dynamics for a while, with an input held or none.

For a map, :math:`x \mapsto f(x, u)` applied ``duration`` times; for an ODE,
:math:`\dot x = f(x, u)` integrated over ``[0, duration]`` (LSODA with the exact Jacobian).
Used for the state an input pulse leaves behind and for edge tracking. The outcome oracle's
batched version of a pulse is :meth:`dynena.flow.oracle.OutcomeOracle.apply_pulse`.
"""

from __future__ import annotations

import numpy as np

from .._typing import Array
from ..compile.system import CompiledSystem

__all__ = ["advance"]


def advance(c: CompiledSystem, x: Array, duration: int | float, u: Array | None = None, *,
            rtol: float = 1e-9, atol: float = 1e-11) -> Array:
    """State reached from ``x`` after ``duration`` (steps or time), the input ``u`` held
    (zero when None).

    >>> import numpy as np, dynena
    >>> m = dynena.load_document({"dynena": 1, "name": "leaky", "variables": ["x"],
    ...     "inputs": ["s"], "equations": {"x": "-x + s"}})
    >>> x = advance(dynena.compile_model(m), np.zeros(1), 1.0, np.ones(1))
    >>> round(float(x[0]), 8) == round(1 - float(np.exp(-1)), 8)
    True
    """
    x = np.asarray(x, dtype=float)
    if c.dynamics.is_map:
        for _ in range(int(duration)):
            x = c.f(x, u)
        return x
    from scipy.integrate import solve_ivp

    sol = solve_ivp(lambda t, y: c.f(y, u), (0.0, float(duration)), x, method="LSODA",
                    jac=lambda t, y: c.jac(y, u), rtol=rtol, atol=atol)
    return np.asarray(sol.y[:, -1], dtype=float)
