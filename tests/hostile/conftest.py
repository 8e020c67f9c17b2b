"""Every hostile case runs with its own code cache (the corpus must not trust or poison the
user's) and without progress chatter."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    cache = tmp_path_factory.getbasetemp() / "hostile-cache"
    cache.mkdir(exist_ok=True)
    monkeypatch.setenv("DYNENA_CACHE_DIR", str(cache))
    monkeypatch.setenv("DYNENA_QUIET", "1")
    monkeypatch.delenv("DYNENA_DEBUG", raising=False)
