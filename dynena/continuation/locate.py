r"""Locating a special point between two branch points: the zero of a test function of the
step length, by Brent's method.

Between a branch point (step 0) and the next one (step ``ds``) a test function changes sign;
every trial step is corrected onto the branch, so each evaluation costs a Newton correction.
Brent's method (inverse quadratic interpolation and secant steps inside a bracket that always
holds the sign change, bisection where those do not shrink it fast enough; Brent 1973,
*Algorithms for Minimization without Derivatives*, ch. 4) needs 6–10 corrections where
bisection to the same tolerance needs 30–40; the result is the same: a bracket of width at
most ``xtol`` that holds the sign change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np

__all__ = ["sign_change"]

R = TypeVar("R", bound=tuple)  # (test value, ...) as the caller's ``value`` returns it


def sign_change(value: Callable[[float], R | None], ds: float, va: R, vb: R, xtol: float,
                max_evals: int = 200) -> tuple[R, R, bool]:
    """Shrink the bracket [0, ``ds``] of a sign change of ``value(h)[0]`` to width ``xtol``.

    ``va`` and ``vb`` are ``value(0)`` and ``value(ds)``. Returns the results at the two ends
    of the final bracket, the one with the sign of ``va`` first, and whether it got there
    (False when ``value`` returned None or a non-finite test value: the bracket is the last
    good one). Where a test value is exactly zero both ends are that point: Brent stops
    there, and the bracket it had then (up to the whole step) says nothing about the zero's
    location (the Bogdanov–Takens point on a fold curve, found exactly, was stated as ±0.04).
    """
    res = {0.0: va, float(ds): vb}
    a, fa = 0.0, float(va[0])
    b, fb = float(ds), float(vb[0])
    c, fc = a, fa
    d = e = b - a
    done = True
    for _ in range(max_evals):
        if np.sign(fb) == np.sign(fc):  # keep the sign change between b and c
            c, fc = a, fa
            d = e = b - a
        if abs(fc) < abs(fb):  # b is the best estimate
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol = 2.0 * np.finfo(float).eps * abs(b) + 0.5 * xtol
        xm = 0.5 * (c - b)
        if abs(xm) <= tol or fb == 0.0:
            break
        if abs(e) >= tol and abs(fa) > abs(fb):
            s = fb / fa
            if a == c:  # secant
                p, q = 2.0 * xm * s, 1.0 - s
            else:  # inverse quadratic interpolation
                q, r = fa / fc, fb / fc
                p = s * (2.0 * xm * q * (q - r) - (b - a) * (r - 1.0))
                q = (q - 1.0) * (r - 1.0) * (s - 1.0)
            if p > 0:
                q = -q
            p = abs(p)
            if 2.0 * p < min(3.0 * xm * q - abs(tol * q), abs(e * q)):
                e, d = d, p / q
            else:
                d = e = xm
        else:
            d = e = xm
        a, fa = b, fb
        b = b + (d if abs(d) > tol else float(np.copysign(tol, xm)))
        got = value(b)
        if got is None or not np.isfinite(got[0]):
            done = False
            b, fb = a, fa  # the last good point; c still holds the other sign
            break
        res[b] = got
        fb = float(got[0])
    if fb == 0.0:
        return res[b], res[b], done  # the zero itself: no bracket is left around it
    first, second = (b, c) if np.sign(fb) == np.sign(float(va[0])) else (c, b)
    return res[first], res[second], done
