"""Every docstring example (``>>>``) in the package runs and prints what it says, and every
public entry point has one."""

from __future__ import annotations

import doctest
import importlib
import inspect
from pathlib import Path

import pytest

import dynena

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(
    ".".join(f.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for f in (ROOT / "dynena").rglob("*.py") if ">>> " in f.read_text())


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch):
    monkeypatch.chdir(ROOT)  # examples name files under models/
    mod = importlib.import_module(name)
    res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                          report=True)
    assert res.attempted > 0 and res.failed == 0


def test_every_public_function_has_an_example():
    missing = [n for n in dynena.__all__ if inspect.isfunction(obj := getattr(dynena, n))
               and ">>> " not in (obj.__doc__ or "")]
    assert missing == []
