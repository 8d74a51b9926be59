"""empathy_score: does the agent acknowledge the caller before asking for the policy number?

Scores Dutch customer-service call transcripts for empathy with a rule-based spaCy pipeline
(built on ``spacy.blank("nl")``; no pretrained model needed) and reports empathy rates
against the Dutch baseline of 51% of calls without empathy.
"""

from importlib.metadata import PackageNotFoundError, version

from .errors import (
    EmpathyScoreError,
    ModelError,
    PatternError,
    ReportError,
    TranscriptError,
    TranscriptWarning,
)
from .pipeline import load_nlp
from .report import EmpathyReport, summarize
from .scorer import EmpathyScorer
from .transcript import Transcript, Turn, iter_transcripts, load_transcript, parse_text
from .verdict import CallVerdict, Evidence

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
]
