"""How a computation ended: one vocabulary for every result, each status with its meaning and
what to do about it.

Statuses are string enums, so ``result.status == "budget"`` and JSON output stay as before,
while ``result.status.message`` and ``result.status.remedy`` say what it means.

>>> from dynena.results.status import Status
>>> Status("budget") is Status.BUDGET, Status.BUDGET == "budget"
(True, True)
>>> Status.CONTINUUM.success
False
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Status", "HasStatus"]


class Status(StrEnum):
    """The end state of an analysis, a search or one threshold certificate."""

    # -- analyses (equilibria, continuation branches, networks) ---------------------------
    OK = "ok"
    BUDGET = "budget"
    CONTINUUM = "continuum"
    STOPPED = "stopped"
    UNRESOLVED = "unresolved"
    FAILED = "failed"
    # -- simulations -------------------------------------------------------------------------
    COMPLETED = "completed"
    EQUILIBRIUM = "equilibrium"
    DIVERGED = "diverged"
    LEFT_DOMAIN = "left-domain"
    # -- threshold certificates --------------------------------------------------------------
    CERTIFIED = "certified"
    ROUGH_BOUNDARY = "rough-boundary"
    MULTI_START = "multi-start"
    WARM_START = "warm-start"
    RAY = "ray"
    FOUND = "found"
    UNDECIDED = "undecided"
    SAMPLED_SOURCE = "sampled-source"

    @property
    def message(self) -> str:
        """What the status means, in one sentence."""
        return _TEXT[self][0]

    @property
    def remedy(self) -> str:
        """What a user can do about it ('' when nothing needs doing)."""
        return _TEXT[self][1]

    @property
    def success(self) -> bool:
        """True when the result is complete with its full guarantee."""
        return self in _SUCCESS


_SUCCESS = frozenset({Status.OK, Status.COMPLETED, Status.EQUILIBRIUM, Status.CERTIFIED,
                      Status.RAY, Status.MULTI_START, Status.WARM_START})

_TEXT: dict[Status, tuple[str, str]] = {
    Status.OK: ("completed within its budgets", ""),
    Status.BUDGET: ("a time, trajectory or point budget ran out first: the result is partial",
                    "raise the budget (--max-time, --budget, --max-points) or narrow the search"),
    Status.CONTINUUM: ("the equilibria are not isolated (a curve or surface of them)",
                       "fix the degenerate parameter values or follow the set with "
                       "'dynena continue'"),
    Status.STOPPED: ("the corrector failed to converge and the step could not shrink further",
                     "reduce --ds-max or start elsewhere on the branch"),
    Status.UNRESOLVED: ("the discretisation stopped resolving the solution (its own check: "
                        "a periodic orbit's trivial Floquet multiplier drifted from 1)",
                        "raise the mesh (--ntst, --ncol)"),
    Status.FAILED: ("the computation failed", "see the message; DYNENA_DEBUG=1 shows the "
                    "traceback"),
    Status.COMPLETED: ("integrated to the end time", ""),
    Status.EQUILIBRIUM: ("settled on an equilibrium before the end time", ""),
    Status.DIVERGED: ("the state left the bound or became infinite",
                      "check the model or shorten the time span"),
    Status.LEFT_DOMAIN: ("the state reached a point where the equations are undefined (the "
                         "square root or logarithm of a negative number, or another term "
                         "outside its domain)",
                         "start elsewhere, or write the model so that it is defined where "
                         "its states go"),
    Status.CERTIFIED: ("every direction cell of the threshold search was closed", ""),
    Status.ROUGH_BOUNDARY: ("the basin boundary is fractal: the lower bound assumes a slope "
                            "model such a boundary can violate",
                            "treat the threshold as an estimate; compare with a denser scan"),
    Status.MULTI_START: ("random starts and descent (dimension > 3): no lower bound", ""),
    Status.WARM_START: ("followed from the network at a nearby parameter value (its direction, "
                        "turned to the boundary normal, bisected, verified by random "
                        "directions); no global search at this value", ""),
    Status.RAY: ("one admissible direction or pulse: the first entry along it", ""),
    Status.FOUND: ("met on the way; not minimised over directions",
                   "declare directions or run the full search for a threshold"),
    Status.SAMPLED_SOURCE: ("the source is an aperiodic attractor known from samples: the "
                            "bound covers the samples, and the attractor between them only "
                            "as far as their estimated gap",
                            "treat the threshold as the minimum over the samples; a longer "
                            "sampled trajectory narrows the gap"),
    Status.UNDECIDED: ("some kicks ended undecided within the integration budget: the "
                       "bracket holds them, the lower bound counts the others as staying",
                       "raise the integration time (t_max)"),
}


class HasStatus:
    """For a frozen dataclass with a field ``status``: accepts the plain string too (from
    JSON), and says whether the result is complete with its full guarantee."""

    status: Status

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))

    @property
    def success(self) -> bool:
        """Complete, with the full guarantee of its method (see :class:`Status`)."""
        return self.status.success
