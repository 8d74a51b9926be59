"""The empathy report; moved into a package, where it is split by idea next."""

from ..errors import ReportError
from .summary import ALPHA as ALPHA
from .summary import (
    BASELINE,
    FORMATS,
    MIN_GROUP_SIZE,
    UNKNOWN,
    EmpathyReport,
    GroupSummary,
    Rate,
    Snippet,
    WorstCall,
    binomial_p_value,
    is_verdict_file,
    read_meta,
    read_verdicts,
    render,
    summarize,
    wilson_interval,
)
from .summary import BETTER as BETTER
from .summary import NO_DIFFERENCE as NO_DIFFERENCE
from .summary import RATE_NAMES as RATE_NAMES
from .summary import TOO_SMALL as TOO_SMALL
from .summary import WORSE as WORSE
from .summary import WORST_THRESHOLD as WORST_THRESHOLD

__all__ = [
    "BASELINE",
    "FORMATS",
    "MIN_GROUP_SIZE",
    "UNKNOWN",
    "EmpathyReport",
    "GroupSummary",
    "Rate",
    "ReportError",
    "Snippet",
    "WorstCall",
    "binomial_p_value",
    "is_verdict_file",
    "read_meta",
    "read_verdicts",
    "render",
    "summarize",
    "wilson_interval",
]
