"""The hostile-input corpus: malformed, extreme and adversarial inputs with expected outcomes.

Each class of issue 15 is covered broadly. A case either expects a clean error (exit 2, one
paragraph, naming the key or option and the culprit) or a correct, labelled result that a
``check`` verifies against an answer computed independently of dynena.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .harness import Case

HEAD = "dynena: 1\nname: m\n"


def scalar(eq_x: str, *, eq_y: str = "-y", params: str = "a: 1", extra: str = "",
           kind: str = "ode") -> str:
    """A two-variable model whose x equation is the case."""
    return (f"{HEAD}kind: {kind}\nvariables: {{x: {{}}, y: {{}}}}\nparameters: {{{params}}}\n"
            f"{extra}equations:\n  x: {json.dumps(eq_x)}\n  y: {json.dumps(eq_y)}\n")


def check_model(text: str, *argv: str) -> list[str]:
    return ["check", "m.yaml", *argv]


def _json(stdout: str) -> dict:
    return json.loads(stdout)


# --- 1. expressions that must not reach generated code --------------------------------------
BAD_CONSTANT_EXPRESSIONS = {
    "div-zero-const": ("1/0", ["equations.x", "division by zero"]),
    "div-zero-var": ("x/0", ["equations.x", "division by zero"]),
    "zero-over-zero": ("0/0", ["equations.x"]),
    "div-zero-expr": ("x/(a - a)", ["equations.x", "division by zero"]),
    "div-zero-in-sum": ("x + y/(2 - 2)", ["equations.x"]),
    "pow-neg-zero": ("0**(-1)", ["equations.x"]),
    "log-zero": ("log(0)", ["equations.x"]),
    "log-neg": ("log(-1)", ["equations.x", "complex"]),
    "log-neg-times-x": ("x*log(-2)", ["equations.x", "complex"]),
    "sqrt-neg": ("sqrt(-2)", ["equations.x", "complex"]),
    "sqrt-neg-param": ("sqrt(-a)", ["equations.x", "complex"]),
    "cube-root-neg": ("(-8)**(1/3)", ["equations.x", "complex"]),
    "half-power-neg": ("(-1)**0.5", ["equations.x", "complex"]),
    "acos-2": ("acos(2)", ["equations.x", "complex"]),
    "asin-3": ("asin(-3)*x", ["equations.x", "complex"]),
    "float-overflow": ("1e999", ["equations.x", "double"]),
    "float-overflow-neg": ("x - 1e400", ["equations.x", "double"]),
    "exp-overflow": ("exp(1000)*x", ["equations.x", "double"]),
    "int-overflow": ("10**400*x", ["equations.x", "double"]),
    "tan-pi-half": ("tan(pi/2)", ["equations.x"]),
    "atan2-zero": ("atan2(0, 0)", ["equations.x"]),
    "oo-via-log": ("x*log(0)", ["equations.x"]),
    "nan-literal-name": ("nan", ["equations.x", "nan"]),
    "inf-name": ("inf", ["equations.x", "inf"]),
    "oo-name": ("oo", ["equations.x", "oo"]),
    "zoo-name": ("zoo", ["equations.x", "zoo"]),
    "I-name": ("I*x", ["equations.x", "I"]),
    "complex-literal": ("1j*x", ["equations.x"]),
    "string-literal": ("'abc'", ["equations.x"]),
    "bytes-literal": ("b'x'", ["equations.x"]),
    "true-literal": ("True", ["equations.x"]),
    "none-literal": ("None", ["equations.x"]),
    "ellipsis": ("...", ["equations.x"]),
}

INJECTIONS = {
    "dunder-import": "__import__('os').system('echo pwned')",
    "eval": "eval('1')",
    "exec": "exec('x=1')",
    "attribute": "x.__class__",
    "attribute-func": "sp.exp(x)",
    "subscript": "x[0]",
    "lambda": "(lambda q: q)(x)",
    "comprehension": "[q for q in (1, 2)]",
    "walrus": "(z := 1)",
    "call-kwargs": "exp(x=1)",
    "call-star": "exp(*[x])",
    "fstring": "f'{x}'",
    "compare": "x < y",
    "boolop": "x and y",
    "ifexp": "x if y else 1",
    "tuple": "(x, y)",
    "list": "[x]",
    "dict": "{1: x}",
    "set": "{x}",
    "bitand": "x & y",
    "bitor": "x | y",
    "shift": "x << 2",
    "floordiv": "x // 2",
    "mod": "x % 2",
    "invert": "~x",
    "not": "not x",
    "open": "open('/etc/passwd')",
    "getattr": "getattr(x, 'y')",
    "globals": "globals()",
    "sympify-escape": "Symbol('x')",
    "newline-statement": "x\nimport os",
    "semicolon": "x; import os",
    "unknown-function": "foo(x)",
    "unknown-symbol": "x + q",
    "call-number": "2(x)",
    "call-param": "a(x)",
    "yield": "(yield x)",
    "await": "await x",
    "starred": "*x",
    "slice": "x[1:2]",
}

NONSMOOTH_OK = {
    # Non-smooth right-hand sides are a documented treatment: the Jacobian is the derivative
    # almost everywhere (sign for Abs, a step for Max/Min, 0 for sign); see docs/model-format.
    "abs": ("-Abs(x) + 1", "x: -Abs(x)+1 has equilibria x = ±1"),
    "max": ("Max(x, 0) - x/2 - 1", "equilibria x = 2 and x = -2"),
    "min": ("-Min(x, 1) - x + 3", "equilibria x = 2"),
    "sign": ("sign(x) - x", "equilibria x = -1, 0 (sign(0) = 0) and 1"),
}


def _equilibria_at(expected_x: list[float]) -> "object":
    def check(stdout: str, folder: Path) -> None:
        data = _json(stdout)
        xs = sorted(round(e["state"]["x"], 6) for e in data["equilibria"])
        assert xs == sorted(expected_x), f"equilibria x = {xs}, expected {expected_x}"
        assert all(abs(e["state"]["y"]) < 1e-9 for e in data["equilibria"])
    return check


NONSMOOTH_ROOTS = {"abs": [-1.0, 1.0], "max": [-2.0, 2.0], "min": [2.0], "sign": [-1.0, 0.0, 1.0]}


def expression_cases() -> list[Case]:
    cases = []
    for cid, (expr, frags) in BAD_CONSTANT_EXPRESSIONS.items():
        cases.append(Case(f"expr/{cid}", ["check", "m.yaml"], {"m.yaml": scalar(expr)},
                          fragments=("m.yaml", *frags)))
    for cid, expr in INJECTIONS.items():
        cases.append(Case(f"inject/{cid}", ["check", "m.yaml"], {"m.yaml": scalar(expr)},
                          fragments=("m.yaml", "equations.x")))
    # the same bad constants in a definition, a helper function, a parameter value
    for cid in ("div-zero-const", "log-neg", "float-overflow", "sqrt-neg"):
        expr, frags = BAD_CONSTANT_EXPRESSIONS[cid]
        text = (f"{HEAD}variables: {{x: {{}}}}\ndefinitions:\n  d: {json.dumps(expr)}\n"
                "equations:\n  x: d - x\n")
        cases.append(Case(f"expr-def/{cid}", ["check", "m.yaml"], {"m.yaml": text},
                          fragments=("m.yaml", "definitions.d")))
        text = (f"{HEAD}variables: {{x: {{}}}}\nfunctions:\n  g(z): {json.dumps(expr)}\n"
                "equations:\n  x: g(x) - x\n")
        cases.append(Case(f"expr-fun/{cid}", ["check", "m.yaml"], {"m.yaml": text},
                          fragments=("m.yaml", "functions.g")))
        text = (f"{HEAD}variables: {{x: {{}}}}\nparameters:\n  a: {json.dumps(expr)}\n"
                "equations:\n  x: a - x\n")
        cases.append(Case(f"expr-param/{cid}", ["check", "m.yaml"], {"m.yaml": text},
                          fragments=("m.yaml", "parameters.a")))
        cases.append(Case(f"expr-set/{cid}", ["check", "m.yaml", "--set", f"a={expr}"],
                          {"m.yaml": scalar("a - x")}, fragments=("--set", "a")))
    for cid, (expr, _) in NONSMOOTH_OK.items():
        cases.append(Case(f"nonsmooth/{cid}", ["equilibria", "m.yaml", "--json"],
                          {"m.yaml": scalar(expr, extra="") .replace(
                              "variables: {x: {}, y: {}}",
                              "variables: {x: {range: [-4, 4]}, y: {range: [-1, 1]}}")},
                          expect="ok", check=_equilibria_at(NONSMOOTH_ROOTS[cid])))
    return cases


# --- 2. size and depth -----------------------------------------------------------------------
def size_cases() -> list[Case]:
    cases = [
        Case("size/many-terms", ["check", "m.yaml"],
             {"m.yaml": scalar(" + ".join(f"{k}*x**2" for k in range(3000)) + " - x")},
             expect="ok", timeout=60),
        Case("size/unary-chain", ["check", "m.yaml"], {"m.yaml": scalar("-" * 5000 + "x")},
             fragments=("equations.x", "nest")),
        Case("size/paren-nesting", ["check", "m.yaml"],
             {"m.yaml": scalar("(" * 3000 + "x" + ")" * 3000)}, fragments=("equations.x",)),
        Case("size/call-nesting", ["check", "m.yaml"],
             {"m.yaml": scalar("sin(" * 2000 + "x" + ")" * 2000)},
             fragments=("equations.x", "nest")),
        Case("size/power-tower-int", ["check", "m.yaml"],
             {"m.yaml": scalar("2**2**2**2**2**2*x")}, fragments=("equations.x",)),
        Case("size/power-tower-9", ["check", "m.yaml"],
             {"m.yaml": scalar("9**9**9*x")}, fragments=("equations.x",)),
        Case("size/power-huge-exp", ["check", "m.yaml"],
             {"m.yaml": scalar("x**100000000")}, fragments=("equations.x", "exponent")),
        Case("size/power-param-tower", ["check", "m.yaml"],
             {"m.yaml": scalar("x*a**a**a**a**a**a", params="a: 9")}, fragments=("equations.x",)),
        Case("size/factorial-like", ["check", "m.yaml"],
             {"m.yaml": scalar("(x + 1)**5000 - 1")}, fragments=("equations.x", "exponent")),
        Case("size/long-expression-text", ["check", "m.yaml"],
             {"m.yaml": scalar("x" + "+x" * 200_000)}, fragments=("equations.x", "long")),
        Case("size/many-variables", ["check", "m.yaml"],
             {"m.yaml": HEAD + "variables: {" + ", ".join(f"v{k}: {{}}" for k in range(3000))
              + "}\nequations:\n" + "".join(f"  v{k}: -v{k}\n" for k in range(3000))},
             fragments=("variables", "3000")),
        Case("size/huge-int-literal", ["check", "m.yaml"],
             {"m.yaml": scalar("x*" + "9" * 5000)}, fragments=("equations.x",)),
        Case("size/deep-yaml", ["check", "m.yaml"],
             {"m.yaml": HEAD + "title: " + "[" * 5000 + "]" * 5000 + "\n"
              "variables: {x: {}}\nequations: {x: -x}\n"}, fragments=("m.yaml",)),
        Case("size/file-too-large", ["check", "m.yaml"],
             {"m.yaml": HEAD + "# " + "x" * (11 * 2**20) + "\nvariables: {x: {}}\n"
              "equations: {x: -x}\n"}, fragments=("m.yaml", "MB")),
        Case("size/vector-1e12", ["check", "m.yaml"],
             {"m.yaml": HEAD + "arrays: {}\nvariables: {x: {size: 1000000000000}}\n"
              "equations:\n  x: -x\n"}, fragments=("variables.x", "size")),
        Case("size/vector-negative", ["check", "m.yaml"],
             {"m.yaml": HEAD + "arrays: {}\nvariables: {x: {size: -3}}\nequations:\n  x: -x\n"},
             fragments=("variables.x", "size")),
        Case("size/vector-zero", ["check", "m.yaml"],
             {"m.yaml": HEAD + "arrays: {}\nvariables: {x: {size: 0}}\nequations:\n  x: -x\n"},
             fragments=("variables.x", "size")),
        Case("size/vector-float", ["check", "m.yaml"],
             {"m.yaml": HEAD + "arrays: {}\nvariables: {x: {size: 2.5}}\nequations:\n  x: -x\n"},
             fragments=("variables.x", "size")),
        Case("size/vector-string", ["check", "m.yaml"],
             {"m.yaml": HEAD + "arrays: {}\nvariables: {x: {size: ten}}\nequations:\n  x: -x\n"},
             fragments=("variables.x", "size")),
    ]
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    prev = "a"
    for k in range(9):
        nxt = chr(ord("b") + k)
        bomb += f"{nxt}: &{nxt} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
        prev = nxt
    cases.append(Case("size/billion-laughs", ["check", "m.yaml"],
                      {"m.yaml": HEAD + "description:\n" + "".join(
                          "  " + ln + "\n" for ln in bomb.splitlines())
                       + "variables: {x: {}}\nequations: {x: -x}\n"},
                      fragments=("m.yaml", "alias"), timeout=20))
    cases.append(Case("size/billion-laughs-title", ["check", "m.yaml"],
                      {"m.yaml": HEAD + bomb.replace("a: &a", "zz: &a").replace(
                          f"{prev}: &{prev}", f"title: &{prev}")
                       + "variables: {x: {}}\nequations: {x: -x}\n"},
                      fragments=("m.yaml",), timeout=20))
    cases.append(Case("size/alias-in-equation", ["check", "m.yaml"],
                      {"m.yaml": HEAD + "variables: {x: &v {}}\nequations: {x: *v}\n"},
                      fragments=("m.yaml", "equations.x")))
    return cases


def _fifo(p: Path) -> None:
    import os
    os.mkfifo(p)


def file_cases() -> list[Case]:
    vec = (HEAD + "arrays: {arrays}\nvariables: {{x: {{size: 2}}}}\n"
           "equations:\n  x: tanh(W@x)\n")
    ok_arrays = {"W": np.eye(2) * 0.5}
    cases = [
        Case("file/missing", ["check", "nothere.yaml"], fragments=("nothere.yaml", "no such")),
        Case("file/directory", ["check", "d"], {"d/x.txt": "x"}, fragments=("directory",)),
        Case("file/fifo", ["check", "f.yaml"], {"f.yaml": _fifo}, fragments=("f.yaml", "regular"),
             timeout=10),
        Case("file/dev-zero", ["check", "/dev/zero"], fragments=("/dev/zero", "regular"),
             timeout=10),
        Case("file/binary", ["check", "m.yaml"], {"m.yaml": b"\x00\xff\xfe" * 100},
             fragments=("m.yaml",)),
        Case("file/not-utf8", ["check", "m.yaml"], {"m.yaml": b"name: \xe9\n"},
             fragments=("m.yaml", "UTF-8")),
        Case("file/empty", ["check", "m.yaml"], {"m.yaml": ""}, fragments=("m.yaml",)),
        Case("file/yaml-list", ["check", "m.yaml"], {"m.yaml": "- a\n- b\n"},
             fragments=("m.yaml", "mapping")),
        Case("file/yaml-scalar", ["check", "m.yaml"], {"m.yaml": "42\n"},
             fragments=("m.yaml", "mapping")),
        Case("file/yaml-syntax", ["check", "m.yaml"], {"m.yaml": "a: [1, 2\n"},
             fragments=("m.yaml", "line")),
        Case("file/yaml-multidoc", ["check", "m.yaml"], {"m.yaml": "a: 1\n---\nb: 2\n"},
             fragments=("m.yaml",)),
        Case("file/yaml-python-tag", ["check", "m.yaml"],
             {"m.yaml": HEAD + "title: !!python/object/apply:os.system ['echo pwned']\n"
              "variables: {x: {}}\nequations: {x: -x}\n"}, fragments=("m.yaml",)),
        Case("file/yaml-duplicate-key", ["check", "m.yaml"],
             {"m.yaml": HEAD + "variables: {x: {}}\nequations: {x: -x}\nequations: {x: x}\n"},
             fragments=("m.yaml", "duplicate", "line")),
        Case("file/arrays-parent", ["check", "sub/m.yaml"],
             {"secret.npz": ok_arrays, "sub/m.yaml": vec.format(arrays="../secret.npz")},
             fragments=("arrays", "outside")),
        Case("file/arrays-absolute", ["check", "m.yaml"],
             {"m.yaml": vec.format(arrays="/tmp/anything.npz")}, fragments=("arrays", "outside")),
        Case("file/arrays-home", ["check", "m.yaml"],
             {"m.yaml": vec.format(arrays="~/x.npz")}, fragments=("arrays",)),
        Case("file/arrays-missing", ["check", "m.yaml"],
             {"m.yaml": vec.format(arrays="w.npz")}, fragments=("arrays", "w.npz")),
        Case("file/arrays-not-npz", ["check", "m.yaml"],
             {"m.yaml": vec.format(arrays="w.npz"), "w.npz": "not a zip"},
             fragments=("arrays", "w.npz")),
        Case("file/arrays-pickle", ["check", "m.yaml"],
             {"m.yaml": vec.format(arrays="w.npz"),
              "w.npz": {"W": np.array([{"a": 1}, None], dtype=object)}},
             fragments=("arrays", "W")),
        Case("file/arrays-symlink-out", ["check", "m.yaml"],
             {"m.yaml": vec.format(arrays="link.npz"),
              "link.npz": lambda p: p.symlink_to("/etc/hostname")},
             fragments=("arrays", "outside")),
        Case("file/arrays-ok", ["check", "m.yaml", "--json"],
             {"m.yaml": vec.format(arrays="w.npz"), "w.npz": ok_arrays}, expect="ok"),
        Case("file/arrays-complex", ["check", "m.yaml"],
             {"m.yaml": vec.format(arrays="w.npz"), "w.npz": {"W": np.eye(2) * (1 + 1j)}},
             fragments=("W", "complex")),
        Case("file/arrays-3d", ["check", "m.yaml"],
             {"m.yaml": vec.format(arrays="w.npz"), "w.npz": {"W": np.zeros((2, 2, 2))}},
             fragments=("W", "3")),
        Case("file/arrays-nan", ["check", "m.yaml"],
             {"m.yaml": vec.format(arrays="w.npz"), "w.npz": {"W": np.full((2, 2), np.nan)}},
             fragments=("W", "finite")),
        Case("file/arrays-wrong-shape", ["check", "m.yaml"],
             {"m.yaml": vec.format(arrays="w.npz"), "w.npz": {"W": np.eye(3)}},
             fragments=("W",)),
        Case("file/arrays-string-dtype", ["check", "m.yaml"],
             {"m.yaml": vec.format(arrays="w.npz"), "w.npz": {"W": np.array([["a", "b"],
                                                                             ["c", "d"]])}},
             fragments=("W",)),
        Case("file/arrays-bool", ["check", "m.yaml", "--json"],
             {"m.yaml": vec.format(arrays="w.npz"), "w.npz": {"W": np.eye(2, dtype=bool)}},
             expect="ok"),
        Case("file/arrays-inline-ragged", ["check", "m.yaml"],
             {"m.yaml": vec.format(arrays="{W: [[1, 2], [3]]}")}, fragments=("W",)),
        Case("file/arrays-inline-ok", ["check", "m.yaml", "--json"],
             {"m.yaml": vec.format(arrays="{W: [[0.5, 0], [0, 0.5]]}")}, expect="ok"),
        Case("file/arrays-inline-str", ["check", "m.yaml"],
             {"m.yaml": vec.format(arrays="{W: [[a, b], [c, d]]}")}, fragments=("W",)),
        Case("file/arrays-inline-3d", ["check", "m.yaml"],
             {"m.yaml": vec.format(arrays="{W: [[[1]]]}")}, fragments=("W",)),
        Case("file/arrays-list", ["check", "m.yaml"],
             {"m.yaml": vec.format(arrays="[1, 2]")}, fragments=("arrays",)),
        Case("file/arrays-huge-inline", ["check", "m.yaml"],
             {"m.yaml": vec.format(arrays="{W: [" + ", ".join(["[0.5, 0]"] * 3) + "]}")},
             fragments=("W",)),
    ]
    return cases


# --- 3. shapes and types in model files ------------------------------------------------------
def _shape_docs() -> dict[str, tuple[str, tuple[str, ...]]]:
    return {
        "variables-int": ("variables: 3\nequations: {x: -x}\n", ("variables",)),
        "variables-str": ("variables: x\nequations: {x: -x}\n", ("variables",)),
        "variables-empty": ("variables: {}\nequations: {x: -x}\n", ("variables",)),
        "variables-list-dicts": ("variables: [{x: 1}]\nequations: {x: -x}\n", ("variables",)),
        "variables-list-nested": ("variables: [[x]]\nequations: {x: -x}\n", ("variables",)),
        "variables-spec-list": ("variables: {x: [1, 2]}\nequations: {x: -x}\n", ("variables.x",)),
        "variables-unknown-key": ("variables: {x: {rnage: [0, 1]}}\nequations: {x: -x}\n",
                                  ("variables.x", "rnage")),
        "range-one": ("variables: {x: {range: [1]}}\nequations: {x: -x}\n", ("variables.x",)),
        "range-reversed": ("variables: {x: {range: [1, 0]}}\nequations: {x: -x}\n",
                           ("variables.x",)),
        "range-inf": ("variables: {x: {range: [0, .inf]}}\nequations: {x: -x}\n",
                      ("variables.x",)),
        "range-nan": ("variables: {x: {range: [.nan, 1]}}\nequations: {x: -x}\n",
                      ("variables.x",)),
        "range-str": ("variables: {x: {range: [a, b]}}\nequations: {x: -x}\n", ("variables.x",)),
        "range-complex": ("variables: {x: {range: [sqrt(-1), 1]}}\nequations: {x: -x}\n",
                          ("variables.x",)),
        "range-scalar": ("variables: {x: {range: 5}}\nequations: {x: -x}\n", ("variables.x",)),
        "parameters-list": ("variables: {x: {}}\nparameters: [a, b]\nequations: {x: -x}\n",
                            ("parameters",)),
        "parameters-int": ("variables: {x: {}}\nparameters: 1\nequations: {x: -x}\n",
                           ("parameters",)),
        "param-unknown-key": ("variables: {x: {}}\nparameters: {a: {value: 1, vlaue: 2}}\n"
                              "equations: {x: -a*x}\n", ("parameters.a", "vlaue")),
        "param-no-value": ("variables: {x: {}}\nparameters: {a: {range: [0, 1]}}\n"
                           "equations: {x: -a*x}\n", ("parameters.a", "value")),
        "param-list-value": ("variables: {x: {}}\nparameters: {a: [1, 2]}\n"
                             "equations: {x: -a*x}\n", ("parameters.a",)),
        "param-null": ("variables: {x: {}}\nparameters: {a: null}\nequations: {x: -a*x}\n",
                       ("parameters.a",)),
        "param-bool": ("variables: {x: {}}\nparameters: {a: true}\nequations: {x: -a*x}\n",
                       ("parameters.a",)),
        "param-inf": ("variables: {x: {}}\nparameters: {a: .inf}\nequations: {x: -a*x}\n",
                      ("parameters.a",)),
        "param-nan": ("variables: {x: {}}\nparameters: {a: .nan}\nequations: {x: -a*x}\n",
                      ("parameters.a",)),
        "param-uses-variable": ("variables: {x: {}}\nparameters: {a: x}\n"
                                "equations: {x: -a*x}\n", ("parameters.a",)),
        "param-uses-param": ("variables: {x: {}}\nparameters: {a: 1, b: a}\n"
                             "equations: {x: -b*x}\n", ("parameters.b",)),
        "param-complex": ("variables: {x: {}}\nparameters: {a: sqrt(-2)}\n"
                          "equations: {x: -a*x}\n", ("parameters.a",)),
        "param-zero-over-zero": ("variables: {x: {}}\nparameters: {a: 0/0}\n"
                                 "equations: {x: -a*x}\n", ("parameters.a",)),
        "equations-list": ("variables: {x: {}}\nequations: [-x]\n", ("equations",)),
        "equations-str": ("variables: {x: {}}\nequations: -x\n", ("equations",)),
        "equations-missing": ("variables: {x: {}}\n", ("equations",)),
        "equations-extra": ("variables: {x: {}}\nequations: {x: -x, y: 1}\n", ("equations.y",)),
        "equation-missing-var": ("variables: {x: {}, y: {}}\nequations: {x: -x}\n",
                                 ("equations", "y")),
        "equation-null": ("variables: {x: {}}\nequations: {x: null}\n", ("equations.x",)),
        "equation-list": ("variables: {x: {}}\nequations: {x: [1, 2]}\n", ("equations.x",)),
        "equation-mapping": ("variables: {x: {}}\nequations: {x: {a: 1}}\n", ("equations.x",)),
        "equation-empty": ("variables: {x: {}}\nequations: {x: ''}\n", ("equations.x",)),
        "equation-bool": ("variables: {x: {}}\nequations: {x: yes}\n", ("equations.x",)),
        "inputs-int": ("variables: {x: {}}\ninputs: 3\nequations: {x: -x}\n", ("inputs",)),
        "inputs-unknown-key": ("variables: {x: {}}\ninputs: {u: {size: 2}}\n"
                               "equations: {x: -x + u}\n", ("inputs.u",)),
        "functions-list": ("variables: {x: {}}\nfunctions: [f]\nequations: {x: -x}\n",
                           ("functions",)),
        "function-no-parens": ("variables: {x: {}}\nfunctions: {f: x}\nequations: {x: -x}\n",
                               ("functions.f",)),
        "function-repeated-args": ("variables: {x: {}}\nfunctions: {'f(z, z)': z}\n"
                                   "equations: {x: f(x, x) - x}\n", ("functions", "z")),
        "function-bad-arg": ("variables: {x: {}}\nfunctions: {'f(1)': 1}\n"
                             "equations: {x: -x}\n", ("functions",)),
        "function-arg-dunder": ("variables: {x: {}}\nfunctions: {'f(__z)': 1}\n"
                                "equations: {x: -x}\n", ("functions",)),
        "function-wrong-arity": ("variables: {x: {}}\nfunctions: {'f(z)': z}\n"
                                 "equations:\n  x: f(x, x)\n", ("equations.x", "argument")),
        "function-recursive": ("variables: {x: {}}\nfunctions: {'f(z)': f(z)}\n"
                               "equations: {x: f(x)}\n", ("functions", "f")),
        "function-shadows-known": ("variables: {x: {}}\nfunctions: {'exp(z)': z}\n"
                                   "equations: {x: exp(x)}\n", ("functions", "exp")),
        "function-body-null": ("variables: {x: {}}\nfunctions: {'f(z)': null}\n"
                               "equations: {x: f(x)}\n", ("functions",)),
        "definitions-list": ("variables: {x: {}}\ndefinitions: [d]\nequations: {x: -x}\n",
                             ("definitions",)),
        "definition-forward-ref": ("variables: {x: {}}\ndefinitions: {d: e, e: x}\n"
                                   "equations: {x: -d}\n", ("definitions.d", "e")),
        "definition-self": ("variables: {x: {}}\ndefinitions: {d: d + 1}\n"
                            "equations: {x: -d}\n", ("definitions.d",)),
        "variable-t": ("variables: {t: {}}\nequations: {t: -t}\n", ("variables", "t")),
        "param-t": ("variables: {x: {}}\nparameters: {t: 1}\nequations: {x: -t*x}\n",
                    ("parameters", "t")),
        "variable-pi": ("variables: {pi: {}}\nequations: {pi: -pi}\n", ("variables", "pi")),
        "variable-exp": ("variables: {exp: {}}\nequations: {exp: -exp}\n", ("variables", "exp")),
        "variable-underscore": ("variables: {_x: {}}\nequations: {_x: -_x}\n", ("variables",)),
        "variable-digit": ("variables: {1x: {}}\nequations: {1x: -x}\n", ("variables",)),
        "variable-space": ("variables: {'x y': {}}\nequations: {'x y': 1}\n", ("variables",)),
        "variable-dash": ("variables: {x-y: {}}\nequations: {x-y: 1}\n", ("variables",)),
        "variable-int-key": ("variables: {1: {}}\nequations: {1: 1}\n", ("variables",)),
        "variable-nfkc": ("variables: {x: {}, ｘ: {}}\nequations: {x: -x, ｘ: -ｘ}\n",
                          ("variables", "ｘ")),
        "variable-nfkc-param": ("variables: {x: {}}\nparameters: {ｘ: 1}\n"
                                "equations: {x: -x}\n", ("parameters", "ｘ")),
        "variable-nfkc-ligature": ("variables: {ﬁ: {}, fi: {}}\nequations: {ﬁ: -fi, fi: -fi}\n",
                                   ("variables",)),
        "variable-keyword-sym": ("variables: {x: {}}\nparameters: {lambda: 2}\n"
                                 "equations: {x: -lambda*x}\n", ()),
        "duplicate-var-param": ("variables: {x: {}}\nparameters: {x: 1}\nequations: {x: -x}\n",
                                ("parameters", "duplicate")),
        "directions-list": ("variables: {x: {}}\ndirections: [x]\nequations: {x: -x}\n",
                            ("directions",)),
        "direction-zero": ("variables: {x: {}}\ndirections: {d: {x: 0}}\nequations: {x: -x}\n",
                           ("directions.d", "zero")),
        "direction-unknown-var": ("variables: {x: {}}\ndirections: {d: {y: 1}}\n"
                                  "equations: {x: -x}\n", ("directions.d", "y")),
        "direction-inf": ("variables: {x: {}}\ndirections: {d: {x: .inf}}\nequations: {x: -x}\n",
                          ("directions.d",)),
        "direction-str": ("variables: {x: {}}\ndirections: {d: {x: abc}}\nequations: {x: -x}\n",
                          ("directions.d",)),
        "state-complex": ("variables: {x: {}}\nstates: {s: {x: sqrt(-1)}}\nequations: {x: -x}\n",
                          ("states.s",)),
        "state-scalar": ("variables: {x: {}}\nstates: {s: 1}\nequations: {x: -x}\n",
                         ("states.s",)),
        "kind-bad": ("kind: pde\nvariables: {x: {}}\nequations: {x: -x}\n", ("kind", "pde")),
        "kind-list": ("kind: [ode]\nvariables: {x: {}}\nequations: {x: -x}\n", ("kind",)),
        "unknown-top-key": ("variabels: {x: {}}\nvariables: {x: {}}\nequations: {x: -x}\n",
                            ("variabels",)),
        "title-mapping": ("title: {a: 1}\nvariables: {x: {}}\nequations: {x: -x}\n", ("title",)),
        "outputs-list": ("arrays: {}\nvariables: {x: {size: 2}}\noutputs: [z]\n"
                         "equations: {x: -x}\n", ("outputs",)),
        "outputs-scalar-model": ("variables: {x: {}}\noutputs: {z: x}\nequations: {x: -x}\n",
                                 ("outputs",)),
    }


def shape_cases() -> list[Case]:
    cases = []
    for cid, (body, frags) in _shape_docs().items():
        expect = "ok" if cid == "variable-keyword-sym" else "error"
        cases.append(Case(f"shape/{cid}", ["check", "m.yaml"], {"m.yaml": HEAD + body},
                          expect=expect, fragments=("m.yaml", *frags) if expect == "error"
                          else ()))
    head_cases = {
        "no-version": ("name: m\nvariables: {x: {}}\nequations: {x: -x}\n", ("dynena",)),
        "version-2": ("dynena: 2\nname: m\nvariables: {x: {}}\nequations: {x: -x}\n",
                      ("dynena", "version")),
        "no-name": ("dynena: 1\nvariables: {x: {}}\nequations: {x: -x}\n", ("name",)),
        "name-long": ("dynena: 1\nname: " + "m" * 300 + "\nvariables: {x: {}}\n"
                      "equations: {x: -x}\n", ("name", "long")),
        "name-path": ("dynena: 1\nname: ../../etc/passwd\nvariables: {x: {}}\n"
                      "equations: {x: -x}\n", ("name",)),
        "name-keyword": ("dynena: 1\nname: lambda\nvariables: {x: {}}\nequations: {x: -x}\n",
                         ()),
        "name-log": ("dynena: 1\nname: log\nvariables: {x: {}}\nequations: {x: -x}\n", ()),
        "name-int": ("dynena: 1\nname: 12\nvariables: {x: {}}\nequations: {x: -x}\n",
                     ("name",)),
    }
    for cid, (text, frags) in head_cases.items():
        expect = "ok" if cid in ("name-keyword", "name-log") else "error"
        cases.append(Case(f"head/{cid}", ["check", "m.yaml"], {"m.yaml": text}, expect=expect,
                          fragments=("m.yaml", *frags) if expect == "error" else ()))
    # vector-form shapes
    vhead = HEAD + "arrays: {W: [[0.5, 0], [0, 0.5]], b: [0.1, 0.2], B: [[1], [0]]}\n"
    vcases = {
        "elementwise-matrix": ("variables: {x: {size: 2}}\nequations: {x: tanh(W*x)}\n",
                               ("equations.x", "W")),
        "vector-wrong-length": ("variables: {x: {size: 3}}\nequations: {x: tanh(W@x)}\n",
                                ("equations.x", "W")),
        "bias-wrong-length": ("variables: {x: {size: 3}}\narrays: {W: [[1,0,0],[0,1,0],[0,0,1]],"
                              " b: [1, 2]}\nequations: {x: tanh(W@x + b)}\n", ("b",)),
        "matmul-scalar": ("variables: {x: {size: 2}}\nequations: {x: tanh(2@x)}\n",
                          ("equations.x",)),
        "matmul-param": ("variables: {x: {size: 2}}\nparameters: {a: 1}\n"
                         "equations: {x: tanh(a@x)}\n", ("equations.x",)),
        "matmul-matmul": ("variables: {x: {size: 2}}\nequations: {x: tanh(W@W)}\n",
                          ("equations.x",)),
        "matmul-nested": ("variables: {x: {size: 2}}\nequations: {x: tanh(W@tanh(W@x))}\n",
                          ("equations.x",)),
        "input-wrong-size": ("variables: {x: {size: 2}}\ninputs: {u: {size: 3}}\n"
                             "equations: {x: tanh(W@x + B@u)}\n", ("B",)),
        "variables-list-vector": ("variables: [x]\nequations: {x: tanh(W@x)}\n",
                                  ("variables",)),
        "missing-size": ("variables: {x: {}}\nequations: {x: tanh(W@x)}\n", ("variables.x",)),
        "unknown-array": ("variables: {x: {size: 2}}\nequations: {x: tanh(V@x)}\n",
                          ("equations.x", "V")),
        "array-name-clash": ("variables: {W: {size: 2}}\nequations: {W: tanh(W@W)}\n", ("W",)),
        "output-wrong-shape": ("variables: {x: {size: 2}}\noutputs: {z: B@x}\n"
                               "equations: {x: tanh(W@x)}\n", ("outputs.z",)),
        "output-not-linear": ("variables: {x: {size: 2}}\noutputs: {z: tanh(W@x)}\n"
                              "equations: {x: tanh(W@x)}\n", ("outputs.z",)),
        # next(v): a block after the step, for stacked layers of a map
        "next-later-block": ("kind: map\nvariables: {x: {size: 2}, y: {size: 2}}\n"
                             "equations: {x: tanh(W@next(y)), y: tanh(W@y)}\n",
                             ("equations.x", "next(y)", "declared before")),
        "next-own-block": ("kind: map\nvariables: {x: {size: 2}}\n"
                           "equations: {x: tanh(W@next(x))}\n", ("equations.x", "next(x)")),
        "next-elementwise": ("kind: map\nvariables: {x: {size: 2}, y: {size: 2}}\n"
                             "equations: {x: tanh(W@x), y: next(x)*tanh(W@y)}\n",
                             ("equations.y", "only be multiplied by a matrix")),
        "next-in-ode": ("kind: ode\nvariables: {x: {size: 2}, y: {size: 2}}\n"
                        "equations: {x: -x, y: -y + W@next(x)}\n",
                        ("equations.y", "maps (kind: map) only")),
        "next-of-input": ("kind: map\nvariables: {x: {size: 2}}\ninputs: {u: {size: 1}}\n"
                          "equations: {x: tanh(W@x + B@next(u))}\n",
                          ("equations.x", "next(u)", "must be a variable")),
        "next-in-output": ("kind: map\nvariables: {x: {size: 2}}\noutputs: {z: W@next(x)}\n"
                           "equations: {x: tanh(W@x)}\n",
                           ("outputs.z", "matrix times a variable")),
    }
    for cid, (body, frags) in vcases.items():
        text = vhead + body if not body.startswith("variables: {x: {size: 3}}\narrays") else \
            HEAD + body
        cases.append(Case(f"vector/{cid}", ["check", "m.yaml"], {"m.yaml": text},
                          fragments=("m.yaml", *frags)))
    return cases


# --- 4. options --------------------------------------------------------------------------------
BISTABLE = (HEAD + "variables: {x: {range: [-2, 2]}, y: {range: [-2, 2]}}\n"
            "parameters: {a: 1}\ninputs: {s: {}}\n"
            "equations:\n  x: a*x - x**3 + s\n  y: -y\n")
GRAPH = "digraph G { A -> B; B -> A; }\n"


def option_cases() -> list[Case]:
    m = {"m.yaml": BISTABLE}
    bad = {
        "max-threshold-neg": (["network", "m.yaml", "--max-threshold", "-1"], "--max-threshold"),
        "max-threshold-nan": (["network", "m.yaml", "--max-threshold", "nan"], "--max-threshold"),
        "max-threshold-inf": (["network", "m.yaml", "--max-threshold", "inf"], "--max-threshold"),
        "max-threshold-zero": (["network", "m.yaml", "--max-threshold", "0"], "--max-threshold"),
        "max-threshold-text": (["network", "m.yaml", "--max-threshold", "big"], "--max-threshold"),
        "rtol-nan": (["network", "m.yaml", "--rtol", "nan"], "--rtol"),
        "rtol-neg": (["network", "m.yaml", "--rtol", "-0.1"], "--rtol"),
        "rtol-one": (["network", "m.yaml", "--rtol", "1"], "--rtol"),
        "budget-zero": (["network", "m.yaml", "--budget", "0"], "--budget"),
        "budget-neg": (["network", "m.yaml", "--budget", "-5"], "--budget"),
        "resolution-zero": (["network", "m.yaml", "--resolution", "0"], "--resolution"),
        "resolution-huge": (["network", "m.yaml", "--resolution", "1000"], "--resolution"),
        "jobs-zero": (["network", "m.yaml", "--jobs", "0"], "--jobs"),
        "jobs-huge": (["network", "m.yaml", "--jobs", "100000"], "--jobs"),
        "pulse-width-neg": (["network", "m.yaml", "--inputs", "--pulse-width", "-1"],
                            "--pulse-width"),
        "pulse-width-nan": (["network", "m.yaml", "--inputs", "--pulse-width", "nan"],
                            "--pulse-width"),
        "weights-short": (["network", "m.yaml", "--weights", "1"], "--weights"),
        "weights-neg": (["network", "m.yaml", "--weights", "1,-1"], "--weights"),
        "weights-zero": (["network", "m.yaml", "--weights", "0,1"], "--weights"),
        "weights-nan": (["network", "m.yaml", "--weights", "nan,1"], "--weights"),
        "weights-text": (["network", "m.yaml", "--weights", "a,b"], "--weights"),
        "directions-unknown": (["network", "m.yaml", "--directions", "nothere"], "nothere"),
        "set-unknown": (["network", "m.yaml", "--set", "q=1"], "q"),
        "set-no-equals": (["network", "m.yaml", "--set", "a"], "--set"),
        "set-text": (["network", "m.yaml", "--set", "a=abc"], "abc"),
        "set-nan": (["network", "m.yaml", "--set", "a=nan"], "a"),
        "set-inf": (["network", "m.yaml", "--set", "a=1e999"], "a"),
        "set-inject": (["check", "m.yaml", "--set", "a=__import__('os')"], "a"),
        "set-variable": (["check", "m.yaml", "--set", "x=1"], "x"),
        "x0-text": (["simulate", "m.yaml", "--x0", "x=abc"], "--x0"),
        "x0-unknown": (["simulate", "m.yaml", "--x0", "q=1"], "q"),
        "x0-count": (["simulate", "m.yaml", "--x0", "1,2,3"], "--x0"),
        "x0-nan": (["simulate", "m.yaml", "--x0", "x=nan"], "--x0"),
        "x0-inf": (["simulate", "m.yaml", "--x0", "x=inf"], "--x0"),
        "x0-mixed": (["simulate", "m.yaml", "--x0", "x=1,2"], "--x0"),
        "u-text": (["simulate", "m.yaml", "--u", "s=xyz"], "--u"),
        "u-unknown": (["simulate", "m.yaml", "--u", "q=1"], "q"),
        "t-end-neg": (["simulate", "m.yaml", "--t-end", "-1"], "--t-end"),
        "t-end-nan": (["simulate", "m.yaml", "--t-end", "nan"], "--t-end"),
        "t-end-zero": (["simulate", "m.yaml", "--t-end", "0"], "--t-end"),
        "method-foo": (["simulate", "m.yaml", "--method", "FOO"], "--method"),
        "csv-dir": (["simulate", "m.yaml", "--csv", "."], "--csv"),
        "csv-missing-dir": (["simulate", "m.yaml", "--csv", "no/such/dir/x.csv"], "--csv"),
        "starts-zero": (["equilibria", "m.yaml", "--starts", "0"], "--starts"),
        "starts-huge": (["equilibria", "m.yaml", "--starts", "1000000000000"], "--starts"),
        "max-time-neg": (["equilibria", "m.yaml", "--max-time", "-1"], "--max-time"),
        "max-time-nan": (["equilibria", "m.yaml", "--max-time", "nan"], "--max-time"),
        "tol-neg": (["equilibria", "m.yaml", "--tol", "-1"], "--tol"),
        "tol-nan": (["equilibria", "m.yaml", "--tol", "nan"], "--tol"),
        "continue-no-param": (["continue", "m.yaml"], "--param"),
        "continue-bad-param": (["continue", "m.yaml", "--param", "zz"], "zz"),
        "continue-from-E99": (["continue", "m.yaml", "--param", "a", "--from", "E99"], "E99"),
        "continue-from-text": (["continue", "m.yaml", "--param", "a", "--from", "xyz"], "xyz"),
        "continue-variable": (["continue", "m.yaml", "--param", "a", "--variable", "q"], "q"),
        "continue-ds-zero": (["continue", "m.yaml", "--param", "a", "--ds", "0"], "--ds"),
        "continue-ds-nan": (["continue", "m.yaml", "--param", "a", "--ds", "nan"], "--ds"),
        "continue-points-zero": (["continue", "m.yaml", "--param", "a", "--max-points", "0"],
                                 "--max-points"),
        "continue-to-nan": (["continue", "m.yaml", "--param", "a", "--to", "nan"], "--to"),
        "continue-plot-ext": (["continue", "m.yaml", "--param", "a", "--plot", "d.xyz"],
                              "--plot"),
        "continue-plot-dir": (["continue", "m.yaml", "--param", "a", "--plot", "no/dir/d.svg"],
                              "--plot"),
        "sweep-no-axis": (["sweep", "m.yaml", "-o", "sw"], "--axis"),
        "sweep-axis-syntax": (["sweep", "m.yaml", "--axis", "a", "-o", "sw"], "--axis"),
        "sweep-axis-grid": (["sweep", "m.yaml", "--axis", "a=1:2", "-o", "sw"], "lo:hi:num"),
        "sweep-axis-count": (["sweep", "m.yaml", "--axis", "a=0:1:x", "-o", "sw"], "integer"),
        "sweep-axis-order": (["sweep", "m.yaml", "--axis", "a=2:1:3", "-o", "sw"], "lo < hi"),
        "sweep-axis-nan": (["sweep", "m.yaml", "--axis", "a=1,nan", "-o", "sw"], "nan"),
        "sweep-axis-inject": (["sweep", "m.yaml", "--axis", "a=__import__('os')", "-o", "sw"],
                              "not a number"),
        "sweep-axis-huge": (["sweep", "m.yaml", "--axis", "a=0:1:1000000000", "-o", "sw"],
                            "values"),
        "sweep-axis-twice": (["sweep", "m.yaml", "--axis", "a=1", "--axis", "a=2", "-o", "sw"],
                             "twice"),
        "sweep-unknown-param": (["sweep", "m.yaml", "--axis", "q=1,2", "-o", "sw"], "q"),
        "sweep-swept-and-set": (["sweep", "m.yaml", "--axis", "a=1,2", "--set", "a=1", "-o",
                                 "sw"], "a"),
        "sweep-analysis": (["sweep", "m.yaml", "--axis", "a=1", "--analysis", "x", "-o", "sw"],
                           "--analysis"),
        "sweep-workers-zero": (["sweep", "m.yaml", "--axis", "a=1", "--workers", "0", "-o",
                                "sw"], "--workers"),
        "sweep-missing-model": (["sweep", "none.yaml", "--axis", "a=1", "-o", "sw"],
                                "none.yaml"),
        "sweep-flipflop-option": (["sweep", "flipflop", "--axis", "a=1,2", "-o", "sw"],
                                  "not a flip-flop option"),
        "sweep-flipflop-model-analysis": (["sweep", "m.yaml", "--axis", "a=1", "--analysis",
                                           "flipflop", "-o", "sw"], "flipflop"),
        "flipflop-bits-zero": (["flipflop", "--bits", "0", "-o", "out"], "--bits"),
        "flipflop-bits-huge": (["flipflop", "--bits", "40", "-o", "out"], "--bits"),
        "flipflop-size-zero": (["flipflop", "--size", "0", "-o", "out"], "--size"),
        "flipflop-size-huge": (["flipflop", "--size", "10000000", "-o", "out"], "--size"),
        "flipflop-p-two": (["flipflop", "--p", "2", "-o", "out"], "--p"),
        "flipflop-leak-zero": (["flipflop", "--leak", "0", "-o", "out"], "--leak"),
        "flipflop-leak-nan": (["flipflop", "--leak", "nan", "-o", "out"], "--leak"),
        "flipflop-density-neg": (["flipflop", "--density", "-1", "-o", "out"], "--density"),
        "flipflop-train-steps": (["flipflop", "--train-steps", "10", "--washout", "100",
                                  "-o", "out"], "--washout"),
        "flipflop-radius-nan": (["flipflop", "--spectral-radius", "nan", "-o", "out"],
                                "--spectral-radius"),
        "flipflop-load-missing": (["flipflop", "--load", "nothere.yaml"], "nothere.yaml"),
        "design-threshold-neg": (["design", "g.dot", "-o", "d.yaml", "--threshold", "-1"],
                                 "--threshold"),
        "design-threshold-nan": (["design", "g.dot", "-o", "d.yaml", "--threshold", "nan"],
                                 "--threshold"),
        "design-name-bad": (["design", "g.dot", "-o", "d.yaml", "--name", "1 bad name"],
                            "--name"),
        "design-name-reserved": (["design", "g.dot", "-o", "d.yaml", "--name", "../x"],
                                 "--name"),
        "design-missing-graph": (["design", "nothere.dot", "-o", "d.yaml"], "nothere.dot"),
        "design-output-dir": (["design", "g.dot", "-o", "."], "-o"),
        "export-no-target": (["export", "m.yaml"], "--auto"),
        "export-bad-param": (["export", "m.yaml", "--auto", "auto", "--param", "zz"], "zz"),
        "export-from-E99": (["export", "m.yaml", "--auto", "auto", "--param", "a",
                             "--from", "E99"], "E99"),
    }
    cases = []
    for cid, (argv, frag) in bad.items():
        files = dict(m)
        if argv[0] == "design":
            files["g.dot"] = GRAPH
        cases.append(Case(f"option/{cid}", argv, files, fragments=(frag,), timeout=60))
    return cases


def _pitchfork_at_zero(stdout: str, folder: Path) -> None:
    """A special point at the pitchfork a = 0 whose stated accuracy covers the truth."""
    d = _json(stdout)
    pts = [sp for b in d["branches"] for sp in b["special_points"]]
    assert pts, "no special point"
    near = [sp for sp in pts if abs(sp["a"]) < 0.5]
    assert near, [sp["a"] for sp in pts]
    for sp in near:
        assert abs(sp["a"]) <= sp["accuracy"] + 1e-9, \
            f"{sp['type']} at {sp['a']} claims accuracy {sp['accuracy']}"


def start_cases() -> list[Case]:
    """``continue --start``: no global search; Newton from the given state (analytic answer:
    x' = a x - x^3 has its pitchfork at a = 0)."""
    m = {"m.yaml": BISTABLE}
    return [
        Case("start/guess", ["continue", "m.yaml", "--param", "a", "--start", "x=1.2,y=0.1",
                             "--json"], m, expect="ok", check=_pitchfork_at_zero),
        Case("start/exact", ["continue", "m.yaml", "--param", "a", "--start", "x=1,y=0",
                             "--ds-max", "0.05", "--json"], m, expect="ok",
             check=_pitchfork_at_zero),
        Case("start/text", ["continue", "m.yaml", "--param", "a", "--start", "x=abc"], m,
             fragments=("--start",)),
        Case("start/unknown-variable", ["continue", "m.yaml", "--param", "a", "--start", "q=1"],
             m, fragments=("--start", "q")),
        Case("start/wrong-count", ["continue", "m.yaml", "--param", "a", "--start", "1,2,3"], m,
             fragments=("--start",)),
        Case("start/and-from", ["continue", "m.yaml", "--param", "a", "--start", "x=1",
                                "--from", "E0"], m, fragments=("--from", "--start")),
        Case("start/ds-max-zero", ["continue", "m.yaml", "--param", "a", "--ds-max", "0"], m,
             fragments=("--ds-max",)),
        Case("start/no-equilibrium-near", ["continue", "nz.yaml", "--param", "a", "--start",
                                           "x=1,y=1"],
             {"nz.yaml": HEAD + "variables: {x: {}, y: {}}\nparameters: {a: 1}\n"
              "equations:\n  x: a + x**2\n  y: -y\n"}, fragments=("start", "equilibrium")),
    ]


def overwrite_cases() -> list[Case]:
    """Nothing the user wrote is overwritten without --overwrite."""
    def untouched(name: str, content: str):
        def check(stdout: str, folder: Path) -> None:
            assert (folder / name).read_text() == content, f"{name} was overwritten"
        return check

    mine = "my precious notes\n"
    cases = [
        Case("overwrite/csv", ["simulate", "m.yaml", "--csv", "notes.csv"],
             {"m.yaml": BISTABLE, "notes.csv": mine}, fragments=("notes.csv", "--overwrite")),
        Case("overwrite/plot", ["continue", "m.yaml", "--param", "a", "--plot", "mine.svg"],
             {"m.yaml": BISTABLE, "mine.svg": mine}, fragments=("mine.svg", "--overwrite")),
        Case("overwrite/design", ["design", "g.dot", "-o", "mine.yaml"],
             {"g.dot": GRAPH, "mine.yaml": mine}, fragments=("mine.yaml", "--overwrite")),
        Case("overwrite/design-onto-graph", ["design", "g.dot", "-o", "g.dot", "--overwrite"],
             {"g.dot": GRAPH}, fragments=("g.dot",)),
        Case("overwrite/report", ["report", "m.yaml", "-o", "out", "--no-certify"],
             {"m.yaml": BISTABLE, "out/report.pdf": mine}, fragments=("out", "--overwrite"),
             timeout=60),
        Case("overwrite/report-onto-model", ["report", "m.yaml", "-o", ".", "--overwrite",
                                             "--no-certify"],
             {"m.yaml": BISTABLE}, expect="ok", check=untouched("m.yaml", BISTABLE),
             timeout=90),
        Case("overwrite/flipflop", ["flipflop", "--bits", "1", "--size", "20", "-o", "out"],
             {"out/results.json": mine}, fragments=("out", "--overwrite")),
        Case("overwrite/export", ["export", "m.yaml", "--auto", "auto", "--param", "a"],
             {"m.yaml": BISTABLE, "auto/m.c": mine}, fragments=("m.c", "--overwrite")),
        Case("overwrite/export-pydstool", ["export", "m.yaml", "--pydstool", "mine.py"],
             {"m.yaml": BISTABLE, "mine.py": mine}, fragments=("mine.py", "--overwrite")),
        Case("overwrite/export-onto-model", ["export", "m.yaml", "--pydstool", "m.yaml",
                                             "--overwrite"],
             {"m.yaml": BISTABLE}, fragments=("m.yaml",)),
    ]
    return cases


# --- 5. numerically hostile but valid models ----------------------------------------------
def numeric_cases() -> list[Case]:
    def eq_count(n: int, n_stable: int | None = None, status: str | None = None):
        def check(stdout: str, folder: Path) -> None:
            d = _json(stdout)
            got = len(d["equilibria"])
            assert got == n, f"{got} equilibria, expected {n}"
            if n_stable is not None:
                s = sum(e["stability"] == "stable" for e in d["equilibria"])
                assert s == n_stable, f"{s} stable, expected {n_stable}"
            if status is not None:
                assert d["status"] == status, f"status {d['status']!r}, expected {status!r}"
        return check

    def net_nodes(n: int, maxedges: int):
        def check(stdout: str, folder: Path) -> None:
            d = _json(stdout)
            nodes = d["nodes"]
            assert len(nodes) == n, f"{len(nodes)} nodes, expected {n}"
            assert len(d["edges"]) <= maxedges, f"{len(d['edges'])} edges"
        return check

    uncoupled = HEAD + "variables: {" + ", ".join(f"x{k}: {{range: [-2, 2]}}" for k in range(8)) \
        + "}\nequations:\n" + "".join(f"  x{k}: x{k} - x{k}**3\n" for k in range(8))
    blowup = (HEAD + "variables: {x: {range: [-3, 3]}, y: {range: [-1, 1]}}\n"
              "equations:\n  x: x**2 - 1\n  y: -y\n")
    nonhyp = (HEAD + "variables: {x: {range: [-2, 2]}, y: {range: [-2, 2]}}\n"
              "equations:\n  x: -x**3\n  y: -y**3\n")
    chained = (HEAD + "variables: {x: {range: [-2, 2]}, y: {range: [-2, 2]}}\n"
               "definitions:\n  d1: x**2 + y**2\n  d2: sin(d1) + d1\n  d3: d2*exp(-d1) + d1\n"
               "equations:\n  x: -x*d3 + sin(d1)*d2\n  y: -y*d2 + d3*d1\n")
    stiff = (HEAD + "variables: {x: {}, y: {}}\n"
             "equations:\n  x: -1e6*(x - cos(y))\n  y: 1\n")
    lorenz = (HEAD + "variables: {x: {}, y: {}, z: {}}\n"
              "equations:\n  x: 10*(y - x)\n  y: x*(28 - z) - y\n  z: x*y - 8/3*z\n")
    rational = (HEAD + "variables: {x: {range: [-3, 3]}, y: {range: [-3, 3]}}\n"
                "parameters: {a: 1/3, b: 2/7}\n"
                "equations:\n  x: (x**3*y - a*x**2 + b)/(1 + x**2*y**2) - x*y**5 + a\n"
                "  y: (y**4 - x*y + b*x**5)/(2 + x**4) - y**3 + b*x\n")
    big = HEAD + "variables: {" + ", ".join(f"x{k}: {{range: [-2, 2]}}" for k in range(30)) \
        + "}\nequations:\n" + "".join(
            f"  x{k}: x{k} - x{k}**3 + 0.1*x{(k + 1) % 30}*x{(k + 2) % 30}\n" for k in range(30))
    return [
        Case("numeric/uncoupled-8", ["equilibria", "uc.yaml", "--json", "--max-time", "20"],
             {"uc.yaml": uncoupled}, expect="ok", timeout=120,
             check=lambda out, f: _uncoupled_check(_json(out))),
        Case("numeric/blowup-network", ["network", "b.yaml", "--json"], {"b.yaml": blowup},
             expect="ok", timeout=120, check=net_nodes(1, 0)),
        Case("numeric/nonhyperbolic-once", ["equilibria", "n.yaml", "--json"],
             {"n.yaml": nonhyp}, expect="ok", check=eq_count(1), timeout=60),
        Case("numeric/nonhyperbolic-network", ["network", "n.yaml", "--json"],
             {"n.yaml": nonhyp}, expect="ok", check=net_nodes(1, 0), timeout=120),
        Case("numeric/chained-definitions", ["simulate", "c.yaml", "--x0", "x=0.3,y=-0.2",
                                              "--t-end", "1", "--json"],
             {"c.yaml": chained}, expect="ok", check=_chained_check, timeout=60),
        Case("numeric/stiff-explicit", ["simulate", "s.yaml", "--method", "RK45",
                                        "--t-end", "10"], {"s.yaml": stiff},
             fragments=("stiff",), timeout=60),
        # 12-14 s each alone (a fresh cache: the model is compiled); 60 s leaves room for
        # the suite's other process and a slower machine, and still catches a hang
        Case("numeric/chaotic-long", ["simulate", "l.yaml", "--x0", "x=1", "--t-end", "1e12"],
             {"l.yaml": lorenz}, fragments=("--t-end",), timeout=60),
        Case("numeric/rational-solve-budget", ["equilibria", "r.yaml", "--json",
                                               "--max-time", "10"], {"r.yaml": rational},
             expect="ok", timeout=40),
        Case("numeric/exact-solve-time-limit", ["equilibria", "s.yaml", "--json"],
             {"s.yaml": SLOW3}, expect="ok", timeout=60, check=_solve_stopped),
        Case("numeric/exact-count-not-in-radicals", ["equilibria", "q.yaml", "--json"],
             {"q.yaml": QUINTIC}, expect="ok", timeout=60, check=_quintic_exact),
        Case("numeric/30-variables-budget", ["equilibria", "big.yaml", "--json",
                                             "--max-time", "10"], {"big.yaml": big},
             expect="ok", timeout=40, check=_budget_check(10)),
    ]


SLOW3 = (HEAD + "variables: {x: {range: [-2, 2]}, y: {range: [-2, 2]}, z: {range: [-2, 2]}}\n"
         "parameters: {a: 3/7, b: 5/11, c: 2/13}\nequations:\n"
         "  x: x**3 - 3*x*y*z + a*y**2 - 2/13*z + 1/17\n"
         "  y: y**3 + 2*x**2*z - b*x*y - 3/19*z**2 + 1/23\n"
         "  z: z**3 - c*x*y**2 + 5/29*x*z - 7/31*y + 1/37\n")
QUINTIC = (HEAD + "variables: {x: {range: [-3, 3]}, y: {range: [-3, 3]}}\n"
           "parameters: {a: 3/7, b: 5/11}\nequations:\n"
           "  x: x**5 - 3*x**2*y**3 + a*y**2 - 2/13*x + 1/17\n"
           "  y: y**5 + 2*x**3*y**2 - b*x*y - 3/19*y**2 + 1/23\n")


def _solve_stopped(stdout: str, folder: Path) -> None:
    d = _json(stdout)
    assert "time limit" in d["message"], d["message"]
    assert d["stats"]["seconds"] < 30, d["stats"]["seconds"]
    assert not d["guarantee"].startswith("complete")


def _quintic_exact(stdout: str, folder: Path) -> None:
    # sympy's solve_poly_system returns [] here (roots not in radicals): the exact count must
    # come from isolated real roots, and agree with the numerical search
    d = _json(stdout)
    assert d["stats"]["symbolic_count"] == 1 and len(d["equilibria"]) == 1, d["stats"]
    assert d["guarantee"].startswith("complete"), d["guarantee"]
    e = d["equilibria"][0]["state"]
    x, y = e["x"], e["y"]
    assert abs(x**5 - 3 * x**2 * y**3 + 3 / 7 * y**2 - 2 / 13 * x + 1 / 17) < 1e-12


def _uncoupled_check(d: dict) -> None:
    assert d["status"] != "continuum", "isolated equilibria reported as a continuum"
    n = len(d["equilibria"])
    stable = sum(e["stability"] == "stable" for e in d["equilibria"])
    # complete: 6561 equilibria, 256 stable; an incomplete search must say so
    if n < 3**8:
        assert d["status"] == "budget", f"{n} equilibria and status {d['status']}"
    assert stable <= 256


def _chained_check(stdout: str, folder: Path) -> None:
    import math

    from scipy.integrate import solve_ivp

    def f(t: float, v: list[float]) -> list[float]:
        x, y = v
        d1 = x * x + y * y
        d2 = math.sin(d1) + d1
        d3 = d2 * math.exp(-d1) + d1
        return [-x * d3 + math.sin(d1) * d2, -y * d2 + d3 * d1]

    ref = solve_ivp(f, (0, 1), [0.3, -0.2], rtol=1e-10, atol=1e-12).y[:, -1]
    d = _json(stdout)
    end = d["final"] if "final" in d else d["x"][-1]
    vals = [end["x"], end["y"]] if isinstance(end, dict) else end
    assert np.allclose(vals, ref, atol=1e-5), f"end state {vals}, reference {ref}"


def _budget_check(budget: float):
    def check(stdout: str, folder: Path) -> None:
        d = _json(stdout)
        t = d["stats"]["seconds"]
        assert t is not None and t <= 1.3 * budget + 5, f"took {t} s against a {budget} s budget"
    return check


def graph_cases() -> list[Case]:
    """Graph files for ``design``: malformed, huge, and built to make regexes backtrack."""
    graphs = {
        "graph-words": ("graph " * 200_000, ("g.dot", "DOT")),
        "open-comments": ("digraph G {" + "/* " * 200_000, ("g.dot",)),
        "open-quote": ('digraph G { "' + "a" * 1_000_000, ("g.dot",)),
        "no-brace": ("digraph " + "x " * 500_000, ("g.dot", "DOT")),
        "open-attributes": ("digraph G { A -> B [" + "a=1," * 300_000 + "}", ("g.dot", "edges")),
        "undirected": ("graph G { A -- B; }", ("g.dot", "undirected")),
        "empty-digraph": ("digraph G { }", ("g.dot", "no edges")),
        "binary": (b"\xff\xfe\x00" * 1000, ("g.dot",)),
        "bad-statement": ("digraph G { A -> ; }", ("g.dot", "cannot read")),
        "edgelist-three": ("a b c\n", ("g.txt", "source target")),
    }
    cases = []
    for cid, (text, frags) in graphs.items():
        name = "g.txt" if cid.startswith("edgelist") else "g.dot"
        cases.append(Case(f"graph/{cid}", ["design", name, "-o", "d.yaml"], {name: text},
                          fragments=frags, timeout=20))
    cases.append(Case("graph/too-large", ["design", "g.dot", "-o", "d.yaml"],
                      {"g.dot": "digraph G { A -> B; }\n" + "// pad\n" * 1_600_000},
                      fragments=("g.dot", "MB"), timeout=20))
    cases.append(Case("graph/fifo", ["design", "g.dot", "-o", "d.yaml"], {"g.dot": _fifo},
                      fragments=("g.dot", "regular"), timeout=10))
    cases.append(Case("graph/comments-and-quotes-ok", ["design", "g.dot", "-o", "d.yaml"],
                      {"g.dot": 'digraph G { A -> B; /* c -> d */ B -> "A"; // e -> f\n}'},
                      expect="ok", check=_designed_edges(2)))
    return cases


def _designed_edges(n: int):
    def check(stdout: str, folder: Path) -> None:
        text = (folder / "d.yaml").read_text()
        assert f"{n} edges" in text, text[:300]
    return check


def all_cases() -> list[Case]:
    return [*expression_cases(), *size_cases(), *file_cases(), *shape_cases(), *option_cases(),
            *overwrite_cases(), *numeric_cases(), *graph_cases(), *start_cases()]
