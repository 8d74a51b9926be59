"""Spreadsheet exports: ``.csv`` and ``.tsv`` files with one row per turn and many calls.

The first row names the columns (case-insensitive; Dutch names work too):

``call_id`` (or ``gesprek_id``, ``conversation_id``, ``id``)
    The call the row belongs to. Rows of one call need not be adjacent; calls come out in the
    order of their first row, and their turns in row order.
``speaker`` (or ``spreker``, ``role``, ``rol``)
    A label such as ``Medewerker`` or ``Klant`` (through the aliases), or an anonymous one
    such as ``SPEAKER_00``, whose role is inferred per call.
``text`` (or ``tekst``, ``utterance``)
    What was said.
``start``, ``end`` (optional; or ``begin``, ``eind``)
    Seconds (``12.5`` or ``12,5``) or a clock time (``00:01:02.500``, ``1:02``).

Any other column becomes metadata of the call: one value when all its rows agree (``team``,
``datum``), else the list of the values of its rows, in row order. Consecutive rows of one
speaker merge into one turn (as diarised segments and subtitle cues do), at the line of its
first row.

The delimiter is a tab for ``.tsv``; for ``.csv`` it is whichever of ``,`` ``;`` tab and ``|``
makes the header hold the required columns (Dutch Excel writes ``;``). Quoting follows Excel:
a field in double quotes may hold delimiters and line breaks.

A row that cannot be read makes *its call* an error naming the file and the row's line; the
other calls in the file are read as usual.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from empathy_score.errors import TranscriptError
from empathy_score.readers.files import ReadOptions, read_text
from empathy_score.readers.segments import Segment, assemble
from empathy_score.transcript import Transcript

__all__ = ["COLUMNS", "iter_file", "parse_seconds", "read_table"]

COLUMNS: Mapping[str, tuple[str, ...]] = {
    "call_id": ("call_id", "callid", "call", "gesprek_id", "gesprek", "conversation_id", "id"),
    "speaker": ("speaker", "spreker", "role", "rol"),
    "text": ("text", "tekst", "utterance"),
    "start": ("start", "begin", "start_time", "starttijd"),
    "end": ("end", "eind", "einde", "end_time", "eindtijd"),
}
"""Each column the reader knows, with the header names it accepts (compared lowercased)."""

_REQUIRED = ("call_id", "speaker", "text")
_DELIMITERS = (",", ";", "\t", "|")
_CLOCK = re.compile(r"(?:(\d{1,4}):)?(\d{1,2}):(\d{1,2}(?:[.,]\d+)?)")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def parse_seconds(value: str) -> float | None:
    """A time as seconds: ``""`` -> ``None``, ``"12,5"`` -> 12.5, ``"01:02:03.5"`` -> 3723.5.

    Raises
    ------
    ValueError
        If the value is neither a non-negative number nor a clock time.
    """
    value = value.strip()
    if not value:
        return None
    if _NUMBER.fullmatch(value):
        return float(value.replace(",", "."))
    clock = _CLOCK.fullmatch(value)
    if clock is None:
        raise ValueError(
            f"{value!r} is not a time: expected seconds (12.5) or a clock time (00:01:02.500)"
        )
    hours, minutes, seconds = clock.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds.replace(",", "."))


def iter_file(path: Path, options: ReadOptions) -> Iterator[Transcript | TranscriptError]:
    """Read a ``.csv`` or ``.tsv`` file: many calls, an error in place of each unreadable one."""
    try:
        text = read_text(path, options.max_bytes)
    except TranscriptError as error:
        yield error
        return
    yield from read_table(
        text,
        source=str(path),
        delimiter="\t" if path.suffix.lower() == ".tsv" else None,
        roles=options.roles,
        agent_speaker=options.agent_speaker,
    )


def read_table(
    text: str,
    *,
    source: str,
    delimiter: str | None,
    roles: Mapping[str, str],
    agent_speaker: str | None = None,
) -> Iterator[Transcript | TranscriptError]:
    """Every call in a table, or an error in place of each call (or row) that cannot be read.

    Parameters
    ----------
    text
        The whole file, decoded.
    source
        The file, named in errors and used as each call's ``source``.
    delimiter
        The field delimiter, or ``None`` to find it from the header.
    roles, agent_speaker
        As for the other readers.

    Yields
    ------
    Transcript or TranscriptError
        Calls in the order of their first row; an error in place of a call with a bad row, and
        one for a row without a call id. A table whose header lacks a required column, or whose
        quoting breaks the reader, yields a single error for the file.
    """
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = delimiter or _sniff(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            yield TranscriptError("empty file", path=source)
            return
        columns = _columns(header, source)
        rows = _rows(reader)
    except csv.Error as error:
        yield TranscriptError(f"cannot read the table: {error}", path=source, line=reader.line_num)
        return
    except _HeaderError as error:
        yield error.error
        return

    calls: dict[str, list[tuple[int, list[str]]]] = {}
    out: list[tuple[int, Transcript | TranscriptError]] = []
    for line, row in rows:
        call_id = row[columns["call_id"]].strip() if len(row) > columns["call_id"] else ""
        if not call_id:
            out.append((line, TranscriptError("row has no call_id", path=source, line=line)))
            continue
        calls.setdefault(call_id, []).append((line, row))
    if not calls and not out:
        yield TranscriptError("no rows: the table has only a header", path=source)
        return
    for call_id, call_rows in calls.items():
        first = call_rows[0][0]
        try:
            call = _call(call_id, call_rows, columns, header, source, roles, agent_speaker)
        except TranscriptError as error:
            call = error
        out.append((first, call))
    for _, item in sorted(out, key=lambda pair: pair[0]):
        yield item


class _HeaderError(Exception):
    def __init__(self, error: TranscriptError) -> None:
        self.error = error


def _sniff(first_line: str) -> str:
    """The delimiter that makes the header hold the required columns (else the commonest)."""
    for delimiter in _DELIMITERS:
        names = {name.strip().strip('"').casefold() for name in first_line.split(delimiter)}
        if all(names & set(COLUMNS[key]) for key in _REQUIRED):
            return delimiter
    return max(_DELIMITERS, key=first_line.count)


def _columns(header: list[str], source: str) -> dict[str, int]:
    """Column index of each known column present; the rest go to meta."""
    found: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = raw.strip().casefold()
        for key, names in COLUMNS.items():
            if name in names:
                if key in found:
                    raise _HeaderError(
                        TranscriptError(
                            f"two columns for {key!r}: {header[found[key]]!r} and {raw!r}",
                            path=source,
                            line=1,
                        )
                    )
                found[key] = index
    missing = [key for key in _REQUIRED if key not in found]
    if missing:
        shown = ", ".join(repr(name.strip()) for name in header[:12])
        raise _HeaderError(
            TranscriptError(
                f"the header needs columns {', '.join(missing)} (found: {shown}); "
                "expected one row per turn: call_id, speaker, text[, start, end]",
                path=source,
                line=1,
            )
        )
    return found


def _rows(reader) -> list[tuple[int, list[str]]]:
    """Every non-blank row with the line it starts on (a quoted field may span lines)."""
    rows = []
    while True:
        line = reader.line_num + 1
        row = next(reader, None)
        if row is None:
            return rows
        if any(field.strip() for field in row):
            rows.append((line, row))


def _call(
    call_id: str,
    rows: list[tuple[int, list[str]]],
    columns: dict[str, int],
    header: list[str],
    source: str,
    roles: Mapping[str, str],
    agent_speaker: str | None,
) -> Transcript:
    width = len(header)
    known = set(columns.values())
    extra = [index for index in range(width) if index not in known]
    values: dict[str, list[str]] = {header[index].strip(): [] for index in extra}
    segments = []
    for line, row in rows:

        def error(message: str, line: int = line) -> TranscriptError:
            return TranscriptError(f"call {call_id!r}: {message}", path=source, line=line)

        if len(row) != width:
            raise error(f"expected {width} fields as in the header, got {len(row)}")
        label = row[columns["speaker"]].strip()
        if not label:
            raise error("empty speaker")
        times = {}
        for key in ("start", "end"):
            try:
                times[key] = parse_seconds(row[columns[key]]) if key in columns else None
            except ValueError as reason:
                raise error(f"{key}: {reason}") from None
        if None not in times.values() and times["end"] < times["start"]:
            raise error(f"end ({times['end']:g}) is before start ({times['start']:g})")
        segments.append(Segment(label, row[columns["text"]], line=line, **times))
        for index in extra:
            values[header[index].strip()].append(row[index])
    meta: dict[str, Any] = {
        name: found[0] if len(set(found)) == 1 else found for name, found in values.items() if name
    }
    try:
        return assemble(
            segments, id=call_id, source=source, roles=roles, agent_speaker=agent_speaker, meta=meta
        )
    except TranscriptError as error:
        message = f"call {call_id!r}: {error.reason}"
        raise TranscriptError(message, path=source, line=error.line) from None
