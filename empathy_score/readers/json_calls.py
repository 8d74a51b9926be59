"""The project's own JSON formats: ``.json`` (one call) and ``.jsonl`` (one call per line).

A call is ``{"id": ..., "meta": {...}, "turns": [{"speaker": ..., "text": ...}, ...]}``.
``"role"`` is accepted instead of ``"speaker"``; speaker values go through the aliases, and
optional ``"start"``/``"end"`` give a turn's timing in seconds. A value shaped like diarised
speech-to-text segments is handed to :mod:`empathy_score.readers.diarized` instead.

A ``.jsonl`` file is read line by line, each line held to ``max_bytes``, and each line that
cannot be read becomes an error in its place.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from empathy_score.errors import TranscriptError
from empathy_score.readers import diarized
from empathy_score.readers.files import (
    ReadOptions,
    check_not_binary,
    decode,
    os_error,
    read_text,
    too_large,
    warn_cp1252,
)
from empathy_score.readers.json_values import json_id_and_meta, json_kind, parse_json, seconds
from empathy_score.transcript import Transcript, Turn, normalise_label, unknown_label_message

__all__ = ["iter_file", "load_file", "transcript_from_json"]

# Enough of a file's start to tell text from binary before a .jsonl file is read line by line.
_SNIFF_BYTES = 8192


def transcript_from_json(
    value: Any,
    *,
    default_id: str,
    source: str,
    line: int | None,
    roles: Mapping[str, str],
    agent_speaker: str | None = None,
) -> Transcript:
    """Build a transcript from one decoded JSON call, checking its shape."""
    if diarized.looks_diarized(value):
        return diarized.transcript_from_segments(
            value,
            default_id=default_id,
            source=source,
            line=line,
            roles=roles,
            agent_speaker=agent_speaker,
        )

    def error(message: str) -> TranscriptError:
        return TranscriptError(message, path=source, line=line)

    if not isinstance(value, dict):
        hint = ""
        if isinstance(value, list):
            hint = " (for many calls, write a .jsonl file: one call per line)"
        raise error(f'expected a JSON object with "turns", got {json_kind(value)}{hint}')

    call_id, meta = json_id_and_meta(value, default_id, error)
    if "turns" not in value:
        raise error('missing "turns"')
    raw_turns = value["turns"]
    if not isinstance(raw_turns, list):
        raise error(f'"turns" must be a list, got {json_kind(raw_turns)}')
    if not raw_turns:
        raise error('no turns: "turns" is empty')

    turns = []
    for index, raw in enumerate(raw_turns):
        try:
            turns.append(_turn_from_json(raw, roles=roles, line=line))
        except ValueError as reason:
            raise error(f"turns[{index}]: {reason}") from None
    try:
        return Transcript(id=call_id, turns=tuple(turns), meta=meta, source=source)
    except ValueError as reason:  # e.g. meta nested deeper than metadata ever is
        raise error(str(reason)) from None


def _turn_from_json(raw: Any, *, roles: Mapping[str, str], line: int | None) -> Turn:
    """Build one turn; shape problems are raised as ValueError and located by the caller."""
    if not isinstance(raw, dict):
        raise ValueError(f'expected an object with "speaker" and "text", got {json_kind(raw)}')
    if "speaker" in raw and "role" in raw:
        raise ValueError('has both "speaker" and "role"; use one')
    key = "role" if "role" in raw else "speaker"
    if key not in raw:
        raise ValueError('missing "speaker" (or "role")')
    label = raw[key]
    if not isinstance(label, str):
        raise ValueError(f'"{key}" must be a string, got {json_kind(label)}')
    speaker = roles.get(normalise_label(label))
    if speaker is None:
        raise ValueError(unknown_label_message(key, label, roles))
    if "text" not in raw:
        raise ValueError('missing "text"')
    text = raw["text"]
    if not isinstance(text, str):
        raise ValueError(f'"text" must be a string, got {json_kind(text)}')
    start = seconds(raw, "start")
    end = seconds(raw, "end")
    if start is not None and end is not None and end < start:
        raise ValueError(f'"end" ({end:g}) is before "start" ({start:g})')
    return Turn(speaker, text, line=line, start=start, end=end)


def load_file(path: Path, options: ReadOptions) -> Transcript:
    """Read a ``.json`` file: one call, its id the ``"id"`` or else the file name."""
    text = read_text(path, options.max_bytes)
    value = parse_json(text, source=str(path), line=None)
    return transcript_from_json(
        value,
        default_id=path.stem,
        source=str(path),
        line=None,
        roles=options.roles,
        agent_speaker=options.agent_speaker,
    )


def _lines(stream, max_bytes: int) -> Iterator[bytes | None]:
    """The lines of a binary stream, ``None`` in place of each longer than ``max_bytes``.

    A long line is skipped in chunks, never held whole in memory.
    """
    while True:
        raw = stream.readline(max_bytes + 1)
        if not raw:
            return
        if len(raw.rstrip(b"\r\n")) <= max_bytes:
            yield raw
            continue
        while not raw.endswith(b"\n"):
            raw = stream.readline(max_bytes + 1)
            if not raw:
                break
        yield None


def iter_file(path: Path, options: ReadOptions) -> Iterator[Transcript | TranscriptError]:
    """Read a .jsonl file line by line, yielding a TranscriptError for each unreadable line."""
    try:
        with path.open("rb") as stream:
            head = stream.read(_SNIFF_BYTES)
            if not head:
                yield TranscriptError("empty file", path=path)
                return
            try:
                check_not_binary(head, path)
            except TranscriptError as error:
                yield error
                return
            stream.seek(0)
            found = False
            warned = False
            for number, raw in enumerate(_lines(stream, options.max_bytes), start=1):
                if raw is None:
                    found = True
                    yield TranscriptError(
                        too_large("line", None, options.max_bytes), path=path, line=number
                    )
                    continue
                text, fell_back = decode(raw)
                if fell_back and not warned:
                    warn_cp1252(path, number)
                    warned = True
                if not text.strip():
                    continue
                found = True
                try:
                    value = parse_json(text, source=str(path), line=number)
                    yield transcript_from_json(
                        value,
                        default_id=f"{path.stem}:{number}",
                        source=str(path),
                        line=number,
                        roles=options.roles,
                        agent_speaker=options.agent_speaker,
                    )
                except TranscriptError as error:
                    yield error
            if not found:
                yield TranscriptError("empty file (only whitespace)", path=path)
    except OSError as error:
        yield os_error(path, error)
