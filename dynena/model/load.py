"""Loading model files and documents into Model or VectorModel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .build import build_model
from .source import read_user_file, read_yaml

__all__ = ["load", "load_document"]


def load(path: str | Path) -> Any:
    """Load a model file (``.yaml``/``.yml``) into a :class:`~dynena.Model` or
    :class:`~dynena.VectorModel`.

    Parameters
    ----------
    path : str or Path
        The model file. Arrays named under ``arrays:`` are read from beside it.

    Raises
    ------
    ModelError
        Naming the file, the line and the offending name for any invalid content.

    Examples
    --------
    >>> import dynena
    >>> m = dynena.load("models/toggle.yaml")
    >>> m.kind, m.variables, m.parameters["n"]
    ('ode', ('u', 'v'), 2)
    """
    p = Path(path)
    text = read_user_file(p, "model")
    doc = read_yaml(text, str(path))
    return build_model(doc, file=str(path), base_dir=p.parent)


def load_document(doc: Any, *, base_dir: str | Path | None = None) -> Any:
    """Build a model from a mapping with the model-file schema (no file involved).

    Vector-form models may give ``arrays:`` as a mapping of numpy arrays.

    Examples
    --------
    >>> import dynena
    >>> m = dynena.load_document({"dynena": 1, "name": "decay", "variables": ["x"],
    ...                           "parameters": {"k": "1/3"}, "equations": {"x": "-k*x"}})
    >>> m.jacobian(), m.parameters["k"]
    (Matrix([[-k]]), 1/3)
    """
    return build_model(doc, base_dir=Path(base_dir) if base_dir else None)
