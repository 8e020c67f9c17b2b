"""Reporters: Graphviz drawings, matplotlib figures, the PDF report. They never recompute."""

from .api import write_report as write_report

__all__ = ["write_report"]
