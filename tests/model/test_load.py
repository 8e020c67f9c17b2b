"""Model files: the schema of spec/model-format.md, exact values, located errors."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import dynena
from dynena.errors import ModelError, ParameterError

TOGGLE = """\
dynena: 1
name: toggle
kind: ode
variables:
  u: {range: [0, 6]}
  v: {range: [0, 6]}
parameters:
  a: {value: 3.0, range: [0.5, 6]}
  n: 2
  k: 8/3
inputs:
  s: {}
functions:
  hill(z): 1/(1 + z**n)
equations:
  u: a*hill(v) - u + s
  v: a*hill(u) - v
"""


def test_toggle_parses_with_exact_values(write_model):
    m = dynena.load(write_model(TOGGLE))
    assert m.variables == ("u", "v")
    assert m.kind == "ode"
    assert m.parameters["k"] == sp.Rational(8, 3)  # stays exact
    assert isinstance(m.parameters["n"], sp.Integer)
    assert m.ranges["u"] == (0.0, 6.0)
    assert m.parameter_ranges["a"] == (0.5, 6.0)
    assert m.inputs == ("s",)
    u, v, a, n, s = sp.symbols("u v a n s", real=True)
    assert sp.simplify(m.equations[0] - (a / (1 + v**n) - u + s)) == 0


def test_exact_jacobian_and_parameter_derivatives(write_model):
    m = dynena.load(write_model(TOGGLE))
    u, v, a, n = sp.symbols("u v a n", real=True)
    J = m.jacobian()
    assert sp.simplify(J[0, 1] - sp.diff(a / (1 + v**n), v)) == 0
    assert J[0, 0] == -1 and J[1, 1] == -1
    Dp = m.dfdp()
    assert sp.simplify(Dp[0, 0] - 1 / (1 + v**n)) == 0
    assert m.dfdu() == sp.Matrix([[1], [0]])


def test_caret_is_power_and_constants(write_model):
    m = dynena.load(write_model(
        "dynena: 1\nname: w\nvariables: [x]\nparameters: {E: 2}\nequations:\n  x: x^2 - pi*E\n"))
    x, E = sp.symbols("x E", real=True)
    assert m.equations[0] == x**2 - sp.pi * E


def test_model_from_python_dict():
    m = dynena.load_document({"dynena": 1, "name": "lin", "kind": "map",
                                "variables": ["x", "y"], "parameters": {"r": "1/2"},
                                "equations": {"x": "r*x", "y": "y - x"}})
    assert m.kind == "map" and m.n == 2
    assert m.parameters["r"] == sp.Rational(1, 2)


def test_with_parameters_checks_names(write_model):
    m = dynena.load(write_model(TOGGLE))
    assert m.with_parameters(a="7/2").parameters["a"] == sp.Rational(7, 2)
    with pytest.raises(ParameterError, match="unknown parameter 'b'"):
        m.with_parameters(b=1)


@pytest.mark.parametrize("text, line, name, match", [
    # malformed YAML: an unclosed flow mapping
    ("dynena: 1\nname: m\nvariables:\n  x: {range: [0, 1]\nequations:\n  x: -x\n", 5, None,
     "malformed YAML"),
    # undeclared symbol
    ("dynena: 1\nname: m\nvariables: [x]\nequations:\n  x: -k*x\n", 5, "k", "unknown symbol 'k'"),
    # variable without an equation
    ("dynena: 1\nname: m\nvariables: [x, y]\nequations:\n  x: -x\n", 4, "y", "has no equation"),
    # duplicate name across sections
    ("dynena: 1\nname: m\nvariables: [x]\nparameters:\n  x: 1\nequations:\n  x: -x\n", 5, "x",
     "duplicate name 'x'"),
    # duplicate key inside a section
    ("dynena: 1\nname: m\nvariables: [x]\nequations:\n  x: -x\n  x: x\n", 6, "x",
     "duplicate key 'x'"),
    # non-finite parameter
    ("dynena: 1\nname: m\nvariables: [x]\nparameters:\n  a: 1/0\nequations:\n  x: -a*x\n", 5,
     "a", "division by zero"),
    # unknown function
    ("dynena: 1\nname: m\nvariables: [x]\nequations:\n  x: -foo(x)\n", 5, "foo",
     "unknown function 'foo'"),
    # a minimum of nothing (sympy's Max() is -oo: the error had blamed a division by zero)
    ("dynena: 1\nname: m\nvariables: [x]\nequations:\n  x: Max() - x\n", 5, "Max",
     r"Max\(\) needs at least one argument"),
    # unknown top-level key
    ("dynena: 1\nname: m\nvariabels: [x]\nequations:\n  x: -x\n", 3, "variabels",
     "unknown top-level key"),
    # missing version
    ("name: m\nvariables: [x]\nequations:\n  x: -x\n", None, None, "dynena: 1"),
    # equation for an undeclared variable
    ("dynena: 1\nname: m\nvariables: [x]\nequations:\n  x: -x\n  y: 1\n", 6, "y",
     "not a declared variable"),
    # eval-like construct is refused, not executed
    ("dynena: 1\nname: m\nvariables: [x]\nequations:\n  x: __import__('os').getcwd()\n", 5,
     None, "not allowed|unknown|only plain function calls"),
])
def test_bad_model_files_name_file_line_and_culprit(write_model, text, line, name, match):
    path = write_model(text)
    with pytest.raises(ModelError, match=match) as info:
        dynena.load(path)
    err = info.value
    assert err.file == str(path)
    assert str(path) in str(err)
    if line is not None:
        assert err.line == line, str(err)
        assert f"line {line}" in str(err)
    if name is not None:
        assert err.name == name


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(ModelError, match="no such model file"):
        dynena.load(tmp_path / "nope.yaml")
    with pytest.raises(ModelError, match="directory"):
        dynena.load(tmp_path)


def test_definitions_are_intermediates(write_model):
    m = dynena.load(write_model(
        "dynena: 1\nname: d\nvariables: [x, y]\ndefinitions:\n  r2: x**2 + y**2\n"
        "equations:\n  x: x*(1 - r2)\n  y: y*(1 - r2)\n"))
    x, y = sp.symbols("x y", real=True)
    assert sp.expand(m.expanded_equations()[0] - x * (1 - x**2 - y**2)) == 0
    J = m.jacobian()
    assert sp.expand(J[0, 1] + 2 * x * y) == 0


def test_every_example_model_loads(models_dir):
    files = sorted(models_dir.glob("*.yaml"))
    assert len(files) >= 10
    for f in files:
        m = dynena.load(f)
        assert m.name and m.n >= 1


def test_vector_model_shapes_checked(tmp_path):
    np.savez(tmp_path / "w.npz", W=np.eye(3), W_in=np.ones((4, 2)))
    (tmp_path / "v.yaml").write_text(
        "dynena: 1\nname: v\nkind: map\narrays: w.npz\nvariables:\n  x: {size: 3}\n"
        "inputs:\n  u: {size: 2}\nequations:\n  x: tanh(W@x + W_in@u)\n")
    with pytest.raises(ModelError, match="W_in") as info:
        dynena.load(tmp_path / "v.yaml")
    assert info.value.line == 10 and info.value.name == "W_in"
    (tmp_path / "v2.yaml").write_text(
        "dynena: 1\nname: v\nkind: map\narrays: missing.npz\nvariables:\n  x: {size: 3}\n"
        "equations:\n  x: tanh(W@x)\n")
    with pytest.raises(ModelError, match="missing.npz"):
        dynena.load(tmp_path / "v2.yaml")


def test_arrays_outside_the_model_folder_are_refused(tmp_path):
    import numpy as np

    import dynena
    from dynena.errors import ModelError

    secret = tmp_path / "secret"
    secret.mkdir()
    np.savez(secret / "w.npz", W=np.eye(2))
    inner = tmp_path / "models"
    inner.mkdir()
    for spec in ("../secret/w.npz", str(secret / "w.npz")):
        (inner / "m.yaml").write_text(f"""
dynena: 1
name: v
kind: map
arrays: {spec}
variables: {{x: {{size: 2}}}}
equations:
  x: tanh(W@x)
""")
        with pytest.raises(ModelError, match="outside the model's folder"):
            dynena.load(inner / "m.yaml")
    np.savez(inner / "c.npz", W=np.eye(2) * (1 + 1j))
    (inner / "m.yaml").write_text("""
dynena: 1
name: v
kind: map
arrays: c.npz
variables: {x: {size: 2}}
equations:
  x: tanh(W@x)
""")
    with pytest.raises(ModelError, match="complex"):
        dynena.load(inner / "m.yaml")
