"""No command writes outside the output it was given (issue 15): every file in the working
folder other than the named outputs (and dynena's code cache) is byte-for-byte untouched,
and nothing new appears beside them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from .corpus import BISTABLE, GRAPH
from .harness import Case, run_case


def _snapshot(root: Path, skip: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for p in root.rglob("*"):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and not any(rel == s or rel.startswith(s + "/") for s in skip):
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


COMMANDS = [
    (["simulate", "m.yaml", "--csv", "out/t.csv", "--t-end", "5"], ("out",)),
    (["continue", "m.yaml", "--param", "a", "--plot", "out/d.svg", "--max-points", "50"],
     ("out",)),
    (["report", "m.yaml", "-o", "out", "--no-certify"], ("out",)),
    (["design", "g.dot", "-o", "out/d.yaml"], ("out",)),
    (["export", "m.yaml", "--auto", "out", "--param", "a"], ("out",)),
    (["export", "m.yaml", "--pydstool", "out/m.py"], ("out",)),
    (["check", "m.yaml"], ()),
    (["equilibria", "m.yaml", "--json"], ()),
    (["network", "m.yaml", "--json", "--no-certify"], ()),
]


@pytest.mark.parametrize("argv,outputs", COMMANDS, ids=[c[0][0] + "-" + str(i)
                                                         for i, c in enumerate(COMMANDS)])
def test_writes_only_its_outputs(argv: list[str], outputs: tuple[str, ...], tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "out").mkdir()
    (work / "notes.txt").write_text("mine\n")
    (work / "data.npz").write_bytes(b"user data")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # a write to ~ would show up there
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))
    case = Case("guard", argv, {"m.yaml": BISTABLE, "g.dot": GRAPH}, expect="ok", timeout=120)
    from .harness import _write

    _write(work, case.files)
    before = _snapshot(work, outputs)
    outcome = run_case(Case("guard", argv, {}, expect="ok", timeout=120), work)
    assert outcome.kind == "ok", outcome.stderr[-500:]
    after = _snapshot(work, outputs)
    assert after == before, f"files changed outside {outputs}: " \
        f"{sorted(set(after.items()) ^ set(before.items()))}"
    home = tmp_path / "home"
    assert not home.exists() or not any(home.rglob("*")), list(home.rglob("*"))
