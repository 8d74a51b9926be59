"""The Dutch phrases failure messages suggest, so that a script writer knows what to add.

The phrases are data, ``patterns/replies.json``, read once: what to say first for each kind of
distress, an example per marker category, a way to ask for each data field, and how a message
names each marker category. Every phrase there is checked by the test suite to be found by the
pipeline as the marker category or data field it stands for: a suggestion that would not pass
its own assertion would be worse than none. A trailing ``…`` means "and go on with the call".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

__all__ = ["FIELD_REQUESTS", "KIND_NAMES", "MARKER_EXAMPLES", "OPPORTUNITY_REPLIES", "reply_for"]


@cache
def packaged_json(name: str) -> Any:
    """A JSON file of ``empathy_score/patterns``, read once per process."""
    source = resources.files("empathy_score.patterns").joinpath(name)
    return json.loads(source.read_text(encoding="utf-8"))


def _pairs(pairs: Iterable[Iterable[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((category, phrase) for category, phrase in pairs)


_DATA = packaged_json("replies.json")

KIND_NAMES: Mapping[str, str] = MappingProxyType(dict(_DATA["kinds"]))
"""How a message names each marker category when it suggests one."""

MARKER_EXAMPLES: Mapping[str, str] = MappingProxyType(dict(_DATA["markers"]))
"""One example per marker category, for assert_markers."""

FIELD_REQUESTS: Mapping[str, str] = MappingProxyType(dict(_DATA["fields"]))
"""One way to ask for each data field, for assert_data_request."""

OPPORTUNITY_REPLIES: Mapping[str | None, tuple[tuple[str, str], ...]] = MappingProxyType(
    {
        **{label: _pairs(pairs) for label, pairs in _DATA["replies"].items()},
        None: _pairs(_DATA["default"]),
    }
)
"""What to say first, by the kind of distress the customer voiced (``None``: none found)."""

_PRECEDENCE: tuple[str, ...] = tuple(_DATA["precedence"])


def reply_for(labels: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """The suggestion for the weightiest of the customer's opportunity categories.

    "Ik heb al een week hoge koorts" holds a waiting time and an illness; the advice answers
    the illness ("Veel beterschap"), as ``precedence`` in ``replies.json`` orders them.
    """
    found = set(labels)
    label = next((name for name in _PRECEDENCE if name in found), None)
    return OPPORTUNITY_REPLIES.get(label) or OPPORTUNITY_REPLIES[None]
