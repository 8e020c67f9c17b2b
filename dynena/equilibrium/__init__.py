"""Equilibria: find all, classify, expose saddles and their unstable manifolds."""

from .api import find_equilibria as find_equilibria
from .manifold import unstable_manifold as unstable_manifold

__all__ = ["find_equilibria", "unstable_manifold"]
