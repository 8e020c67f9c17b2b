"""Reading model files: safe YAML that remembers line numbers and refuses duplicate keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import ModelError
from ..limits import env_name, limit

__all__ = ["LineDict", "read_yaml", "read_user_file"]


class LineDict(dict):  # type: ignore[type-arg]
    """A dict that remembers the 1-based line of each key (``lines``) and of itself."""

    lines: dict[str, int]
    line: int | None

    def __init__(self) -> None:
        super().__init__()
        self.lines = {}
        self.line = None


class _Loader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML ships no types
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
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node)
        if size > limit("yaml_nodes"):
            raise ModelError(f"the document expands to more than {limit('yaml_nodes')} YAML "
                             "nodes (aliases * repeating anchors &: a 'billion laughs' "
                             f"document?); raise the limit with {env_name('yaml_nodes')}",
                             file=file)
        return loader.construct_document(node)
    except ModelError:
        raise
    except (RecursionError, MemoryError):
        raise ModelError("the YAML document is nested too deeply", file=file) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        msg = f"malformed YAML: {exc.problem or exc.context}"
        raise ModelError(msg, file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise ModelError(f"malformed YAML: {exc}", file=file) from None
    finally:
        loader.dispose()


def _expanded_size(root: yaml.Node) -> int:
    """Number of nodes once every alias is expanded (memoised: a bomb costs its own size)."""
    memo: dict[int, int] = {}
    order: list[yaml.Node] = []
    stack = [root]
    seen: set[int] = set()
    while stack:  # iterative post-order over the (shared) node graph
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(_children(node))
    for node in reversed(order):
        memo[id(node)] = min(1 + sum(memo.get(id(c), 1) for c in _children(node)), 1 << 62)
    return memo[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def read_user_file(p: Path, what: str) -> str:
    """The UTF-8 text of a file the user named, or a located error: missing, a folder, not a
    regular file (a FIFO or a device would block or never end), too large, not UTF-8."""
    if not p.exists():
        raise ModelError(f"no such {what} file", file=str(p))
    if p.is_dir():
        raise ModelError(f"is a directory, not a {what} file", file=str(p))
    if not p.is_file():
        raise ModelError(f"is not a regular file (a pipe or a device?); give a {what} file",
                         file=str(p))
    size = p.stat().st_size
    if size > limit("file_bytes"):
        raise ModelError(f"is {size / 2**20:.1f} MB; {what} files are limited to "
                         f"{limit('file_bytes') / 2**20:.0f} MB (raise it with "
                         f"{env_name('file_bytes')})", file=str(p))
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ModelError(f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                         file=str(p)) from None
