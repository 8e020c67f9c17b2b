"""The code cache is verified, never trusted blindly (issue 15)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import dynena

MODEL = {"dynena": 1, "name": "cachecheck", "variables": {"x": {}, "y": {}},
         "parameters": {"a": 2},
         "equations": {"x": "a*x - x**3 + y", "y": "x - y"}}


def _f(x: np.ndarray) -> np.ndarray:
    return np.array([2 * x[0] - x[0] ** 3 + x[1], x[0] - x[1]])


def _fresh(cache: Path) -> tuple[object, Path]:
    import sys

    for k in [k for k in sys.modules if k.startswith("dynena_generated_")]:
        del sys.modules[k]  # another compile in this process must import from disk
    c = dynena.compile_model(dynena.load_document(MODEL))
    py = next(cache.glob("m_cachecheck_*.py"))
    return c, py


@pytest.mark.parametrize("damage", ["drop-line", "empty", "garbage", "edit-number",
                                    "bad-meta", "no-hash"])
def test_damaged_entry_is_regenerated(damage: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNENA_CACHE_DIR", str(tmp_path))
    c, py = _fresh(tmp_path)
    assert not c.stats["cached"]
    meta = py.with_suffix(".json")
    text = py.read_text()
    if damage == "drop-line":
        lines = text.splitlines()
        i = next(k for k, ln in enumerate(lines) if ln.strip().startswith("out["))
        py.write_text("\n".join(lines[:i] + lines[i + 1:]) + "\n")
    elif damage == "empty":
        py.write_text("")
    elif damage == "garbage":
        py.write_text("def f(:\n")
    elif damage == "edit-number":
        py.write_text(text.replace("2", "3"))
    elif damage == "bad-meta":
        meta.write_text("{not json")
    else:
        d = json.loads(meta.read_text())
        d.pop("sha256")
        meta.write_text(json.dumps(d))
    c2, _ = _fresh(tmp_path)
    assert not c2.stats["cached"], "a damaged entry was loaded"
    x = np.array([0.3, -0.7])
    assert np.allclose(c2.f(x), _f(x))
    c3, _ = _fresh(tmp_path)  # the regenerated entry is trusted again
    assert c3.stats["cached"] and np.allclose(c3.f(x), _f(x))


def test_corrupt_numba_index_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DYNENA_CACHE_DIR", str(tmp_path))
    c, py = _fresh(tmp_path)
    x = np.array([0.3, -0.7])
    c.f(x), c.jac(x)
    idx = list(tmp_path.glob("__pycache__/*.nbi"))
    assert idx, "numba wrote no cache beside the generated module"
    for f in idx:
        f.write_bytes(b"\x00garbage")
    for f in tmp_path.glob("__pycache__/*.nbc"):
        f.write_bytes(b"\x00garbage")
    c2, _ = _fresh(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "falling back to plain Python" warning
        assert np.allclose(c2.f(x), _f(x))
        c2.jac(x)
    assert c2.backend == "numba"
