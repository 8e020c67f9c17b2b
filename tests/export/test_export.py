"""Exported files for other tools: AUTO-07p (equations with the exact derivatives in C,
constants) and PyDSTool (specification). Running them is tested in tests/continuation."""

from __future__ import annotations


def test_export_files(models_dir, tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    exe = shutil.which("dynena", path=str(Path(sys.executable).parent)) or "dynena"
    r = subprocess.run([exe, "export", str(models_dir / "brusselator.yaml"), "--auto",
                        str(tmp_path), "--param", "b", "--pydstool", str(tmp_path / "b.py")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    src = (tmp_path / "brusselator.c").read_text()
    assert "dfdu[" in src and "dfdp[" in src and "int stpnt" in src
    const = (tmp_path / "c.brusselator").read_text()
    assert "ICP = [2]" in const and "JAC = 1" in const
    spec = (tmp_path / "b.py").read_text()
    assert "varspecs" in spec and "Jacobian" in spec and "x^2*y" in spec
