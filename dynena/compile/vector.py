r"""Compiled vector-form models: structured exact Jacobians of recurrent networks.

See :mod:`dynena.model.vector` for the maths. The elementwise function :math:`g` and its
partial derivatives are generated once (sympy, with CSE, vectorised over the N elements);
the Jacobian is assembled as ``diag(a) + sum_k c_k[:, None] * M_k``.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import sympy as sp
from scipy import sparse

from .._typing import Array
from ..model.derivative import almost_everywhere
from ..model.vector import MatrixProduct, VectorEquation, VectorModel
from .compiled import CompiledModel
from .kind import kind_of

__all__ = ["VectorCompiledModel", "compile_vector_model"]


def _add(A: Any, B: Any) -> Any:
    """The sum of two matrices that may be sparse: sparse when both are, else an ndarray."""
    if sparse.issparse(A) and sparse.issparse(B):
        return sparse.csr_matrix(A + B)
    return np.asarray((A.toarray() if sparse.issparse(A) else A) +
                      (B.toarray() if sparse.issparse(B) else B))


def _times(M: Any, X: Array) -> Array:
    """Rows of ``X`` (shape (..., n)) times ``Mᵀ``: the products z = M x of a batch, for a
    dense or a sparse M."""
    if sparse.issparse(M):
        return np.asarray((M @ X.reshape(-1, X.shape[-1]).T).T).reshape(*X.shape[:-1], -1)
    return np.asarray(X @ M.T)


def _scaled_rows(c: Array, M: Any) -> Array:
    """diag(c) M as a dense array (the Jacobian's term of one product)."""
    if sparse.issparse(M):
        return np.asarray((sparse.diags(c) @ M).toarray())
    return np.asarray(c[:, None] * M)


class _Block:
    """One equation, ready to evaluate."""

    def __init__(self, eq: VectorEquation, model: VectorModel) -> None:
        g = eq.g
        prods: list[MatrixProduct] = list(eq.products)
        # Merge products with the same operand that g only sees through their sum,
        # e.g. W@x + W_fb@(W_out@x) -> (W + W_fb W_out)@x: one matvec, one matrix in D_x f.
        merged = True
        while merged:
            merged = False
            for i in range(len(prods)):
                for j in range(i + 1, len(prods)):
                    a, b = prods[i], prods[j]
                    if a.operand != b.operand or a.operand_kind != b.operand_kind or \
                            sparse.issparse(a.M) != sparse.issparse(b.M):
                        continue  # (a sparse matrix is not densified by a merge)
                    if g.xreplace({a.symbol: a.symbol + b.symbol, b.symbol: 0}) == g:
                        g = g.xreplace({b.symbol: 0})
                        prods[i] = MatrixProduct(a.symbol, f"{a.matrix_name}+{b.matrix_name}",
                                                 _add(a.M, b.M), a.operand, a.operand_kind)
                        del prods[j]
                        merged = True
                        break
                if merged:
                    break
        self.var = eq.variable
        self.g = g
        self.products = prods
        params = [sp.Symbol(k, real=True) for k in model.parameters]
        self.elem_syms = sorted((s for s in g.free_symbols if s.name in dict(model.blocks)
                                 or s.name in dict(model.inputs_sized)
                                 or s.name in model.arrays), key=lambda s: s.name)
        self.args = [*self.elem_syms, *(pr.symbol for pr in prods), *params]
        dvars = [s for s in self.elem_syms if s.name in dict(model.blocks)]
        dins = [s for s in self.elem_syms if s.name in dict(model.inputs_sized)]
        self.dvars, self.dins = dvars, dins
        outs = [g, *(almost_everywhere(sp.diff(g, s))
                     for s in [*dvars, *dins, *(pr.symbol for pr in prods), *params])]
        self.f_fn = sp.lambdify(self.args, g, modules="numpy", cse=True)
        self.all_fn = sp.lambdify(self.args, outs, modules="numpy", cse=True)
        self.n_params = len(params)
        # where each argument comes from, resolved once (see VectorCompiledModel._plan)
        self.plan: tuple[list[tuple[int, Any]], list[tuple[int, bool, Any, slice]]] = ([], [])


class VectorCompiledModel(CompiledModel):
    """A compiled :class:`~dynena.model.vector.VectorModel`; same interface as CompiledModel."""

    def __init__(self, model: VectorModel, stats: dict[str, Any]) -> None:
        self.model = model  # type: ignore[assignment]
        self.kind = model.kind
        self.dynamics = kind_of(model.kind)
        self.n = model.n
        self.names = model.state_names
        self.parameter_names = tuple(model.parameters)
        self.input_names = model.inputs
        self.p = np.array([float(v) for v in model.parameters.values()], dtype=float)
        self.stats = stats
        self.backend = "numpy"
        self._u0 = np.zeros(len(self.input_names))
        self._slices = model.block_slices()
        k, self._islices = 0, {}
        for b, s in model.inputs_sized:
            self._islices[b] = slice(k, k + s)
            k += s
        self._blocks = [_Block(eq, model) for eq in model.equations_v]
        for blk in self._blocks:
            blk.plan = self._plan(blk)

    def _plan(self, blk: _Block) -> tuple[list[tuple[int, Any]], list[tuple[int, bool, Any,
                                                                            slice]]]:
        """Where ``blk``'s arguments come from: per elementwise symbol (0: a slice of the
        state, 1: of the inputs, 2: a constant array itself), per product (the operand: 0
        state, 1 inputs, 2 the blocks already stepped; sparse or not; Mᵀ if dense, else M;
        the operand's slice). Resolved once: a map's trajectories in a bisection are one
        or two rows, and looking the names up at every step was a third of its cost."""
        elems: list[tuple[int, Any]] = []
        for s in blk.elem_syms:
            if s.name in self._slices:
                elems.append((0, self._slices[s.name]))
            elif s.name in self._islices:
                elems.append((1, self._islices[s.name]))
            else:
                elems.append((2, self.model.arrays[s.name]))  # type: ignore[attr-defined]
        prods: list[tuple[int, bool, Any, slice]] = []
        for pr in blk.products:
            src = {"variable": 0, "input": 1}.get(pr.operand_kind, 2)
            cols = self._islices[pr.operand] if src == 1 else self._slices[pr.operand]
            is_sparse = bool(sparse.issparse(pr.M))
            prods.append((src, is_sparse, pr.M if is_sparse else np.asarray(pr.M).T, cols))
        return elems, prods

    def _values(self, blk: _Block, x: Array, u: Array, new: Array | None = None) -> list[Any]:
        """The arguments of ``blk``'s generated functions; ``new`` holds the blocks already
        stepped (for products ``M@next(v)``)."""
        elems, prods = blk.plan
        srcs = (x, u, new)
        vals: list[Any] = [srcs[k][..., s] if k < 2 else s  # type: ignore[index]
                           for k, s in elems]
        for k, is_sparse, M, cols in prods:
            v = srcs[k][..., cols]  # type: ignore[index]
            # (the rows times Mᵀ, as _times does)
            vals.append(_times(M, v) if is_sparse else np.asarray(v @ M))
        vals.extend(self.p)
        return vals

    def f(self, x: Any, u: Any = None) -> Array:
        x = np.asarray(x, dtype=float)
        u = self._u(u)
        out: Array = np.empty_like(x)
        for blk in self._blocks:
            out[..., self._slices[blk.var]] = blk.f_fn(*self._values(blk, x, u, out))
        return out

    def f_batch(self, X: Any, U: Any = None) -> Array:
        X = np.asarray(X, dtype=float)
        U = np.zeros((X.shape[0], len(self._u0))) if U is None else np.asarray(U, dtype=float)
        out: Array = np.empty_like(X)
        for blk in self._blocks:
            out[:, self._slices[blk.var]] = blk.f_fn(*self._values(blk, X, U, out))
        return out

    def _all(self, x: Array, u: Array) -> list[tuple[_Block, list[Any]]]:
        """Each block's value and partial derivatives, block after block (a block may read
        the stepped value of an earlier one)."""
        new = np.empty(np.broadcast_shapes(x.shape[:-1], u.shape[:-1]) + (self.n,))
        res = []
        for blk in self._blocks:
            vals = blk.all_fn(*self._values(blk, x, u, new))
            new[..., self._slices[blk.var]] = vals[0]
            res.append((blk, vals))
        return res

    def _chain(self, blk: _Block, vals: list[Any], size: int, batch: tuple[int, ...] = ()
               ) -> list[tuple[Array, Any, slice]]:
        r"""The products ``M@next(v)`` of a block: ``(c, M, rows of v)``; their Jacobian
        term is :math:`\mathrm{diag}(c)\, M\, D(\text{new } v)`, the rows of v already
        complete (blocks are stepped in order)."""
        out = []
        k = 1 + len(blk.dvars) + len(blk.dins)
        for pr in blk.products:
            if pr.operand_kind == "next":
                out.append((np.broadcast_to(vals[k], batch + (size,)).astype(float), pr.M,
                            self._slices[pr.operand]))
            k += 1
        return out

    def jac(self, x: Any, u: Any = None) -> Array:
        r"""Structured exact Jacobian :math:`\mathrm{diag}(a) + \sum_k \mathrm{diag}(c_k) M_k`."""
        x = np.asarray(x, dtype=float)
        blocks: dict[tuple[str, str], Array] = {}
        chains: list[tuple[slice, list[tuple[Array, Any, slice]]]] = []
        for blk, vals in self._all(x, self._u(u)):
            rows = self._slices[blk.var]
            size = rows.stop - rows.start
            chains.append((rows, self._chain(blk, vals, size)))
            k = 1 + len(blk.dvars) + len(blk.dins)
            for pr in blk.products:
                if pr.operand_kind == "variable":
                    c = np.broadcast_to(vals[k], (size,))
                    key = (blk.var, pr.operand)
                    # the first term is written, not added: a fresh array costs one pass
                    term = _scaled_rows(np.asarray(c, dtype=float), pr.M)
                    if key in blocks:
                        blocks[key] += term
                    else:
                        blocks[key] = term
                k += 1
            for j, s in enumerate(blk.dvars):
                key = (blk.var, s.name)
                d = np.broadcast_to(vals[1 + j], (size,))
                if key not in blocks:
                    blocks[key] = np.diag(d.astype(float))
                else:
                    blocks[key][np.diag_indices(size)] += d
        if len(self._slices) == 1 and len(blocks) == 1:
            return next(iter(blocks.values()))
        J = np.zeros((self.n, self.n))
        for (r, cname), B in blocks.items():
            J[self._slices[r], self._slices[cname]] = B
        for rows, terms in chains:  # in step order: the rows read are complete
            for c, M, src in terms:
                J[rows] += c[:, None] * np.asarray(M @ J[src])
        return J

    def jvp_at(self, x: Any, u: Any = None) -> Any:
        r"""The map :math:`v \mapsto D_x f(x)\, v` at a fixed ``x``: the elementwise
        coefficients are evaluated once, each call is then one product per matrix (what a
        Krylov solver calls many times per Newton step)."""
        x = np.asarray(x, dtype=float)
        Terms = list[tuple[Array, Any, slice]]
        terms: list[tuple[slice, list[tuple[Array, slice]], Terms, Terms]] = []
        for blk, vals in self._all(x, self._u(u)):
            rows = self._slices[blk.var]
            size = rows.stop - rows.start
            diag = [(np.broadcast_to(vals[1 + j], (size,)).astype(float),
                     self._slices[sym.name]) for j, sym in enumerate(blk.dvars)]
            k = 1 + len(blk.dvars) + len(blk.dins)
            prods = []
            for pr in blk.products:
                if pr.operand_kind == "variable":
                    prods.append((np.broadcast_to(vals[k], (size,)).astype(float), pr.M,
                                  self._slices[pr.operand]))
                k += 1
            terms.append((rows, diag, prods, self._chain(blk, vals, size)))

        def apply(v: Any) -> Array:
            v = np.asarray(v, dtype=float).ravel()
            out = np.zeros(self.n)
            for rows, diag, prods, chain in terms:
                acc = np.zeros(rows.stop - rows.start)
                for d, cols in diag:
                    acc += d * v[cols]
                for cf, M, cols in prods:
                    acc += cf * _times(M, v[cols])
                for cf, M, src in chain:  # D(new v) v, already in out
                    acc += cf * _times(M, out[src])
                out[rows] = acc
            return out

        return apply

    def jvp(self, x: Any, v: Any, u: Any = None) -> Array:
        r""":math:`D_x f(x)\, v` without forming the Jacobian:
        :math:`\sum_j a_j \odot v_{b_j} + \sum_k c_k \odot (M_k v_{o_k})` — one matrix–vector
        product per matrix, sparse or dense (what Newton–Krylov and Arnoldi need for large
        networks)."""
        x = np.asarray(x, dtype=float)
        v = np.asarray(v, dtype=float)
        out = np.zeros(self.n)
        for blk, vals in self._all(x, self._u(u)):
            rows = self._slices[blk.var]
            size = rows.stop - rows.start
            acc = np.zeros(size)
            for j, sym in enumerate(blk.dvars):
                acc += np.broadcast_to(vals[1 + j], (size,)) * v[self._slices[sym.name]]
            k = 1 + len(blk.dvars) + len(blk.dins)
            for pr in blk.products:
                if pr.operand_kind == "variable":
                    acc += np.broadcast_to(vals[k], (size,)) * \
                        _times(pr.M, v[self._slices[pr.operand]])
                k += 1
            for cf, M, src in self._chain(blk, vals, size):
                acc += cf * _times(M, out[src])
            out[rows] = acc
        return out

    @property
    def is_sparse(self) -> bool:
        """Some matrix product of the model is sparse (a large reservoir)."""
        return any(sparse.issparse(pr.M) for blk in self._blocks for pr in blk.products)

    def jac_batch(self, X: Any, U: Any = None) -> Array:
        """Jacobians at a batch of states (B, n): the structured sum, every point at once."""
        X = np.asarray(X, dtype=float)
        if self.is_sparse:
            return np.stack([self.jac(x, None if U is None else U[i]) for i, x in enumerate(X)])
        B = X.shape[0]
        U = np.zeros((B, len(self._u0))) if U is None else np.asarray(U, dtype=float)
        J = np.zeros((B, self.n, self.n))
        chains: list[tuple[slice, list[tuple[Array, Any, slice]]]] = []
        written: set[tuple[str, str]] = set()
        for blk, vals in self._all(X, U):
            rows = self._slices[blk.var]
            size = rows.stop - rows.start
            chains.append((rows, self._chain(blk, vals, size, (B,))))
            k = 1 + len(blk.dvars) + len(blk.dins)
            for pr in blk.products:
                if pr.operand_kind == "variable":
                    c = np.broadcast_to(vals[k], (B, size))
                    view = J[:, rows, self._slices[pr.operand]]
                    if (blk.var, pr.operand) in written:
                        view += c[:, :, None] * pr.M[None]
                    else:  # the first term is written in place: no (B, n, n) temporary
                        np.multiply(c[:, :, None], pr.M[None], out=view)
                        written.add((blk.var, pr.operand))
                k += 1
            for j, sym in enumerate(blk.dvars):
                cols = self._slices[sym.name]
                d = np.broadcast_to(vals[1 + j], (B, size))
                i = np.arange(size)
                J[:, rows.start + i, cols.start + i] += d
        for rows, terms in chains:  # in step order: the rows read are complete
            for c, M, src in terms:
                J[:, rows] += c[:, :, None] * np.matmul(M, J[:, src])
        return J

    def dfdp_batch(self, X: Any, U: Any = None) -> Array:
        X = np.asarray(X, dtype=float)
        return np.stack([self.dfdp(x, None if U is None else U[i]) for i, x in enumerate(X)])

    def dfdu(self, x: Any, u: Any = None) -> Array:
        x = np.asarray(x, dtype=float)
        D = np.zeros((self.n, len(self._u0)))
        for blk, vals in self._all(x, self._u(u)):
            rows = self._slices[blk.var]
            size = rows.stop - rows.start
            k = 1 + len(blk.dvars)
            for s in blk.dins:
                cols = self._islices[s.name]
                D[rows, cols] += np.diag(np.broadcast_to(vals[k], (size,)))
                k += 1
            for pr in blk.products:
                if pr.operand_kind == "input":
                    c = np.broadcast_to(vals[k], (size,))
                    D[rows, self._islices[pr.operand]] += c[:, None] * pr.M
                k += 1
            for c, M, src in self._chain(blk, vals, size):
                D[rows] += c[:, None] * np.asarray(M @ D[src])
        return D

    def dfdp(self, x: Any, u: Any = None) -> Array:
        x = np.asarray(x, dtype=float)
        D = np.zeros((self.n, len(self.p)))
        for blk, vals in self._all(x, self._u(u)):
            rows = self._slices[blk.var]
            size = rows.stop - rows.start
            start = 1 + len(blk.dvars) + len(blk.dins) + len(blk.products)
            for j in range(blk.n_params):
                D[rows, j] = np.broadcast_to(vals[start + j], (size,))
            for c, M, src in self._chain(blk, vals, size):
                D[rows] += c[:, None] * np.asarray(M @ D[src])
        return D

    def with_parameters(self, values: Any = None, **kw: Any) -> VectorCompiledModel:
        return compile_vector_model(self.model.with_parameters(values, **kw))  # type: ignore

    def __repr__(self) -> str:
        return f"VectorCompiledModel({self.model.name!r}, kind={self.kind!r}, n={self.n})"


def compile_vector_model(model: VectorModel) -> VectorCompiledModel:
    """Compile a vector-form model (generation costs milliseconds; nothing is cached)."""
    t0 = time.perf_counter()
    out = VectorCompiledModel(model, {})
    out.stats = {"cached": False, "derive_s": 0.0, "generate_s": time.perf_counter() - t0,
                 "lines": 0}
    return out
