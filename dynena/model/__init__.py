"""Model files → symbolic models (no numerics here)."""

from .load import load as load
from .model import Model as Model

__all__ = ["Model", "load"]
