"""Schema of model files (``dynena: 1``) and construction of Model / VectorModel from it.

Every check names the file, the line YAML gives for the key, the key path and the culprit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sympy as sp

from ..errors import ModelError, ParameterError
from ..limits import env_name, limit
from .declare import Context, Declarations, check_keys, entries, value_range
from .faults import parameter_fault
from .model import Model
from .parse import Where, check_identifier, parse_expression
from .values import exact_value
from .vector_build import build_vector_model

__all__ = ["build_model", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1
_TOP_KEYS = {"dynena", "definitions", "name", "title", "description", "references", "kind",
             "variables", "parameters", "inputs", "functions", "equations", "directions", "states",
             "arrays", "outputs"}


def build_model(doc: Any, *, file: str | None = None, base_dir: Path | None = None
                ) -> Model | Any:
    """Validate a model document and build a :class:`Model` (or a vector-form model)."""
    if not isinstance(doc, Mapping):
        raise ModelError("a model file must be a YAML mapping (name: ..., equations: ...)",
                         file=file)
    ctx = Context(doc, file)
    name, kind = _top_level(ctx)
    if "arrays" in doc or "outputs" in doc:
        return build_vector_model(doc, ctx, base_dir=base_dir, kind=kind)
    declare = Declarations(ctx)
    variables, ranges = _variables(ctx, declare)
    parameters, pranges = _parameters(ctx, declare)
    inputs = []
    for iname, spec in entries(ctx, "inputs"):
        declare(iname, "input", "inputs")
        check_keys(ctx, "inputs", iname, spec, {"description", "unit"})
        inputs.append(iname)
    names: dict[str, Any] = {k: sp.Symbol(k, real=True)
                             for k in [*variables, *parameters, *inputs]}
    functions = _functions(ctx, declare, names)
    names.update(functions)
    definitions = _definitions(ctx, declare, names)
    equations, texts = _equations(ctx, variables, names)
    _check_finite(ctx, definitions, dict(zip(variables, equations)), parameters)
    return Model(
        name=name, kind=kind,  # type: ignore[arg-type]
        variables=tuple(variables), equations=tuple(equations), parameters=parameters,
        ranges=ranges, parameter_ranges=pranges, inputs=tuple(inputs),
        title=str(doc.get("title") or ""), functions=functions,
        directions=_named_vectors(ctx, "directions", variables),
        states=_named_vectors(ctx, "states", variables), source=file, texts=texts,
        definitions=definitions)


def _top_level(ctx: Context) -> tuple[str, str]:
    """Known keys, the format version, the name, free-text fields and the kind."""
    doc = ctx.doc
    unknown = [k for k in doc if k not in _TOP_KEYS]
    if unknown:
        raise ctx.where(unknown[0]).error(
            f"unknown top-level key {unknown[0]!r}; allowed: {', '.join(sorted(_TOP_KEYS))}",
            name=unknown[0])
    version = doc.get("dynena")
    if version is None:
        raise ctx.where("dynena").error("missing format version: add 'dynena: 1' at the top")
    if str(version) != str(SCHEMA_VERSION):
        raise ctx.where("dynena").error(
            f"unsupported format version {version!r}; this dynena reads version {SCHEMA_VERSION}")
    name = doc.get("name")
    if name is None:
        raise ctx.where("name").error("the model needs a 'name:'")
    check_identifier(str(name), ctx.where("name"), "model")
    for key in ("title", "description"):
        if key in doc and not isinstance(doc[key], (str, int, float, type(None))):
            raise ctx.where(key).error(f"'{key}:' must be text, got a "
                                       f"{type(doc[key]).__name__}")
    if "outputs" in doc and "arrays" not in doc:
        raise ctx.where("outputs").error("'outputs:' (linear read-outs M@x) belong to "
                                         "vector-form models; declare 'arrays:' as well")
    kind = str(doc.get("kind", "ode"))
    if kind not in ("ode", "map"):
        raise ctx.where("kind").error(f"kind must be 'ode' or 'map', got {kind!r}", name=kind)
    return str(name), kind


def _variables(ctx: Context, declare: Declarations
               ) -> tuple[list[str], dict[str, tuple[float, float]]]:
    variables: list[str] = []
    ranges: dict[str, tuple[float, float]] = {}
    var_entries = entries(ctx, "variables", required=True)
    if len(var_entries) > limit("scalar_variables"):
        raise ctx.where("variables").error(
            f"{len(var_entries)} variables in a scalar-form model; the limit is "
            f"{limit('scalar_variables')} (raise it with {env_name('scalar_variables')}, or "
            "write the model in vector form with arrays: and sizes)")
    for vname, spec in var_entries:
        declare(vname, "variable", "variables")
        check_keys(ctx, "variables", vname, spec, {"range", "description", "unit"})
        variables.append(vname)
        r = value_range(ctx, "variables", vname, spec)
        if r:
            ranges[vname] = r
    if not variables:
        raise ctx.where("variables").error("the model declares no variables")
    return variables, ranges


def _parameters(ctx: Context, declare: Declarations
                ) -> tuple[dict[str, sp.Expr], dict[str, tuple[float, float]]]:
    """``name: value`` or ``name: {value: V, range: [lo, hi]}``, values exact."""
    parameters: dict[str, sp.Expr] = {}
    pranges: dict[str, tuple[float, float]] = {}
    for pname, spec in entries(ctx, "parameters"):
        declare(pname, "parameter", "parameters")
        value = spec
        if isinstance(spec, Mapping):
            check_keys(ctx, "parameters", pname, spec, {"value", "range", "description", "unit"})
            if "value" not in spec:
                raise ctx.where("parameters", pname).error(
                    f"parameter {pname!r} needs a value", name=pname)
            value = spec["value"]
            r = value_range(ctx, "parameters", pname, spec)
            if r:
                pranges[pname] = r
        try:
            parameters[pname] = exact_value(value, pname)
        except ParameterError as exc:
            raise ctx.where("parameters", pname).error(str(exc), name=pname) from None
    return parameters, pranges


def _functions(ctx: Context, declare: Declarations, names: dict[str, Any]
               ) -> dict[str, sp.Lambda]:
    """``name(arg, ...): body``; a body sees the declared names and earlier functions."""
    functions: dict[str, sp.Lambda] = {}
    for head, body in entries(ctx, "functions"):
        w = ctx.where("functions", head)
        fname, args = _function_head(head, w)
        declare(fname, "function", "functions")
        argsyms = [sp.Symbol(f"_arg_{a}", real=True) for a in args]
        local = dict(names)
        local.update(functions)
        local.update({a: s for a, s in zip(args, argsyms)})
        functions[fname] = sp.Lambda(tuple(argsyms), parse_expression(body, local, w))
    return functions


def _definitions(ctx: Context, declare: Declarations, names: dict[str, Any]
                 ) -> dict[str, sp.Expr]:
    """Named expressions in order; each becomes a name for the ones after it (``names`` is
    extended in place)."""
    definitions: dict[str, sp.Expr] = {}
    for dname, body in entries(ctx, "definitions"):
        w = ctx.where("definitions", dname)
        declare(dname, "definition", "definitions")
        expr = parse_expression(body, names, w)
        if not isinstance(expr, sp.Expr):
            raise w.error(f"definition {dname!r} is not an expression", name=dname)
        definitions[dname] = expr
        names[dname] = sp.Symbol(dname, real=True)
    return definitions


def _equations(ctx: Context, variables: list[str], names: dict[str, Any]
               ) -> tuple[list[sp.Expr], dict[str, str]]:
    """One right-hand side per variable, no more, no less; also the text as written."""
    eq_entries = dict(entries(ctx, "equations", required=True))
    for vname in variables:
        if vname not in eq_entries:
            raise ctx.where("equations").error(
                f"variable {vname!r} has no equation; add '{vname}: ...' under equations:",
                name=vname)
    for ename in eq_entries:
        if ename not in variables:
            raise ctx.where("equations", ename).error(
                f"equation for {ename!r}, which is not a declared variable "
                f"(variables: {', '.join(variables)})", name=ename)
    equations: list[sp.Expr] = []
    texts: dict[str, str] = {}
    for vname in variables:
        w = ctx.where("equations", vname)
        expr = parse_expression(eq_entries[vname], names, w)
        if not isinstance(expr, sp.Expr):
            raise w.error(f"equation for {vname!r} is not an expression", name=vname)
        equations.append(sp.sympify(expr))
        texts[vname] = str(eq_entries[vname])
    return equations, texts


def _check_finite(ctx: Context, definitions: dict[str, sp.Expr],
                  equations: dict[str, sp.Expr], parameters: dict[str, sp.Expr]) -> None:
    """The state-free parts of every right-hand side are finite reals at the parameters."""
    exprs = {**{f"definitions.{k}": e for k, e in definitions.items()},
             **{f"equations.{v}": e for v, e in equations.items()}}
    fault = parameter_fault(exprs, parameters)
    if fault:
        section, key = fault[0].split(".", 1)
        raise ctx.where(section, key).error(
            f"at the given parameter values, {fault[1]}; the right-hand side must be real and "
            "finite in double precision", name=key)


def _function_head(head: str, w: Where) -> tuple[str, list[str]]:
    head = head.strip()
    if "(" not in head or not head.endswith(")"):
        raise w.error(f"function {head!r} must be written as name(arg, ...)", name=head)
    fname, rest = head.split("(", 1)
    args = [a.strip() for a in rest[:-1].split(",") if a.strip()]
    for a in args:
        if not a.isidentifier() or a.startswith("_"):
            raise w.error(f"argument {a!r} of {fname!r} is not a name", name=a)
        if args.count(a) > 1:
            raise w.error(f"argument {a!r} of {fname!r} is repeated", name=a)
    return fname.strip(), args


def _named_vectors(ctx: Context, section: str, variables: list[str]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for key, spec in entries(ctx, section):
        w = ctx.where(section, key)
        if not isinstance(spec, Mapping):
            raise w.error(f"{section[:-1]} {key!r} must map variable names to numbers", name=key)
        vec: dict[str, float] = {}
        for var, val in spec.items():
            if var not in variables:
                raise w.error(f"{section[:-1]} {key!r} names {var!r}, which is not a variable "
                              f"(variables: {', '.join(variables)})", name=str(var))
            x = float(sp.N(parse_expression(val, {}, w)))
            if not math.isfinite(x):
                raise w.error(f"{section[:-1]} {key!r}: value for {var!r} is not finite", name=var)
            vec[str(var)] = x
        if section == "directions" and not any(vec.values()):
            raise w.error(f"direction {key!r} is zero", name=key)
        out[str(key)] = vec
    return out

