"""Reading model files: safe YAML that remembers line numbers and refuses duplicate keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import ModelError

__all__ = ["LineDict", "read_yaml", "load", "load_document"]


class LineDict(dict):  # type: ignore[type-arg]
    """A dict that remembers the 1-based line of each key (``lines``) and of itself."""

    lines: dict[str, int]
    line: int | None

    def __init__(self) -> None:
        super().__init__()
        self.lines = {}
        self.line = None


class _Loader(yaml.SafeLoader):
    """SafeLoader whose mappings are LineDicts; keys are kept as written (``on`` stays 'on')."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            key: Any = key_node.value  # raw text: YAML 1.1 would turn `on:` into True
        else:
            raise ModelError("mapping keys must be plain names",
                             file=loader.name, line=key_node.start_mark.line + 1)
        line = key_node.start_mark.line + 1
        if key in out:
            raise ModelError(f"duplicate key {key!r} (first given on line {out.lines[key]})",
                             file=loader.name, line=line, name=str(key))
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = line
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(text: str, file: str | None = None) -> Any:
    """Parse YAML text with the safe loader; a syntax error becomes a located ModelError."""
    loader = _Loader(text)
    loader.name = file or "<string>"
    try:
        return loader.get_single_data()
    except ModelError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        msg = f"malformed YAML: {exc.problem or exc.context}"
        raise ModelError(msg, file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise ModelError(f"malformed YAML: {exc}", file=file) from None
    finally:
        loader.dispose()


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
    """
    from .build import build_model

    p = Path(path)
    if not p.exists():
        raise ModelError("no such model file", file=str(path))
    if p.is_dir():
        raise ModelError("is a directory, not a model file", file=str(path))
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ModelError(f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                         file=str(path)) from None
    doc = read_yaml(text, str(path))
    return build_model(doc, file=str(path), base_dir=p.parent)


def load_document(doc: Any, *, base_dir: str | Path | None = None) -> Any:
    """Build a model from a mapping with the model-file schema (no file involved).

    Vector-form models may give ``arrays:`` as a mapping of numpy arrays.
    """
    from .build import build_model

    return build_model(doc, base_dir=Path(base_dir) if base_dir else None)
