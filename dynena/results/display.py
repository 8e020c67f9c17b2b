"""Renderers that results call to show themselves (``net.draw()``, notebook displays).

Drawing lives in the reporter, above the results layer, so results never import it: ``import
dynena`` registers the reporter's functions here by name, and a result asks for them when it is
displayed.

>>> register_renderer("echo", lambda obj: f"<{obj}>")
>>> renderer("echo")(1)
'<1>'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["register_renderer", "renderer"]

_RENDERERS: dict[str, Callable[..., Any]] = {}


def register_renderer(name: str, fn: Callable[..., Any]) -> None:
    """Install ``fn`` as the renderer ``name`` (``"network"``: result → Graphviz object;
    ``"bifurcation"``: continuation result → SVG text)."""
    _RENDERERS[name] = fn


def renderer(name: str) -> Callable[..., Any]:
    """The renderer ``name``; a clear error when none is registered."""
    try:
        return _RENDERERS[name]
    except KeyError:
        raise RuntimeError(f"no {name!r} renderer is registered: import dynena (it registers "
                           "the reporter's drawings)") from None
