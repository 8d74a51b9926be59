"""empathy_score: does the agent acknowledge the caller before asking for the policy number?

Scores Dutch customer-service call transcripts for empathy with a rule-based spaCy pipeline
(built on ``spacy.blank("nl")``; no pretrained model needed) and reports empathy rates
against the Dutch baseline of 51% of calls without empathy.
"""

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from ._lazy import lazy_exports
from .errors import (
    EmpathyScoreError,
    ModelError,
    PatternError,
    ReportError,
    TranscriptError,
    TranscriptWarning,
)

#: The public names whose modules load spaCy, scikit-learn or the readers, imported on first
#: use: ``import empathy_score`` (which pytest does for our plugin in every test run of every
#: project that installs us) then loads neither spaCy nor scikit-learn.
_LAZY = {
    "load_nlp": ".pipeline",
    "EmpathyReport": ".report",
    "summarize": ".report",
    "EmpathyScorer": ".scorer",
    "Transcript": ".transcript",
    "Turn": ".transcript",
    "iter_transcripts": ".reading",
    "load_transcript": ".reading",
    "parse_text": ".reading",
    "CallVerdict": ".verdict",
    "Evidence": ".verdict",
    "verdicts_to_frame": ".table",
}

if TYPE_CHECKING:
    from .pipeline import load_nlp
    from .reading import iter_transcripts, load_transcript, parse_text
    from .report import EmpathyReport, summarize
    from .scorer import EmpathyScorer
    from .table import verdicts_to_frame
    from .transcript import Transcript, Turn
    from .verdict import CallVerdict, Evidence


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())


try:
    __version__ = version("empathy_score")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "CallVerdict",
    "EmpathyReport",
    "EmpathyScoreError",
    "EmpathyScorer",
    "Evidence",
    "ModelError",
    "PatternError",
    "ReportError",
    "Transcript",
    "TranscriptError",
    "TranscriptWarning",
    "Turn",
    "__version__",
    "iter_transcripts",
    "load_nlp",
    "load_transcript",
    "parse_text",
    "summarize",
    "verdicts_to_frame",
]
