"""Continuation of equilibria in one parameter (fold / Hopf / branch-point detection) and of
folds, Hopf, period-doubling and Neimark–Sacker points in two."""

from .api import continue_curve as continue_curve
from .api import continue_cycles as continue_cycles
from .api import continue_equilibrium as continue_equilibrium

__all__ = ["continue_equilibrium", "continue_curve", "continue_cycles"]
