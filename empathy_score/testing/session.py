"""The one :class:`~empathy_score.EmpathyScorer` of a test run, shared by fixture and helpers.

Building the pipeline is the slow part of scoring, so a test run builds it once: the plugin's
session-scoped ``empathy_scorer`` fixture and every assertion helper called without
``scorer=...`` use the scorer returned by :func:`shared_scorer`. The plugin installs the run's
:class:`Settings` (extra pattern files, speaker aliases) when pytest is configured and restores
the previous ones when it is unconfigured, so that nested runs (``pytester``) stay apart.
Outside pytest the helpers work too, with the default settings.

The shared scorer uses the rules alone, without the packaged classifier: a script test must
fail for a reason it can show (a turn, the words found, the rule that fired), and the
suggestions in its messages are checked against the rules. The classifier's probability is
for scoring real calls in bulk, not for explaining one script.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from ..errors import PatternError

if TYPE_CHECKING:  # imported when a scorer is built: pytest starts without spaCy
    from ..scorer import EmpathyScorer

__all__ = ["Settings", "install", "restore", "settings", "shared_scorer"]


@dataclass(frozen=True)
class Settings:
    """How the shared scorer is built.

    Parameters
    ----------
    extra_patterns
        A user's own pattern files per rule family, added to the packaged ones
        (see :func:`empathy_score.load_nlp`).
    aliases
        Extra speaker labels for ``.txt`` scripts, e.g. ``{"bot": "agent"}``.
    """

    extra_patterns: Mapping[str, tuple[Path, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


_settings = Settings()
_scorer: EmpathyScorer | None = None
#: Why the scorer of this run could not be built: every later test gets the same error at once,
#: instead of building the pipeline again to fail again.
_failure: PatternError | None = None


def settings() -> Settings:
    """The settings of the current test run (the defaults outside pytest)."""
    return _settings


def shared_scorer() -> EmpathyScorer:
    """The scorer of the current test run, built on first use (its pipeline loads lazily)."""
    global _scorer, _failure
    if _failure is not None:
        raise PatternError(_failure.reason, path=_failure.path, line=_failure.line)
    if _scorer is None:
        from ..scorer import EmpathyScorer

        nlp = None
        if _settings.extra_patterns:
            from ..pipeline import load_nlp

            try:
                nlp = load_nlp(extra_patterns=_settings.extra_patterns)
            except PatternError as err:
                _failure = err
                raise
        _scorer = EmpathyScorer(nlp, model=None, aliases=_settings.aliases or None)
    return _scorer


_State = tuple[Settings, "EmpathyScorer | None", "PatternError | None"]


def install(new: Settings) -> _State:
    """Start a run with ``new`` settings (and no scorer yet); returns the state to restore."""
    global _settings, _scorer, _failure
    previous = (_settings, _scorer, _failure)
    _settings, _scorer, _failure = new, None, None
    return previous


def restore(state: _State) -> None:
    """Go back to the state :func:`install` returned."""
    global _settings, _scorer, _failure
    _settings, _scorer, _failure = state
