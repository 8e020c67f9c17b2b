"""Return codes of the compiled continuation loops (:mod:`~dynena.continuation.palc_steps`),
in a module of their own so that the Python side that reads them (``palc``, ``collocation``)
does not import numba with the loops (150 ms of a command's start)."""

from __future__ import annotations

__all__ = ["BUDGET", "RANGE", "NORM", "CLOSED", "FAILED", "C_BUDGET", "C_RANGE", "C_PERIOD",
           "C_SHRUNK", "C_HOPF", "C_FAILED", "C_SINGULAR"]

# advance(): how an equilibrium branch ended
BUDGET, RANGE, NORM, CLOSED, FAILED = 0, 1, 2, 3, 4

# coll_advance(): how a branch of periodic orbits ended (C_SINGULAR: handed over to Python)
C_BUDGET, C_RANGE, C_PERIOD, C_SHRUNK, C_HOPF, C_FAILED, C_SINGULAR = 0, 1, 2, 3, 4, 5, 6
