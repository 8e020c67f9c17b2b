"""Symmetric nodes get equal thresholds: the signed permutations found, how paired
connections are made to agree (the smaller is a witness for both, once its image is run), and
the symmetries that fix a node (its search needs one direction of each of their orbits)."""

from __future__ import annotations

import numpy as np
import pytest

import dynena
from dynena.network.certify import _fundamental, _keeping, _level_grid
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
