"""Reading what a report is made from: verdict records and a side file of call metadata."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ReportError
from ..verdict import CallVerdict

__all__ = ["as_verdict", "is_verdict_file", "read_meta", "read_verdicts"]


def as_verdict(item: CallVerdict | Mapping[str, Any], where: str) -> CallVerdict:
    """A verdict, or the verdict its record (``CallVerdict.to_dict()``) describes.

    Raises
    ------
    ReportError
        If the record is not a verdict record, naming ``where`` and the field.
    """
    if isinstance(item, CallVerdict):
        return item
    try:
        return CallVerdict.from_dict(item, where=where)
    except ValueError as err:
        raise ReportError(str(err)) from None


def is_verdict_file(path: str | Path) -> bool:
    """Whether ``path`` is a ``.jsonl`` file of verdict records (its first record has "status")."""
    path = Path(path)
    if path.suffix.lower() != ".jsonl" or not path.is_file():
        return False
    try:
        with path.open(encoding="utf-8") as stream:
            for line in stream:
                if line.strip():
                    record = json.loads(line)
                    return isinstance(record, dict) and "status" in record
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return False


def read_verdicts(path: str | Path) -> list[dict[str, Any]]:
    """The verdict records of a JSONL file as ``empathy-score score`` writes it.

    Raises
    ------
    ReportError
        For a line that is not JSON or not a verdict record, naming the file and line.
    """
    path = Path(path)
    records = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ReportError(f"cannot read verdicts: {err}", path=path) from err
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise ReportError(f"not JSON ({err.msg})", path=path, line=number) from err
        try:
            CallVerdict.from_dict(record)
        except ValueError as err:
            raise ReportError(str(err), path=path, line=number) from None
        records.append(record)
    return records


def read_meta(path: str | Path) -> dict[str, dict[str, str]]:
    """A side file of call metadata: CSV with an ``id`` column and any others, by call id.

    QA exports provide ``id,agent,team,channel,date``; every column can be used in ``by``.
    Comma, semicolon (Dutch Excel) and tab separators are recognised from the header, and a
    byte-order mark is ignored. Empty cells count as unknown.

    Raises
    ------
    ReportError
        If the file cannot be read, has no ``id`` column, or repeats or omits an id.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise ReportError("not UTF-8 text; save it as 'CSV UTF-8'", path=path) from err
    except OSError as err:
        raise ReportError(f"cannot read the meta file: {err.strerror}", path=path) from err
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = iter(reader)
    columns = [c.strip() for c in next(rows, [])]
    if "id" not in columns:
        raise ReportError(
            f"the header has no 'id' column (found: {', '.join(columns) or 'nothing'})",
            path=path,
            line=1,
        )
    meta: dict[str, dict[str, str]] = {}
    seen: dict[str, int] = {}
    for row in rows:
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(columns):
            raise ReportError(
                f"{len(row)} cells, but the header has {len(columns)} columns",
                path=path,
                line=number,
            )
        values = {c: cell.strip() for c, cell in zip(columns, row, strict=False)}
        call_id = values.pop("id", "")
        if not call_id:
            raise ReportError("no id in this row", path=path, line=number)
        if call_id in seen:
            raise ReportError(
                f"id {call_id!r} again (first on line {seen[call_id]})", path=path, line=number
            )
        seen[call_id] = number
        meta[call_id] = {k: v for k, v in values.items() if v}
    return meta
