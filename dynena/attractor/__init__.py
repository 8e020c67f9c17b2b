"""Attractors of every kind: periodic orbits and other bounded attractors found from trajectories."""

from .api import find_attractors as find_attractors
from .periodic import limit_cycle_from as limit_cycle_from
from .periodic import map_cycle_from as map_cycle_from

__all__ = ["find_attractors", "limit_cycle_from", "map_cycle_from"]
