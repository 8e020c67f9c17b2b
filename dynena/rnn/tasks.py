r"""The N-bit flip-flop task (Sussillo & Barak 2013; Ceni, Ashwin & Livi 2020).

N input channels, N outputs. At each step, with probability ``p``, one uniformly chosen channel
receives a pulse of random sign :math:`s = \pm 1` and amplitude ``amplitude`` lasting ``width``
steps; otherwise the input is 0. Output *c* holds the sign of the last pulse on channel *c*
(initially +1) and switches on the pulse's first step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._typing import Array
from ..errors import ParameterError

__all__ = ["FlipFlopTask", "Pulse", "flipflop", "score"]


@dataclass(frozen=True)
class Pulse:
    step: int
    channel: int
    sign: int


@dataclass(frozen=True)
class FlipFlopTask:
    """Inputs ``u`` (T, bits), targets ``y`` (T, bits) and the list of pulses."""

    u: Array
    y: Array
    pulses: tuple[Pulse, ...]
    amplitude: float
    width: int


def flipflop(bits: int = 3, steps: int = 10_000, *, p: float = 0.01, amplitude: float = 1.0,
             width: int = 1, seed: int | np.random.Generator = 0,
             min_gap: int = 0) -> FlipFlopTask:
    """Generate an N-bit flip-flop input/target sequence.

    Parameters
    ----------
    bits : int
        Number of channels N (2^N memory states).
    steps : int
    p : float
        Probability of a pulse at each step.
    amplitude, width : float, int
        Pulse height and duration in steps.
    seed : int or Generator
    min_gap : int
        Minimum number of steps between pulse onsets (0: independent Bernoulli draws, as the
        paper; pulses never overlap a running pulse).

    Examples
    --------
    >>> import dynena
    >>> task = dynena.flipflop(2, 500, seed=0)
    >>> task.u.shape, task.y.shape, len(task.pulses)
    ((500, 2), (500, 2), 5)
    """
    if bits < 1 or steps < 1 or not (0 <= p <= 1) or width < 1:
        raise ParameterError("flipflop needs bits >= 1, steps >= 1, 0 <= p <= 1, width >= 1")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    u = np.zeros((steps, bits))
    y = np.empty((steps, bits))
    state = np.ones(bits)
    pulses: list[Pulse] = []
    busy_until = -1
    last = -10**9
    for k in range(steps):
        if k > busy_until and k - last >= max(min_gap, 1) and rng.random() < p:
            c = int(rng.integers(bits))
            s = int(rng.choice((-1, 1)))
            u[k:k + width, c] = s * amplitude
            state[c] = s
            pulses.append(Pulse(k, c, s))
            busy_until = k + width - 1
            last = k
        y[k] = state
    return FlipFlopTask(u, y, tuple(pulses), float(amplitude), int(width))


def score(z: Array, y: Array, skip: int = 100) -> tuple[float, float]:
    """Sign accuracy and RMSE of outputs ``z`` against targets ``y`` after ``skip`` steps."""
    z, y = np.asarray(z)[skip:], np.asarray(y)[skip:]
    acc = float(np.mean(np.sign(z) == np.sign(y)))
    rmse = float(np.sqrt(np.mean((z - y) ** 2)))
    return acc, rmse
