"""What the flip-flop extraction needs of a trained network, and the adapter that gives it
for any network in vector form (a PyTorch GRU or LSTM, a reservoirpy ESN)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .._typing import Array
from ..errors import ParameterError

__all__ = ["Readout", "TrainedNetwork", "ModelNetwork"]

Readout = Callable[[Array], Array]
"""The read-out z(x) of a state (or of the rows of a batch)."""


class TrainedNetwork(Protocol):
    """A trained network the flip-flop analysis can drive and read."""

    @property
    def size(self) -> int: ...

    @property
    def config(self) -> Any: ...

    def run(self, u: Array) -> tuple[Array, Array]: ...

    def readout(self, x: Array) -> Array: ...

    def to_model(self, name: str = ...) -> Any: ...


@dataclass(frozen=True)
class ModelNetwork:
    """A trained network given as a vector-form map with an input block and a read-out ``z``
    (the model's own output); it runs from the zero state."""

    model: Any
    config: Any = None

    def __post_init__(self) -> None:
        if self.model.kind != "map" or "z" not in getattr(self.model, "outputs", {}) or \
                not self.model.inputs:
            raise ParameterError(f"{self.model.name!r}: the flip-flop analysis needs a network "
                                 "map with inputs and a read-out named z")

    @property
    def size(self) -> int:
        return int(self.model.n)

    def readout(self, x: Array) -> Array:
        return np.asarray(self.model.output("z", np.asarray(x, dtype=float)))

    def run(self, u: Array) -> tuple[Array, Array]:
        from ..compile import compile_model

        c = compile_model(self.model)
        X = np.empty((len(u), c.n))
        x = np.zeros(c.n)
        for k, uk in enumerate(np.asarray(u, dtype=float)):
            x = c.f(x, uk)
            X[k] = x
        return X, self.readout(X)

    def to_model(self, name: str = "network") -> Any:
        return self.model
