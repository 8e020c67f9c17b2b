r"""The state after an input held for a while: one step of the input-pulse picture.

For a map, :math:`x \mapsto f(x, u)` applied ``duration`` times; for an ODE,
:math:`\dot x = f(x, u)` integrated over ``[0, duration]`` (LSODA with the exact Jacobian).
The outcome oracle's batched version is :meth:`dynena.flow.oracle.OutcomeOracle.apply_pulse`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._typing import Array

__all__ = ["hold_input"]


def hold_input(c: Any, x: Array, u: Array, duration: int | float, *, rtol: float = 1e-9,
               atol: float = 1e-11) -> Array:
    """State reached from ``x`` with the input ``u`` held for ``duration`` (steps or time).

    >>> import numpy as np, dynena
    >>> m = dynena.load_document({"dynena": 1, "name": "leaky", "variables": ["x"],
    ...     "inputs": ["s"], "equations": {"x": "-x + s"}})
    >>> x = hold_input(dynena.compile_model(m), np.zeros(1), np.ones(1), 1.0)
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
