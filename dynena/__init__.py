"""dynena: multistable dynamical systems and recurrent networks as excitable network attractors."""

from .compile import CompiledModel as CompiledModel
from .compile import compile_model as compile_model
from .errors import ConvergenceError as ConvergenceError
from .errors import DynenaError as DynenaError
from .errors import ModelError as ModelError
from .errors import ParameterError as ParameterError
from .model import Model as Model
from .model import VectorModel as VectorModel
from .model import load as load
from .model import load_document as load_document
from .simulate import Trajectory as Trajectory
from .simulate import simulate as simulate
from .design import design_model as design_model

__version__ = "0.1.0"

__all__ = ["CompiledModel", "ConvergenceError", "DynenaError", "Model", "ModelError",
           "ParameterError", "Trajectory", "VectorModel", "compile_model", "design_model",
           "load", "load_document", "simulate", "__version__"]
