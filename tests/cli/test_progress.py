"""Progress goes to stderr: a bar on a terminal (a real pseudo-terminal here), plain lines on a
pipe, nothing with --quiet; stdout stays one JSON object in every case."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dynena.cli.progress import CliProgress
from dynena.progress import step

EXE = shutil.which("dynena", path=str(Path(sys.executable).parent)) or "dynena"
ENV = dict(os.environ, OPENBLAS_NUM_THREADS="1")
ENV.pop("DYNENA_QUIET", None)


def _nodes_done(text: str) -> bool:
    return "thresholds: nodes done" in text


def test_plain_lines_on_a_pipe_and_clean_json(models_dir):
    r = subprocess.run([EXE, "network", str(models_dir / "tristable.yaml"), "--json"],
                       capture_output=True, text=True, env=ENV, timeout=600)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert len(d["nodes"]) == 3
    lines = r.stderr.splitlines()
    assert all(line.startswith("dynena: ") for line in lines)
    assert "dynena: thresholds: nodes done 3/3" in lines
    assert "dynena: equilibria: search steps done 8/8" in lines
    assert "\r" not in r.stderr  # no bar on a pipe


def test_quiet_silences_progress(models_dir):
    r = subprocess.run([EXE, "network", str(models_dir / "double_well.yaml"), "--json", "-q"],
                       capture_output=True, text=True, env=ENV, timeout=600)
    assert r.returncode == 0 and r.stderr == ""
    json.loads(r.stdout)


def test_a_bar_on_a_terminal(models_dir, tmp_path):
    """stderr on a pseudo-terminal: tqdm draws a bar (carriage returns, a percentage);
    stdout, a file here (a pipe nobody reads while we read the terminal would fill up and
    block), still holds exactly one JSON object."""
    master, slave = pty.openpty()
    with open(tmp_path / "out.json", "wb") as out:
        p = subprocess.Popen([EXE, "network", str(models_dir / "tristable.yaml"), "--json"],
                             stdout=out, stderr=slave, env=ENV)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        assert p.wait(timeout=600) == 0
    os.close(master)
    tty = b"".join(chunks).decode("utf-8", "replace")
    assert "\r" in tty and "100%" in tty and "3/3" in tty and _nodes_done(tty)
    assert len(json.loads((tmp_path / "out.json").read_text())["nodes"]) == 3


def test_plain_lines_are_throttled_first_and_last_always(capsys):
    p = CliProgress(interval=3600.0)
    for k in range(101):
        p.step("work", k, 100, "0 failed")
    err = capsys.readouterr().err.splitlines()
    assert err == ["dynena: work 0/100 (0 failed)", "dynena: work 100/100 (0 failed)"]


def test_plain_callables_get_messages():
    got: list[str] = []
    step(got.append, "sweep: points done", 3, 8, "1 failed")
    assert got == ["sweep: points done 3/8 (1 failed)"]


@pytest.mark.parametrize("quiet", ["1"])
def test_quiet_environment(capsys, monkeypatch, quiet):
    monkeypatch.setenv("DYNENA_QUIET", quiet)
    p = CliProgress()
    p("hello")
    p.step("work", 1, 2)
    assert capsys.readouterr().err == ""
