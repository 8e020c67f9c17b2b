"""Excitable networks: thresholds, connections, via-saddles."""

from .api import InputPulses as InputPulses
from .api import excitable_network as excitable_network

__all__ = ["InputPulses", "excitable_network"]
