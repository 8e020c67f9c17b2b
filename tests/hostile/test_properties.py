"""Property-based tests (Hypothesis, fixed seed, bounded budget):

* a valid right-hand side gives the same numbers as a direct sympy evaluation of the same
  text (sympy's own parser, independent of dynena's whitelisted translation and of its code
  generation), or a clean ModelError when part of it is not a finite real constant;
* any text at all is either a model or a clean ModelError — never another exception.
"""

from __future__ import annotations

import math

import numpy as np
import sympy as sp
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import dynena
from dynena.errors import ModelError, ParameterError
from dynena.model.parse import Where, parse_expression

NAMES = {"x": sp.Symbol("x", real=True), "y": sp.Symbol("y", real=True),
         "a": sp.Symbol("a", real=True)}

leaf = st.one_of(st.sampled_from(["x", "y", "a", "pi"]),
                 st.integers(-9, 9).map(lambda k: f"({k})"),
                 st.floats(-5, 5, allow_nan=False).map(lambda v: f"({v!r})"),
                 st.fractions(min_value=-5, max_value=5, max_denominator=7).map(
                     lambda q: f"({q.numerator}/{q.denominator})"))
unary = ["sin", "cos", "tanh", "exp", "atan", "sinh", "Abs", "erf"]


def _expr(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(children, children).map(lambda t: f"({t[0]})/(2 + ({t[1]})**2)"),
        st.tuples(st.sampled_from(unary), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, st.integers(0, 4)).map(lambda t: f"({t[0]})**{t[1]}"),
        st.tuples(children, children).map(lambda t: f"Max({t[0]}, {t[1]})"),
        st.tuples(children).map(lambda t: f"sqrt(1 + ({t[0]})**2)"),
        st.tuples(children).map(lambda t: f"log(2 + sin({t[0]}))"),
    )


expressions = st.recursive(leaf, _expr, max_leaves=12)


@seed(20261127)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fx=expressions, fy=expressions, a=st.floats(-3, 3, allow_nan=False),
       point=st.tuples(st.floats(-2, 2), st.floats(-2, 2)))
def test_valid_expressions_match_sympy(fx: str, fy: str, a: float,
                                       point: tuple[float, float]) -> None:
    doc = {"dynena": 1, "name": "prop", "variables": {"x": {}, "y": {}},
           "parameters": {"a": a}, "equations": {"x": fx, "y": fy}}
    try:
        m = dynena.load_document(doc)
    except ModelError as exc:  # only for a part that is not a finite real constant
        assert "double" in str(exc) or "complex" in str(exc) or "zero" in str(exc), str(exc)
        return
    c = dynena.compile_model(m, use_cache=False, backend="python")
    x = np.array(point)
    got = c.f(x)
    subs = {NAMES["x"]: point[0], NAMES["y"]: point[1], NAMES["a"]: a}
    for k, text in enumerate((fx, fy)):
        ref = complex(sp.sympify(text, locals=NAMES).evalf(30, subs=subs))
        if not (math.isfinite(ref.real) and abs(ref.real) < 1e250):
            continue  # overflow of a huge intermediate: nothing to compare
        assert abs(ref.imag) < 1e-9 * (1 + abs(ref.real))
        assert math.isclose(got[k], ref.real, rel_tol=1e-8, abs_tol=1e-9), (text, got[k], ref)


tokens = st.sampled_from(["x", "y", "a", "1", "0", "2.5", "1e999", "+", "-", "*", "/", "**",
                          "(", ")", ",", "sin", "log", "sqrt", "Max", "__import__", ".", "[",
                          "]", "'", "lambda", ":", "=", "@", "^", " ", "ｘ", "I", "oo", "nan"])


@seed(20261127)
@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(tokens, min_size=1, max_size=14).map("".join))
def test_any_text_is_an_expression_or_a_clean_error(text: str) -> None:
    try:
        parse_expression(text, NAMES, Where(file="m.yaml", line=3, key="equations.x"))
    except ModelError as exc:
        assert exc.key == "equations.x" and exc.file == "m.yaml"


documents = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(),
              st.text(max_size=12)),
    lambda ch: st.one_of(st.lists(ch, max_size=4),
                         st.dictionaries(st.sampled_from(
                             ["dynena", "name", "kind", "variables", "parameters", "equations",
                              "x", "y", "a", "range", "value", "size", "inputs", "arrays",
                              "functions", "definitions", "f(z)", "outputs", "states"]), ch,
                             max_size=5)),
    max_leaves=20)


sections = st.dictionaries(st.sampled_from(["kind", "variables", "parameters", "equations",
                                            "inputs", "arrays", "functions", "definitions",
                                            "outputs", "states", "directions", "title"]),
                          documents, max_size=5)


@seed(20261127)
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(documents, sections.map(lambda d: {"dynena": 1, "name": "m", **d})))
def test_any_document_is_a_model_or_a_clean_error(doc: object) -> None:
    try:
        dynena.load_document(doc)
    except (ModelError, ParameterError):
        pass
