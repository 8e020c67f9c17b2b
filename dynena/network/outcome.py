"""The outcome oracle lives in the flow layer (:mod:`dynena.flow.oracle`); re-exported here."""

from ..flow.oracle import DIVERGED as DIVERGED
from ..flow.oracle import LEFT_DOMAIN as LEFT_DOMAIN
from ..flow.oracle import UNDECIDED as UNDECIDED
from ..flow.oracle import UNKNOWN as UNKNOWN
from ..flow.oracle import OutcomeOracle as OutcomeOracle
from ..flow.oracle import reached as reached

__all__ = ["OutcomeOracle", "UNKNOWN", "DIVERGED", "UNDECIDED", "LEFT_DOMAIN", "reached"]
