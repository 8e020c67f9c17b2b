"""``dynena check MODEL``: validate a model file and summarise it."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .options import add_model_args, emit_json, load_model_from_args


def register(sub: Any) -> None:
    p = sub.add_parser("check", help="validate a model file and summarise it")
    add_model_args(p)
    p.set_defaults(func=run)


from ..model.values import format_value as exact_text
from ..model.vector import VectorModel


def summary(model: Any) -> dict[str, Any]:
    """Everything ``check`` reports, as a JSON-able dict."""
    from ..compile import compile_model

    c = compile_model(model)
    x = np.zeros(c.n)
    for k, name in enumerate(c.names):
        r = model.ranges.get(name)
        if r:
            x[k] = 0.5 * (r[0] + r[1]) + 0.1234 * (r[1] - r[0])
    J = c.jac(x + 0.0137)  # a generic point: structural zeros stay zero
    nnz = int(np.count_nonzero(J))
    out: dict[str, Any] = {
        "model": model.name, "title": model.title, "kind": model.kind, "source": model.source,
        "n": c.n,
        "variables": [{"name": v, "range": list(model.ranges.get(v, []))
                       or None} for v in model.variables] if not isinstance(model, VectorModel) else
        [{"name": b, "size": s} for b, s in model.blocks],
        "parameters": {k: {"value": float(v), "exact": exact_text(v)}
                       for k, v in model.parameters.items()},
        "inputs": list(model.inputs),
        "equations": dict(model.texts),
        "definitions": {k: str(v) for k, v in model.definitions.items()},
        "directions": dict(model.directions),
        "states": dict(model.states),
        "jacobian": {"nonzeros": nnz, "density": nnz / c.n**2,
                     "structure": "structured (diag + matrix products)" if isinstance(model, VectorModel)
                     else "sparse symbolic"},
        "codegen": {k: c.stats[k] for k in ("cached", "derive_s", "generate_s", "lines")},
    }
    if c.n <= 12 and not isinstance(model, VectorModel):
        out["jacobian"]["pattern"] = ["".join("x" if J[i, j] != 0 else "." for j in range(c.n))
                                      for i in range(c.n)]
        out["jacobian"]["symbolic"] = [[str(e) for e in row] for row in model.jacobian().tolist()]
    return out


def run(args: argparse.Namespace) -> int:
    model = load_model_from_args(args)
    s = summary(model)
    if args.json:
        emit_json(s)
        return 0
    print(f"{s['model']}: {s['title'] or '(no title)'}")
    print(f"  kind: {s['kind']}, {s['n']} state variable(s)")
    for v in s["variables"][:20]:
        extra = f" range {v['range']}" if v.get("range") else (f" size {v['size']}" if "size" in v else "")
        print(f"  variable {v['name']}{extra}")
    for k, v in s["parameters"].items():
        print(f"  parameter {k} = {v['exact']}")
    if s["inputs"]:
        print(f"  inputs: {', '.join(s['inputs'][:10])}{' ...' if len(s['inputs']) > 10 else ''}")
    for k, e in s["definitions"].items():
        print(f"  definition {k} = {e if len(e) < 100 else e[:97] + '...'}")
    if s["states"]:
        print(f"  named states: {', '.join(s['states'])}")
    if s["directions"]:
        print(f"  named directions: {', '.join(list(s['directions'])[:12])}"
              f"{' ...' if len(s['directions']) > 12 else ''}")
    for k, e in s["equations"].items():
        print(f"  {'d' + k + '/dt' if s['kind'] == 'ode' else k + '[n+1]'} = {e}")
    j = s["jacobian"]
    print(f"  Jacobian: {j['nonzeros']} non-zeros ({100 * j['density']:.1f}%), {j['structure']}")
    for row in j.get("pattern", []):
        print(f"    {row}")
    cg = s["codegen"]
    print(f"  code: {'cached' if cg['cached'] else 'generated'} "
          f"(derive {cg['derive_s']:.3f} s, generate {cg['generate_s']:.3f} s)")
    print("  ok")
    return 0
