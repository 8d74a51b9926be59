"""The library's error hierarchy: every failure a user can cause is one of these."""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "EmpathyScoreError",
    "ModelError",
    "PatternError",
    "TranscriptError",
    "TranscriptWarning",
]


class EmpathyScoreError(Exception):
    """Base class of every error raised on purpose by empathy_score."""


class _LocatedError(EmpathyScoreError):
    """An error about a place in a file: the message names the file and, where known, the line."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        self.reason = message
        self.path = str(path) if path is not None else None
        self.line = line
        where = ""
        if self.path is not None:
            where = self.path if line is None else f"{self.path}:{line}"
        elif line is not None:
            where = f"line {line}"
        super().__init__(f"{where}: {message}" if where else message)

    def __reduce__(self):  # keep path/line when errors cross process boundaries
        return (_rebuild, (type(self), self.reason, self.path, self.line))


def _rebuild(cls, reason, path, line):
    return cls(reason, path=path, line=line)


class TranscriptError(_LocatedError):
    """A transcript could not be read: empty, malformed, wrong shape, unknown speaker label…"""

    @property
    def call_id(self) -> str:
        """The id of the error record standing for what could not be read: the file's stem,
        with the line when known (``"calls:12"``); ``"<unknown>"`` without a file."""
        if self.path is None:
            return "<unknown>"
        stem = Path(self.path).stem
        return f"{stem}:{self.line}" if self.line is not None else stem


class PatternError(_LocatedError):
    """A pattern file is invalid: the message names the file and the line of the bad pattern."""


class ModelError(_LocatedError):
    """A model artefact is missing, tampered with, or was built with an incompatible library."""


class ReportError(_LocatedError):
    """Verdicts or a meta side file could not be read for a report, or were asked the wrong way."""


class TranscriptWarning(UserWarning):
    """A transcript was read, but not as cleanly as it should be (e.g. decoded as Windows-1252)."""
