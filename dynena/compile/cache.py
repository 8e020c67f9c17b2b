"""On-disk cache of generated code, keyed by a hash of the model's mathematics.

A second run of the same model skips differentiation and code generation: it imports the
module written the first time (and numba finds its own compiled cache beside it).
The folder is ``$DYNENA_CACHE_DIR`` or ``~/.cache/dynena``.

Nothing in the cache is trusted blindly: the metadata holds the SHA-256 of the module's
text, and a module whose text does not match (edited, truncated, emptied) is deleted and
regenerated, never imported.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["cache_dir", "load_cached", "store", "clear_numba_cache"]


def cache_dir() -> Path:
    d = Path(os.environ.get("DYNENA_CACHE_DIR") or Path.home() / ".cache" / "dynena")
    d.mkdir(parents=True, exist_ok=True)
    return d


def _import(path: Path, key: str) -> ModuleType:
    modname = f"dynena_generated_{key}"
    if modname in sys.modules:
        return sys.modules[modname]
    spec = importlib.util.spec_from_file_location(modname, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    sys.modules[modname] = mod
    return mod


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def load_cached(key: str) -> tuple[ModuleType, dict[str, Any]] | None:
    """The cached module and its metadata, or None when absent, unreadable or altered."""
    d = cache_dir()
    py, meta_path = d / f"m_{key}.py", d / f"m_{key}.json"
    if not (py.exists() and meta_path.exists()):
        return None
    try:
        meta = json.loads(meta_path.read_text())
        if not isinstance(meta, dict) or meta.get("sha256") != _digest(py.read_text()):
            raise ValueError("content does not match its hash")
        return _import(py, key), meta
    except Exception:  # a damaged entry is removed and regenerated, never trusted
        sys.modules.pop(f"dynena_generated_{key}", None)
        for stale in (py, meta_path, *d.glob(f"__pycache__/m_{key}.*")):
            stale.unlink(missing_ok=True)
        return None


def clear_numba_cache(module: ModuleType) -> None:
    """Delete numba's compiled cache of a generated module (after it failed to load)."""
    path = getattr(module, "__file__", None)
    if path:
        stem = Path(path).stem
        for f in Path(path).parent.glob(f"__pycache__/{stem}.*.nb[ic]"):
            f.unlink(missing_ok=True)


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp_", suffix=path.suffix)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def store(key: str, source: str, meta: dict[str, Any], *, persist: bool = True
          ) -> ModuleType:
    """Write (when ``persist``) and import a generated module."""
    if persist:
        d = cache_dir()
        py = d / f"m_{key}.py"
        _atomic_write(py, source)
        _atomic_write(d / f"m_{key}.json", json.dumps({**meta, "sha256": _digest(source)}))
        return _import(py, key)
    mod = ModuleType(f"dynena_generated_{key}")
    exec(compile(source, f"<dynena generated {key}>", "exec"), mod.__dict__)
    return mod
