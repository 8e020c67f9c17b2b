"""Equilibria far smaller than the box they are searched in, against analytic roots.

A model's units come from its ranges; a user may still declare a range of [0, 1] (molar) for
states of 1e-9 (nanomolar). Before: roots closer than 1e-6 of the box's scale were merged (the
toggle switch's three equilibria 2e-9 apart came out as one, while the exact polynomial solve
said three), a root was polished only to |F| < 1e-15 (1 + |x|), wrong in its seventh digit at
1e-9 and by 5 % at 1e-12, and every sign flip was reported as a symmetry because the box's
sample points only see the linear decay u' = -u."""

from __future__ import annotations

import numpy as np
import pytest

import dynena


def toggle(s: float):
    """u' = 3 s / (1 + (v/s)^2) - u and its mirror: equilibria s (U, V) with U V = 1,
    U + V = 3 (asymmetric) and U (1 + U^2) = 3 (symmetric)."""
    return dynena.load_document({
        "dynena": 1, "name": "toggle_small",
        "variables": {"u": {"range": [0, 1]}, "v": {"range": [0, 1]}},
        "parameters": {"s": s},
        "equations": {"u": "3*s/(1 + (v/s)**2) - u", "v": "3*s/(1 + (u/s)**2) - v"}})


def analytic_toggle() -> np.ndarray:
    big, small = (3 + np.sqrt(5)) / 2, (3 - np.sqrt(5)) / 2
    sym = float(np.real(next(r for r in np.roots([1, 0, 1, -3]) if abs(r.imag) < 1e-12)))
    return np.array([[big, small], [small, big], [sym, sym]])


@pytest.mark.parametrize("s", [1e-6, 1e-9, 1e-12, 1e-15])
def test_all_three_equilibria_to_rounding_and_no_false_symmetry(s):
    r = dynena.find_equilibria(toggle(s))
    assert r.status == "ok" and len(r) == 3, [e.state / s for e in r]
    found = np.array(sorted((e.state / s).tolist() for e in r))
    want = np.array(sorted(analytic_toggle().tolist()))
    assert np.allclose(found, want, rtol=1e-12, atol=0)
    assert r.symmetry == ()  # u -> -u is not a symmetry: 3 s / (1 + (v/s)^2) is even in u


@pytest.mark.parametrize("s", [1e-7, 1e-11])
def test_a_true_symmetry_at_a_small_scale_is_kept_and_its_roots_apart(s):
    """x' = x - x^3/s^2, y' = -y on [-1, 1]^2: roots 0, ±s; x -> -x and y -> -y hold."""
    m = dynena.load_document({
        "dynena": 1, "name": "pitch_small",
        "variables": {"x": {"range": [-1, 1]}, "y": {"range": [-1, 1]}},
        "parameters": {"s": s}, "equations": {"x": "x - x**3/s**2", "y": "-y"}})
    r = dynena.find_equilibria(m)
    xs = sorted(float(e.state[0]) / s for e in r)
    assert len(xs) == 3 and np.allclose(xs, [-1, 0, 1], rtol=1e-12, atol=1e-12)
    assert "x -> -x" in r.symmetry
    assert [e.stability for e in sorted(r, key=lambda e: e.state[0])] == \
        ["stable", "saddle", "stable"]

