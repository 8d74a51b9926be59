"""Diarised speech-to-text JSON: segments with anonymous speakers.

Engines such as WhisperX and pyannote-based pipelines write a call as a list of segments,
either bare or under ``"segments"``::

    {"id": "gesprek-12", "segments": [
        {"speaker": "SPEAKER_01", "start": 0.0, "end": 2.4, "text": "Goedemiddag, u spreekt met…"},
        {"speaker": "SPEAKER_00", "start": 2.6, "end": 6.1, "text": "Hallo, ik bel omdat…"}]}

Speakers are whatever the engine calls them (``SPEAKER_00``, ``spk_1``, ``Spreker 1``, ``A``);
their roles are inferred (:mod:`empathy_score.readers.roles`) unless every label is a known
alias or the caller names the agent. Consecutive segments of one speaker become one turn, with
the start of the first and the end of the last. A segment without ``"speaker"`` (engines leave
it out when diarisation was unsure) continues the previous speaker. ``"id"`` and ``"meta"`` are
read as in the project's own JSON; other top-level keys (``"language"``, ``"word_segments"``,
a full ``"text"``) are ignored.

The project's own ``.json`` and ``.jsonl`` readers hand a value here when
:func:`looks_diarized` says so: an object with ``"segments"`` and no ``"turns"``, or a list of
objects with ``"text"`` and a ``"start"`` or ``"end"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from empathy_score.errors import TranscriptError
from empathy_score.readers.json_values import json_id_and_meta, json_kind, seconds
from empathy_score.readers.segments import Segment, assemble
from empathy_score.transcript import Transcript

__all__ = ["looks_diarized", "transcript_from_segments"]


def looks_diarized(value: Any) -> bool:
    """Whether a decoded JSON value has the diarised shape rather than ``{"turns": [...]}``."""
    if isinstance(value, dict):
        return "segments" in value and "turns" not in value
    if isinstance(value, list):
        return bool(value) and all(
            isinstance(item, dict) and "text" in item and ("start" in item or "end" in item)
            for item in value
        )
    return False


def transcript_from_segments(
    value: Any,
    *,
    default_id: str,
    source: str,
    line: int | None,
    roles: Mapping[str, str],
    agent_speaker: str | None = None,
) -> Transcript:
    """Build one call from diarised JSON (see the module docstring for the shape).

    Raises
    ------
    TranscriptError
        On a shape error (naming the segment, e.g. ``segments[3]: missing "text"``), when no
        segment has a speaker, or when ``agent_speaker`` is not one of the speakers.
    """

    def error(message: str) -> TranscriptError:
        return TranscriptError(message, path=source, line=line)

    if not isinstance(value, dict | list):
        raise error(
            f'expected a list of segments or an object with "segments", got {json_kind(value)}'
        )
    call_id, meta, raw_segments = default_id, {}, value
    if isinstance(value, dict):
        if "segments" not in value:
            raise error('missing "segments"')
        call_id, meta = json_id_and_meta(value, default_id, error)
        raw_segments = value["segments"]
        if not isinstance(raw_segments, list):
            raise error(f'"segments" must be a list, got {json_kind(raw_segments)}')
        if not raw_segments:
            raise error('no turns: "segments" is empty')
    segments = []
    for index, raw in enumerate(raw_segments):
        try:
            segments.append(_segment(raw, f"segments[{index}]"))
        except ValueError as reason:
            raise error(f"segments[{index}]: {reason}") from None
    return assemble(
        segments,
        id=call_id,
        source=source,
        roles=roles,
        agent_speaker=agent_speaker,
        meta=meta,
        labels_are_anonymous=True,
        line=line,
        no_labels_hint=(
            ': no segment has a "speaker"; run the speech-to-text engine with diarisation '
            "(speaker labels)"
        ),
    )


def _segment(raw: Any, where: str) -> Segment:
    """One segment; shape problems raise ValueError, located by the caller."""
    if not isinstance(raw, dict):
        raise ValueError(f'expected an object with "speaker" and "text", got {json_kind(raw)}')
    if "text" not in raw:
        raise ValueError('missing "text"')
    text = raw["text"]
    if not isinstance(text, str):
        raise ValueError(f'"text" must be a string, got {json_kind(text)}')
    label = raw.get("speaker")
    if isinstance(label, bool) or not isinstance(label, str | int | None):
        raise ValueError(f'"speaker" must be a string, got {json_kind(label)}')
    label = str(label).strip() if label is not None else None
    start = seconds(raw, "start")
    end = seconds(raw, "end")
    if start is not None and end is not None and end < start:
        raise ValueError(f'"end" ({end:g}) is before "start" ({start:g})')
    return Segment(label or None, text, start=start, end=end, where=where)
