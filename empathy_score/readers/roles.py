"""Which anonymous speaker is the agent? Role inference from what each speaker says.

Speech-to-text engines label speakers ``SPEAKER_00``, ``spk_1`` or ``Spreker 2``: they know
*that* two people spoke, not *who* is the employee. The agent gives himself away: he greets on
behalf of a company ("goedemiddag, u spreekt met Sanne van Zilverlinde"), offers help ("waarmee
kan ik u helpen?") and asks for data ("mag ik uw polisnummer?"); the caller says why he calls
("ik bel omdat…", "ik heb een vraag") and tells what happened to *his* car, dog or son.

The cues are data, ``empathy_score/patterns/roles.jsonl``: one JSON object per line,

``id``
    A unique name, reported as evidence in ``meta["role_inference"]["cues"]``.
``role``
    ``"agent"`` or ``"customer"``: whom the cue points to.
``pattern``
    A Python regular expression, searched in the lowercased turn text (whitespace collapsed).
``weight``
    How much the cue counts (a positive number; about 1 for a hint, 3 for a give-away).
``scope``
    ``"anywhere"`` (default), ``"own_first_turn"`` (only the speaker's first turn) or
    ``"call_opening"`` (only the call's first turn).
``description``
    Optional: what the cue is for, in words.

The packaged file is plain JSON Lines (``srsly.read_jsonl`` reads it); in a file of your own,
lines starting with ``//`` are skipped as comments, as earlier versions allowed.

A cue counts at most once per speaker, so a talkative speaker does not outweigh a telling one.
A speaker's score is the sum of the weights of its agent cues minus those of its customer cues;
the agent is the speaker with the highest score, and the confidence is the logistic function of
the margin between the two highest scores: no margin is a coin toss (0.5), a margin of 3 (one
give-away) is 0.95. A guess below :data:`LOW_CONFIDENCE` is flagged ``low_confidence`` so that
it can be checked and, if need be, overridden with ``agent_speaker=``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from empathy_score.errors import PatternError
from empathy_score.transcript import AGENT, CUSTOMER

__all__ = [
    "LOW_CONFIDENCE",
    "RoleCue",
    "RoleGuess",
    "infer_roles",
    "is_anonymous_label",
    "load_role_cues",
]

LOW_CONFIDENCE = 0.8
"""A guess with a lower confidence is reported with ``low_confidence: true``."""

_SCOPES = frozenset({"anywhere", "own_first_turn", "call_opening"})
_KEYS = frozenset({"id", "role", "pattern", "weight", "scope", "description"})
_REQUIRED = frozenset({"id", "role", "pattern", "weight"})

# What a speech-to-text engine calls a speaker: SPEAKER_00, spk_1, Spreker 2, Speaker A, S1,
# or a bare number or letter.
_ANONYMOUS = re.compile(
    r"(?:speaker|spreker|spk|spkr|persoon|stem|voice|deelnemer|participant|s)?"
    r"[\s_\-]*(?:\d{1,3}|[a-z])",
    re.IGNORECASE,
)


def is_anonymous_label(label: str) -> bool:
    """Whether a speaker label is a diarisation engine's placeholder rather than a role.

    >>> [is_anonymous_label(x) for x in ("SPEAKER_00", "spk_1", "Spreker 2", "B", "Manager")]
    [True, True, True, True, False]
    """
    return _ANONYMOUS.fullmatch(label.strip()) is not None


@dataclass(frozen=True)
class RoleCue:
    """One cue: a pattern in a speaker's words that points to the agent or to the caller."""

    id: str
    role: str
    pattern: re.Pattern[str]
    weight: float
    scope: str = "anywhere"
    description: str = ""


@dataclass(frozen=True)
class RoleGuess:
    """The outcome of role inference for one call.

    ``agent_speaker`` is the label judged to be the agent (``None`` when the only speaker looks
    like a caller); every other label is a customer. ``method`` is ``"cues"`` for an inference
    and ``"override"`` when the caller named the agent.
    """

    agent_speaker: str | None
    confidence: float
    method: str
    speakers: Mapping[str, str]
    scores: Mapping[str, float] = field(default_factory=dict)
    cues: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def low_confidence(self) -> bool:
        return self.confidence < LOW_CONFIDENCE

    def to_meta(self) -> dict[str, Any]:
        """A JSON-ready record for ``Transcript.meta["role_inference"]``: labels and cue ids only,
        never what was said."""
        record: dict[str, Any] = {
            "agent_speaker": self.agent_speaker,
            "confidence": round(self.confidence, 3),
            "low_confidence": self.low_confidence,
            "method": self.method,
            "speakers": dict(self.speakers),
        }
        if self.method == "cues":
            record["scores"] = {label: round(score, 2) for label, score in self.scores.items()}
            record["cues"] = {label: list(ids) for label, ids in self.cues.items()}
        return record


# --------------------------------------------------------------------------------------------
# The cue file
# --------------------------------------------------------------------------------------------


def load_role_cues(path: str | Path | None = None) -> tuple[RoleCue, ...]:
    """Read and validate role cues; the packaged ``patterns/roles.jsonl`` by default.

    Raises
    ------
    PatternError
        On a line that is not a JSON object, an unknown or missing key, a bad role, weight or
        scope, a duplicate id, or a pattern that is not a valid regular expression; the message
        names the file and the line.
    """
    if path is None:
        return _packaged_cues()
    return _read_cues(Path(path).read_text(encoding="utf-8"), str(path))


@lru_cache(maxsize=1)
def _packaged_cues() -> tuple[RoleCue, ...]:
    source = resources.files("empathy_score.patterns").joinpath("roles.jsonl")
    return _read_cues(source.read_text(encoding="utf-8"), "empathy_score/patterns/roles.jsonl")


def _read_cues(text: str, where: str) -> tuple[RoleCue, ...]:
    cues: list[RoleCue] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue

        def fail(message: str, number: int = number) -> PatternError:
            return PatternError(message, path=where, line=number)

        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise fail(f"invalid JSON: {error.msg}") from None
        if not isinstance(record, dict):
            raise fail("each line must be a JSON object")
        unknown = set(record) - _KEYS
        if unknown:
            raise fail(f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_KEYS)}")
        missing = _REQUIRED - set(record)
        if missing:
            raise fail(f"missing key(s) {sorted(missing)}")
        cue_id, role, pattern = record["id"], record["role"], record["pattern"]
        weight, scope = record["weight"], record.get("scope", "anywhere")
        if not isinstance(cue_id, str) or not cue_id:
            raise fail('"id" must be a non-empty string')
        if cue_id in seen:
            raise fail(f"duplicate id {cue_id!r}")
        if role not in (AGENT, CUSTOMER):
            raise fail(f'"role" must be {AGENT!r} or {CUSTOMER!r}, got {role!r}')
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise fail(f'"weight" must be a number, got {weight!r}')
        if not (math.isfinite(weight) and weight > 0):
            raise fail(f'"weight" must be a positive number, got {weight!r}')
        if scope not in _SCOPES:
            raise fail(f'"scope" must be one of {sorted(_SCOPES)}, got {scope!r}')
        if not isinstance(pattern, str):
            raise fail('"pattern" must be a string (a regular expression)')
        description = record.get("description", "")
        if not isinstance(description, str):
            raise fail('"description" must be a string')
        try:
            compiled = re.compile(pattern)
        except re.error as error:
            raise fail(f"invalid regular expression: {error}") from None
        seen.add(cue_id)
        cues.append(RoleCue(cue_id, role, compiled, float(weight), scope, description))
    return tuple(cues)


# --------------------------------------------------------------------------------------------
# Inference
# --------------------------------------------------------------------------------------------


def infer_roles(
    turns: Sequence[tuple[str, str]],
    *,
    agent_speaker: str | None = None,
    cues: Sequence[RoleCue] | None = None,
) -> RoleGuess:
    """Decide which speaker label is the agent.

    Parameters
    ----------
    turns
        ``(label, text)`` per turn, in call order.
    agent_speaker
        The agent's label, when the caller knows it: no inference, confidence 1. Labels are
        compared case-insensitively. Must be one of the labels in ``turns``.
    cues
        The cues to use; :func:`load_role_cues` by default.

    Returns
    -------
    RoleGuess

    Raises
    ------
    ValueError
        If ``turns`` is empty, or ``agent_speaker`` is not one of its labels (the message lists
        them; readers turn it into a :class:`~empathy_score.errors.TranscriptError`).
    """
    if not turns:
        raise ValueError("no turns to infer speaker roles from")
    labels = list(dict.fromkeys(label for label, _ in turns))
    if agent_speaker is not None:
        return _override(labels, agent_speaker)
    cues = load_role_cues() if cues is None else cues
    scores = dict.fromkeys(labels, 0.0)
    fired: dict[str, list[str]] = {label: [] for label in labels}
    first_turn_seen: set[str] = set()
    for index, (label, text) in enumerate(turns):
        said = " ".join(text.split()).casefold()
        own_first = label not in first_turn_seen
        first_turn_seen.add(label)
        for cue in cues:
            if cue.id in fired[label]:
                continue
            if cue.scope == "own_first_turn" and not own_first:
                continue
            if cue.scope == "call_opening" and index != 0:
                continue
            if cue.pattern.search(said):
                fired[label].append(cue.id)
                scores[label] += cue.weight if cue.role == AGENT else -cue.weight
    ranked = sorted(labels, key=lambda label: -scores[label])  # stable: ties keep call order
    if len(ranked) == 1:
        margin = abs(scores[ranked[0]])
        agent = ranked[0] if scores[ranked[0]] > 0 else None
    else:
        margin = scores[ranked[0]] - scores[ranked[1]]
        agent = ranked[0]
    return RoleGuess(
        agent_speaker=agent,
        confidence=1.0 / (1.0 + math.exp(-margin)),
        method="cues",
        speakers={label: AGENT if label == agent else CUSTOMER for label in labels},
        scores=scores,
        cues={label: tuple(ids) for label, ids in fired.items()},
    )


def _override(labels: list[str], agent_speaker: str) -> RoleGuess:
    wanted = " ".join(agent_speaker.split()).casefold()
    matches = [label for label in labels if " ".join(label.split()).casefold() == wanted]
    if not matches:
        raise ValueError(
            f"agent speaker {agent_speaker!r} does not speak in this call "
            f"(speakers: {', '.join(labels)})"
        )
    agent = matches[0]
    return RoleGuess(
        agent_speaker=agent,
        confidence=1.0,
        method="override",
        speakers={label: AGENT if label == agent else CUSTOMER for label in labels},
    )
