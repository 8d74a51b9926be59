"""The data model of a call: :class:`Transcript`, its :class:`Turn` objects and the two roles.

A call is a :class:`Transcript`: an id, a tuple of :class:`Turn` objects (who spoke, what they
said, where it stood in the source file) and free-form metadata. Every reader maps the speaker
labels it finds (``"Klant"``, ``"mdw"``…) to :data:`AGENT` or :data:`CUSTOMER` through
:data:`DEFAULT_ROLE_ALIASES` and the caller's ``aliases``; the label helpers they share live
here, beside the roles they map to.

The readers for each file format are in :mod:`empathy_score.readers`, and the entry points
that pick one by the file's extension (:func:`~empathy_score.reading.load_transcript`,
:func:`~empathy_score.reading.iter_transcripts`) in :mod:`empathy_score.reading`. This module
imports neither: every reader imports it. The names that lived here before the readers moved
out (``load_transcript``, ``iter_transcripts``, ``parse_text``, ``flag_duplicate_ids``, the
size limits) still resolve from here, on first use.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from empathy_score._lazy import lazy_exports

__all__ = [
    "AGENT",
    "CUSTOMER",
    "DEFAULT_ROLE_ALIASES",
    "MAX_META_DEPTH",
    "MetaPickles",
    "Transcript",
    "Turn",
    "looks_like_label",
    "merge_aliases",
    "normalise_label",
    "one_sided",
    "safe_text",
    "unknown_label_message",
]

AGENT = "agent"
"""Role of the customer-service employee."""

CUSTOMER = "customer"
"""Role of the caller."""

_ROLES = (AGENT, CUSTOMER)

DEFAULT_ROLE_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "agent": AGENT,
        "medewerker": AGENT,
        "mdw": AGENT,
        "a": AGENT,
        "operator": AGENT,
        "klantenservice": AGENT,
        "klant": CUSTOMER,
        "beller": CUSTOMER,
        "k": CUSTOMER,
        "customer": CUSTOMER,
        "caller": CUSTOMER,
    }
)
"""Speaker labels recognised without configuration: lowercase label -> role.

Every reader takes ``aliases`` (label -> ``"agent"`` or ``"customer"``), merged over these;
labels are compared case-insensitively with runs of whitespace collapsed to one space.
"""

# What an unknown speaker label looks like: starts with a letter, then letters, digits, "_", "-"
# or spaces. Length and word count are checked separately (see looks_like_label).
_LABEL_SHAPE = re.compile(r"[^\W\d_][\w\- ]*")
_LABEL_MAX_CHARS = 20
_LABEL_MAX_WORDS = 2


# --------------------------------------------------------------------------------------------
# Data model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """One uninterrupted contribution of one speaker.

    Parameters
    ----------
    speaker
        :data:`AGENT` or :data:`CUSTOMER`. Readers map the labels found in files (``"Klant"``,
        ``"mdw"``…) to these two roles, so that later stages never deal with label spelling.
    text
        What was said, as written in the source (``.txt`` continuation lines joined by a space).
    line
        1-based line in the source file where the turn starts (``.txt``, ``.jsonl``), so that
        evidence and errors can point back into the file; ``None`` when unknown.
    start, end
        Timing in seconds from the start of the call, for sources that have it; else ``None``.

    Raises
    ------
    ValueError
        If ``speaker`` is not one of the two roles.
    """

    speaker: str
    text: str
    line: int | None = None
    start: float | None = None
    end: float | None = None

    def __post_init__(self) -> None:
        if self.speaker not in _ROLES:
            raise ValueError(
                f"speaker must be {AGENT!r} or {CUSTOMER!r}, got {self.speaker!r} "
                "(readers map other labels to these with aliases=...)"
            )
        if not isinstance(self.text, str):
            raise TypeError(f"text must be a string, got {type(self.text).__name__}")
        object.__setattr__(self, "text", safe_text(self.text))


class MetaPickles:
    """Pickling (and copying) for a frozen dataclass whose ``meta`` is a read-only view.

    Pickle cannot take a ``MappingProxyType``: the view travels as a plain dict and is a view
    again on arrival, so that transcripts and verdicts can be sent to other processes (a pool,
    a Dask cluster) and stored as they are.
    """

    __slots__ = ()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["meta"] = dict(state["meta"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["meta"] = MappingProxyType(state["meta"])
        self.__dict__.update(state)


@dataclass(frozen=True)
class Transcript(MetaPickles):
    """One call: its id, its turns in order, and metadata.

    Instances are immutable so that a transcript can be shared between pipeline stages and
    threads without defensive copies: ``turns`` is stored as a tuple and ``meta`` as a read-only
    view of a deep copy, so neither later changes to the caller's objects nor code holding the
    transcript can alter it. Use ``dict(transcript.meta)`` for a mutable (e.g. JSON-dumpable)
    copy. Transcripts can be pickled and copied.

    Parameters
    ----------
    id
        The call's identifier: the ``"id"`` of a JSON call, else derived from the file name.
    turns
        The turns in the order they were spoken; at least one.
    meta
        Free-form metadata (e.g. ``{"team": "facturen"}``), carried through to reports.
    source
        The path the transcript was read from, or ``None`` for text given in memory.

    Raises
    ------
    ValueError
        If there are no turns.
    TypeError
        If ``id`` is not a string or a turn is not a :class:`Turn`.
    """

    id: str
    turns: tuple[Turn, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)
    source: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str):
            raise TypeError(f"id must be a string, got {type(self.id).__name__}")
        turns = tuple(self.turns)
        if not turns:
            raise ValueError(f"transcript {self.id!r} has no turns")
        for turn in turns:
            if not isinstance(turn, Turn):
                raise TypeError(f"turns must be Turn objects, got {type(turn).__name__}")
        object.__setattr__(self, "turns", turns)
        object.__setattr__(self, "id", safe_text(self.id))
        if self.source is not None:
            object.__setattr__(self, "source", safe_text(self.source))
        object.__setattr__(self, "meta", MappingProxyType(_deep_copy(dict(self.meta))))


_ATOMS = frozenset({int, float, bool, type(None)})
#: Deeper than any call's metadata is: a deeper structure is refused, not copied, since
#: copying it (or writing it out) would exhaust Python's recursion limit.
MAX_META_DEPTH = 32
#: Lone UTF-16 surrogates: JSON's "\ud800" escapes and undecodable file names give them, and
#: no UTF-8 writer can write them.
_SURROGATE = re.compile("[\ud800-\udfff]")


def safe_text(text: str) -> str:
    """The text with every lone surrogate replaced by U+FFFD, so that it can be written."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def _deep_copy(value: Any, depth: int = 0) -> Any:
    """``copy.deepcopy`` of metadata, fast for what JSON decodes to (dicts, lists, atoms),
    with lone surrogates in its strings replaced.

    Every call read from a file gets its metadata copied, and ``copy.deepcopy``'s generic
    machinery would be the largest part of reading a JSON call. Other types go to it unchanged.
    """
    kind = type(value)
    if kind is str:
        return safe_text(value)
    if kind in _ATOMS:
        return value
    if kind is dict or kind is list:
        if depth >= MAX_META_DEPTH:
            raise ValueError(f"meta is nested more than {MAX_META_DEPTH} levels deep")
        if kind is dict:
            return {
                _deep_copy(key, depth + 1): _deep_copy(item, depth + 1)
                for key, item in value.items()
            }
        return [_deep_copy(item, depth + 1) for item in value]
    return copy.deepcopy(value)


# --------------------------------------------------------------------------------------------
# Role aliases
# --------------------------------------------------------------------------------------------


#: Characters that show as nothing: zero-width spaces and joiners, direction marks and
#: embeddings, the word joiner, the byte-order mark and the soft hyphen. Editors and chat
#: exports scatter them; they must never decide who is speaking.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def normalise_label(label: str) -> str:
    """Compare labels case-insensitively, with whitespace runs collapsed to one space and
    invisible characters ignored."""
    return " ".join(_INVISIBLE.sub("", label).split()).casefold()


def merge_aliases(aliases: Mapping[str, str] | None) -> Mapping[str, str]:
    """Return the defaults with the caller's aliases laid over them, validated."""
    if not aliases:
        return DEFAULT_ROLE_ALIASES
    merged = dict(DEFAULT_ROLE_ALIASES)
    for label, role in aliases.items():
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"alias labels must be non-empty strings, got {label!r}")
        if role not in _ROLES:
            raise ValueError(f"aliases[{label!r}] must be {AGENT!r} or {CUSTOMER!r}, got {role!r}")
        merged[normalise_label(label)] = role
    return merged


def unknown_label_message(kind: str, label: str, roles: Mapping[str, str]) -> str:
    """The error for a ``kind`` of label (``"speaker label"``, ``"speaker"``…) that is no alias:
    the labels known, and how to add this one."""
    known = ", ".join(roles)
    key = normalise_label(label) or "label"
    return (
        f"unknown {kind} {label!r} (known: {known}; add your own with "
        f"aliases={ {key: AGENT}!r} or, on the command line, --alias {key}={AGENT})"
    )


def looks_like_label(key: str, roles: Mapping[str, str], *, first: bool) -> bool:
    """Whether a (normalised) prefix is shaped like a speaker label rather than running text.

    A word of digits only ("om 10" in "om 10:30") marks running text, except in "Agent 2" (a
    known label and a number) or before the first turn, where a numbered speaker such as
    "Spreker 1" is far likelier than text; there it is reported as an unknown label.
    """
    words = key.split()
    numbered = any(word.isdigit() for word in words)
    if numbered and not (first or (len(words) == 2 and words[0] in roles)):
        return False
    return (
        0 < len(key) <= _LABEL_MAX_CHARS
        and len(words) <= _LABEL_MAX_WORDS
        and _LABEL_SHAPE.fullmatch(key) is not None
    )


def one_sided(transcript: Transcript) -> str | None:
    """Why a call cannot be judged for empathy because one side is missing, else ``None``.

    A call in which only the customer speaks has no agent to judge; one in which only the agent
    speaks has no caller to respond to. Both usually mean a one-sided recording or speaker
    labels that were mapped wrongly. Such calls are readable, so the readers return them; the
    scorer reports them as errors rather than counting them in the rates.
    """
    spoken = {turn.speaker for turn in transcript.turns}
    if AGENT not in spoken:
        return (
            "no agent turns: only the customer speaks (one speaker), so there is no agent to "
            "judge; check the speaker labels (aliases, agent_speaker)"
        )
    if CUSTOMER not in spoken:
        return (
            "no customer turns: only the agent speaks (one speaker), so there is no caller to "
            "respond to; check the speaker labels (aliases, agent_speaker)"
        )
    return None


# The readers' names that were importable from here before they moved out, resolved on first
# use so that importing the data model never imports a reader (every reader imports it).
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "DEFAULT_MAX_BYTES": "empathy_score.readers.files",
        "DEFAULT_MAX_TURNS": "empathy_score.readers.files",
        "MAX_TURN_CHARS": "empathy_score.readers.files",
        "SUPPORTED_SUFFIXES": "empathy_score.readers.files",
        "flag_duplicate_ids": "empathy_score.reading",
        "iter_transcripts": "empathy_score.reading",
        "load_transcript": "empathy_score.reading",
        "parse_text": "empathy_score.readers.text",
    },
    globals(),
)
