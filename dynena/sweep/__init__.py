"""Parameter studies: sweeps on Dask's distributed scheduler (:mod:`dynena.sweep.run`) and
the excitable network followed through a parameter (:mod:`dynena.sweep.follow`)."""

from .follow import continue_network as continue_network
from .run import SweepResult as SweepResult
from .run import run_point as run_point
from .run import sweep as sweep
from .spec import Axis as Axis
from .spec import SweepSpec as SweepSpec
from .spec import load_spec as load_spec
from .spec import parse_axis as parse_axis

__all__ = ["continue_network", "sweep", "SweepSpec", "SweepResult", "Axis", "parse_axis", "load_spec", "run_point"]
