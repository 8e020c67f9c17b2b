"""The README's Python example runs as written."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # a long study: runs in `make test-all`
def test_readme_python_example_runs(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text()
    code = re.search(r"```python\n(.*?)```", text, flags=re.S).group(1)
    shutil.copytree(ROOT / "models", tmp_path / "models")
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(compile(code, "README.md", "exec"), ns)
    assert len(ns["eq"]) == 27 and len(ns["net"].edges) == 56
    assert (tmp_path / "out" / "report.pdf").exists()
    assert [round(sp.p, 8) for sp in ns["br"].special_points("BP")] == [2.0]
