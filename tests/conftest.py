"""Shared fixtures: the example models under models/ are the test fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"


@pytest.fixture(scope="session")
def models_dir() -> Path:
    return MODELS


@pytest.fixture
def write_model(tmp_path: Path):
    """Write a model file from text and return its path."""

    def _write(text: str, name: str = "m.yaml") -> Path:
        p = tmp_path / name
        p.write_text(text)
        return p

    return _write
