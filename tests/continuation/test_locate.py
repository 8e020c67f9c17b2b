"""Locating a sign change: the final bracket holds the analytic root, is at most xtol wide,
and a smooth test function costs a few evaluations where bisection costs ~35."""

from __future__ import annotations

import numpy as np
import pytest

from dynena.continuation.locate import sign_change


def _run(f, ds, xtol=1e-10):
    calls = []

    def value(h):
        calls.append(h)
        v = f(h)
        return None if v is None else (v, h)

    va, vb = value(0.0), value(ds)
    calls.clear()
    a, b, done = sign_change(value, ds, va, vb, xtol)
    return a, b, done, len(calls)


@pytest.mark.parametrize("f, root", [
    (lambda h: np.cos(3 * h) - h, 0.390040316667542),     # cos(3h) = h (scipy's brentq)
    (lambda h: (h - 0.0123) * (1 + 50 * h * h), 0.0123),   # root near an end
    (lambda h: np.tanh(40 * (h - 0.07)), 0.07),             # steep
    (lambda h: np.exp(h) - 1.05, np.log(1.05)),
])
def test_smooth_functions_take_few_evaluations_and_bracket_the_root(f, root):
    a, b, done, n = _run(f, 0.6)
    assert done and n <= 15
    assert np.sign(a[0]) == np.sign(f(0.0)) and np.sign(b[0]) == np.sign(f(0.6))
    assert min(a[1], b[1]) - 1e-15 <= root <= max(a[1], b[1]) + 1e-15
    assert abs(a[1] - b[1]) <= 1e-10 + 1e-15


def test_a_sign_only_test_function_is_bisected_to_the_same_bracket():
    a, b, done, n = _run(lambda h: 1.0 if h < 0.25 else -1.0, 0.6)
    assert done and a[1] < 0.25 <= b[1] and b[1] - a[1] <= 1e-10
    assert n <= 40


def test_a_negative_step_and_a_failing_correction():
    a, b, done, _ = _run(lambda h: h + 0.2, -0.5)  # root at -0.2 on [0, -0.5]
    assert done and min(a[1], b[1]) <= -0.2 <= max(a[1], b[1])
    # the corrector fails at every trial step: the bracket left is the last good one, a
    # sign change around the root
    a, b, done, n = _run(lambda h: None if 0 < h < 0.6 else np.cos(3 * h) - h, 0.6)
    assert not done and n == 1
    assert np.sign(a[0]) != np.sign(b[0]) and (a[1], b[1]) == (0.0, 0.6)


def test_a_test_value_of_exactly_zero_is_the_location():
    """h - 0.25 on [0, 0.5]: the first secant step lands on the root exactly and Brent stops;
    the bracket it had then was the whole step, and callers stated that width as the
    accuracy. Both ends are now the zero."""
    a, b, done, n = _run(lambda h: h - 0.25, 0.5)
    assert done and n == 1
    assert a[1] == b[1] == 0.25 and a[0] == b[0] == 0.0
