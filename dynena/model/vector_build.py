"""Building a :class:`~dynena.model.vector.VectorModel` from a model document."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from ..errors import ParameterError
from ..limits import env_name, limit
from .declare import Context, Declarations
from .parse import Where, check_identifier, parse_expression
from .values import exact_value
from .vector import MatrixProduct, VectorEquation, VectorModel

__all__ = ["build_vector_model"]


@dataclass(frozen=True, eq=False)
class _MatRef:
    """A 2-D array during parsing (supports ``A @ B`` and ``A @ v``)."""

    name: str
    M: np.ndarray


def build_vector_model(doc: Mapping[str, Any], ctx: Context, *, base_dir: Path | None,
                       kind: str) -> VectorModel:
    """Build a :class:`VectorModel` from a validated top level (called by ``build_model``)."""
    file = ctx.file
    raw: dict[Any, Any] = {}
    spec = doc.get("arrays")
    w_arr = ctx.where("arrays")
    if spec is None:
        raise w_arr.error("vector-form models need 'arrays: FILE.npz' (or a mapping of arrays)")
    if isinstance(spec, str):
        folder = (base_dir or Path(".")).resolve()
        path = (folder / spec).resolve()
        # a model file from someone else must not make dynena read the user's other files
        if Path(spec).is_absolute() or not path.is_relative_to(folder):
            raise w_arr.error(f"array file {spec!r} lies outside the model's folder "
                              f"{str(folder)!r}; put the .npz beside the model file",
                              name=spec)
        if not path.is_file():
            raise w_arr.error(f"array file {str(path)!r} not found", name=spec)
        try:
            with np.load(path, allow_pickle=False) as data:
                raw = {k: data[k] for k in data.files}
        except Exception as exc:
            raise w_arr.error(f"cannot read arrays from {str(path)!r}: {exc}", name=spec) from None
    elif isinstance(spec, Mapping):  # inline arrays (Python use, small tests)
        raw = dict(spec)
    else:
        raise w_arr.error("'arrays:' must be a file name or a mapping of arrays")
    arrays = {str(k): _real_array(str(k), v, w_arr) for k, v in raw.items()}

    for k in arrays:
        check_identifier(k, w_arr, "array")
    declare = Declarations(ctx, {k: "array" for k in arrays})

    def sized(section: str, required: bool) -> list[tuple[str, int]]:
        out = []
        raw = _mapping(doc, section, ctx)
        if required and not raw:
            raise ctx.where(section).error(f"the section '{section}:' is required")
        for n, s in raw.items():
            declare(n, section[:-1], section)
            size = s.get("size") if isinstance(s, Mapping) else None
            if not isinstance(size, int) or isinstance(size, bool) or size < 1:
                raise ctx.where(section, n).error(
                    f"{section[:-1]} {n!r} needs 'size: N' (a positive integer) in a "
                    f"vector-form model, got {size!r}", name=n)
            if size > limit("vector_size"):
                raise ctx.where(section, n).error(
                    f"{section[:-1]} {n!r} has size {size}; the limit is "
                    f"{limit('vector_size')} (raise it with {env_name('vector_size')})", name=n)
            out.append((n, size))
        return out

    blocks = sized("variables", True)
    inputs = sized("inputs", False)
    sizes = dict(blocks + inputs)
    kinds = {**{b: "variable" for b, _ in blocks}, **{i: "input" for i, _ in inputs}}

    parameters: dict[str, sp.Expr] = {}
    for pname, pv in _mapping(doc, "parameters", ctx).items():
        declare(pname, "parameter", "parameters")
        value = pv.get("value") if isinstance(pv, Mapping) else pv
        try:
            parameters[pname] = exact_value(value, pname)
        except ParameterError as exc:
            raise ctx.where("parameters", pname).error(str(exc), name=pname) from None

    names: dict[str, Any] = {}
    for k, a in arrays.items():
        names[k] = _MatRef(k, a) if a.ndim == 2 else (
            sp.Symbol(k, real=True) if a.ndim == 1 else sp.Float(float(a)))
    for v in [*sizes, *parameters]:
        names[v] = sp.Symbol(v, real=True)

    outputs: dict[str, tuple[str, np.ndarray, str]] = {}
    for oname, text in _mapping(doc, "outputs", ctx).items():
        declare(oname, "output", "outputs")
        w = ctx.where("outputs", oname)
        holder: list[Any] = []

        def out_mm(a: Any, b: Any, w: Where = w, holder: list[Any] = holder,
                   oname: str = oname) -> Any:
            if isinstance(a, _MatRef) and isinstance(b, sp.Symbol) and b.name in kinds:
                _check_cols(a, b.name, sizes[b.name], w)
                holder.append((a.name, a.M, b.name))
                return sp.Symbol(f"_out_{oname}")
            raise w.error("an output must be a matrix times a variable, e.g. 'W_out@x'")

        got = parse_expression(text, names, w, matmul=out_mm)
        if len(holder) != 1 or got != sp.Symbol(f"_out_{oname}"):
            raise w.error("an output must be a single product 'M@v'", name=oname)
        outputs[oname] = holder[0]
        names[oname] = sp.Symbol(f"_output_{oname}", real=True)

    equations: list[VectorEquation] = []
    eq_entries = _mapping(doc, "equations", ctx)
    for b, _ in blocks:
        if b not in eq_entries:
            raise ctx.where("equations").error(f"variable {b!r} has no equation", name=b)
    for e in eq_entries:
        if e not in sizes or kinds[e] != "variable":
            raise ctx.where("equations", e).error(f"equation for {e!r}, which is not a "
                                                  "declared variable", name=str(e))
    for b, size in blocks:
        w = ctx.where("equations", b)
        products: list[MatrixProduct] = []

        def mm(a: Any, v: Any, w: Where = w, products: list[MatrixProduct] = products) -> Any:
            if isinstance(a, _MatRef) and isinstance(v, _MatRef):
                if a.M.shape[1] != v.M.shape[0]:
                    raise w.error(f"cannot multiply {a.name} {a.M.shape} by {v.name} "
                                  f"{v.M.shape}", name=a.name)
                return _MatRef(f"{a.name}@{v.name}", a.M @ v.M)
            if isinstance(a, _MatRef) and isinstance(v, sp.Symbol):
                nm = v.name
                M, label = a.M, a.name
                if nm.startswith("_output_"):
                    oname = nm[len("_output_"):]
                    on, oM, operand = outputs[oname]
                    _check_cols(a, oname, oM.shape[0], w)
                    M, label, nm = a.M @ oM, f"{a.name}@{on}", operand
                elif nm in kinds:
                    _check_cols(a, nm, sizes[nm], w)
                else:
                    raise w.error(f"'{a.name}@{nm}': the right operand of '@' must be a "
                                  "vector variable, input or output", name=nm)
                sym = sp.Symbol(f"_z{len(products)}", real=True)
                products.append(MatrixProduct(sym, label, M, nm, kinds[nm]))
                return sym
            raise w.error("'@' needs a 2-D array on the left and a vector (variable, input "
                          "or output) or another 2-D array on the right")

        g = parse_expression(eq_entries[b], names, w, matmul=mm)
        if isinstance(g, _MatRef):
            raise w.error("equation is a bare matrix; multiply it by a vector", name=b)
        g = sp.sympify(g)
        for pr in products:
            if pr.M.shape[0] != size:
                raise w.error(f"'{pr.matrix_name}@{pr.operand}' has {pr.M.shape[0]} rows but "
                              f"{b!r} has size {size}", name=pr.matrix_name)
        for s in g.free_symbols:
            if s.name.startswith("_output_"):
                raise w.error(f"output {s.name[8:]!r} may only appear as 'M@{s.name[8:]}' "
                              "in this version", name=s.name[8:])
            if s.name in sizes and sizes[s.name] != size:
                raise w.error(f"{s.name!r} (size {sizes[s.name]}) is used elementwise in the "
                              f"equation of {b!r} (size {size})", name=s.name)
            if s.name in arrays and arrays[s.name].shape != (size,):
                raise w.error(f"array {s.name!r} has shape {arrays[s.name].shape}, expected "
                              f"({size},) to act elementwise on {b!r}", name=s.name)
        equations.append(VectorEquation(b, g, tuple(products), str(eq_entries[b])))

    return VectorModel(name=str(doc["name"]), kind=kind, blocks=tuple(blocks),  # type: ignore
                       inputs_sized=tuple(inputs), parameters=parameters, arrays=arrays,
                       outputs=outputs, equations_v=tuple(equations),
                       title=str(doc.get("title") or ""), source=file)


def _mapping(doc: Mapping[str, Any], section: str, ctx: Context) -> Mapping[str, Any]:
    raw = doc.get(section) or {}
    if not isinstance(raw, Mapping):
        raise ctx.where(section).error(f"'{section}:' must be a mapping of names in a "
                                       f"vector-form model, got a {type(raw).__name__}")
    return raw


def _real_array(name: str, value: Any, w: Where) -> np.ndarray:
    """A finite real array of at most two dimensions, or a located error naming it."""
    try:
        a = np.asarray(value)
    except ValueError as exc:  # ragged nested lists
        raise w.error(f"array {name!r} is not rectangular: {exc}", name=name) from None
    if a.dtype == object:
        raise w.error(f"array {name!r} is not rectangular or not numeric", name=name)
    if np.iscomplexobj(a):
        raise w.error(f"array {name!r} is complex; dynena needs real arrays (its imaginary "
                      "part would be lost)", name=name)
    if a.dtype.kind not in "biuf":
        raise w.error(f"array {name!r} has dtype {a.dtype}, not numbers", name=name)
    if a.ndim > 2:
        raise w.error(f"array {name!r} has {a.ndim} dimensions {a.shape}; arrays are scalars, "
                      "vectors or matrices", name=name)
    if a.size > limit("array_elements"):
        raise w.error(f"array {name!r} has {a.size} elements; the limit is "
                      f"{limit('array_elements')} (raise it with {env_name('array_elements')})",
                      name=name)
    a = a.astype(float)
    if not np.all(np.isfinite(a)):
        raise w.error(f"array {name!r} has non-finite entries (NaN or infinity)", name=name)
    return a


def _check_cols(a: _MatRef, operand: str, size: int, w: Where) -> None:
    if a.M.shape[1] != size:
        raise w.error(f"array {a.name!r} has shape {a.M.shape}, so it cannot multiply "
                      f"{operand!r} of size {size}", name=a.name)
