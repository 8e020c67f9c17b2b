"""Resource limits on what a model file or an option may ask of dynena.

Each limit has a default that no sensible model reaches and can be raised with an environment
variable (documented in ``docs/security.md``). A limit that is hit is a clear error naming the
input and the variable that raises it — never a hang, a RecursionError or a MemoryError.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["LIMITS", "Limits", "limit"]


@dataclass(frozen=True)
class Limits:
    """Defaults; ``limit(name)`` reads the ``DYNENA_MAX_*`` override of each."""

    file_bytes: int = 10 * 2**20          # a model file, a graph file
    expression_chars: int = 100_000       # one right-hand side, one value
    nesting: int = 200                    # calls, powers, products inside each other
    exponent: int = 1000                  # |n| in x**n with an integer n
    scalar_variables: int = 2000          # variables of a scalar-form model
    vector_size: int = 200_000            # one block of a vector-form model
    array_elements: int = 50_000_000      # one array of a vector-form model (400 MB)
    yaml_nodes: int = 1_000_000           # nodes after alias expansion
    simulate_steps: int = 10_000_000      # steps of one simulation


LIMITS = Limits()

_ENV = {name: f"DYNENA_MAX_{name.upper()}" for name in Limits.__dataclass_fields__}


def limit(name: str) -> int:
    """The limit ``name`` (a field of :class:`Limits`), overridden by its environment variable."""
    default = getattr(LIMITS, name)
    text = os.environ.get(_ENV[name])
    if not text:
        return int(default)
    try:
        value = int(float(text))
    except ValueError:
        return int(default)
    return value if value > 0 else int(default)


def env_name(name: str) -> str:
    """The environment variable that raises limit ``name``."""
    return _ENV[name]
