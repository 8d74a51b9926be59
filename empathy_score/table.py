"""Verdicts as flat rows: the CSV output's columns, and a pandas DataFrame for analysts.

One definition of the columns serves both, so a spreadsheet and a notebook read the same
thing: the verdict's scalar fields, its evidence as ``turn:label`` lists, and (in the frame)
one column per ``meta`` key, the agent, team and channel a QA analysis groups by.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from .verdict import EVIDENCE_FIELDS, CallVerdict

if TYPE_CHECKING:
    import pandas

__all__ = [
    "COLUMNS",
    "OTHER_META",
    "csv_columns",
    "csv_row",
    "meta_column",
    "row",
    "spreadsheet_safe",
    "strict_json",
    "verdicts_to_frame",
]

#: The verdict's columns: one per field of :class:`CallVerdict` but ``meta``, in field order.
COLUMNS = tuple(f.name for f in fields(CallVerdict) if f.name != "meta")


#: What a spreadsheet reads as the start of a formula ("=HYPERLINK(…)", "+31…", "@SUM").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Text from a transcript or its meta as a CSV cell no spreadsheet runs as a formula.

    Such a cell gets a leading apostrophe, which spreadsheets show as text (OWASP's advice for
    CSV injection); numbers the library formats itself never pass through here.
    """
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def strict_json(value: Any) -> Any:
    """The value with every NaN or infinity (which a JSON file cannot hold, though Python
    writes them) as ``None``, so that output is JSON any reader accepts."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: strict_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict_json(v) for v in value]
    return value


#: The CSV column that holds, as JSON, the meta keys that have no column of their own.
OTHER_META = "meta"


def meta_column(key: object) -> str:
    """A meta key's column: the key itself, or ``meta.<key>`` where a verdict column has it."""
    key = str(key)
    return f"meta.{key}" if key in COLUMNS or key == OTHER_META else key


def row(verdict: CallVerdict) -> dict[str, Any]:
    """The verdict's columns (see :data:`COLUMNS`): evidence as ``turn:label`` and other lists
    joined with ``;``."""
    out: dict[str, Any] = {}
    for name in COLUMNS:
        value = getattr(verdict, name)
        if name in EVIDENCE_FIELDS:
            value = ";".join(f"{e.turn}:{e.label}" for e in value)
        elif isinstance(value, tuple):
            value = ";".join(value)
        out[name] = value
    return out


def verdicts_to_frame(verdicts: Iterable[CallVerdict]) -> pandas.DataFrame:
    """A DataFrame with one row per verdict: the CSV columns, then one column per meta key.

    Meta keys come after the verdict's columns, sorted; a key that is also a verdict column
    is named ``meta.<key>``. Needs pandas (``pip install 'empathy_score[pandas]'``).
    """
    try:
        import pandas
    except ImportError:  # pragma: no cover - depends on the environment
        from .errors import EmpathyScoreError

        raise EmpathyScoreError(
            "verdicts_to_frame needs pandas: pip install 'empathy_score[pandas]'"
        ) from None
    rows, keys = [], set()
    for verdict in verdicts:
        meta = {meta_column(k): v for k, v in verdict.meta.items()}
        keys.update(meta)
        rows.append({**row(verdict), **meta})
    return pandas.DataFrame(rows, columns=[*COLUMNS, *sorted(keys)])


def csv_columns(first: CallVerdict | None) -> tuple[str, ...]:
    """The verdict's columns, one per meta key of the first call (sorted), then the rest of
    any call's meta as JSON in one column, so that no meta is lost in a stream of calls."""
    keys = sorted(meta_column(k) for k in (first.meta if first is not None else {}))
    return (*COLUMNS, *keys, OTHER_META)


def csv_row(verdict: CallVerdict, columns: Sequence[str]) -> dict[str, object]:
    """A verdict's CSV cells; text that came from the input never starts a formula."""
    out = row(verdict)
    for key in ("id", "source", "error"):
        if isinstance(out[key], str):
            out[key] = spreadsheet_safe(out[key])
    meta = {meta_column(k): v for k, v in verdict.meta.items()}
    for column in columns:
        if column in meta:
            value = meta.pop(column)
            if isinstance(value, str):
                value = spreadsheet_safe(value)
            elif not isinstance(value, int | float | bool):
                value = spreadsheet_safe(_json(value))
            out[column] = value
        elif column not in out and column != OTHER_META:
            out[column] = ""
    if OTHER_META in columns:
        out[OTHER_META] = _json(meta) if meta else ""  # starts with "{": never a formula
    return out


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
