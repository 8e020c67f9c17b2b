"""Model files → symbolic models (no numerics here)."""

from .load import load as load
from .load import load_document as load_document
from .vector import VectorModel as VectorModel
from .model import Model as Model

__all__ = ["Model", "VectorModel", "load", "load_document"]
