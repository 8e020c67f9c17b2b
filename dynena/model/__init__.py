"""Model files → symbolic models (no numerics here)."""

from .load import load as load
from .load import load_document as load_document
from .model import Model as Model
from .vector import VectorModel as VectorModel

__all__ = ["Model", "VectorModel", "load", "load_document"]
