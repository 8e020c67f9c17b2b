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


_NEXT = sp.Function("_next")


@dataclass(frozen=True, eq=False)
class _MatRef:
    """A 2-D array during parsing (supports ``A @ B`` and ``A @ v``)."""

    name: str
    M: np.ndarray


def build_vector_model(doc: Mapping[str, Any], ctx: Context, *, base_dir: Path | None,
                       kind: str) -> VectorModel:
    """Build a :class:`VectorModel` from a validated top level (called by ``build_model``)."""
    arrays = _read_arrays(doc, ctx, base_dir)
    w_arr = ctx.where("arrays")
    for k in arrays:
        check_identifier(k, w_arr, "array")
    declare = Declarations(ctx, {k: "array" for k in arrays})
    blocks = _sized(doc, ctx, declare, "variables", True)
    inputs = _sized(doc, ctx, declare, "inputs", False)
    shapes = _Shapes(dict(blocks + inputs),
                     {**{b: "variable" for b, _ in blocks}, **{i: "input" for i, _ in inputs}},
                     arrays)
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
    for v in [*shapes.sizes, *parameters]:
        names[v] = sp.Symbol(v, real=True)
    if "next" not in names:
        # next(v): block v after this step (stacked recurrent layers: layer l reads layer
        # l-1's new state within the same step); maps only, checked where it is used
        arg = sp.Symbol("_next_arg")
        names["next"] = sp.Lambda(arg, _NEXT(arg))
    bias: dict[str, tuple[str, np.ndarray]] = {}
    outputs = _outputs(doc, ctx, declare, names, shapes, bias)
    equations = _vector_equations(doc, ctx, blocks, names, outputs, shapes, bias, kind)
    return VectorModel(name=str(doc["name"]), kind=kind, blocks=tuple(blocks),  # type: ignore
                       inputs_sized=tuple(inputs), parameters=parameters, arrays=arrays,
                       outputs=outputs, equations_v=tuple(equations),
                       title=str(doc.get("title") or ""), source=ctx.file, output_bias=bias)


@dataclass(frozen=True)
class _Shapes:
    """Sizes and kinds of the declared blocks, and the arrays (for shape checks)."""

    sizes: dict[str, int]
    kinds: dict[str, str]  # "variable" or "input"
    arrays: dict[str, np.ndarray]


def _read_arrays(doc: Mapping[str, Any], ctx: Context, base_dir: Path | None
                 ) -> dict[str, np.ndarray]:
    """The arrays: an ``.npz`` beside the model file (never elsewhere; no pickles), or a
    mapping given from Python."""
    spec = doc.get("arrays")
    w_arr = ctx.where("arrays")
    if spec is None:
        raise w_arr.error("vector-form models need 'arrays: FILE.npz' (or a mapping of arrays)")
    raw: dict[Any, Any] = {}
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
    return {str(k): _real_array(str(k), v, w_arr) for k, v in raw.items()}


def _sized(doc: Mapping[str, Any], ctx: Context, declare: Declarations, section: str,
           required: bool) -> list[tuple[str, int]]:
    """Blocks ``name: {size: N}`` of a section (variables or inputs), sizes within limits."""
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


def _outputs(doc: Mapping[str, Any], ctx: Context, declare: Declarations,
             names: dict[str, Any], shapes: _Shapes, bias: dict[str, tuple[str, np.ndarray]]
             ) -> dict[str, tuple[str, np.ndarray, str]]:
    """Read-outs ``name: M@v`` or ``name: M@v + c`` (``c`` a 1-D array: a read-out bias, as
    ``nn.Linear`` has); each becomes a name equations may multiply."""
    outputs: dict[str, tuple[str, np.ndarray, str]] = {}
    for oname, text in _mapping(doc, "outputs", ctx).items():
        declare(oname, "output", "outputs")
        w = ctx.where("outputs", oname)
        holder: list[Any] = []

        def out_mm(a: Any, b: Any, w: Where = w, holder: list[Any] = holder,
                   oname: str = oname) -> Any:
            if isinstance(a, _MatRef) and isinstance(b, sp.Symbol) and b.name in shapes.kinds:
                _check_cols(a, b.name, shapes.sizes[b.name], w)
                holder.append((a.name, a.M, b.name))
                return sp.Symbol(f"_out_{oname}")
            raise w.error("an output must be a matrix times a variable, e.g. 'W_out@x'")

        got = parse_expression(text, names, w, matmul=out_mm)
        product = sp.Symbol(f"_out_{oname}")
        rest = sp.sympify(got) - product if len(holder) == 1 else None
        if rest is None or not (rest == 0 or (isinstance(rest, sp.Symbol) and
                                              rest.name in shapes.arrays)):
            raise w.error("an output must be a single product 'M@v', or 'M@v + c' with c a "
                          "1-D array (a read-out bias)", name=oname)
        if rest != 0:
            c = shapes.arrays[rest.name]
            if c.shape != (holder[0][1].shape[0],):
                raise w.error(f"the read-out bias {rest.name!r} has shape {c.shape}; "
                              f"{holder[0][0]!r} gives {holder[0][1].shape[0]} outputs",
                              name=rest.name)
            bias[oname] = (rest.name, c)
        outputs[oname] = holder[0]
        names[oname] = sp.Symbol(f"_output_{oname}", real=True)
    return outputs


class _Products:
    """The ``@`` of one equation: collects its matrix products ``z_k = M_k v_k`` (folding
    outputs and products of arrays) and stands a symbol in for each."""

    def __init__(self, w: Where, outputs: dict[str, tuple[str, np.ndarray, str]],
                 shapes: _Shapes, bias: dict[str, tuple[str, np.ndarray]], kind: str = "map",
                 earlier: tuple[str, ...] = ()) -> None:
        self.w, self.outputs, self.shapes, self.bias = w, outputs, shapes, bias
        self.kind, self.earlier = kind, earlier
        self.products: list[MatrixProduct] = []

    def __call__(self, a: Any, v: Any) -> Any:
        w = self.w
        if isinstance(a, _MatRef) and isinstance(v, _MatRef):
            if a.M.shape[1] != v.M.shape[0]:
                raise w.error(f"cannot multiply {a.name} {a.M.shape} by {v.name} "
                              f"{v.M.shape}", name=a.name)
            return _MatRef(f"{a.name}@{v.name}", a.M @ v.M)
        if isinstance(a, _MatRef) and isinstance(v, sp.Expr) and v.func == _NEXT:
            return self._next(a, v.args[0])
        if not (isinstance(a, _MatRef) and isinstance(v, sp.Symbol)):
            raise w.error("'@' needs a 2-D array on the left and a vector (variable, input "
                          "or output) or another 2-D array on the right")
        nm = v.name
        M, label = a.M, a.name
        if nm.startswith("_output_"):
            oname = nm[len("_output_"):]
            on, oM, operand = self.outputs[oname]
            _check_cols(a, oname, oM.shape[0], w)
            M, label, nm = a.M @ oM, f"{a.name}@{on}", operand
        elif nm in self.shapes.kinds:
            _check_cols(a, nm, self.shapes.sizes[nm], w)
        else:
            raise w.error(f"'{a.name}@{nm}': the right operand of '@' must be a "
                          "vector variable, input or output", name=nm)
        sym = sp.Symbol(f"_z{len(self.products)}", real=True)
        self.products.append(MatrixProduct(sym, label, M, nm, self.shapes.kinds[nm]))
        oname = v.name[len("_output_"):] if v.name.startswith("_output_") else None
        if oname in self.bias:
            # A@(M@x + c) = (A M)@x + (A c): the constant part as an array of its own
            cname, c = self.bias[oname]
            folded = f"_{a.name}_{cname}"
            self.shapes.arrays[folded] = a.M @ c
            return sym + sp.Symbol(folded, real=True)
        return sym


    def _next(self, a: _MatRef, v: Any) -> Any:
        """``M@next(v)``: a product with block ``v``'s value after this step, which must be
        computed before the block being built (declared earlier) in a map."""
        w = self.w
        name = getattr(v, "name", str(v))
        if self.kind != "map":
            raise w.error("next(...) is a block's value after the step: it exists in maps "
                          "(kind: map) only", name="next")
        if name not in self.earlier:
            what = "a variable declared before this equation's" if name in self.shapes.sizes \
                and self.shapes.kinds[name] == "variable" else "a variable"
            raise w.error(f"next({name}): the argument must be {what} variable (blocks are "
                          "stepped in the order they are declared)", name=name)
        _check_cols(a, name, self.shapes.sizes[name], w)
        sym = sp.Symbol(f"_z{len(self.products)}", real=True)
        self.products.append(MatrixProduct(sym, f"{a.name}@next({name})", a.M, name, "next"))
        return sym


def _vector_equations(doc: Mapping[str, Any], ctx: Context, blocks: list[tuple[str, int]],
                      names: dict[str, Any], outputs: dict[str, tuple[str, np.ndarray, str]],
                      shapes: _Shapes, bias: dict[str, tuple[str, np.ndarray]], kind: str
                      ) -> list[VectorEquation]:
    """One elementwise equation per variable block, its products and sizes checked."""
    eq_entries = _mapping(doc, "equations", ctx)
    for b, _ in blocks:
        if b not in eq_entries:
            raise ctx.where("equations").error(f"variable {b!r} has no equation", name=b)
    for e in eq_entries:
        if e not in shapes.sizes or shapes.kinds[e] != "variable":
            raise ctx.where("equations", e).error(f"equation for {e!r}, which is not a "
                                                  "declared variable", name=str(e))
    equations: list[VectorEquation] = []
    for k, (b, size) in enumerate(blocks):
        w = ctx.where("equations", b)
        mm = _Products(w, outputs, shapes, bias, kind,
                       tuple(name for name, _ in blocks[:k]))
        g = parse_expression(eq_entries[b], names, w, matmul=mm)
        if isinstance(g, _MatRef):
            raise w.error("equation is a bare matrix; multiply it by a vector", name=b)
        g = sp.sympify(g)
        if g.atoms(_NEXT):
            raise w.error("next(...) may only be multiplied by a matrix ('M@next(h)') in "
                          "this version", name="next")
        _check_elementwise(g, mm.products, b, size, w, shapes)
        equations.append(VectorEquation(b, g, tuple(mm.products), str(eq_entries[b])))
    return equations


def _check_elementwise(g: sp.Expr, products: list[MatrixProduct], b: str, size: int, w: Where,
                       shapes: _Shapes) -> None:
    """Every product has ``size`` rows; every vector and 1-D array in ``g`` has ``size``
    elements; outputs appear only inside products."""
    for pr in products:
        if pr.M.shape[0] != size:
            raise w.error(f"'{pr.matrix_name}@{pr.operand}' has {pr.M.shape[0]} rows but "
                          f"{b!r} has size {size}", name=pr.matrix_name)
    for s in g.free_symbols:
        if s.name.startswith("_output_"):
            raise w.error(f"output {s.name[8:]!r} may only appear as 'M@{s.name[8:]}' "
                          "in this version", name=s.name[8:])
        if s.name in shapes.sizes and shapes.sizes[s.name] != size:
            raise w.error(f"{s.name!r} (size {shapes.sizes[s.name]}) is used elementwise in the "
                          f"equation of {b!r} (size {size})", name=s.name)
        if s.name in shapes.arrays and shapes.arrays[s.name].shape != (size,):
            raise w.error(f"array {s.name!r} has shape {shapes.arrays[s.name].shape}, expected "
                          f"({size},) to act elementwise on {b!r}", name=s.name)


def _mapping(doc: Mapping[str, Any], section: str, ctx: Context) -> Mapping[str, Any]:
    raw = doc.get(section) or {}
    if not isinstance(raw, Mapping):
        raise ctx.where(section).error(f"'{section}:' must be a mapping of names in a "
                                       f"vector-form model, got a {type(raw).__name__}")
    return raw


def _real_array(name: str, value: Any, w: Where) -> Any:
    """A finite real array of at most two dimensions (a scipy.sparse matrix stays sparse, as
    CSR: the recurrent matrix of a large reservoir), or a located error naming it."""
    from scipy import sparse

    if sparse.issparse(value):
        M = sparse.csr_matrix(value, dtype=float) if not np.iscomplexobj(value.data) else None
        if M is None or M.ndim != 2:
            raise w.error(f"sparse array {name!r} must be a real 2-D matrix", name=name)
        if not np.all(np.isfinite(M.data)):
            raise w.error(f"sparse array {name!r} has non-finite entries", name=name)
        return M
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
