"""dynena: multistable dynamical systems and recurrent networks as excitable network attractors."""

from .compile import CompiledModel as CompiledModel
from .compile import compile_model as compile_model
from .errors import ConvergenceError as ConvergenceError
from .errors import DynenaError as DynenaError
from .errors import ModelError as ModelError
from .errors import ParameterError as ParameterError
from .model import Model as Model
from .model import load as load

__version__ = "0.1.0"

__all__ = ["CompiledModel", "ConvergenceError", "DynenaError", "Model", "ModelError",
           "ParameterError", "compile_model", "load", "__version__"]
