r"""Symmetric nodes get equal thresholds: signed permutations and plane rotations of the
variables that commute with the dynamics, the nodes they pair, and the agreement of paired
connections.

An orthogonal :math:`R` (a signed permutation: each variable goes to ± another; or a
rotation in the plane of two variables) with :math:`f(Rx) = R f(x)` maps trajectories to
trajectories, basins to basins and kicks to kicks, and keeps the norm of a kick (the
weighted norm too, when the weights are equal on the variables it mixes). So when
:math:`R` maps node i to node i' and node j to node j', :math:`\delta_{ij} = \delta_{i'j'}`, and
a kick v from x attaining one gives the kick Rv from Rx for the other. Both are searched
(each is a check on the other); where they disagree the smaller value is a witness for both
and replaces the larger (the larger search missed a piece of the basin), with the larger of
the two lower bounds, and the network's message says which. The odd symmetry of
:func:`~dynena.network.work._mirrored` (R = -I on equilibria) instead computes one node of
each pair: that saves half the work but checks nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from .._typing import Array, IntArray
from ..compile.system import CompiledSystem
from ..results.network import Connection
from .context import _Selection

__all__ = ["agree", "describe", "group", "pair_nodes", "pair_saddles", "stabilizer",
           "symmetries"]

_MAX_VARIABLES = 8  # 2^n sign patterns times the transpositions: 7 424 candidates at n = 8


def symmetries(c: CompiledSystem, weights: Array | None = None) -> list[Array]:
    """The signed permutations R ≠ I (at most one transposition) and the rotations by
    2πm/k (k = 3, 5, 6, 8) in one plane of two variables with f(Rx) = R f(x) at four generic
    points (inputs at zero, as for state-space kicks), as matrices; none above 8 variables.
    (A Newton map of z^k = 1 commutes with the rotation by 2π/k; k = 2 and 4 are signed
    permutations.)"""
    n = c.n
    if n > _MAX_VARIABLES:
        return []
    rng = np.random.default_rng(5)
    X = rng.standard_normal((4, n)) * 0.7 + 0.1
    with np.errstate(all="ignore"):
        F = c.f_batch(X)
    if not np.all(np.isfinite(F)):
        return []
    scale = 1e-12 * (1.0 + float(np.max(np.abs(F))))
    w = np.ones(n) if weights is None else np.asarray(weights, float)
    perms = [np.arange(n)] + [_swap(n, i, j) for i, j in itertools.combinations(range(n), 2)
                              if w[i] == w[j]]
    candidates = []
    for p in perms:
        for signs in itertools.product((1.0, -1.0), repeat=n):
            R = np.zeros((n, n))
            R[np.arange(n), p] = signs
            if not np.array_equal(R, np.eye(n)):
                candidates.append(R)
    candidates += [_rotation(n, i, j, 2 * np.pi * m / k)
                   for i, j in itertools.combinations(range(n), 2) if w[i] == w[j]
                   for k in (3, 5, 6, 8) for m in range(1, k) if np.gcd(m, k) == 1]
    out = []
    for R in candidates:
        with np.errstate(all="ignore"):
            if np.allclose(c.f_batch(X @ R.T), F @ R.T, rtol=1e-12, atol=scale):
                out.append(R)
    return out


def group(generators: list[Array], cap: int = 96) -> list[Array]:
    """Every product of the ``generators`` (orthogonal matrices), identity excluded: the group
    they generate. Empty if it has more than ``cap`` elements (two rotations in overlapping
    planes can generate an infinite group): a part of a group is not closed, and the domains
    of :func:`~dynena.network.certify.search_node` need a group. The reflection z -> conj z
    and the rotation by 2 pi / 3 of a Newton map of z^3 = 1 give the six elements of D3,
    among them the reflections through the complex roots, which neither generator is."""
    if not generators:
        return []
    n = generators[0].shape[0]

    def key(A: Array) -> bytes:  # (+ 0.0: -0.0 and 0.0 are one entry)
        return (np.round(A, 6) + 0.0).tobytes()

    found = {key(np.eye(n)): np.eye(n)}
    frontier = [np.eye(n)]
    while frontier:
        nxt = []
        for A in frontier:
            for g in generators:
                B = g @ A
                k = key(B)
                if k not in found:
                    found[k] = B
                    nxt.append(B)
                    if len(found) > cap:
                        return []
        frontier = nxt
    return list(found.values())[1:]


def stabilizer(G: list[Array], x: Array) -> list[Array]:
    """The elements of ``G`` that fix the state ``x`` (to 1e-8 relative): the symmetries of
    the kicks from ``x``. Each maps the exit radius r(v) (the smallest amplitude along v that
    leaves x's basin) to itself, r(Rv) = r(v), since R maps x's basin to itself."""
    tol = 1e-8 * (1.0 + float(np.max(np.abs(x))))
    return [R for R in G if float(np.max(np.abs(R @ x - x))) <= tol]


def _rotation(n: int, i: int, j: int, angle: float) -> Array:
    R = np.eye(n)
    R[i, i] = R[j, j] = np.cos(angle)
    R[i, j], R[j, i] = -np.sin(angle), np.sin(angle)
    return R


def _swap(n: int, i: int, j: int) -> IntArray:
    p = np.arange(n)
    p[i], p[j] = j, i
    return p


def pair_nodes(R: Array, sel: _Selection, radii: Array) -> dict[str, str] | None:
    """Node id -> the id of its image under R, for every node (None if some node's image is
    not a node). An equilibrium's image is the node within 1e-6 (relative) of R x; a cycle's
    or an aperiodic attractor's, the node that 95 % of the image's points lie within its
    capture radius of (two different orbits sample one attractor at different points)."""
    from scipy.spatial import cKDTree

    ids, sets = sel.ids, sel.point_sets
    trees = [cKDTree(P) for P in sets]
    image: dict[str, str] = {}
    for i, P in enumerate(sets):
        Q = P @ R.T
        match = None
        for j, T in enumerate(trees):
            if (len(P) == 1) != (len(sets[j]) == 1):
                continue  # an equilibrium maps to an equilibrium
            d, _ = T.query(Q)
            # an equilibrium: within 1e-6 (relative), and far inside its capture radius (a
            # model on a scale of 1e-8 had both its nodes within 1e-6 of every image)
            tol = min(1e-6 * (1.0 + float(np.max(np.abs(P)))), 1e-4 * float(radii[j])) \
                if len(P) == 1 else float(radii[j])
            if float(np.quantile(d, 0.95)) <= tol:
                match = ids[j]
                break
        if match is None:
            return None
        image[ids[i]] = match
    return image


def agree(conns: list[Connection], R: Array, image: dict[str, str], saddles: dict[str, str],
          tol: float, confirm: Callable[[Connection], bool], nearest_only: bool = False
          ) -> tuple[list[Connection], list[str]]:
    """Paired connections made equal (see the module docstring); connections whose image was
    not found are added as images. ``saddles`` maps saddle ids to their images (a ``via``
    without an image becomes None). An image replaces or joins only when ``confirm`` (its
    switching kick, run) says it reaches its target. With ``nearest_only`` (one connection
    per source, the smallest) a connection is paired with its image source's, whatever its
    target. Returns the connections and one note per change."""
    if nearest_only:
        key = {(cn.source, "*"): k for k, cn in enumerate(conns) if cn.target != "unknown"}
    else:
        key = {(cn.source, cn.target): k for k, cn in enumerate(conns)}
    out = list(conns)
    notes: list[str] = []

    def img(x: str) -> str:
        return image.get(x, x)  # "diverged", "unknown" map to themselves

    for k, cn in enumerate(conns):
        # "unknown" is where a search gave up (it follows the capture radii, which need not
        # be symmetric): not a fact about the dynamics that R carries over
        if cn.space != "state" or cn.source not in image or cn.target == "unknown":
            continue
        pair = (img(cn.source), "*" if nearest_only else img(cn.target))
        pk = key.get(pair)
        mine = out[k]
        if pk is not None and out[pk].threshold <= mine.threshold * (1 + tol):
            continue
        if mine.direction is None or not confirm(_image(mine, R, image, saddles)):
            notes.append(f"the image of {cn.source} -> {cn.target} ({mine.threshold:.7g}) "
                         f"was not confirmed: its mirrored kick, run, did not reach "
                         f"{img(cn.target)} (an outcome that rounding decides, as after a "
                         "chaotic transient, is no witness for both); not used")
            continue
        if pk is None:
            out.append(_image(mine, R, image, saddles))
            key[pair] = len(out) - 1
            notes.append(f"{img(cn.source)} -> {img(cn.target)} added as the image of "
                         f"{cn.source} -> {cn.target} ({mine.threshold:.7g})")
            continue
        other = out[pk]
        lb = max(_lb(mine), _lb(other))
        new = _image(mine, R, image, saddles, lower_bound=lb)
        wrong = "; its stated lower bound was wrong" if _lb(other) > mine.threshold else ""
        notes.append(f"{other.source} -> {other.target} {other.threshold:.7g} lowered to "
                     f"{mine.threshold:.7g}, the image of {cn.source} -> {cn.target}{wrong}")
        out[pk] = new
    return out, notes


def _lb(cn: Connection) -> float:
    c = cn.certificate
    return -np.inf if c is None or not np.isfinite(c.lower_bound) else float(c.lower_bound)


def _image(cn: Connection, R: Array, image: dict[str, str], saddles: dict[str, str],
           lower_bound: float | None = None) -> Connection:
    """The connection R maps ``cn`` to: source, target, kick and starting point mapped."""
    def mv(v: Array | None) -> Array | None:
        return None if v is None else R @ np.asarray(v, float)

    cert = cn.certificate
    if cert is not None and lower_bound is not None and np.isfinite(lower_bound):
        cert = replace(cert, lower_bound=float(min(lower_bound, cn.threshold)))
    return replace(cn, source=image.get(cn.source, cn.source),
                   target=image.get(cn.target, cn.target), direction=mv(cn.direction),
                   kick=mv(cn.kick), origin=mv(cn.origin),
                   via=None if cn.via is None else saddles.get(cn.via), certificate=cert)


def pair_saddles(R: Array, saddles: list[tuple[str, Array]]) -> dict[str, str]:
    """Saddle id -> the id of the saddle at R x (within 1e-6, relative, and within 1e-4 of the
    least distance between two saddles), where there is one."""
    out: dict[str, str] = {}
    if not saddles:
        return out
    X = np.array([x for _, x in saddles])
    gaps = np.linalg.norm(X[:, None] - X[None], axis=2)[np.triu_indices(len(X), 1)]
    apart = 1e-4 * float(gaps.min()) if len(gaps) and gaps.min() > 0 else np.inf
    for sid, x in saddles:
        y = R @ x
        for tid, z in saddles:
            if np.linalg.norm(y - z) <= min(1e-6 * (1.0 + float(np.max(np.abs(x)))), apart):
                out[sid] = tid
                break
    return out


def describe(R: Array, names: tuple[str, ...] | list[str]) -> str:
    """``(x, y, z) -> (x, y, -z)``, or ``rotation by 120° in (x, y)``."""
    if not np.all(np.isin(R, (-1.0, 0.0, 1.0))):
        i, j = np.flatnonzero(np.abs(np.diag(R) - 1.0) > 1e-12)[:2]
        deg = float(np.degrees(np.arctan2(R[j, i], R[i, i]))) % 360.0
        return f"rotation by {deg:.0f}° in ({names[i]}, {names[j]})"
    img = []
    for row in R:
        k = int(np.flatnonzero(row)[0])
        img.append(("-" if row[k] < 0 else "") + names[k])
    return f"({', '.join(names)}) -> ({', '.join(img)})"
