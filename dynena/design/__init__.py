"""Design: realise a directed graph as an excitable or heteroclinic network."""

from .graph_to_model import design_document as design_document
from .graph_to_model import design_model as design_model
from .graph_to_model import hypercube_graph as hypercube_graph
from .io import read_graph as read_graph
from .roundtrip import DesignCheck as DesignCheck
from .roundtrip import design_parameters as design_parameters
from .roundtrip import verify_design as verify_design

__all__ = ["DesignCheck", "design_document", "design_model", "design_parameters",
           "hypercube_graph", "read_graph", "verify_design"]
