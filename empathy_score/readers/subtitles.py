"""Subtitle-style speech-to-text output: WebVTT (``.vtt``) and SubRip (``.srt``).

Parsing is left to well-kept libraries, ``webvtt-py`` and ``srt``; this module finds the
speakers in the cue text and builds the call. A cue names its speaker with a WebVTT voice tag
(``<v Agent>Goedemiddag…``, also accepted in SRT), or with a label before a colon on the cue's
first line or after a dialogue dash (``Klant: Hallo``, ``[SPEAKER_00]: Hallo``,
``- Spreker 2: Ja``). A cue without one continues the previous speaker (the first cue must
name one), and consecutive cues of
one speaker become one turn whose ``start``/``end`` are those of its first and last cue; its
``line`` is the line of the first cue's timing line.

Labels go through the aliases like those of ``.txt`` files; anonymous ones (``SPEAKER_00``,
``Spreker 1``) get their roles by inference (:mod:`empathy_score.readers.roles`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import srt
import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError
from webvtt.models import Caption

from empathy_score.errors import TranscriptError
from empathy_score.readers.files import ReadOptions, read_text
from empathy_score.readers.roles import is_anonymous_label
from empathy_score.readers.segments import Segment, assemble
from empathy_score.transcript import Transcript, looks_like_label, normalise_label

__all__ = ["load_file", "parse_srt", "parse_vtt"]

_TAGS = re.compile(r"<[^>]*>")
_VOICE = Caption.VOICE_SPAN_PATTERN
# "Agent: …", "[SPEAKER_00]: …", "- Spreker 2: …" — the label is checked separately.
_PREFIX = re.compile(r"\s*(?P<dash>[-–]\s*)?\[?(?P<label>[^\[\]:<>]{1,30}?)\]?\s*:(?:\s+|$)")
# A cue timing line, to find each cue's line in the file.
_TIMING_LINE = re.compile(r"^\s*\S+\s+-->\s+\S+")
_NO_LABELS = (
    ": expected WebVTT voice tags ('<v Agent>Goedemiddag…') or labels before the cue text "
    "('Klant: Hallo…'); a subtitle file without speakers cannot be scored"
)


def load_file(path: Path, options: ReadOptions) -> Transcript:
    """Read a ``.vtt`` or ``.srt`` file: one call, its id the file name without the extension."""
    text = read_text(path, options.max_bytes)
    parse = parse_vtt if path.suffix.lower() == ".vtt" else parse_srt
    return parse(
        text,
        id=path.stem,
        source=str(path),
        roles=options.roles,
        agent_speaker=options.agent_speaker,
    )


def parse_vtt(
    text: str,
    *,
    id: str,
    source: str | None,
    roles: Mapping[str, str],
    agent_speaker: str | None = None,
) -> Transcript:
    """Read a WebVTT document (the whole file as text) as one call.

    Raises
    ------
    TranscriptError
        When the text is not WebVTT (no ``WEBVTT`` first line), has a bad timestamp or no cues,
        when no cue names a speaker, on an unknown speaker label, or when ``agent_speaker`` is
        not one of the speakers.
    """
    try:
        captions = webvtt.from_string(text).captions
        cues = [
            (c.start_time.in_milliseconds() / 1000, c.end_time.in_milliseconds() / 1000, c.lines)
            for c in captions
        ]
    except MalformedFileError:
        raise TranscriptError(
            "not a WebVTT file: the first line must be 'WEBVTT'", path=source
        ) from None
    except MalformedCaptionError as error:
        raise TranscriptError(f"invalid WebVTT cue: {error}", path=source) from None
    except Exception as error:  # a parser bug must not stop a batch: report it as unreadable
        raise TranscriptError(f"cannot parse WebVTT: {error!r}", path=source) from None
    if len(cues) < sum(1 for line in text.splitlines() if _TIMING_LINE.match(line)):
        _unread_cue(text, source)  # webvtt-py skips a cue it cannot time, without a word
    return _build(cues, text, id=id, source=source, roles=roles, agent_speaker=agent_speaker)


# A WebVTT cue timing: [hh:]mm:ss.ttt --> [hh:]mm:ss.ttt (a full stop before the milliseconds)
_VTT_TIMING = re.compile(
    r"^\s*(?:\d{2,}:)?\d{2}:\d{2}\.\d{3}\s+-->\s+(?:\d{2,}:)?\d{2}:\d{2}\.\d{3}(?:\s|$)"
)


def _unread_cue(text: str, source: str | None) -> None:
    """Raise for the first cue whose timing WebVTT cannot read: a shorter call would flip
    the verdict without a word."""
    for number, line in enumerate(text.splitlines(), start=1):
        if _TIMING_LINE.match(line) and not _VTT_TIMING.match(line):
            hint = " (a comma before the milliseconds is SubRip's; WebVTT has a full stop)"
            raise TranscriptError(
                f"cue timing {line.strip()!r} is not WebVTT's hh:mm:ss.ttt"
                + (hint if "," in line else ""),
                path=source,
                line=number,
            )
    raise TranscriptError("some cues could not be read", path=source)


def parse_srt(
    text: str,
    *,
    id: str,
    source: str | None,
    roles: Mapping[str, str],
    agent_speaker: str | None = None,
) -> Transcript:
    """Read a SubRip document (the whole file as text) as one call.

    Raises
    ------
    TranscriptError
        On text that is not SubRip (naming the line where unreadable text starts), when there
        are no cues or no cue names a speaker, on an unknown speaker label, or when
        ``agent_speaker`` is not one of the speakers.
    """
    text = text.removeprefix("\ufeff")
    try:
        subtitles = list(srt.parse(text))
        cues = [
            (s.start.total_seconds(), s.end.total_seconds(), s.content.splitlines())
            for s in subtitles
        ]
    except srt.SRTParseError as error:
        line = text.count("\n", 0, error.actual_start) + 1
        raise TranscriptError(
            "not a SubRip cue: expected a number, then a timing line such as "
            "'00:00:01,000 --> 00:00:04,000', then the text",
            path=source,
            line=line,
        ) from None
    except Exception as error:  # a parser bug must not stop a batch: report it as unreadable
        raise TranscriptError(f"cannot parse SubRip: {error!r}", path=source) from None
    return _build(cues, text, id=id, source=source, roles=roles, agent_speaker=agent_speaker)


def _build(
    cues: Sequence[tuple[float, float, Sequence[str]]],
    text: str,
    *,
    id: str,
    source: str | None,
    roles: Mapping[str, str],
    agent_speaker: str | None,
) -> Transcript:
    if not cues:
        raise TranscriptError("no cues: expected timed subtitles with speakers", path=source)
    timing_lines = [
        number for number, line in enumerate(text.splitlines(), start=1) if _TIMING_LINE.match(line)
    ]
    located = len(timing_lines) == len(cues)  # else some cue lines were not cues; leave lines out
    segments: list[Segment] = []
    for index, (start, end, lines) in enumerate(cues):
        line = timing_lines[index] if located else None
        for label, said in _pieces(lines, roles, source, line, index):
            segments.append(
                Segment(label, said, start=start, end=end, line=line, where=f"cue {index + 1}")
            )
    if segments and segments[0].label is None:
        raise TranscriptError(
            f"the first cue names no speaker{_NO_LABELS}",
            path=source,
            line=segments[0].line,
        )
    return assemble(
        segments,
        id=id,
        source=source,
        roles=roles,
        agent_speaker=agent_speaker,
        no_labels_hint=_NO_LABELS,
    )


def _pieces(
    lines: Sequence[str],
    roles: Mapping[str, str],
    source: str | None,
    line: int | None,
    index: int,
) -> list[tuple[str | None, str]]:
    """Split a cue's lines into ``(label, text)`` pieces; ``None`` continues the speaker."""
    pieces: list[tuple[str | None, list[str]]] = []
    for position, raw in enumerate(lines):
        label, rest = _speaker(raw, roles, source, line, index, first=position == 0)
        said = html.unescape(_TAGS.sub("", rest)).strip()
        if label is not None or not pieces:
            pieces.append((label, [said]))
        else:
            pieces[-1][1].append(said)
    return [(label, " ".join(part for part in parts if part)) for label, parts in pieces]


def _speaker(
    raw: str,
    roles: Mapping[str, str],
    source: str | None,
    line: int | None,
    index: int,
    *,
    first: bool,
) -> tuple[str | None, str]:
    """The speaker a cue line names, if any, and the rest of the line."""
    voice = _VOICE.match(raw.lstrip())
    if voice is not None:
        return voice.group(1).strip(), raw.lstrip()[voice.end() :]
    raw = _TAGS.sub("", raw)  # "<i>Klant:</i> Hallo"
    prefix = _PREFIX.match(raw)
    if prefix is None or not (first or prefix.group("dash")):
        return None, raw
    label = prefix.group("label").strip()
    key = normalise_label(label)
    if key in roles or is_anonymous_label(label):
        return label, raw[prefix.end() :]
    if looks_like_label(key, roles, first=True) and not any(c.isdigit() for c in key):
        where = f"cue {index + 1}: " if line is None else ""
        raise TranscriptError(
            f"{where}unknown speaker label {label!r} (known: {', '.join(roles)}; add your own "
            f"with aliases={{{key!r}: 'agent'}} or, on the command line, --alias {key}=agent)",
            path=source,
            line=line,
        )
    return None, raw
