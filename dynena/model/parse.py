"""Whitelisted parsing of right-hand sides into exact sympy expressions.

The text is read with Python's ``ast`` and translated node by node: only numbers, names that
the model declares, known mathematical functions and the operators ``+ - * / ** ^ @`` are
allowed. Nothing is ever passed to ``eval``. Integer ratios such as ``8/3`` stay exact
:class:`sympy.Rational` values.
"""

from __future__ import annotations

import ast
import io
import keyword
import math
import sys
import tokenize
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..errors import ModelError
from ..limits import env_name, limit
from .faults import constant_fault

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
_MAX_NAME = 64
_KW_PREFIX = "_kw_"  # declared names that are Python keywords, renamed before ast.parse


@dataclass(frozen=True)
class Where:
    """Where a piece of text came from, for error messages."""

    file: str | None = None
    line: int | None = None
    key: str | None = None

    def error(self, message: str, name: str | None = None) -> ModelError:
        return ModelError(message, file=self.file, line=self.line, key=self.key, name=name)


def check_identifier(name: Any, where: Where, what: str) -> str:
    """Return ``name`` if it is a valid model identifier, else raise a located ModelError.

    Python keywords (``lambda``) are allowed; names that Unicode NFKC normalisation changes
    (``ｘ``, read by Python as ``x``) are not, since two of them would be one symbol.
    """
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
        raise where.error(
            f"{what} name {name!r} is not an identifier (letters, digits and '_', "
            "not starting with a digit or '_')", name=str(name))
    if len(name) > _MAX_NAME:
        raise where.error(f"{what} name {name[:20]!r}... is {len(name)} characters long; names "
                          f"are limited to {_MAX_NAME}", name=name[:_MAX_NAME])
    folded = unicodedata.normalize("NFKC", name)
    if folded != name:
        raise where.error(f"{what} name {name!r} is not in Unicode normal form: it reads as "
                          f"{folded!r} (NFKC); write {folded!r}", name=name)
    if what == "model":
        return name  # a model name is never a symbol
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
    src = _source(text, where)
    src_parsed = _rename_keywords(src, names)
    tree = _parse_tree(src, src_parsed, where)
    tr = _Translator(src, src_parsed, names, where, matmul)
    try:
        result = tr.visit(tree)
    except RecursionError:
        raise where.error(f"expression {_short(src)!r} is nested too deeply") from None
    except TypeError as exc:
        # a 2-D array used as a number (``W + x``, ``tanh(W)``): only ``W@v`` multiplies it
        if "_MatRef" not in str(exc):
            raise
        raise where.error(f"in {_short(src)!r}: a 2-D array may only appear in a matrix "
                          "product 'W@v'") from None
    if isinstance(result, sp.Basic):
        fault = constant_fault(result)
        if fault:
            raise where.error(f"in {_short(src)!r}: {fault}; an expression must be real "
                              "and finite in double precision")
    return result


def _source(text: Any, where: Where) -> str:
    """The expression as text: numbers as their repr, ``^`` as ``**``, within the length
    limit."""
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
    if len(src) > limit("expression_chars"):
        raise where.error(f"expression is {len(src)} characters long; the limit is "
                          f"{limit('expression_chars')} (raise it with "
                          f"{env_name('expression_chars')})")
    return src


def _parse_tree(src: str, src_parsed: str, where: Where) -> ast.AST:
    """Python's parse of the expression, refused when it nests beyond the limit."""
    old_limit = sys.getrecursionlimit()
    try:
        # a sum of n terms is a left spine n deep in Python's AST; allow long sums (the
        # translation is iterative on them) without letting nesting exhaust the stack
        sys.setrecursionlimit(max(old_limit, 12_000))
        tree = ast.parse(src_parsed, mode="eval")
    except SyntaxError as exc:
        raise where.error(f"cannot parse {_short(src)!r}: {exc.msg} (column {exc.offset})"
                          ) from None
    except (RecursionError, MemoryError):
        raise where.error(f"expression {_short(src)!r} is nested too deeply to parse (a sum "
                          "of thousands of terms: split it with definitions:)") from None
    finally:
        sys.setrecursionlimit(old_limit)
    depth = _nesting(tree)
    if depth > limit("nesting"):
        raise where.error(f"expression {_short(src)!r} nests {depth} levels deep; the limit is "
                          f"{limit('nesting')} (raise it with {env_name('nesting')})")
    return tree


class _Translator:
    """Python AST → sympy, node by node; anything not listed is an error naming it."""

    def __init__(self, src: str, src_parsed: str, names: Mapping[str, Any], where: Where,
                 matmul: Callable[[Any, Any], Any] | None) -> None:
        self.src, self.src_parsed, self.names = src, src_parsed, names
        self.where, self.matmul = where, matmul

    def visit(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return self.visit(node.body)
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            operand = self.visit(node.operand)
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.UAdd):
                return operand
            raise self.where.error(f"operator {type(node.op).__name__} is not allowed in "
                                   f"{self.src!r}")
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            return self.sum(node)
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise self.where.error(f"construct {type(node).__name__} is not allowed in {self.src!r}")

    def constant(self, node: ast.Constant) -> Any:
        src, where = self.src, self.where
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise where.error(f"unsupported constant {node.value!r} in {src!r}")
        if isinstance(node.value, int):
            return sp.Integer(node.value)
        seg = ast.get_source_segment(self.src_parsed, node) or repr(node.value)
        if not math.isfinite(node.value):
            raise where.error(f"the number {_short(seg)!r} in {_short(src)!r} is beyond the "
                              "double range")
        if node.value == 0.0 and any(ch in "123456789" for ch in seg.lower().split("e")[0]):
            raise where.error(f"the number {_short(seg)!r} in {_short(src)!r} underflows to "
                              "0 in double precision; write 0")
        # the exact decimal text (0.1 stays 1/10 up to Float's precision); an absurd
        # exponent never reaches sympy, whose conversion of it would run for ever
        return sp.Float(seg)

    def name(self, node: ast.Name) -> Any:
        names, src, where = self.names, self.src, self.where
        if node.id.startswith(_KW_PREFIX) and node.id[len(_KW_PREFIX):] in names:
            return names[node.id[len(_KW_PREFIX):]]
        if node.id in names:
            return names[node.id]
        if node.id in KNOWN_CONSTANTS:
            return KNOWN_CONSTANTS[node.id]
        if node.id in KNOWN_FUNCTIONS:
            raise where.error(f"function {node.id!r} used without arguments in {src!r}",
                              name=node.id)
        raise where.error(f"unknown symbol {node.id!r} in {src!r}: it is not a declared "
                          "variable, parameter, input, array or function", name=node.id)

    def sum(self, node: ast.BinOp) -> Any:
        """a + b - c + ... as one Add (folding pairwise is quadratic in sympy); iterative, as
        a sum of thousands of terms is a left spine thousands deep."""
        terms: list[Any] = []
        stack: list[tuple[ast.AST, int]] = [(node, 1)]
        while stack:
            n, s = stack.pop()
            if isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Add, ast.Sub)):
                stack.append((n.right, s if isinstance(n.op, ast.Add) else -s))
                stack.append((n.left, s))
                continue
            t = self.visit(n)
            try:
                terms.append(t if s > 0 else -t)
            except TypeError as exc:
                raise self.where.error(f"cannot combine terms in {self.src!r}: {exc}") from None
        if any(isinstance(t, sp.Basic) is False for t in terms):
            out = terms[0]
            for t in terms[1:]:
                out = out + t
            return out
        return sp.Add(*terms)

    def binop(self, node: ast.BinOp) -> Any:
        src, where = self.src, self.where
        left, right = self.visit(node.left), self.visit(node.right)
        if isinstance(node.op, ast.MatMult):
            if self.matmul is None:
                raise where.error(f"'@' (matrix product) is only allowed in vector-form "
                                  f"models (declare arrays:), in {src!r}")
            return self.matmul(left, right)
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise where.error(f"operator {type(node.op).__name__} is not allowed in {src!r}")
        if isinstance(node.op, ast.Div) and _is_zero(right):
            raise where.error(f"division by zero in {_short(src)!r}: the divisor "
                              f"{ast.get_source_segment(src, node.right)!r} is 0")
        if isinstance(node.op, ast.Pow):
            _check_power(left, right, src, where)
        try:
            return op(left, right)
        except TypeError as exc:
            raise where.error(f"cannot combine terms in {src!r}: {exc}") from None

    def call(self, node: ast.Call) -> Any:
        src, where, names = self.src, self.where, self.names
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise where.error(f"only plain function calls f(a, b) are allowed in {src!r}")
        fname = node.func.id
        args = [self.visit(a) for a in node.args]
        if fname in names and isinstance(names[fname], sp.Lambda):
            lam = names[fname]
            if len(args) != len(lam.variables):
                raise where.error(f"function {fname!r} takes {len(lam.variables)} "
                                  f"argument(s), {len(args)} given in {src!r}", name=fname)
            return lam(*args)
        if fname in KNOWN_FUNCTIONS:
            if not args and fname.lower() in ("min", "max"):  # sympy: Max() = -oo
                raise where.error(f"{fname}() needs at least one argument in {src!r}",
                                  name=fname)
            try:
                return KNOWN_FUNCTIONS[fname](*args)
            except (TypeError, ValueError) as exc:
                raise where.error(f"bad call {fname}(...) in {src!r}: {exc}",
                                  name=fname) from None
        raise where.error(f"unknown function {fname!r} in {src!r}: declare it under "
                          "functions: or use a known one (" + ", ".join(
                              sorted(k for k in KNOWN_FUNCTIONS if k[0].islower())) + ")",
                          name=fname)


def _rename_keywords(src: str, names: Mapping[str, Any]) -> str:
    """``lambda*x`` → ``_kw_lambda*x`` where ``lambda`` is a declared name (ast cannot read it)."""
    declared = [k for k in names if keyword.iskeyword(k) or keyword.issoftkeyword(k)]
    if not declared or not any(k in src for k in declared):
        return src
    out = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(src).readline):
            text = tok.string
            if tok.type == tokenize.NAME and text in declared:
                text = _KW_PREFIX + text
            out.append((tok.type, text))
        return tokenize.untokenize(out).strip()
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return src  # the parser reports the syntax error


def _short(src: str) -> str:
    return src if len(src) <= 120 else src[:117] + "..."


def _nesting(tree: ast.AST) -> int:
    """Depth of the expression tree, a chain of + and - counting as one level."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, d = stack.pop()
        deepest = max(deepest, d)
        flat = isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub))
        for child in ast.iter_child_nodes(node):
            same = flat and isinstance(child, ast.BinOp) and isinstance(child.op, (ast.Add, ast.Sub))
            if isinstance(child, (ast.operator, ast.unaryop, ast.expr_context)):
                continue
            stack.append((child, d if same else d + 1))
    return deepest


def _is_zero(e: Any) -> bool:
    return isinstance(e, sp.Basic) and e.is_number and e.is_zero is True


def _check_power(base: Any, exponent: Any, src: str, where: Where) -> None:
    """Refuse a power sympy would evaluate for ever (``9**9**9``) or that is absurd."""
    if not (isinstance(base, sp.Basic) and isinstance(exponent, sp.Basic)):
        return
    if isinstance(exponent, sp.Rational) and isinstance(base, sp.Rational):
        b = abs(float(base)) if abs(base) < 10**300 else float("inf")
        if b in (0.0, 1.0) or float(exponent) == 0:
            return
        size = abs(float(exponent) * math.log10(b)) if b != float("inf") else float("inf")
        if size > 330:
            raise where.error(f"in {_short(src)!r}: the power {base}**{exponent} is about "
                              f"10**{'±' if size != float('inf') else ''}"
                              f"{size:.3g}, beyond the double range")
        return
    if isinstance(exponent, sp.Integer) and abs(int(exponent)) > limit("exponent"):
        raise where.error(f"in {_short(src)!r}: exponent {exponent} exceeds the limit of "
                          f"{limit('exponent')} (raise it with {env_name('exponent')})")
