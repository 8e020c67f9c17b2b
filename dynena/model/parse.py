"""Whitelisted parsing of right-hand sides into exact sympy expressions.

The text is read with Python's ``ast`` and translated node by node: only numbers, names that
the model declares, known mathematical functions and the operators ``+ - * / ** ^ @`` are
allowed. Nothing is ever passed to ``eval``. Integer ratios such as ``8/3`` stay exact
:class:`sympy.Rational` values.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..errors import ModelError

__all__ = ["KNOWN_FUNCTIONS", "KNOWN_CONSTANTS", "Where", "parse_expression", "check_identifier"]

KNOWN_FUNCTIONS: dict[str, Callable[..., sp.Expr]] = {
    "exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "asin": sp.asin, "acos": sp.acos,
    "atan": sp.atan, "atan2": sp.atan2, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
    "Abs": sp.Abs, "abs": sp.Abs, "sign": sp.sign, "Min": sp.Min, "Max": sp.Max,
    "min": sp.Min, "max": sp.Max, "erf": sp.erf,
}
KNOWN_CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}

# A declared name may shadow the constant E (energy, coupling); pi and functions are reserved.
_RESERVED = set(KNOWN_FUNCTIONS) | {"pi", "t"}


@dataclass(frozen=True)
class Where:
    """Where a piece of text came from, for error messages."""

    file: str | None = None
    line: int | None = None
    key: str | None = None

    def error(self, message: str, name: str | None = None) -> ModelError:
        return ModelError(message, file=self.file, line=self.line, key=self.key, name=name)


def check_identifier(name: Any, where: Where, what: str) -> str:
    """Return ``name`` if it is a valid model identifier, else raise a located ModelError."""
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
        raise where.error(
            f"{what} name {name!r} is not an identifier (letters, digits and '_', "
            "not starting with a digit or '_')", name=str(name))
    if name in _RESERVED:
        raise where.error(f"{what} name {name!r} is reserved for a mathematical function or "
                          "constant; choose another name", name=name)
    return name


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def parse_expression(
    text: Any,
    names: Mapping[str, Any],
    where: Where,
    *,
    matmul: Callable[[Any, Any], Any] | None = None,
) -> Any:
    """Parse ``text`` into a sympy expression using only ``names`` and known functions.

    Parameters
    ----------
    text : str or number
        The expression, in sympy/Python syntax (``^`` is accepted for powers).
    names : mapping
        Declared names: symbols, helper functions (:class:`sympy.Lambda`) or values.
    where : Where
        Location used in error messages.
    matmul : callable, optional
        Handler for ``A @ v`` (vector-form models). Without it ``@`` is an error.

    Raises
    ------
    ModelError
        On a syntax error, an unknown symbol or function, or a disallowed construct.
    """
    if isinstance(text, bool) or text is None:
        raise where.error(f"expected an expression, got {text!r}")
    if isinstance(text, (int, float)):
        text = repr(text)
    if not isinstance(text, str):
        raise where.error(f"expected an expression, got {type(text).__name__}")
    # '^' means power (as sympify's convert_xor), with power's precedence: rewrite the token.
    src = text.strip().replace("^", "**")
    if not src:
        raise where.error("empty expression")
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError as exc:
        raise where.error(f"cannot parse {src!r}: {exc.msg} (column {exc.offset})") from None

    def visit(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return visit(node.body)
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise where.error(f"unsupported constant {node.value!r} in {src!r}")
            if isinstance(node.value, int):
                return sp.Integer(node.value)
            seg = ast.get_source_segment(src, node) or repr(node.value)
            return sp.Float(seg)
        if isinstance(node, ast.Name):
            if node.id in names:
                return names[node.id]
            if node.id in KNOWN_CONSTANTS:
                return KNOWN_CONSTANTS[node.id]
            if node.id in KNOWN_FUNCTIONS:
                raise where.error(f"function {node.id!r} used without arguments in {src!r}",
                                  name=node.id)
            raise where.error(f"unknown symbol {node.id!r} in {src!r}: it is not a declared "
                              "variable, parameter, input, array or function", name=node.id)
        if isinstance(node, ast.UnaryOp):
            operand = visit(node.operand)
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.UAdd):
                return operand
            raise where.error(f"operator {type(node.op).__name__} is not allowed in {src!r}")
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            # Flatten a + b - c + ... into one Add: folding pairwise is quadratic in sympy.
            terms: list[Any] = []
            flatten_sum(node, 1, terms)
            if any(isinstance(t, sp.Basic) is False for t in terms):
                out = terms[0]
                for t in terms[1:]:
                    out = out + t
                return out
            return sp.Add(*terms)
        if isinstance(node, ast.BinOp):
            left, right = visit(node.left), visit(node.right)
            if isinstance(node.op, ast.MatMult):
                if matmul is None:
                    raise where.error(f"'@' (matrix product) is only allowed in vector-form "
                                      f"models (declare arrays:), in {src!r}")
                return matmul(left, right)
            op = _BINOPS.get(type(node.op))
            if op is None:
                raise where.error(f"operator {type(node.op).__name__} is not allowed in {src!r}")
            try:
                return op(left, right)
            except TypeError as exc:
                raise where.error(f"cannot combine terms in {src!r}: {exc}") from None
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.keywords:
                raise where.error(f"only plain function calls f(a, b) are allowed in {src!r}")
            fname = node.func.id
            args = [visit(a) for a in node.args]
            if fname in names and isinstance(names[fname], sp.Lambda):
                lam = names[fname]
                if len(args) != len(lam.variables):
                    raise where.error(f"function {fname!r} takes {len(lam.variables)} "
                                      f"argument(s), {len(args)} given in {src!r}", name=fname)
                return lam(*args)
            if fname in KNOWN_FUNCTIONS:
                try:
                    return KNOWN_FUNCTIONS[fname](*args)
                except (TypeError, ValueError) as exc:
                    raise where.error(f"bad call {fname}(...) in {src!r}: {exc}",
                                      name=fname) from None
            raise where.error(f"unknown function {fname!r} in {src!r}: declare it under "
                              "functions: or use a known one (" + ", ".join(
                                  sorted(k for k in KNOWN_FUNCTIONS if k[0].islower())) + ")",
                              name=fname)
        raise where.error(f"construct {type(node).__name__} is not allowed in {src!r}")

    def flatten_sum(node: ast.AST, sign: int, terms: list[Any]) -> None:
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            flatten_sum(node.left, sign, terms)
            flatten_sum(node.right, sign if isinstance(node.op, ast.Add) else -sign, terms)
        else:
            t = visit(node)
            try:
                terms.append(t if sign > 0 else -t)
            except TypeError as exc:
                raise where.error(f"cannot combine terms in {src!r}: {exc}") from None

    return visit(tree)
