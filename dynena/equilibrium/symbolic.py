"""Exact count of equilibria for small polynomial (or rational) systems, by sympy."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ..compile.system import CompiledSystem
from ..model.model import Model

__all__ = ["symbolic_equilibria", "symbolic_equilibria_timed"]


def _real_solutions(polys: list[sp.Poly], xs: tuple[sp.Symbol, ...]) -> list[list[float]] | None:
    r"""Every real solution of a zero-dimensional polynomial system, or None.

    A lex Gröbner basis in *shape position* — :math:`x_k - g_k(x_n)` for :math:`k < n` and one
    univariate :math:`h(x_n)` — puts the real solutions in one-to-one correspondence with the
    real roots of :math:`h`, which sympy isolates exactly (``real_roots``: rational
    isolating intervals, no root lost). Any other basis shape gives no exact count (None):
    ``solve_poly_system`` was not used because it returns an empty list when it cannot write
    the roots in radicals — a silently wrong count.
    """
    try:
        G = sp.groebner([p.as_expr() for p in polys], *xs, order="lex")
    except (sp.PolynomialError, NotImplementedError, ValueError):
        return None
    exprs = list(G.exprs)
    if exprs == [1]:
        return []  # no complex solution at all
    last = xs[-1]
    h = [e for e in exprs if e.free_symbols <= {last}]
    rest = [e for e in exprs if not e.free_symbols <= {last}]
    if len(h) != 1:
        return None  # positive-dimensional
    if len(rest) != len(xs) - 1:
        return _by_eliminants(polys, xs)
    g: dict[sp.Symbol, sp.Expr] = {}
    for x in xs[:-1]:
        lin = [e for e in rest if sp.Poly(e, x).degree() == 1 and
               e.free_symbols <= {x, last} and sp.Poly(e, x).LC().free_symbols == set()]
        if len(lin) != 1:
            return _by_eliminants(polys, xs)
        P = sp.Poly(lin[0], x)
        g[x] = -P.nth(0) / P.LC()
    roots = sp.Poly(h[0], last).real_roots()
    out = []
    for r in sorted(set(roots), key=lambda z: float(sp.N(z, 30))):
        v = sp.N(r, 30)
        out.append([float(sp.N(g[x].subs(last, v), 30)) for x in xs[:-1]] + [float(v)])
    return out


def _by_eliminants(polys: list[sp.Poly], xs: tuple[sp.Symbol, ...]) -> list[list[float]] | None:
    """Real solutions when the basis is not in shape position (decoupled systems such as
    ``x - x^3, y - y^3``): every real solution has, as its k-th coordinate, a real root of the
    eliminant in ``x_k`` (isolated exactly); the candidates of the grid of those roots that
    solve the system at 30 digits are the solutions."""
    import itertools

    coords: list[list[sp.Expr]] = []
    for k, x in enumerate(xs):
        order = (*xs[:k], *xs[k + 1:], x)
        G = sp.groebner([p.as_expr() for p in polys], *order, order="lex")
        uni = [e for e in G.exprs if e.free_symbols <= {x} and e.free_symbols]
        if not uni:
            return None  # x is free on the solution set: a continuum
        roots = sorted(set(sp.Poly(uni[0], x).real_roots()), key=lambda z: float(sp.N(z)))
        coords.append([sp.N(r, 30) for r in roots])
    if np.prod([len(c) for c in coords]) > 20_000:
        return None
    exprs = [p.as_expr() for p in polys]
    scale = [max(1.0, max((abs(float(c)) for c in p.coeffs()), default=1.0)) for p in polys]
    out = []
    for cand in itertools.product(*coords):
        sub = dict(zip(xs, cand))
        if all(abs(complex(e.evalf(30, subs=sub))) < 1e-18 * sc for e, sc in zip(exprs, scale)):
            out.append([float(v) for v in cand])
    return out


def symbolic_equilibria(model: Any, box_lo: np.ndarray, box_hi: np.ndarray,
                        max_bezout: int = 27) -> np.ndarray | None:
    """Real equilibria inside the box from an exact polynomial solve, or None.

    Applies to scalar-form models with at most 3 variables whose equilibrium conditions are
    rational in the state (numerators taken) with a Bézout bound of at most ``max_bezout``.
    """
    m = model.model if isinstance(model, CompiledSystem) else model
    if not isinstance(m, Model) or m.n > 3:
        return None
    # exact arithmetic throughout: floats such as 3.0 become rationals
    subs = {sp.Symbol(k, real=True): sp.nsimplify(v, rational=True)
            for k, v in m.parameters.items()}
    subs.update({s: sp.Integer(0) for s in m.u})  # autonomous: inputs are zero
    xs = m.x
    polys = []
    bezout = 1
    try:
        for x, e in zip(xs, m.expanded_equations()):
            e = sp.nsimplify(e.xreplace(subs), rational=True)
            if m.kind == "map":
                e = e - x
            num, _ = sp.fraction(sp.together(e))
            num = sp.expand(num)
            if not num.is_polynomial(*xs):
                return None
            if num == 0:
                return None  # an identity: every point is an equilibrium
            P = sp.Poly(num, *xs)
            bezout *= max(P.total_degree(), 1)
            polys.append(P)
    except (sp.PolynomialError, TypeError, ValueError):
        return None
    if bezout > max_bezout:
        return None
    pts = _real_solutions(polys, xs)
    if pts is None:
        return None
    # keep roots that are real equilibria of the original (denominators non-zero) in the box
    out = []
    for p in pts:
        arr = np.array(p)
        if np.all(arr >= box_lo - 1e-9) and np.all(arr <= box_hi + 1e-9):
            out.append(arr)
    return np.array(out).reshape(-1, m.n)


def symbolic_equilibria_timed(model: Any, box_lo: np.ndarray, box_hi: np.ndarray,
                              time_limit: float | None = 5.0) -> tuple[np.ndarray | None, str]:
    """:func:`symbolic_equilibria` under a wall-clock limit: ``(roots or None, note)``.

    sympy's exact solve has no budget of its own (a small rational system can run for many
    minutes), so it runs in a forked child that is killed at ``time_limit`` seconds; the
    numerical search then stands alone and the note says why.
    """
    import multiprocessing as mp

    if time_limit is None or mp.current_process().daemon or "fork" not in \
            mp.get_all_start_methods():
        return symbolic_equilibria(model, box_lo, box_hi), ""
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_solve_in_child, args=(send, model, box_lo, box_hi), daemon=True)
    proc.start()
    send.close()
    try:
        if recv.poll(time_limit):
            roots = recv.recv()
            return (None if roots is None else np.asarray(roots, float).reshape(-1, len(box_lo)),
                    "")
        return None, (f"the exact polynomial solve was stopped at its time limit of "
                      f"{time_limit:g} s; the count rests on the numerical search")
    except EOFError:  # the child died (memory): no exact count
        return None, "the exact polynomial solve failed; the count rests on the numerical search"
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        recv.close()


def _solve_in_child(conn: Any, model: Any, box_lo: np.ndarray, box_hi: np.ndarray) -> None:
    try:
        roots = symbolic_equilibria(model, box_lo, box_hi)
        conn.send(None if roots is None else roots.tolist())
    except Exception:  # noqa: BLE001 - any failure means "no exact count"
        conn.send(None)
    finally:
        conn.close()
