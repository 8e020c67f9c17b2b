"""Run every benchmark (``make bench``). Each prints ratios measured side by side."""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
here = Path(__file__).resolve().parent
sys.path.insert(0, str(here))
os.chdir(here)  # the benchmarks name the example models as ../models/...
names = sys.argv[1:] or ["codegen", "equilibria", "oracle", "network", "hard", "flipflop", "continuation",
                         "sweep", "rnn", "large"]
for name in names:
    path = here / f"bench_{name}.py"
    if not path.exists():
        continue
    print(f"== bench_{name}", flush=True)
    runpy.run_path(str(path), run_name="__main__")
