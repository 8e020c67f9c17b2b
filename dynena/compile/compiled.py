"""CompiledModel: numeric f, D_x f, D_p f, D_u f of a scalar-form model.

``compile_scalar_model(model)`` derives the exact derivatives, generates code (see
:mod:`dynena.compile.codegen`), caches it on disk and wraps it. Evaluation at one state uses
numba-compiled code (backend ``"numba"``) or the same code as plain Python (``"python"``);
batches of states always use numpy broadcasting.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import symengine as se
import sympy as sp

from .._typing import Array, KindName
from ..errors import DynenaWarning, ParameterError
from ..model.derivative import derivatives
from ..model.model import Model
from . import cache
from .codegen import CODEGEN_VERSION, canonical, generate_module, lift_floats
from .kind import kind_of

__all__ = ["CompiledModel", "compile_scalar_model"]

# Above this many generated lines numba's compile time outweighs its gain for typical use.
_NUMBA_MAX_LINES = 3000


class CompiledModel:
    r"""A model ready for numerics, at fixed parameter values.

    The state map is :math:`f(x; p, u)`: the vector field of an ode or the image of a map.

    Attributes
    ----------
    model : Model
        The symbolic model (the source of truth).
    kind : ``"ode"`` or ``"map"``
    n : int
        State dimension.
    names : tuple of str
        Variable names.
    parameter_names, input_names : tuple of str
    p : ndarray, shape (n_p,)
        Current parameter values.
    stats : dict
        ``derive_s``, ``generate_s``, ``cached`` (bool), ``lines`` of generated code.
    """

    def __init__(self, model: Model, module: Any, meta: dict[str, Any], p: Array,
                 backend: str, stats: dict[str, Any]) -> None:
        self.model = model
        self.kind: KindName = model.kind
        self.dynamics = kind_of(model.kind)
        self.n = model.n
        self.names = model.variables
        self.parameter_names = tuple(model.parameters)
        self.input_names = model.inputs
        self.p = np.ascontiguousarray(p, dtype=float)
        self.stats = stats
        self._module = module
        self._meta = meta
        self._u0 = np.zeros(len(model.inputs))
        self.n_definitions = int(meta.get("n_definitions", 0))
        self.jac_rows = np.asarray(meta["jac_rows"], dtype=np.intp)
        self.jac_cols = np.asarray(meta["jac_cols"], dtype=np.intp)
        if backend == "auto":
            backend = "numba" if meta["lines"] <= _NUMBA_MAX_LINES else "python"
        if backend not in ("numba", "python"):
            raise ParameterError(f"backend must be 'auto', 'numba' or 'python', got {backend!r}")
        self.backend = backend
        self._fast: dict[str, Any] = {}

    # -- construction helpers -------------------------------------------------------------
    def with_parameters(self, values: Mapping[str, Any] | None = None, **kw: Any
                        ) -> CompiledModel:
        """A copy at other parameter values; the generated code is shared."""
        vals = {**(values or {}), **kw}
        p = self.p.copy()
        for k, v in vals.items():
            if k not in self.parameter_names:
                raise ParameterError(f"unknown parameter {k!r} for model {self.model.name!r}; "
                                     f"it has: {', '.join(self.parameter_names) or 'none'}")
            p[self.parameter_names.index(k)] = float(v)
        new = CompiledModel.__new__(CompiledModel)
        new.__dict__.update(self.__dict__)
        new.p = p
        return new

    def with_backend(self, backend: str) -> CompiledModel:
        """A copy that evaluates single states with ``backend`` (``"numba"`` or ``"python"``);
        the generated code is shared, the compiled functions are not."""
        if backend not in ("numba", "python"):
            raise ParameterError(f"backend must be 'numba' or 'python', got {backend!r}")
        new = CompiledModel.__new__(CompiledModel)
        new.__dict__.update(self.__dict__)
        new.p = self.p.copy()
        new.backend = backend
        new._fast = {}
        return new

    def parameter_values(self) -> dict[str, float]:
        return dict(zip(self.parameter_names, map(float, self.p)))

    @property
    def code_module(self) -> str | None:
        """The import name of the generated module when it is a file in the code cache and
        compiled by numba (code that calls it can then be cached by numba too), else None."""
        if self.backend != "numba" or not getattr(self._module, "__file__", None):
            return None
        return str(self._module.__name__)

    @property
    def state_names(self) -> tuple[str, ...]:
        return self.names

    # -- evaluation ---------------------------------------------------------------------
    def _fn(self, name: str) -> Any:
        fn = self._fast.get(name)
        if fn is None:
            fn = getattr(self._module, name)
            if self.backend == "numba":
                try:
                    import numba

                    # numba caches beside a real file only (not for in-memory modules)
                    on_disk = bool(getattr(self._module, "__file__", None))
                    try:
                        jitted = numba.njit(cache=on_disk, error_model="numpy")(fn)
                        self._check(jitted, name)
                    except Exception:
                        if not on_disk:
                            raise
                        # a damaged numba cache must not mean slow Python for ever: clear
                        # it and compile afresh once
                        cache.clear_numba_cache(self._module)
                        jitted = numba.njit(cache=on_disk, error_model="numpy")(fn)
                        self._check(jitted, name)
                    fn = jitted
                except Exception as exc:  # unsupported function: keep the Python code
                    warnings.warn(f"numba could not compile {name} of {self.model.name!r} "
                                  f"({type(exc).__name__}); using plain Python",
                                  DynenaWarning, stacklevel=3)
                    self.backend = "python"
            if self.backend == "python":
                fn = _quiet(fn)
            self._fast[name] = fn
        return fn

    def _check(self, fn: Any, name: str) -> None:
        """Compile by calling once, at a generic state: at x = 0 many models are singular
        (a Newton map divides by |z|), which is no reason to give up numba."""
        x = np.full(self.n, 1 / np.pi)
        if name == "f":
            fn(x, self.p, self._u0, np.zeros(self.n))
        else:
            cols = {"jac": self.n, "dfdp": len(self.p), "dfdu": len(self._u0)}[name]
            fn(x, self.p, self._u0, *self._work(cols))

    def _work(self, cols: int, batch: tuple[int, ...] = ()) -> tuple[Array, Array, Array]:
        nd = self.n_definitions
        return (np.zeros((self.n, cols) + batch), np.zeros((self.n, nd) + batch),
                np.zeros((nd, cols) + batch))

    def _deriv(self, name: str, cols: int, x: Any, u: Any) -> Array:
        x = np.ascontiguousarray(x, dtype=float)
        out, fd, dd = self._fn(name)(x, self.p, self._u(u), *self._work(cols))
        if self.n_definitions:  # chain rule through the definitions
            out += fd @ dd
        return np.asarray(out)

    def _u(self, u: Any) -> Array:
        if u is None:
            return self._u0
        return np.ascontiguousarray(u, dtype=float).reshape(len(self._u0))

    def f(self, x: Any, u: Any = None) -> Array:
        r"""The right-hand side :math:`f(x; p, u)` at one state, shape ``(n,)``."""
        x = np.ascontiguousarray(x, dtype=float)
        return np.asarray(self._fn("f")(x, self.p, self._u(u), np.empty(self.n)))

    def jac(self, x: Any, u: Any = None) -> Array:
        r"""The exact Jacobian :math:`D_x f(x; p, u)`, shape ``(n, n)``."""
        return self._deriv("jac", self.n, x, u)

    def dfdp(self, x: Any, u: Any = None) -> Array:
        r""":math:`D_p f`, shape ``(n, n_p)``, columns in :attr:`parameter_names` order."""
        return self._deriv("dfdp", len(self.p), x, u)

    def dfdu(self, x: Any, u: Any = None) -> Array:
        r""":math:`D_u f`, shape ``(n, n_u)``, columns in :attr:`input_names` order."""
        return self._deriv("dfdu", len(self._u0), x, u)

    def f_batch(self, X: Any, U: Any = None) -> Array:
        """:math:`f` at a batch of states ``X`` of shape ``(B, n)``; returns ``(B, n)``."""
        X = np.asarray(X, dtype=float)
        B = X.shape[0]
        u = self._u0[:, None] if U is None else np.asarray(U, dtype=float).T
        out = np.empty((self.n, B))
        self._module.f(X.T, self.p, u, out)
        return out.T

    def jac_batch(self, X: Any, U: Any = None) -> Array:
        """Jacobians at a batch of states ``X`` of shape ``(B, n)``; returns ``(B, n, n)``."""
        X = np.asarray(X, dtype=float)
        B = X.shape[0]
        u = self._u0[:, None] if U is None else np.asarray(U, dtype=float).T
        out, fd, dd = self._module.jac(X.T, self.p, u, *self._work(self.n, (B,)))
        J: Array = np.moveaxis(out, 2, 0)
        if self.n_definitions:
            # the chain rule through the definitions as a batched product: 2.5 times
            # NumPy's einsum of the same sum (32 variables, 3 definitions, 800 states)
            J = np.matmul(np.moveaxis(fd, 2, 0), np.moveaxis(dd, 2, 0)) + J
        return J

    def dfdp_batch(self, X: Any, U: Any = None) -> Array:
        """:math:`D_p f` at a batch of states ``X`` of shape ``(B, n)``; returns
        ``(B, n, n_p)``."""
        X = np.asarray(X, dtype=float)
        B = X.shape[0]
        u = self._u0[:, None] if U is None else np.asarray(U, dtype=float).T
        cols = len(self.p)
        out, fd, dd = self._module.dfdp(X.T, self.p, u, *self._work(cols, (B,)))
        out = np.broadcast_to(out, (self.n, cols, B)).copy()
        if self.n_definitions:
            out += np.einsum("ikb,kjb->ijb", fd, dd)
        return np.moveaxis(out, 2, 0)

    def residual(self, x: Any) -> Array:
        """The equilibrium condition: f(x) (ode) or f(x) - x (map)."""
        return self.dynamics.residual(self.f(x), np.asarray(x, dtype=float))

    def residual_jac(self, x: Any) -> Array:
        """Its Jacobian: D_x f (ode) or D_x f - I (map)."""
        return self.dynamics.condition_jacobian(self.jac(x))

    def __repr__(self) -> str:
        return (f"CompiledModel({self.model.name!r}, kind={self.kind!r}, n={self.n}, "
                f"backend={self.backend!r})")


def _quiet(fn: Any) -> Any:
    """``fn`` evaluated without NumPy's floating-point warnings: a state outside a function's
    domain gives NaN as the numba-compiled code does, silently (the analyses test for it)."""
    def call(*args: Any) -> Any:
        with np.errstate(all="ignore"):
            return fn(*args)
    return call


def compile_scalar_model(model: Model, *, backend: str = "auto", use_cache: bool = True
                         ) -> CompiledModel:
    r"""Generate numeric code for :math:`f`, :math:`D_x f`, :math:`D_p f`, :math:`D_u f`.

    Parameters
    ----------
    model : Model
        A scalar-form model.
    backend : {"auto", "numba", "python"}
        Code for single-state evaluation. ``auto`` uses numba unless the generated code is
        very long (then numba's compile time would dominate).
    use_cache : bool
        Reuse and store generated code under :func:`dynena.compile.cache.cache_dir`.

    Returns
    -------
    CompiledModel
    """
    p = np.array([float(v) for v in model.parameters.values()], dtype=float)
    key = f"{model.name}_{model.digest()}_v{CODEGEN_VERSION}"
    t0 = time.perf_counter()
    hit = cache.load_cached(key) if use_cache else None
    if hit is not None:
        module, meta = hit
        stats = {"cached": True, "derive_s": 0.0, "generate_s": time.perf_counter() - t0,
                 "lines": meta["lines"]}
        return CompiledModel(model, module, meta, p, backend, stats)

    nd = len(model.definitions)
    lifted, consts = lift_floats([*model.definitions.values(), *model.equations])
    dsyms = [sp.Symbol(k, real=True) for k in model.definitions]
    allc, canon = canonical(lifted, {"x": model.x, "p": model.p, "u": model.u, "d": dsyms})
    defs, exprs = allc[:nd], allc[nd:]
    # Definitions may use earlier ones: expand them for their own derivatives (chain rule).
    expanded: list[se.Basic] = []
    sub: dict[se.Basic, se.Basic] = {}
    for dsym, e in zip(canon["d"], defs):
        ex = e.xreplace(sub) if sub else e
        expanded.append(ex)
        sub[dsym] = ex
    J = derivatives(exprs, canon["x"])
    Dp = derivatives(exprs, canon["p"])
    Du = derivatives(exprs, canon["u"])
    Fd = derivatives(exprs, canon["d"])  # df/d(definitions)
    Dx, Ddp, Ddu = (derivatives(expanded, canon[a]) for a in ("x", "p", "u"))
    t1 = time.perf_counter()

    def arrays(main: Any, dd: Any) -> dict[str, tuple[list[Any], list[str]]]:
        return {"out": (main.values, [f"{r}, {c}" for r, c in zip(main.rows, main.cols)]),
                "fd": (Fd.values if nd else [], [f"{r}, {c}" for r, c in zip(Fd.rows, Fd.cols)]),
                "dd": (dd.values if nd else [], [f"{r}, {c}" for r, c in zip(dd.rows, dd.cols)])}

    groups = {
        "f": {"out": (exprs, [str(i) for i in range(model.n)])},
        "jac": arrays(J, Dx), "dfdp": arrays(Dp, Ddp), "dfdu": arrays(Du, Ddu),
    }
    sizes = {"x": model.n, "p": len(model.parameters), "u": len(model.inputs)}
    pre = [(f"_d{k}", e) for k, e in enumerate(defs)]
    source = generate_module(model.name, groups, sizes, consts, pre)
    meta = {"jac_rows": J.rows, "jac_cols": J.cols, "lines": source.count("\n"),
            "n_definitions": nd, "dfdp_nnz": len(Dp.rows), "dfdu_nnz": len(Du.rows)}
    module = cache.store(key, source, meta, persist=use_cache)
    t2 = time.perf_counter()
    stats = {"cached": False, "derive_s": t1 - t0, "generate_s": t2 - t1, "lines": meta["lines"]}
    return CompiledModel(model, module, meta, p, backend, stats)
