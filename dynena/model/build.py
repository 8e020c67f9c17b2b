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
from .faults import parameter_fault
from .load import LineDict
from .model import Model, _exact_value
from .parse import Where, check_identifier, parse_expression

__all__ = ["build_model", "SCHEMA_VERSION"]

SCHEMA_VERSION = 1
_TOP_KEYS = {"dynena", "definitions", "name", "title", "description", "references", "kind",
             "variables", "parameters", "inputs", "functions", "equations", "directions", "states",
             "arrays", "outputs"}


class _Ctx:
    """Location helper: file plus the line of each key in the document."""

    def __init__(self, doc: Mapping[str, Any], file: str | None) -> None:
        self.doc, self.file = doc, file

    def where(self, section: str, key: str | None = None, node: Any = None) -> Where:
        line = None
        container = node if node is not None else self.doc.get(section)
        if key is not None and isinstance(container, LineDict):
            line = container.lines.get(key)
        if line is None and isinstance(self.doc, LineDict):
            line = self.doc.lines.get(section)
        path = section if key is None else f"{section}.{key}"
        return Where(self.file, line, path)


class Declarations:
    """The names a document has declared so far; a second declaration is a located error."""

    def __init__(self, ctx: _Ctx, seen: dict[str, str] | None = None) -> None:
        self.ctx = ctx
        self.seen: dict[str, str] = dict(seen or {})

    def __call__(self, name: str, what: str, section: str) -> str:
        w = self.ctx.where(section, name)
        check_identifier(name, w, what)
        if name in self.seen:
            raise w.error(f"duplicate name {name!r}: already declared as a {self.seen[name]}",
                          name=name)
        self.seen[name] = what
        return name


def _entries(ctx: _Ctx, section: str, *, required: bool = False) -> list[tuple[str, Any]]:
    """A section as (name, value) pairs; lists of names are accepted for variables/inputs."""
    raw = ctx.doc.get(section)
    if raw is None:
        if required:
            raise ctx.where(section).error(f"the section '{section}:' is required")
        return []
    if isinstance(raw, list) and section in ("variables", "inputs"):
        return [(str(v), None) for v in raw]
    if not isinstance(raw, Mapping):
        raise ctx.where(section).error(f"'{section}:' must be a mapping of names")
    return list(raw.items())


def _range(ctx: _Ctx, section: str, name: str, spec: Any) -> tuple[float, float] | None:
    if not isinstance(spec, Mapping) or "range" not in spec:
        return None
    r = spec["range"]
    w = ctx.where(section, name)
    if not (isinstance(r, list) and len(r) == 2):
        raise w.error(f"range of {name!r} must be [low, high], got {r!r}", name=name)
    try:
        lo, hi = (float(sp.N(parse_expression(v, {}, w))) for v in r)
    except ModelError:
        raise
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise w.error(f"range of {name!r} must be finite with low < high, got {r!r}", name=name)
    return (lo, hi)


def _check_keys(ctx: _Ctx, section: str, name: str, spec: Any, allowed: set[str]) -> None:
    if spec is None:
        return
    if not isinstance(spec, Mapping):
        raise ctx.where(section, name).error(
            f"{name!r} must be given as a mapping ({', '.join(sorted(allowed))}), got {spec!r}",
            name=name)
    bad = set(spec) - allowed
    if bad:
        raise ctx.where(section, name).error(
            f"unknown key(s) {sorted(bad)} for {name!r}; allowed: {sorted(allowed)}", name=name)


def build_model(doc: Any, *, file: str | None = None, base_dir: Path | None = None
                ) -> Model | Any:
    """Validate a model document and build a :class:`Model` (or a vector-form model)."""
    if not isinstance(doc, Mapping):
        raise ModelError("a model file must be a YAML mapping (name: ..., equations: ...)",
                         file=file)
    ctx = _Ctx(doc, file)
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

    if "arrays" in doc or "outputs" in doc:
        from .vector import build_vector_model

        return build_vector_model(doc, ctx, base_dir=base_dir, kind=kind)

    declare = Declarations(ctx)

    variables: list[str] = []
    ranges: dict[str, tuple[float, float]] = {}
    var_entries = _entries(ctx, "variables", required=True)
    if len(var_entries) > limit("scalar_variables"):
        raise ctx.where("variables").error(
            f"{len(var_entries)} variables in a scalar-form model; the limit is "
            f"{limit('scalar_variables')} (raise it with {env_name('scalar_variables')}, or "
            "write the model in vector form with arrays: and sizes)")
    for vname, spec in var_entries:
        declare(vname, "variable", "variables")
        _check_keys(ctx, "variables", vname, spec, {"range", "description", "unit"})
        variables.append(vname)
        r = _range(ctx, "variables", vname, spec)
        if r:
            ranges[vname] = r
    if not variables:
        raise ctx.where("variables").error("the model declares no variables")

    parameters: dict[str, sp.Expr] = {}
    pranges: dict[str, tuple[float, float]] = {}
    for pname, spec in _entries(ctx, "parameters"):
        declare(pname, "parameter", "parameters")
        value = spec
        if isinstance(spec, Mapping):
            _check_keys(ctx, "parameters", pname, spec, {"value", "range", "description", "unit"})
            if "value" not in spec:
                raise ctx.where("parameters", pname).error(
                    f"parameter {pname!r} needs a value", name=pname)
            value = spec["value"]
            r = _range(ctx, "parameters", pname, spec)
            if r:
                pranges[pname] = r
        try:
            parameters[pname] = _exact_value(value, pname)
        except ParameterError as exc:
            raise ctx.where("parameters", pname).error(str(exc), name=pname) from None

    inputs: list[str] = []
    for iname, spec in _entries(ctx, "inputs"):
        declare(iname, "input", "inputs")
        _check_keys(ctx, "inputs", iname, spec, {"description", "unit"})
        inputs.append(iname)

    names: dict[str, Any] = {k: sp.Symbol(k, real=True) for k in [*variables, *parameters, *inputs]}
    functions: dict[str, sp.Lambda] = {}
    for head, body in _entries(ctx, "functions"):
        w = ctx.where("functions", head)
        fname, args = _function_head(head, w)
        declare(fname, "function", "functions")
        argsyms = [sp.Symbol(f"_arg_{a}", real=True) for a in args]
        local = dict(names)
        local.update(functions)
        local.update({a: s for a, s in zip(args, argsyms)})
        expr = parse_expression(body, local, w)
        functions[fname] = sp.Lambda(tuple(argsyms), expr)
    names.update(functions)

    definitions: dict[str, sp.Expr] = {}
    for dname, body in _entries(ctx, "definitions"):
        w = ctx.where("definitions", dname)
        declare(dname, "definition", "definitions")
        expr = parse_expression(body, names, w)
        if not isinstance(expr, sp.Expr):
            raise w.error(f"definition {dname!r} is not an expression", name=dname)
        definitions[dname] = expr
        names[dname] = sp.Symbol(dname, real=True)

    eq_entries = dict(_entries(ctx, "equations", required=True))
    equations: list[sp.Expr] = []
    texts: dict[str, str] = {}
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
    for vname in variables:
        w = ctx.where("equations", vname)
        expr = parse_expression(eq_entries[vname], names, w)
        if not isinstance(expr, sp.Expr):
            raise w.error(f"equation for {vname!r} is not an expression", name=vname)
        equations.append(sp.sympify(expr))
        texts[vname] = str(eq_entries[vname])

    exprs = {**{f"definitions.{k}": e for k, e in definitions.items()},
             **{f"equations.{v}": e for v, e in zip(variables, equations)}}
    fault = parameter_fault(exprs, parameters)
    if fault:
        section, key = fault[0].split(".", 1)
        raise ctx.where(section, key).error(
            f"at the given parameter values, {fault[1]}; the right-hand side must be real and "
            "finite in double precision", name=key)

    directions = _named_vectors(ctx, "directions", variables)
    states = _named_vectors(ctx, "states", variables)
    return Model(
        name=str(name), kind=kind,  # type: ignore[arg-type]
        variables=tuple(variables), equations=tuple(equations), parameters=parameters,
        ranges=ranges, parameter_ranges=pranges, inputs=tuple(inputs),
        title=str(doc.get("title") or ""), functions=functions, directions=directions,
        states=states, source=file, texts=texts, definitions=definitions)


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


def _named_vectors(ctx: _Ctx, section: str, variables: list[str]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for key, spec in _entries(ctx, section):
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

