"""One exception tree and one warning tree for dynena.

Every error a user can cause carries enough context to be fixed without a traceback:
the file, the line (where YAML gives it), the key path and the offending name.
"""

from __future__ import annotations

__all__ = [
    "DynenaError",
    "ModelError",
    "ParameterError",
    "UnknownIdError",
    "ConvergenceError",
    "SingularJacobianError",
    "DynenaWarning",
    "NonHyperbolicWarning",
    "IgnoredOptionWarning",
]


class DynenaError(Exception):
    """Base class of every error dynena raises on purpose."""


class ModelError(DynenaError, ValueError):
    """A model file or model definition is invalid.

    Attributes
    ----------
    file : str | None
        The model file, when the model came from one.
    line : int | None
        1-based line number in ``file``, where YAML gives it.
    key : str | None
        The key path inside the document (``equations.u``).
    name : str | None
        The offending symbol, variable or array name.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
        name: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.key = key
        self.name = name
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.file:
            where = str(self.file)
            if self.line is not None:
                where += f", line {self.line}"
            where += ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        key = f"[{self.key}] " if self.key else ""
        return f"{where}{key}{self.message}"


class ParameterError(DynenaError, ValueError):
    """A parameter, input or option given to an analysis is unknown or invalid."""


class UnknownIdError(ParameterError, KeyError):
    """An equilibrium, node or branch id that the result does not hold."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ConvergenceError(DynenaError, RuntimeError):
    """A numerical method did not converge. ``result`` holds what was computed, if anything."""

    def __init__(self, message: str, result: object | None = None) -> None:
        super().__init__(message)
        self.result = result


class SingularJacobianError(ConvergenceError):
    """A linear solve met a singular (or numerically singular) Jacobian."""


class DynenaWarning(UserWarning):
    """Base class of dynena's warnings."""


class NonHyperbolicWarning(DynenaWarning):
    """An equilibrium has an eigenvalue on the stability boundary; its type is not robust."""


class IgnoredOptionWarning(DynenaWarning):
    """An option was given that the chosen method does not use."""
