"""The flow layer: every trajectory dynena computes (batched integration, outcome oracle)."""

from .integrate import BatchResult as BatchResult
from .integrate import integrate_batch as integrate_batch

__all__ = ["BatchResult", "integrate_batch"]
