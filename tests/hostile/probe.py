"""Run the corpus and print every case whose outcome differs from the expected one."""
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DYNENA_CACHE_DIR", tempfile.mkdtemp())
os.environ["DYNENA_QUIET"] = "1"
from tests.hostile.corpus import all_cases
from tests.hostile.harness import run_case, verdict

sel = sys.argv[1] if len(sys.argv) > 1 else ""
bad = 0; n = 0
for case in all_cases():
    if sel not in case.id: continue
    n += 1
    with tempfile.TemporaryDirectory() as d:
        t = time.time()
        o = run_case(case, Path(d))
        v = verdict(case, o, Path(d))
        dt = time.time() - t
    if v:
        bad += 1
        print(f"FAIL {case.id} [{dt:.1f}s] {o.kind}: {v[:400]}".replace("\n", " | "))
    elif "-v" in sys.argv:
        print(f"ok   {case.id} [{dt:.1f}s] {o.stderr.strip()[-200:]}".replace("\n", " | "))
print(f"{bad} of {n} cases fail")
