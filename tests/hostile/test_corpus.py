"""The hostile-input corpus (issue 15): every case ends as expected — a clean one-paragraph
error naming the culprit, or a correct answer checked independently — and none ends in an
internal error, a traceback or a hang."""

from __future__ import annotations

from pathlib import Path

import pytest

from .corpus import all_cases
from .harness import run_case, verdict

CASES = all_cases()


def test_corpus_is_broad() -> None:
    assert len(CASES) >= 200
    classes = {c.id.split("/")[0] for c in CASES}
    assert {"expr", "inject", "size", "file", "shape", "vector", "option", "overwrite",
            "numeric"} <= classes
    assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case, tmp_path: Path) -> None:
    outcome = run_case(case, tmp_path)
    problem = verdict(case, outcome, tmp_path)
    assert problem is None, f"{case.id}: {problem}"


def test_debug_still_gives_the_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DYNENA_DEBUG=1 re-raises what would be an internal error."""
    from dynena.cli import options

    monkeypatch.setenv("DYNENA_DEBUG", "1")

    def boom() -> int:
        raise RuntimeError("planted")

    with pytest.raises(RuntimeError, match="planted"):
        options.run_safely(boom)
    monkeypatch.delenv("DYNENA_DEBUG")
    assert options.run_safely(boom) == 3
