"""Model → compiled system: exact derivatives and generated numeric code."""

from .api import as_compiled as as_compiled
from .api import compile_model as compile_model
from .compiled import CompiledModel as CompiledModel
from .kind import MAP as MAP
from .kind import ODE as ODE
from .kind import Kind as Kind
from .system import CompiledSystem as CompiledSystem

__all__ = ["CompiledModel", "compile_model", "CompiledSystem", "as_compiled", "Kind", "ODE",
           "MAP"]
