"""Model → compiled system: exact derivatives and generated numeric code."""

from .api import as_compiled as as_compiled
from .api import compile_model as compile_model
from .compiled import CompiledModel as CompiledModel
from .kind import MAP as MAP
from .kind import ODE as ODE
from .kind import Kind as Kind
from .scaled import ScaledSystem as ScaledSystem
from .scaled import model_unit as model_unit
from .scaled import range_extent as range_extent
from .scaled import range_unit as range_unit
from .scaled import state_scale as state_scale
from .system import CompiledSystem as CompiledSystem

__all__ = ["CompiledModel", "compile_model", "CompiledSystem", "as_compiled", "Kind", "ODE",
           "MAP", "ScaledSystem", "range_unit",
           "model_unit", "state_scale",
           "range_extent"]
