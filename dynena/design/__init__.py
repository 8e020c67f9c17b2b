"""Design: realise a directed graph as an excitable or heteroclinic network."""

from .graph_to_model import design_document as design_document
from .graph_to_model import design_model as design_model
from .graph_to_model import hypercube_graph as hypercube_graph

__all__ = ["design_document", "design_model", "hypercube_graph"]
