"""From speaker-labelled pieces of speech to a call: the step every new reader shares.

Subtitle cues, diarised speech-to-text segments and spreadsheet rows all come as pieces of text
with a speaker label and, often, times. :func:`assemble` turns them into a
:class:`~empathy_score.transcript.Transcript`: it maps labels to roles (through the aliases, or
by role inference when the labels are anonymous), merges consecutive pieces of one speaker into
one turn, and records any inference on ``meta["role_inference"]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from empathy_score.errors import TranscriptError
from empathy_score.readers.roles import RoleGuess, infer_roles, is_anonymous_label
from empathy_score.transcript import (
    Transcript,
    Turn,
    normalise_label,
    unknown_label_message,
)

__all__ = ["Segment", "assemble"]


@dataclass(frozen=True)
class Segment:
    """A piece of one speaker's speech as found in a file.

    ``label`` is the speaker as written (``None`` when the piece has none: it continues the
    previous speaker). ``line`` is the 1-based line in the file, where known; ``where`` names
    the piece in messages when there is no line (``"segments[3]"``).
    """

    label: str | None
    text: str
    start: float | None = None
    end: float | None = None
    line: int | None = None
    where: str = ""


def assemble(
    segments: Sequence[Segment],
    *,
    id: str,
    source: str | None,
    roles: Mapping[str, str],
    agent_speaker: str | None = None,
    meta: Mapping[str, Any] | None = None,
    labels_are_anonymous: bool = False,
    line: int | None = None,
    no_labels_hint: str = "",
) -> Transcript:
    """Build one call from its segments.

    Labels are mapped to roles as follows. When every label is a known alias, the aliases
    decide (and ``agent_speaker`` is ignored: the file names its roles). Otherwise the labels
    are anonymous: ``agent_speaker`` names the agent if given, else
    :func:`~empathy_score.readers.roles.infer_roles` picks one; every other speaker is a
    customer. A label that is neither known nor shaped like an anonymous one (``"Manager"``) is
    an error, unless ``labels_are_anonymous`` (diarised output, where any label is the engine's).

    Segments with blank text are dropped; a segment without a label continues the previous
    speaker (leading ones belong to the first labelled speaker).

    Raises
    ------
    TranscriptError
        When no segment has text or a label, on an unknown label, or when ``agent_speaker`` is
        not one of the call's speakers; located at the segment's line, else at ``line``.
    """
    spoken = [segment for segment in segments if segment.text.strip()]
    if not spoken:
        raise TranscriptError("no turns: no text in any segment", path=source, line=line)
    first_label = next((s.label for s in spoken if s.label is not None), None)
    if first_label is None:
        raise TranscriptError(f"no speaker labels{no_labels_hint}", path=source, line=line)

    groups: list[tuple[str, list[Segment]]] = []
    current = first_label
    for segment in spoken:
        current = segment.label if segment.label is not None else current
        if groups and groups[-1][0] == current:
            groups[-1][1].append(segment)
        else:
            groups.append((current, [segment]))

    guess = _resolve(groups, roles, agent_speaker, labels_are_anonymous, source, line)
    speakers = (
        guess.speakers
        if guess is not None
        else {label: roles[normalise_label(label)] for label, _ in groups}
    )
    turns = tuple(
        Turn(
            speakers[label],
            " ".join(" ".join(s.text.split()) for s in pieces),
            line=pieces[0].line,
            start=next((s.start for s in pieces if s.start is not None), None),
            end=next((s.end for s in reversed(pieces) if s.end is not None), None),
        )
        for label, pieces in groups
    )
    record = dict(meta or {})
    if guess is not None:
        record["role_inference"] = guess.to_meta()
    return Transcript(id=id, turns=turns, meta=record, source=source)


def _resolve(
    groups: list[tuple[str, list[Segment]]],
    roles: Mapping[str, str],
    agent_speaker: str | None,
    labels_are_anonymous: bool,
    source: str | None,
    line: int | None,
) -> RoleGuess | None:
    """The role of every label: ``None`` when the aliases decide, else a guess or override."""
    if all(normalise_label(label) in roles for label, _ in groups):
        return None
    if not labels_are_anonymous:
        for label, pieces in groups:
            if normalise_label(label) not in roles and not is_anonymous_label(label):
                where = pieces[0].line if pieces[0].line is not None else line
                message = unknown_label_message("speaker label", label, roles)
                raise TranscriptError(
                    _prefix(pieces[0]) + message + "; anonymous labels such as 'SPEAKER_00' "
                    "or 'Spreker 1' are assigned roles automatically",
                    path=source,
                    line=where,
                )
    texts = [(label, " ".join(s.text for s in pieces)) for label, pieces in groups]
    try:
        return infer_roles(texts, agent_speaker=agent_speaker)
    except ValueError as reason:
        raise TranscriptError(str(reason), path=source, line=line) from None


def _prefix(segment: Segment) -> str:
    return f"{segment.where}: " if segment.where and segment.line is None else ""
