"""Continuation of equilibria in one parameter, with fold / Hopf / branch-point detection."""

from .api import continue_equilibrium as continue_equilibrium

__all__ = ["continue_equilibrium"]
