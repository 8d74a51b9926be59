"""Continuing an interrupted ``empathy-score score --out FILE`` run where it stopped.

The output is written one whole record at a time and flushed, so after a crash the file holds
every record written before it, plus at most one torn record at the end (a write cut short).
:func:`read_previous` cuts that torn record off the file and says which calls are done, by
``(id, source)``; :func:`skip_done` then drops those calls from the inputs, so the rest is
appended in input order and the finished file is exactly what one uninterrupted run writes.
Calls are counted, not just remembered: if the same call occurs twice in the inputs and only
once in the file, the second one is still scored.
"""

from __future__ import annotations

import csv
import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import EmpathyScoreError, TranscriptError
from .seen import CallCounts
from .transcript import Transcript

__all__ = ["PreviousRun", "entry_key", "read_previous", "skip_done"]

Key = tuple[str, str]


@dataclass
class PreviousRun:
    """What an earlier run left in the output file."""

    done: CallCounts = field(default_factory=CallCounts)
    counts: Counter[str] = field(default_factory=Counter)
    has_header: bool = False
    columns: tuple[str, ...] = ()  # a CSV output's header, as the earlier run wrote it
    torn_bytes: int = 0  # length of the torn record cut off the end

    @property
    def calls(self) -> int:
        """Calls the earlier run wrote and the inputs have not yet been matched with."""
        return len(self.done)


def _canonical(source: str | None) -> str:
    """A source path as one file, however it was spelled (``calls/`` or ``/data/calls/``)."""
    return os.path.realpath(source) if source else ""


def entry_key(entry: Transcript | TranscriptError) -> Key:
    """``(id, source)`` of an input as its verdict will carry them, the source canonical
    (``""`` for no source), so that a run resumed with the inputs spelled otherwise matches."""
    if isinstance(entry, TranscriptError):
        return entry.call_id, _canonical(entry.path)
    return entry.id, _canonical(entry.source)


def skip_done(
    entries: Iterable[Transcript | TranscriptError], done: CallCounts
) -> Iterator[Transcript | TranscriptError]:
    """The entries whose verdict is not in ``done`` yet (takes each match out of ``done``)."""
    for entry in entries:
        if done.take(entry_key(entry)):
            continue
        yield entry


def _flag(value: Any) -> bool:
    return value is True or value == "True"


def read_previous(path: str | Path, fmt: str, columns: Sequence[str] | None = None) -> PreviousRun:
    """Read the records in ``path`` (``jsonl`` or ``csv``); repair a torn end.

    A CSV output must have ``columns`` as its header, or, with ``columns=None``, any header
    that holds ``id``, ``source`` and ``status`` (the run's choice of columns, kept in
    :attr:`PreviousRun.columns` for the records that follow).

    Returns an empty :class:`PreviousRun` when the file does not exist or is empty. A torn last
    record is truncated away, on disk. A damaged record anywhere else, or a file in another
    format, raises :class:`EmpathyScoreError` naming the file and line: resuming then would
    mix outputs.
    """
    path = Path(path)
    try:
        stream = path.open("rb")
    except FileNotFoundError:
        return PreviousRun()
    except OSError as err:
        raise EmpathyScoreError(f"{path}: cannot read the output to resume: {err}") from None
    previous = PreviousRun()
    end = 0
    with stream:  # read a line at a time: the output of a long run may not fit in memory
        size = os.fstat(stream.fileno()).st_size
        records = _csv_records(stream, columns) if fmt == "csv" else _jsonl_records(stream)
        for line, record, record_end, torn in records:
            if record is None:
                if torn and record_end == size:  # a write cut short: only ever the last
                    break
                raise EmpathyScoreError(
                    f"{path}:{line}: not a complete {fmt} record of empathy-score; "
                    "resume only with the same --format and an output this command wrote"
                )
            end = record_end
            if fmt == "csv" and not previous.has_header:
                previous.has_header = True
                previous.columns = tuple(record)
                continue
            key = (str(record["id"]), _canonical(str(record["source"] or "")))
            previous.done.add(key)
            previous.counts["calls"] += 1
            previous.counts["ok" if record["status"] == "ok" else "error"] += 1
            previous.counts["opportunity"] += _flag(record.get("opportunity"))
            previous.counts["straight_to_data"] += _flag(record.get("straight_to_data"))
    if end < size:
        previous.torn_bytes = size - end
        with path.open("r+b") as stream:
            stream.truncate(end)
    return previous


def _jsonl_records(
    lines: Iterable[bytes],
) -> Iterator[tuple[int, dict[str, Any] | None, int, bool]]:
    """(line, record or None, end offset, torn) per line; torn: no line end."""
    end = 0
    for number, segment in enumerate(lines, start=1):
        end += len(segment)
        record = None
        if segment.endswith(b"\n"):
            try:
                value = json.loads(segment)
            except ValueError:  # includes invalid UTF-8
                value = None
            if isinstance(value, dict) and {"id", "source", "status"} <= value.keys():
                record = value
        yield number, record, end, not segment.endswith(b"\n")


def _csv_records(
    lines: Iterable[bytes], columns: Sequence[str] | None
) -> Iterator[tuple[int, dict[str, Any] | None, int, bool]]:
    """(line, row as a dict or None, end offset, torn) per CSV record (header first).

    Torn: no line end, or a quoted field still open at the end of the file. The header must
    be ``columns``, or (``None``) any header with ``id``, ``source`` and ``status``.

    Records may span lines (quoted newlines), so the reader is fed line by line and the
    offset taken after each record it returns.
    """
    end = 0
    complete = True

    def decoded() -> Iterator[str]:
        nonlocal end, complete
        for segment in lines:
            end += len(segment)
            complete = segment.endswith(b"\n")
            yield segment.decode("utf-8", errors="replace")

    reader = csv.reader(decoded(), strict=True)
    header: list[str] | None = None
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield line, None, end, True
            return
        if header is None:  # the first record: the header
            wanted = list(columns) if columns is not None else row
            ok = complete and row == wanted and {"id", "source", "status"} <= set(row)
            header = row
        else:
            ok = complete and len(row) == len(header)
        yield line, (dict(zip(header, row, strict=True)) if ok else None), end, not complete
