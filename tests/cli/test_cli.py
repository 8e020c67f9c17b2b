"""The installed ``dynena`` script: output, JSON, exit codes, one-paragraph errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXE = shutil.which("dynena", path=str(Path(sys.executable).parent)) or "dynena"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    return subprocess.run([EXE, *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=600)


def test_version():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("dynena ")


def test_check_json(models_dir):
    r = run("check", str(models_dir / "lorenz.yaml"), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["model"] == "lorenz" and out["n"] == 3
    assert out["parameters"]["beta"]["exact"] == "8/3"
    assert out["jacobian"]["nonzeros"] == 8
    assert out["jacobian"]["pattern"] == ["xx.", "xxx", "xxx"]


def test_check_set_overrides_parameter(models_dir):
    r = run("check", str(models_dir / "lorenz.yaml"), "--set", "rho=1/2", "--json")
    assert json.loads(r.stdout)["parameters"]["rho"]["exact"] == "1/2"
    r = run("check", str(models_dir / "lorenz.yaml"), "--set", "nope=1")
    assert r.returncode == 2 and "unknown parameter 'nope'" in r.stderr
    assert "Traceback" not in r.stderr


def test_simulate_csv(models_dir, tmp_path):
    csv = tmp_path / "t.csv"
    r = run("simulate", str(models_dir / "double_well.yaml"), "--x0", "x=0.5", "--t-end", "30",
            "--stop-at-equilibrium", "--csv", str(csv))
    assert r.returncode == 0, r.stderr
    lines = csv.read_text().splitlines()
    assert lines[0] == "t,x,y"
    assert abs(float(lines[-1].split(",")[1]) - 1.0) < 1e-6


def test_bad_model_one_paragraph_error(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("dynena: 1\nname: bad\nvariables: [x]\nequations:\n  x: -k*x\n")
    r = run("check", str(p))
    assert r.returncode == 2
    assert r.stdout == ""
    assert f"{p}, line 5" in r.stderr and "'k'" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_equilibria_json(models_dir):
    r = run("equilibria", str(models_dir / "toggle.yaml"), "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert [e["stability"] for e in d["equilibria"]] == ["stable", "stable", "saddle"]
    saddle = d["equilibria"][2]
    assert saddle["state"]["u"] == pytest.approx(saddle["state"]["v"], abs=1e-10)
    # at a = 3, n = 2 the symmetric state solves u^3 + u - 3 = 0
    assert saddle["state"]["u"] ** 3 + saddle["state"]["u"] - 3 == pytest.approx(0, abs=1e-9)


def test_network_json(models_dir):
    r = run("network", str(models_dir / "tristable.yaml"), "--json", "--max-threshold", "2")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["max_threshold"] == 2.0
    assert len(d["edges"]) == 4  # the two jumps at 3 are left out
    assert all(e["threshold"] == pytest.approx(1.0, rel=2e-6) for e in d["edges"])
    assert "dynena:" in r.stderr  # progress goes to stderr, never stdout


def test_network_seed_reaches_the_search_and_the_json(models_dir):
    """``--seed`` is passed to the search (it is recorded in the options) and checked."""
    r = run("network", str(models_dir / "tristable.yaml"), "--json", "--seed", "5")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["options"]["seed"] == 5
    assert all(e["threshold"] == pytest.approx(1.0, rel=2e-6) or
               e["threshold"] == pytest.approx(3.0, rel=2e-6) for e in d["edges"])
    bad = run("network", str(models_dir / "tristable.yaml"), "--seed", "-1")
    assert bad.returncode != 0 and "--seed" in bad.stderr and "Traceback" not in bad.stderr


def test_report_writes_files_and_refuses_to_overwrite(models_dir, tmp_path):
    out = tmp_path / "rep"
    r = run("report", str(models_dir / "double_well.yaml"), "-o", str(out))
    assert r.returncode == 0, r.stderr
    for f in ("results.json", "network.svg", "network.pdf", "report.pdf"):
        assert (out / f).stat().st_size > 0
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    d = json.loads((out / "results.json").read_text())
    assert d["network"]["edges"][0]["threshold"] == pytest.approx(1.0, rel=2e-6)
    assert len(d["equilibria"]["equilibria"]) == 3
    again = run("report", str(models_dir / "double_well.yaml"), "-o", str(out))
    assert again.returncode == 2 and "--overwrite" in again.stderr


def test_flipflop_load_json(models_dir):
    r = run("flipflop", "--load", str(models_dir / "flipflop3.yaml"), "--json",
            "--test-steps", "4000")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["accuracy"] == 1.0
    assert len(d["nodes"]) == 8 and len(d["edges"]) == 24 and len(d["self_loops"]) == 24
    e = d["edges"][0]
    assert set(e) >= {"source", "target", "channel", "sign", "threshold"}
    assert e["channel"] in (0, 1, 2) and e["sign"] in (-1, 1)
    assert sum(s["unstable_dim"] == 1 for s in d["saddles"]) == 12
    assert d["trajectory_q_p90"] < 1e-4


def test_network_merge_pairs_json(models_dir):
    r = run("network", str(models_dir / "cube3.yaml"), "--json", "--merge-pairs",
            "--max-threshold", "1.1", "--no-certify")  # the drawing of pairs, not the search
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout)["merged_pairs"]
    assert len(m["nodes"]) == 4 and len(m["edges"]) == 12  # ± pairs as one node each
    assert all(e["threshold"] == pytest.approx(1.0, rel=2e-6) for e in m["edges"])
    assert all(e["certificate"] is None for e in json.loads(r.stdout)["edges"])


@pytest.mark.parametrize("argv", [["equilibria", "toggle.yaml", "--json"],
                                  ["network", "double_well.yaml", "--json"],
                                  ["continue", "toggle.yaml", "--param", "a", "--json"]])
def test_quiet_leaves_stderr_empty_and_stdout_one_json_object(models_dir, argv):
    argv = [a if not a.endswith(".yaml") else str(models_dir / a) for a in argv]
    loud, quiet = run(*argv), run(*argv, "--quiet")
    assert loud.returncode == quiet.returncode == 0
    assert loud.stderr.strip() and quiet.stderr == ""
    a, b = json.loads(loud.stdout), json.loads(quiet.stdout)
    assert a["model"] == b["model"] and a.keys() == b.keys()
