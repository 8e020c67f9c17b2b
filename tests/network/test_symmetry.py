"""Symmetric nodes get equal thresholds: the signed permutations found, how paired
connections are made to agree (the smaller is a witness for both, once its image is run), and
the symmetries that fix a node (its search needs one direction of each of their orbits)."""

from __future__ import annotations

import numpy as np
import pytest

import dynena
from dynena.network.certify import (
    _fundamental,
    _images,
    _initial_cells,
    _keeping,
    _level_grid,
    _one_per_orbit,
)
from dynena.network.symmetry import agree, describe, group, stabilizer, symmetries
from dynena.results.network import Connection, ThresholdCertificate
from dynena.results.status import Status


def names_of(path) -> list[str]:
    c = dynena.compile_model(dynena.load(path))
    return sorted(describe(R, c.names) for R in symmetries(c))


def test_signed_permutations_found_in_the_models(models_dir):
    assert names_of(models_dir / "toggle.yaml") == ["(u, v) -> (v, u)"]
    assert names_of(models_dir / "hard" / "henon_switch.yaml") == ["(x, y, z) -> (x, y, -z)"]
    assert "(x, y, z) -> (-x, -y, z)" in names_of(models_dir / "lorenz.yaml")
    assert names_of(models_dir / "henon.yaml") == []
    # the Newton map of z^3 = 1: complex conjugation and the rotations by a third of a turn
    assert names_of(models_dir / "hard" / "newton_cubic.yaml") == [
        "(x, y) -> (x, -y)", "rotation by 120° in (x, y)", "rotation by 240° in (x, y)"]
    # each R found is a symmetry of f at points it was not chosen on
    for name, size in (("lorenz.yaml", 20.0), ("hard/newton_cubic.yaml", 2.0)):
        c = dynena.compile_model(dynena.load(models_dir / name))
        X = np.random.default_rng(1).uniform(-size, size, (50, c.n))
        for R in symmetries(c):
            assert np.allclose(R @ R.T, np.eye(c.n))  # it keeps the norm of a kick
            assert np.allclose(c.f_batch(X @ R.T), c.f_batch(X) @ R.T, rtol=1e-10, atol=1e-9)


SWAP = np.array([[0.0, 1.0], [1.0, 0.0]])
IMAGE = {"E0": "E1", "E1": "E0"}


def conn(src: str, tgt: str, th: float, d=(1.0, 0.0), lb: float | None = None) -> Connection:
    cert = None if lb is None else ThresholdCertificate(
        method="direction-grid", status=Status.CERTIFIED, lower_bound=lb,
        angular_resolution=0.01, radial_resolution=0.125, directions=64, trajectories=500)
    return Connection(src, tgt, th, direction=np.array(d), bracket=(th * 0.999, th),
                      certificate=cert)


def test_the_smaller_of_a_pair_is_a_witness_for_both():
    conns = [conn("E0", "E1", 0.5, (0.6, 0.8), lb=0.45), conn("E1", "E0", 0.6, lb=0.55)]
    out, notes = agree(conns, SWAP, IMAGE, {}, 1e-4, confirm=lambda cn: True)
    a, b = out
    assert a is conns[0]
    assert (b.source, b.target, b.threshold) == ("E1", "E0", 0.5)
    assert b.direction == pytest.approx([0.8, 0.6])  # R v
    # both searches bound the same number: the larger lower bound holds for both
    assert b.certificate.lower_bound == 0.5
    assert notes == ["E1 -> E0 0.6 lowered to 0.5, the image of E0 -> E1; its stated lower "
                     "bound was wrong"]


def test_images_are_used_only_when_their_kick_is_confirmed():
    conns = [conn("E0", "E1", 0.5), conn("E1", "E0", 0.6)]
    out, notes = agree(conns, SWAP, IMAGE, {}, 1e-4, confirm=lambda cn: False)
    assert [cn.threshold for cn in out] == [0.5, 0.6]
    assert "not confirmed" in notes[0]


def test_equal_within_tolerance_unknown_and_missing_partners():
    conns = [conn("E0", "E1", 0.5), conn("E1", "E0", 0.50004), conn("E0", "unknown", 0.2),
             conn("E1", "unknown", 0.3), conn("E0", "diverged", 2.0)]
    out, notes = agree(conns, SWAP, IMAGE, {}, 1e-4, confirm=lambda cn: True)
    assert [(cn.source, cn.target, cn.threshold) for cn in out] == [
        ("E0", "E1", 0.5), ("E1", "E0", 0.50004), ("E0", "unknown", 0.2),
        ("E1", "unknown", 0.3), ("E0", "diverged", 2.0), ("E1", "diverged", 2.0)]
    assert notes == ["E1 -> diverged added as the image of E0 -> diverged (2)"]


def test_nearest_only_pairs_each_source_with_its_image_source():
    conns = [conn("E0", "E1", 0.5), conn("E1", "E2", 0.7)]
    out, _ = agree(conns, SWAP, IMAGE, {}, 1e-4, confirm=lambda cn: True, nearest_only=True)
    assert [(cn.source, cn.target, cn.threshold) for cn in out] == [
        ("E0", "E1", 0.5), ("E1", "E0", 0.5)]



# -- the symmetries that fix a node: one direction of each orbit searched ------------------
def rot(n: int, i: int, j: int, k: int) -> np.ndarray:
    """The rotation by 2 pi / k in the plane of variables i and j."""
    R = np.eye(n)
    a = 2 * np.pi / k
    R[i, i] = R[j, j] = np.cos(a)
    R[i, j], R[j, i] = -np.sin(a), np.sin(a)
    return R


def perm(n: int, i: int, j: int) -> np.ndarray:
    P = np.eye(n)
    P[[i, j]] = P[[j, i]]
    return P


def test_the_group_generated_and_the_symmetries_that_fix_a_state():
    conj = np.diag([1.0, -1.0])
    G = group([conj, rot(2, 0, 1, 3)])
    full = [np.eye(2)] + G
    assert len(full) == 6  # D3: three rotations, three reflections
    for A in full:  # closed under products
        for B in full:
            assert sum(np.allclose(A @ B, C) for C in full) == 1
    for k in range(3):  # each cube root of unity is fixed by one reflection (through it)
        x = np.array([np.cos(2 * np.pi * k / 3), np.sin(2 * np.pi * k / 3)])
        (R,) = stabilizer(G, x)
        assert np.allclose(R @ x, x) and np.linalg.det(R) == pytest.approx(-1.0)
    assert stabilizer(G, np.array([0.3, 0.1])) == []
    assert len(stabilizer(G, np.zeros(2))) == 5  # the centre: all of them
    assert group([]) == []
    # two rotations by 72 degrees in overlapping planes generate an infinite group: none is
    # used (a part of a group is not closed, and its domain would miss directions)
    assert group([rot(3, 0, 1, 5), rot(3, 1, 2, 5)]) == []
    assert len(group([perm(3, 0, 1), perm(3, 1, 2), np.diag([-1.0, 1, 1])])) == 47


@pytest.mark.parametrize("n, gens", [
    (2, [np.diag([1.0, -1.0])]),  # a reflection (the root 1 of a real polynomial's map)
    (2, [np.diag([1.0, -1.0]), rot(2, 0, 1, 3)]),  # D3
    (2, [rot(2, 0, 1, 4)]),  # a rotation by 90 degrees, no reflection
    (3, [rot(3, 0, 1, 5)]),  # C5 about the third axis
    (3, [perm(3, 0, 1), perm(3, 1, 2), np.diag([-1.0, 1, 1])]),  # the cube's 48
])
def test_the_level_grid_on_a_fundamental_domain_covers_every_direction(n, gens):
    """A direction's image under some symmetry lies within the first level grid's covering
    radius of a probe kept (so a set of directions as wide as the grid's spacing, and its
    images, has a probe in it), while the grid kept is about 1/|G| of the full one on the
    circle (on the sphere the first grid is coarse, and the band of one spacing around the
    domain is much of it)."""
    G = group(gens)
    S, h = _level_grid(n, 1)
    K = _fundamental(S, G, h)
    assert len(K) <= (1.5 * len(S) / (len(G) + 1) + 8 if n == 2 else 0.5 * len(S))
    # the full grid's covering radius: half its spacing on the circle, a cell's radius on the
    # sphere (the cells of the cube's faces)
    cover = h / 2 if n == 2 else h / np.sqrt(2)
    U = np.random.default_rng(3).standard_normal((20000 if n == 2 else 4000, n))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    worst = 0.0
    for u in U:
        images = np.array([u] + [g @ u for g in G])
        cos = np.max(images @ K.T)
        worst = max(worst, float(np.arccos(min(1.0, cos))))
    assert worst <= cover * (1 + 1e-9), (worst, cover)


def test_only_symmetries_that_keep_the_grid_shorten_the_search():
    """A symmetry that moves the level grid would trade the full grid's probes of its images
    (between the domain's probes) for the saving: kept are those that map the grid onto
    itself (a subgroup)."""
    S, _ = _level_grid(2, 1)  # 256 angles k 2 pi / 256
    conj = np.diag([1.0, -1.0])
    through_root = rot(2, 0, 1, 3) @ conj  # the mirror through e^{2 pi i / 3}: moves it
    assert len(_keeping(S, [conj])) == 1
    assert _keeping(S, [through_root]) == []
    assert len(_keeping(S, group([rot(2, 0, 1, 4)]))) == 3  # 256 is divisible by 4
    assert _keeping(S, group([rot(2, 0, 1, 3)])) == []
    kept = _keeping(S, group([conj, rot(2, 0, 1, 3)]))  # D3: the conjugation alone
    assert len(kept) == 1 and np.allclose(kept[0], conj)
    # the cube's faces: its signed permutations keep them, a rotation by 72 degrees not
    S3, _ = _level_grid(3, 1)
    assert len(_keeping(S3, group([perm(3, 0, 1), np.diag([1.0, 1, -1])]))) == 3
    assert len(_keeping(S3, group([perm(3, 0, 1), perm(3, 1, 2), np.diag([-1.0, 1, 1])]))) == 47
    assert _keeping(S3, group([rot(3, 0, 1, 5)])) == []


@pytest.mark.parametrize("n, per_face, gens", [
    (3, 3, [perm(3, 0, 1), perm(3, 1, 2)]),  # S3: the corner (1, 1, 1) of the cube
    (3, 6, [perm(3, 1, 2), np.diag([1.0, -1, 1]), np.diag([1.0, 1, -1])]),  # (1, 0, 0)
    (3, 3, [perm(3, 0, 1), perm(3, 1, 2), np.diag([-1.0, 1, 1])]),  # the origin: 47
    (2, 16, [np.diag([1.0, -1.0])]),  # the root 1 of a real polynomial's Newton map
    (2, 16, [rot(2, 0, 1, 4)]),  # quarter turns
])
def test_the_cells_scanned_and_their_images_are_the_whole_grid(n, per_face, gens):
    """The branch and bound of the exit from a node that a group fixes scans one cell of
    each orbit; the images of those cells are every cell of the full grid (so their bounds
    cover the sphere), and about 1/|G| of the cells are scanned."""
    G = group(gens)
    cells = _initial_cells(n, per_face)
    assert len(_keeping(np.array([c.centre for c in cells]), G)) == len(G)
    kept = _one_per_orbit(cells, G)
    every = _images(kept, G)
    key = lambda c: tuple(np.round(c.centre, 8))  # noqa: E731
    assert {key(c) for c in every} == {key(c) for c in cells}
    assert len(every) == len(cells)  # no image twice
    assert len(kept) <= len(cells) / (len(G) + 1) + per_face + 2
    for c in every:  # an image stands for a kept cell of the same size, with its ray
        assert any(c.ray is k.ray and c.rho == k.rho for k in kept)


def test_a_cube_corner_scans_one_sixth_and_states_the_same_bound(models_dir):
    """From a corner of the cube (three independent double wells) the nearest exit is 1, the
    distance to a face. The permutations of the variables fix the corner: the branch and
    bound scans one cell of each of their orbits and takes the slopes from the cells' images
    too. The same threshold (the analytic one, to the bisection's 1e-6) and the same stated
    lower bound as the search over every cell, to rounding, at well under the trajectories."""
    c = dynena.compile_model(dynena.load(models_dir / "cube3.yaml"))
    got = {}
    for symmetry in (True, False):
        net = dynena.excitable_network(c, nearest_only=True, symmetry=symmetry)
        cn = min((cn for cn in net.connections if cn.source == "E0"),
                 key=lambda cn: cn.threshold)
        assert cn.threshold == pytest.approx(1.0, rel=1e-6)
        assert cn.certificate.status == "certified"
        got[symmetry] = (cn.certificate.lower_bound, net.stats["node_trajectories"]["E0"])
    assert got[True][0] == pytest.approx(got[False][0], rel=1e-9)
    assert 0.9 < got[True][0] < 1.0
    assert got[True][1] < 0.6 * got[False][1], got


class _SymmetricWells:
    """A synthetic outcome oracle in 3-D: from the origin (node 0) a kick enters node 1 at
    radius R(s) = 0.7 + k d(s)² + 0.3 Σ s_i⁴, d the distance from the direction s to the
    nearest of the six permutations of a generic direction m: the permutations of the
    variables fix the origin and keep R."""

    deadline = None

    def __init__(self, k: float) -> None:
        m = np.array([0.8, 0.5, 0.33]) / np.linalg.norm([0.8, 0.5, 0.33])
        self.M = np.array([m[list(p)] for p in
                           ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0))])
        self.k = k

    def radius(self, S: np.ndarray) -> np.ndarray:
        d = np.min(np.linalg.norm(S[:, None, :] - self.M[None], axis=2), axis=1)
        return 0.7 + self.k * d ** 2 + 0.3 * np.sum(S ** 4, axis=1)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(X)
        r = np.linalg.norm(X, axis=1)
        return np.where(r < self.radius(X / np.maximum(r, 1e-300)[:, None]), 0, 1)

    def minimum(self) -> float:
        """min R over the sphere: the best of 20 000 random directions, then Nelder-Mead."""
        from scipy.optimize import minimize

        X = np.random.default_rng(0).standard_normal((20000, 3))
        X /= np.linalg.norm(X, axis=1, keepdims=True)
        best = X[int(np.argmin(self.radius(X)))]
        return float(minimize(lambda x: float(self.radius((x / np.linalg.norm(x))[None])[0]),
                              best, method="Nelder-Mead",
                              options={"xatol": 1e-10, "fatol": 1e-13}).fun)


@pytest.mark.parametrize("k", [2.0, 5.0])
def test_a_symmetric_exit_off_the_mirrors_gives_the_full_search_result(k):
    """The nearest exit lies at a generic direction (six minima, one per permutation): the
    search over one cell of each orbit, with the images' values for the slopes and the local
    model, returns the full search's threshold and lower bound (both within 5e-6 of the
    minimum found here by Nelder-Mead on R) at under half the trajectories."""
    from dynena.network.certify import search_node

    oracle = _SymmetricWells(k)
    minimum = oracle.minimum()
    G = group([perm(3, 0, 1), perm(3, 1, 2)])
    got = {}
    for stab in ([], G):
        gs, certs = search_node(oracle, np.zeros(3), 0, {1: 3.0}, [], rtol=1e-6,
                                nearest_only=True, stabilizer=stab)
        assert gs.results[1].hi == pytest.approx(minimum, rel=5e-6)
        # the bound is the local minimum's bracket here (the slope model's own, 4.6e-4 above
        # the minimum for k = 2, was above that witness and gave way to it)
        assert certs[1].lower_bound <= minimum * (1 + 5e-6)
        got[len(stab)] = (gs.results[1].hi, certs[1].lower_bound, gs.used)
    assert got[5][:2] == pytest.approx(got[0][:2], rel=1e-12)
    assert got[5][2] < 0.5 * got[0][2], got


def test_the_images_give_each_scanned_cell_the_slopes_of_the_full_grid():
    """The slope bound of a scanned cell is taken over its neighbours among the cells scanned
    and their images: for a function the group keeps, the same slopes as over the full grid
    (without the images a cell at the edge of the scanned set loses its neighbours past it)."""
    from dynena.network.certify import EXIT, Hit, _local_slopes, _Ray

    # what fixes (1, 0, 0): y <-> z and the signs of y and z; a function they keep
    G = group([perm(3, 1, 2), np.diag([1.0, -1, 1]), np.diag([1.0, 1, -1])])
    cells = _initial_cells(3, 6)
    def R(s: np.ndarray) -> float:
        return 1.0 + float(np.sum(s ** 4) + 0.5 * s[0] ** 2 + s[0] * s[1] ** 2 * s[2] ** 2)

    kept = _one_per_orbit(cells, G)
    for c in kept:
        c.ray = _Ray(c.centre, c.centre, {EXIT: Hit(R(c.centre), R(c.centre))})
    every = _images(kept, G)

    def slopes(cs, values):
        S = np.array([c.centre for c in cs])
        return _local_slopes(S, np.array(values), np.array([2.5 * c.rho for c in cs]))

    mine = slopes(every, [c.ray.hits[EXIT].lo for c in every])[:len(kept)]
    full = slopes(cells, [R(c.centre) for c in cells])
    where = {tuple(np.round(c.centre, 8)): k for k, c in enumerate(cells)}
    assert np.allclose(mine, [full[where[tuple(np.round(c.centre, 8))]] for c in kept],
                       rtol=1e-12)
    alone = slopes(kept, [R(c.centre) for c in kept])
    assert np.any(alone < 0.9 * mine)  # what the images add


class _Faces:
    """A synthetic oracle in 3-D: from the origin (node 0) a kick x leaves at radius
    R(s) = 0.5 + 0.3 Σ s_i⁴ + a s_x + b s_x² (s = x / |x|) for the node ±e_k of the cube
    face it points through (nodes 1-6: +x, -x, +y, -y, +z, -z). With a = b = 0 the signed
    permutations fix the origin and permute the six nodes, and every threshold is 0.6 (R at
    the corners (±1, ±1, ±1)/√3 that three faces share); otherwise those that keep x."""

    deadline = None
    nodes = np.vstack([np.zeros(3), np.repeat(np.eye(3), 2, axis=0) * np.tile([1, -1], 3)[:, None]])

    def __init__(self, a: float = 0.0, b: float = 0.0) -> None:
        self.a, self.b = a, b

    def __call__(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(X)
        r = np.linalg.norm(X, axis=1)
        S = X / np.maximum(r, 1e-300)[:, None]
        face = 1 + np.argmax(S @ self.nodes[1:].T, axis=1)
        R = 0.5 + 0.3 * np.sum(S ** 4, axis=1) + self.a * S[:, 0] + self.b * S[:, 0] ** 2
        return np.where(r < R, 0, face)


@pytest.mark.parametrize("a, b, gens, orbits", [
    (0.0, 0.0, [perm(3, 0, 1), perm(3, 1, 2), np.diag([-1.0, 1, 1])], [[1, 2, 3, 4, 5, 6]]),
    (0.15, 0.1, [perm(3, 1, 2), np.diag([1.0, -1, 1])], [[1], [2], [3, 4, 5, 6]]),
])
def test_targets_permuted_by_the_symmetries_are_searched_once_each_orbit(a, b, gens, orbits):
    """Every node's threshold from the cube's centre with the symmetries fixing it (and their
    maps of the six nodes) against the search without them: the same thresholds (the
    analytic 0.6 for the whole cube group, to 2e-5: a kink where three faces meet), one
    threshold and one lower bound for each orbit of targets (an image's bracket is its
    orbit's, run along the image direction; its cells' values are the image target's), valid
    bounds, at under a third of the trajectories."""
    from dynena.network.certify import search_node

    oracle = _Faces(a, b)
    G = group(gens)
    maps = [{k: int(np.argmin(np.linalg.norm(oracle.nodes - y, axis=1)))
             for k, y in enumerate(oracle.nodes @ g.T)} for g in G]
    got = {}
    for stab, perms in (([], []), (G, maps)):
        gs, certs = search_node(oracle, np.zeros(3), 0, {k: 1.5 for k in range(1, 7)}, [],
                                rtol=1e-6, stabilizer=stab, permutes=perms)
        his = {j: gs.results[j].hi for j in range(1, 7)}
        lbs = {j: certs[j].lower_bound for j in range(1, 7)}
        assert all(lbs[j] <= his[j] * (1 + 1e-9) for j in lbs), (lbs, his)
        got[len(stab)] = (his, lbs, gs.used)
    (full, _, used_full), (his, lbs, used) = got[0], got[len(G)]
    if a == 0.0:
        assert all(abs(h / 0.6 - 1) < 2e-5 for h in his.values()), his
    assert all(abs(his[j] / full[j] - 1) < 2e-5 for j in his), (his, full)
    for orbit in orbits:
        assert len({his[j] for j in orbit}) == 1, his
        assert len({round(lbs[j], 12) for j in orbit}) == 1, lbs
    assert used < used_full / 3, (used, used_full)


def test_a_cube_corner_network_searches_one_target_of_each_orbit(models_dir):
    """The whole network of the cube: from a corner, the six permutations of the variables
    that fix it permute the other corners (three at 1, three at √2, one at √3). One target
    of each orbit is minimised, the others get the image of its kick, run at both ends of its
    bracket: the analytic thresholds to 1e-6, one number for each distance to the bit (the
    images' fresh bisections had differed by 5e-7), certified, at under half the
    trajectories of the search without the symmetries."""
    c = dynena.compile_model(dynena.load(models_dir / "cube3.yaml"))
    cost = {}
    for symmetry in (True, False):
        net = dynena.excitable_network(c, symmetry=symmetry)
        assert len(net.connections) == 56
        by_distance: dict[int, set[float]] = {1: set(), 2: set(), 3: set()}
        for cn in net.connections:
            a = np.array(net.node_states[net.node_ids.index(cn.source)])
            b = np.array(net.node_states[net.node_ids.index(cn.target)])
            flips = int(round(np.sum(np.abs(a - b)) / 2))
            assert cn.threshold == pytest.approx(np.sqrt(flips), rel=1e-6)
            assert cn.certificate.status == "certified"
            assert cn.certificate.lower_bound <= np.sqrt(flips)
            assert cn.certificate.symmetries == (5 if symmetry else 0)
            by_distance[flips].add(cn.threshold)
        if symmetry:
            assert all(len(v) == 1 for v in by_distance.values()), by_distance
        cost[symmetry] = net.stats["node_trajectories"]["E0"]
    assert cost[True] < 0.5 * cost[False], cost


class _NearlyFaces(_Faces):
    """The faces' oracle with R larger by 2e-3 (relative) through -y: the sign flip of y is
    claimed as a symmetry but does not hold."""

    def __call__(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(X)
        r = np.linalg.norm(X, axis=1)
        S = X / np.maximum(r, 1e-300)[:, None]
        face = 1 + np.argmax(S @ self.nodes[1:].T, axis=1)
        R = (0.5 + 0.3 * np.sum(S ** 4, axis=1)) * (1 + 2e-3 * (face == 4))
        return np.where(r < R, 0, face)


def test_an_image_kick_is_run_and_a_false_symmetry_gets_its_own_bracket():
    """Every reported entry is a kick that was run: its bracket's upper end reaches the
    target and its lower end does not. Where the model is not as symmetric as claimed (here
    the flip of y, off by 2e-3 through -y), the image of the best kick does not switch at
    the bracket's ends, and that target is bisected afresh: 2e-3 higher, not the image's
    value."""
    from dynena.network.certify import search_node

    oracle = _NearlyFaces()
    G = group([np.diag([1.0, -1, 1]), np.diag([1.0, 1, -1]), perm(3, 1, 2)])
    maps = [{k: int(np.argmin(np.linalg.norm(oracle.nodes - y, axis=1)))
             for k, y in enumerate(oracle.nodes @ g.T)} for g in G]
    gs, _ = search_node(oracle, np.zeros(3), 0, {k: 1.5 for k in range(1, 7)}, [],
                        rtol=1e-6, stabilizer=G, permutes=maps)
    for j, h in gs.results.items():
        v = gs.best_dir[j]
        assert oracle(h.hi * v)[0] == j and oracle(h.lo * v)[0] != j, j
    his = {j: gs.results[j].hi for j in range(1, 7)}
    assert his[4] == pytest.approx(his[3] * (1 + 2e-3), rel=2e-5), his
    assert his[5] == his[6] == his[3], his


@pytest.mark.parametrize("k", [1.0, 8.0, 20.0])
def test_a_minimum_beside_a_crease_is_found_by_a_compass_search(k):
    """The six wells (no symmetry used): the minimum lies beside the crease where two wells
    meet, the quadratic model fitted across it is not convex, and the search had stopped
    where the stencil put it: 1.5e-3, 5.4e-3 and 2.3e-2 above the minimum (Nelder-Mead on R
    here) for k = 1, 8, 20, and for the narrow wells the lower bound, clipped to that
    witness, was above the minimum too. The compass search from there reaches it to 1e-6."""
    from dynena.network.certify import search_node

    oracle = _SymmetricWells(k)
    minimum = oracle.minimum()
    gs, certs = search_node(oracle, np.zeros(3), 0, {1: 3.0}, [], rtol=1e-6,
                            nearest_only=True)
    assert gs.results[1].hi == pytest.approx(minimum, rel=1e-6)
    assert certs[1].lower_bound <= minimum


def test_a_weighted_norm_keeps_only_the_symmetries_of_equal_weights(models_dir):
    """The cube in the norm with weights (1, 1, 4): only the swap of a and b keeps it, and it
    fixes every corner; the search uses it (one symmetry) and every threshold is the
    analytic weighted distance to the far faces, √(Σ w_k) over the flipped variables."""
    c = dynena.compile_model(dynena.load(models_dir / "cube3.yaml"))
    w = np.array([1.0, 1.0, 4.0])
    net = dynena.excitable_network(c, weights=w)
    states = {i: np.array(x) for i, x in zip(net.node_ids, net.node_states)}
    checked = 0
    for cn in net.connections:
        if cn.target not in states:
            continue
        flipped = np.abs(states[cn.source] - states[cn.target]) > 1.0
        assert cn.threshold == pytest.approx(np.sqrt(np.sum(w[flipped])), rel=1e-6)
        assert cn.certificate.symmetries == 1
        assert cn.certificate.lower_bound <= cn.threshold
        checked += 1
    assert checked == 56


def test_a_periodic_orbit_is_mapped_as_a_set_of_points(models_dir):
    """z³ − 2z + 2 is real: the conjugation fixes the real root and the attracting 2-cycle
    {0, 1} (each point) and swaps the complex roots. From the real root, and from the
    cycle's points, the two complex roots' thresholds are then one search and one number,
    with the cycle a node that the conjugation maps to itself (a node made of points is
    mapped point by point)."""
    c = dynena.compile_model(dynena.load(models_dir / "hard" / "newton_cycle.yaml"))
    net = dynena.excitable_network(c)
    states = {i: np.array(x) for i, x in zip(net.node_ids, net.node_states)}
    real = next(i for i, x in states.items() if i.startswith("E") and abs(x[1]) < 1e-9)
    out = {cn.target: cn for cn in net.connections if cn.source == real}
    pair = [t for t in out if t.startswith("E")]
    assert len(pair) == 2 and "C0" in out
    assert out[pair[0]].threshold == out[pair[1]].threshold
    assert all(cn.certificate.symmetries == 1 for cn in out.values())
    cyc = {cn.target: cn for cn in net.connections if cn.source == "C0"}
    assert cyc[pair[0]].threshold == cyc[pair[1]].threshold
    assert all(cn.certificate.symmetries == 1 for cn in cyc.values())
