"""Compiled loops written per model from a template: the model's generated functions become the
loop's globals, so that numba caches the whole loop on disk like the model's own code.

Why generated and not a loop taking the model's functions as arguments: numba cannot cache a
function whose arguments are other compiled functions (measured: a cache miss, and a compile,
in every new process), while a module per model that imports the model's functions as globals
is cached (20-50 ms to load). A template is a module of the package whose block between the
``# header begin`` and ``# header end`` lines holds stubs for the model's functions; the copy
written into the code cache replaces that block. The copy is keyed by the model's code and the
template's text (and by any other file the loop calls into), and checked by its SHA-256 before
it is imported, like every generated module.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from pathlib import Path
from types import ModuleType

from . import cache

__all__ = ["template_source", "load_template", "forget"]

_BEGIN = "# header begin"
_END = "# header end"
_lock = threading.Lock()
_LOADED: dict[str, ModuleType] = {}  # loops imported in this process


@functools.lru_cache(maxsize=128)
def template_source(template: Path, module_name: str, header: str, prefix: str,
                    depends: tuple[Path, ...] = ()) -> tuple[str, str]:
    """The source of ``template`` for the generated model module ``module_name`` (its header
    block replaced by ``header``, which may use ``{module}`` for the module's name), and its
    cache key: ``prefix``, the model's key and a digest of the template and ``depends``."""
    text = template.read_text()
    head, rest = text.split(_BEGIN, 1)
    _, tail = rest.split(_END, 1)
    digest = hashlib.sha256("".join([text, *(p.read_text() for p in depends)]).encode())
    key = f"{prefix}_{module_name.removeprefix('dynena_generated_')}_{digest.hexdigest()[:12]}"
    return head + header.format(module=module_name) + tail, key


def load_template(source: str, key: str) -> ModuleType:
    """The module of a filled template: from the code cache, else written there first."""
    with _lock:
        if key not in _LOADED:
            hit = cache.load_cached(key)
            _LOADED[key] = hit[0] if hit is not None else cache.store(key, source,
                                                                      {"template": key})
        return _LOADED[key]


def forget(key: str) -> ModuleType | None:
    """Drop a loaded loop (it failed to run); returns it so its numba cache can be cleared."""
    with _lock:
        return _LOADED.pop(key, None)
