"""Checks shared by the JSON readers: a decoded value's type, a call's id and metadata, times.

The project's own ``.json``/``.jsonl`` calls (:mod:`empathy_score.readers.json_calls`) and
diarised segments (:mod:`empathy_score.readers.diarized`) are both JSON; their errors name a
value's type the way a user writing the file would (:func:`json_kind`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from empathy_score.errors import TranscriptError

__all__ = ["json_id_and_meta", "json_kind", "parse_json", "seconds"]


def json_kind(value: Any) -> str:
    """Name a JSON value's type the way a user writing the file would."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return "a number"


def parse_json(text: str, *, source: str, line: int | None) -> Any:
    """Decode ``text``; a TranscriptError naming ``source`` and the line if it is no JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        # In a .jsonl file the record's own line is what matters; json counts from 1 inside it.
        raise TranscriptError(
            f"invalid JSON: {error.msg} (column {error.colno})",
            path=source,
            line=error.lineno if line is None else line,
        ) from None
    except RecursionError:
        raise TranscriptError("invalid JSON: nested too deeply", path=source, line=line) from None
    except ValueError as error:  # e.g. an integer of more than 4300 digits
        raise TranscriptError(f"invalid JSON: {error}", path=source, line=line) from None


def json_id_and_meta(
    value: Mapping[str, Any], default_id: str, error: Callable[[str], TranscriptError]
) -> tuple[str, dict[str, Any]]:
    """A JSON call's ``"id"`` (``default_id`` when absent) and ``"meta"`` (``{}``), checked.

    Shared by the turns format and the diarised segments format (readers/diarized.py).
    """
    call_id = value.get("id")
    if call_id is None:
        call_id = default_id
    elif isinstance(call_id, bool) or not isinstance(call_id, str | int):
        raise error(f'"id" must be a string or an integer, got {json_kind(call_id)}')
    else:
        call_id = str(call_id)
        if not call_id.strip():
            raise error('"id" must not be empty')
    meta = value.get("meta")
    if meta is None:
        meta = {}
    elif not isinstance(meta, dict):
        raise error(f'"meta" must be an object, got {json_kind(meta)}')
    return call_id, meta


def seconds(raw: Mapping[str, Any], key: str) -> float | None:
    """``raw[key]`` as seconds (``None`` if absent); a ValueError saying what is wrong."""
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f'"{key}" must be a number of seconds, got {json_kind(value)}')
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f'"{key}" must be a finite number of seconds, got {value}')
    if abs(value) > 1e12:  # also keeps a 400-digit integer from overflowing float()
        raise ValueError(f'"{key}" is too large for a number of seconds')
    if value < 0:
        raise ValueError(f'"{key}" must not be negative, got {value:g}')
    return float(value)
