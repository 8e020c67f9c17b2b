"""Type aliases used across dynena."""

from __future__ import annotations

from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt

Array: TypeAlias = npt.NDArray[np.float64]
"""A float64 array (state vectors, Jacobians, batches)."""

KindName: TypeAlias = Literal["ode", "map"]
"""``ode``: dx/dt = f(x; p, u).  ``map``: x[n+1] = f(x[n]; p, u)."""

ArrayLike: TypeAlias = npt.ArrayLike

IntArray: TypeAlias = npt.NDArray[np.int_]
"""Integer arrays (row indices, outcome codes)."""

BoolArray: TypeAlias = npt.NDArray[np.bool_]
"""Boolean masks."""
