"""Model → CompiledModel: exact derivatives and generated numeric code."""

from .compiled import CompiledModel as CompiledModel
from .compiled import compile_model as compile_model

__all__ = ["CompiledModel", "compile_model"]
