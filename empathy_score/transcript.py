"""Transcripts of customer-service calls: the data model and the readers for each input format.

A call is a :class:`Transcript`: an id, a tuple of :class:`Turn` objects (who spoke, what they
said, where it stood in the source file) and free-form metadata. Three file formats are read:

``.txt``
    One turn per line as ``Label: text``. A line without a recognised label continues the
    previous turn; blank lines and indentation are ignored; labels are case-insensitive and
    mapped to a role through :data:`DEFAULT_ROLE_ALIASES` (plus the caller's ``aliases``).
``.json``
    One call: ``{"id": ..., "meta": {...}, "turns": [{"speaker": ..., "text": ...}, ...]}``.
    ``"role"`` is accepted instead of ``"speaker"``; speaker values go through the aliases too,
    and optional ``"start"``/``"end"`` give a turn's timing in seconds.
``.jsonl``
    One such call per line.
Diarised speech-to-text JSON (``.json``/``.jsonl``)
    Segments with anonymous speakers, bare or under ``"segments"`` (told from the above by
    their shape): :mod:`empathy_score.readers.diarized`.
``.csv``, ``.tsv``
    One row per turn, many calls per file: :mod:`empathy_score.readers.tabular`.
``.vtt``, ``.srt``
    Subtitle-style speech-to-text output: :mod:`empathy_score.readers.subtitles`.

When speaker labels are anonymous (``SPEAKER_00``, ``Spreker 1``), the new readers infer which
speaker is the agent (:mod:`empathy_score.readers.roles`) and record the guess on
``meta["role_inference"]``; ``agent_speaker=`` names the agent instead. No input is read whole
if it is larger than ``max_bytes`` (:data:`DEFAULT_MAX_BYTES`; for ``.jsonl`` per line), and a
call of more than ``max_turns`` turns (:data:`DEFAULT_MAX_TURNS`) is reported, not scored.

:func:`load_transcript` reads one call and raises :class:`~empathy_score.errors.TranscriptError`
when it cannot. :func:`iter_transcripts` reads many (files, folders, ``.jsonl`` lines) and yields
a ``TranscriptError`` *in place of* every input it cannot read, so that a batch job can report
each failure and carry on; a call whose id was already read becomes such an error too
(:func:`flag_duplicate_ids`).
"""

from __future__ import annotations

import codecs
import copy
import json
import math
import os
import re
import stat
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from empathy_score.errors import TranscriptError, TranscriptWarning
from empathy_score.seen import SeenIds

__all__ = [
    "AGENT",
    "CUSTOMER",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_TURNS",
    "DEFAULT_ROLE_ALIASES",
    "MAX_TURN_CHARS",
    "SUPPORTED_SUFFIXES",
    "Transcript",
    "Turn",
    "flag_duplicate_ids",
    "iter_transcripts",
    "load_transcript",
    "one_sided",
    "parse_text",
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

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".json", ".jsonl", ".csv", ".tsv", ".vtt", ".srt")
"""File extensions the readers understand (compared case-insensitively)."""

MAX_TURN_CHARS = 100_000
"""The longest turn read, in characters (about two hours of non-stop speech).

A longer "turn" is a file without line breaks or speaker labels rather than speech, and spaCy
refuses texts over a million characters; such a call is reported, not scored.
"""

# Files holding many calls: load_transcript() insists on exactly one.
_MULTI_CALL_SUFFIXES = (".jsonl", ".csv", ".tsv")

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
"""The largest input read in one piece (10 MiB): a whole file, or one line of a ``.jsonl`` file.

An hour-long call is about 60 kB of text (under 1 MB as diarised JSON with word timings), so a
larger file is almost certainly not one call; refusing it keeps a stray 50 MB log or a
one-line dump from filling memory. Raise it with ``max_bytes=`` for big ``.csv`` exports.
"""

DEFAULT_MAX_TURNS = 20_000
"""The most turns one call may have when read from a file.

An hour-long call has some 500 turns. Scoring holds a spaCy ``Doc`` (about 5 kB, however
short its turn) for every turn of a call until the call is decided, so a 6 MB file of
600,000 one-word "turns" (a log, or several calls run together) would need 3 GB; such a call is
reported as an error naming the line where the limit is crossed. Raise it with ``max_turns=``.
"""

# A line break in any of the conventions editors count as one, so that line numbers in our
# messages are the ones the user sees. (str.splitlines would also split on \x0c, \u2028, …)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# What an unknown speaker label looks like: starts with a letter, then letters, digits, "_", "-"
# or spaces. Length and word count are checked separately (see _looks_like_label).
_LABEL_SHAPE = re.compile(r"[^\W\d_][\w\- ]*")
_LABEL_MAX_CHARS = 20
_LABEL_MAX_WORDS = 2

# Enough of a file's start to tell text from binary before a .jsonl file is read line by line.
_SNIFF_BYTES = 8192


@dataclass(frozen=True)
class _ReadOptions:
    """How files are read besides the aliases: the anonymous agent's label and the size cap."""

    agent_speaker: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    #: (device, inode) of files a folder walk never reads: the run's own output
    skip: frozenset[tuple[int, int]] = frozenset()
    max_turns: int = DEFAULT_MAX_TURNS

    def __post_init__(self) -> None:
        if self.agent_speaker is not None and (
            not isinstance(self.agent_speaker, str) or not self.agent_speaker.strip()
        ):
            raise ValueError(
                f"agent_speaker must be a non-empty string, got {self.agent_speaker!r}"
            )
        if isinstance(self.max_bytes, bool) or not isinstance(self.max_bytes, int):
            raise ValueError(f"max_bytes must be an integer, got {self.max_bytes!r}")
        if self.max_bytes < 1:
            raise ValueError(f"max_bytes must be positive, got {self.max_bytes}")
        if isinstance(self.max_turns, bool) or not isinstance(self.max_turns, int):
            raise ValueError(f"max_turns must be an integer, got {self.max_turns!r}")
        if self.max_turns < 1:
            raise ValueError(f"max_turns must be positive, got {self.max_turns}")


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


class _MetaPickles:
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
class Transcript(_MetaPickles):
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


def _normalise_label(label: str) -> str:
    """Compare labels case-insensitively, with whitespace runs collapsed to one space and
    invisible characters ignored."""
    return " ".join(_INVISIBLE.sub("", label).split()).casefold()


def _merge_aliases(aliases: Mapping[str, str] | None) -> Mapping[str, str]:
    """Return the defaults with the caller's aliases laid over them, validated."""
    if not aliases:
        return DEFAULT_ROLE_ALIASES
    merged = dict(DEFAULT_ROLE_ALIASES)
    for label, role in aliases.items():
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"alias labels must be non-empty strings, got {label!r}")
        if role not in _ROLES:
            raise ValueError(f"aliases[{label!r}] must be {AGENT!r} or {CUSTOMER!r}, got {role!r}")
        merged[_normalise_label(label)] = role
    return merged


def _unknown_label_message(kind: str, label: str, roles: Mapping[str, str]) -> str:
    known = ", ".join(roles)
    key = _normalise_label(label) or "label"
    return (
        f"unknown {kind} {label!r} (known: {known}; add your own with "
        f"aliases={ {key: AGENT}!r} or, on the command line, --alias {key}={AGENT})"
    )


# --------------------------------------------------------------------------------------------
# The .txt format
# --------------------------------------------------------------------------------------------


def parse_text(
    text: str,
    *,
    id: str = "text",
    source: str | None = None,
    aliases: Mapping[str, str] | None = None,
    meta: Mapping[str, Any] | None = None,
) -> Transcript:
    """Parse a transcript written as ``Label: text`` lines (the ``.txt`` format).

    Each line starting with a known speaker label and a colon starts a turn. A line without one
    continues the previous turn (joined with a single space), so wrapped text and times such as
    ``"dat was om 10:30"`` are safe. Blank lines, indentation and a leading byte-order mark are
    ignored, so an indented triple-quoted string works as well as a file.

    A prefix that *looks* like a label (one or two words of at most 20 characters, starting with
    a letter, followed by ``": "`` or the end of the line) but is not a known alias is an error
    rather than a continuation: a misspelt or unexpected speaker should not silently merge into
    the previous turn. A word of digits only makes the prefix running text (``"om 10:30"``),
    except after a known label (``"Agent 2:"``) or on the first line (``"Spreker 1:"``), where
    it is reported as an unknown label; add such labels with ``aliases``.

    Parameters
    ----------
    text
        The transcript.
    id
        The id of the resulting transcript.
    source
        Where the text came from; used as ``Transcript.source`` and named in errors.
    aliases
        Extra speaker labels (label -> ``"agent"`` or ``"customer"``), merged over
        :data:`DEFAULT_ROLE_ALIASES`; case-insensitive.
    meta
        Metadata for the transcript (copied, never mutated).

    Returns
    -------
    Transcript

    Raises
    ------
    TranscriptError
        On an unknown speaker label, on text before the first label, or when there are no turns;
        the message names ``source`` and the line.
    ValueError
        If ``aliases`` maps a label to anything but ``"agent"`` or ``"customer"``.

    Examples
    --------
    >>> call = parse_text('''
    ...     Medewerker: Goedemiddag, u spreekt met Sanne.
    ...     Klant: Hallo, ik bel over mijn factuur.
    ... ''')
    >>> [turn.speaker for turn in call.turns]
    ['agent', 'customer']
    """
    roles = _merge_aliases(aliases)
    turns = _parse_lines(text, roles, source)
    return Transcript(id=id, turns=turns, meta=meta or {}, source=source)


def _parse_lines(
    text: str, roles: Mapping[str, str], source: str | None, max_turns: int | None = None
) -> tuple[Turn, ...]:
    """The turns of a ``.txt`` text; with ``max_turns``, an error as soon as one more starts."""
    if text.startswith("\ufeff"):
        text = text[1:]
    turns: list[Turn] = []
    speaker: str | None = None
    turn_line = 0
    parts: list[str] = []
    for number, raw in enumerate(_split_lines(text), start=1):
        line = raw.strip()
        if not line:
            continue
        labelled = _match_label(line, roles, source, number, first=speaker is None)
        if labelled is None:
            if speaker is None:
                raise TranscriptError(
                    "first line has no speaker label: expected 'Label: text', "
                    "e.g. 'Medewerker: Goedemiddag, waarmee kan ik u helpen?'",
                    path=source,
                    line=number,
                )
            parts.append(line)
            continue
        if speaker is not None:
            turns.append(Turn(speaker, " ".join(parts), line=turn_line))
            if max_turns is not None and len(turns) >= max_turns:
                raise _too_many_turns(max_turns, source, number)
        speaker, rest = labelled
        turn_line = number
        parts = [rest] if rest else []
    if speaker is None:
        raise TranscriptError(
            "no turns: expected lines such as 'Klant: Ik heb een vraag over mijn factuur.'",
            path=source,
        )
    turns.append(Turn(speaker, " ".join(parts), line=turn_line))
    return tuple(turns)


def _split_lines(text: str) -> Iterator[str]:
    """The lines of ``text`` one at a time (a list of them all would double a large file)."""
    start = 0
    for found in _LINE_BREAK.finditer(text):
        yield text[start : found.start()]
        start = found.end()
    yield text[start:]


def _too_many_turns(max_turns: int, source: str | os.PathLike[str] | None, line: int | None):
    return TranscriptError(
        f"too many turns: turn {max_turns + 1:,} starts here, the limit is "
        f"max_turns={max_turns:,}; a call is rarely over 2,000 turns, so check that this is "
        "one call (split it, or raise max_turns)",
        path=source,
        line=line,
    )


def _match_label(
    line: str, roles: Mapping[str, str], source: str | None, number: int, *, first: bool
) -> tuple[str, str] | None:
    """Return ``(role, rest of line)`` for a labelled line, ``None`` for a continuation.

    Raises TranscriptError when the prefix is shaped like a label but is not a known one.
    ``first`` says no turn has started yet, so the line cannot be a continuation.
    """
    prefix, colon, rest = line.partition(":")
    if not colon:
        return None
    key = _normalise_label(prefix)
    role = roles.get(key)
    if role is not None:
        return role, rest.strip()
    if _looks_like_label(key, roles, first=first) and (not rest or rest[0].isspace()):
        raise TranscriptError(
            _unknown_label_message("speaker label", prefix.strip(), roles),
            path=source,
            line=number,
        )
    return None


def _looks_like_label(key: str, roles: Mapping[str, str], *, first: bool) -> bool:
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


# --------------------------------------------------------------------------------------------
# The .json and .jsonl formats
# --------------------------------------------------------------------------------------------


def _json_kind(value: Any) -> str:
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


def _parse_json(text: str, *, source: str, line: int | None) -> Any:
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


def _json_id_and_meta(
    value: Mapping[str, Any], default_id: str, error: Callable[[str], TranscriptError]
) -> tuple[str, dict[str, Any]]:
    """A JSON call's ``"id"`` (``default_id`` when absent) and ``"meta"`` (``{}``), checked.

    Shared by the turns format and the diarised segments format (readers/diarized.py).
    """
    call_id = value.get("id")
    if call_id is None:
        call_id = default_id
    elif isinstance(call_id, bool) or not isinstance(call_id, str | int):
        raise error(f'"id" must be a string or an integer, got {_json_kind(call_id)}')
    else:
        call_id = str(call_id)
        if not call_id.strip():
            raise error('"id" must not be empty')
    meta = value.get("meta")
    if meta is None:
        meta = {}
    elif not isinstance(meta, dict):
        raise error(f'"meta" must be an object, got {_json_kind(meta)}')
    return call_id, meta


def _transcript_from_json(
    value: Any,
    *,
    default_id: str,
    source: str,
    line: int | None,
    roles: Mapping[str, str],
    agent_speaker: str | None = None,
) -> Transcript:
    """Build a transcript from one decoded JSON call, checking its shape."""
    from empathy_score.readers import diarized

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
        raise error(f'expected a JSON object with "turns", got {_json_kind(value)}{hint}')

    call_id, meta = _json_id_and_meta(value, default_id, error)
    if "turns" not in value:
        raise error('missing "turns"')
    raw_turns = value["turns"]
    if not isinstance(raw_turns, list):
        raise error(f'"turns" must be a list, got {_json_kind(raw_turns)}')
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
        raise ValueError(f'expected an object with "speaker" and "text", got {_json_kind(raw)}')
    if "speaker" in raw and "role" in raw:
        raise ValueError('has both "speaker" and "role"; use one')
    key = "role" if "role" in raw else "speaker"
    if key not in raw:
        raise ValueError('missing "speaker" (or "role")')
    label = raw[key]
    if not isinstance(label, str):
        raise ValueError(f'"{key}" must be a string, got {_json_kind(label)}')
    speaker = roles.get(_normalise_label(label))
    if speaker is None:
        raise ValueError(_unknown_label_message(key, label, roles))
    if "text" not in raw:
        raise ValueError('missing "text"')
    text = raw["text"]
    if not isinstance(text, str):
        raise ValueError(f'"text" must be a string, got {_json_kind(text)}')
    start = _seconds(raw, "start")
    end = _seconds(raw, "end")
    if start is not None and end is not None and end < start:
        raise ValueError(f'"end" ({end:g}) is before "start" ({start:g})')
    return Turn(speaker, text, line=line, start=start, end=end)


def _seconds(raw: Mapping[str, Any], key: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f'"{key}" must be a number of seconds, got {_json_kind(value)}')
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f'"{key}" must be a finite number of seconds, got {value}')
    if abs(value) > 1e12:  # also keeps a 400-digit integer from overflowing float()
        raise ValueError(f'"{key}" is too large for a number of seconds')
    if value < 0:
        raise ValueError(f'"{key}" must not be negative, got {value:g}')
    return float(value)


# --------------------------------------------------------------------------------------------
# Files: bytes to text
# --------------------------------------------------------------------------------------------


def _os_error(path: Path, error: OSError) -> TranscriptError:
    if isinstance(error, FileNotFoundError):
        reason = "no such file or directory"
    elif isinstance(error, IsADirectoryError):
        reason = "is a folder; use iter_transcripts() to read the calls in a folder"
    elif isinstance(error, PermissionError):
        reason = "permission denied"
    else:
        reason = f"cannot read: {error.strerror or error}"
    return TranscriptError(reason, path=path)


def _check_not_binary(head: bytes, path: Path) -> None:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise TranscriptError("binary file: looks like UTF-16 text; save it as UTF-8", path=path)
    if b"\x00" in head:
        raise TranscriptError("binary file (contains NUL bytes); expected UTF-8 text", path=path)


def _decode(data: bytes) -> tuple[str, bool]:
    """Decode UTF-8 (BOM optional); fall back to Windows-1252. Returns (text, fell_back)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), True


def _warn_cp1252(path: Path, line: int | None = None) -> None:
    where = str(path) if line is None else f"{path}:{line}"
    warnings.warn(
        f"{where}: not valid UTF-8; read as Windows-1252. Check accented letters "
        "(é, ë, ï…) and save the file as UTF-8 to silence this warning.",
        TranscriptWarning,
        stacklevel=2,
    )


def _too_large(what: str, size: int | None, max_bytes: int) -> str:
    size_text = f"{size:,} bytes" if size is not None else "more than that"
    return (
        f"{what} too large: {size_text}, the limit is max_bytes={max_bytes:,}; a call is rarely "
        "over 1 MB, so check that this is a transcript (split it, or raise max_bytes)"
    )


def _read_text(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    try:
        with path.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size > max_bytes:
                raise TranscriptError(_too_large("file", size, max_bytes), path=path)
            data = stream.read(max_bytes + 1)  # a device or growing file may exceed its size
    except OSError as error:
        raise _os_error(path, error) from None
    if len(data) > max_bytes:
        raise TranscriptError(_too_large("file", None, max_bytes), path=path)
    if not data:
        raise TranscriptError("empty file", path=path)
    _check_not_binary(data, path)
    text, fell_back = _decode(data)
    if fell_back:
        _warn_cp1252(path)
    if not text.strip():
        raise TranscriptError("empty file (only whitespace)", path=path)
    return text


# --------------------------------------------------------------------------------------------
# Files: one format each
# --------------------------------------------------------------------------------------------


def _load_one(
    path: Path, roles: Mapping[str, str], options: _ReadOptions = _ReadOptions()
) -> Transcript:
    """Read a .txt, .json, .vtt or .srt file: exactly one call."""
    text = _read_text(path, options.max_bytes)
    suffix = path.suffix.lower()
    if suffix == ".txt":
        turns = _parse_lines(text, roles, str(path), options.max_turns)
        return Transcript(id=path.stem, turns=turns, source=str(path))
    if suffix in (".vtt", ".srt"):
        from empathy_score.readers import subtitles

        parse = subtitles.parse_vtt if suffix == ".vtt" else subtitles.parse_srt
        return parse(
            text, id=path.stem, source=str(path), roles=roles, agent_speaker=options.agent_speaker
        )
    value = _parse_json(text, source=str(path), line=None)
    return _transcript_from_json(
        value,
        default_id=path.stem,
        source=str(path),
        line=None,
        roles=roles,
        agent_speaker=options.agent_speaker,
    )


def _iter_table(
    path: Path, roles: Mapping[str, str], options: _ReadOptions
) -> Iterator[Transcript | TranscriptError]:
    """Read a .csv or .tsv file: many calls, an error in place of each unreadable one."""
    from empathy_score.readers import tabular

    try:
        text = _read_text(path, options.max_bytes)
    except TranscriptError as error:
        yield error
        return
    yield from tabular.read_table(
        text,
        source=str(path),
        delimiter="\t" if path.suffix.lower() == ".tsv" else None,
        roles=roles,
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


def _iter_jsonl(
    path: Path, roles: Mapping[str, str], options: _ReadOptions = _ReadOptions()
) -> Iterator[Transcript | TranscriptError]:
    """Read a .jsonl file line by line, yielding a TranscriptError for each unreadable line."""
    try:
        with path.open("rb") as stream:
            head = stream.read(_SNIFF_BYTES)
            if not head:
                yield TranscriptError("empty file", path=path)
                return
            try:
                _check_not_binary(head, path)
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
                        _too_large("line", None, options.max_bytes), path=path, line=number
                    )
                    continue
                text, fell_back = _decode(raw)
                if fell_back and not warned:
                    _warn_cp1252(path, number)
                    warned = True
                if not text.strip():
                    continue
                found = True
                try:
                    value = _parse_json(text, source=str(path), line=number)
                    yield _transcript_from_json(
                        value,
                        default_id=f"{path.stem}:{number}",
                        source=str(path),
                        line=number,
                        roles=roles,
                        agent_speaker=options.agent_speaker,
                    )
                except TranscriptError as error:
                    yield error
            if not found:
                yield TranscriptError("empty file (only whitespace)", path=path)
    except OSError as error:
        yield _os_error(path, error)


def _check_turns(transcript: Transcript, max_turns: int = DEFAULT_MAX_TURNS) -> Transcript:
    """Refuse a call with more than ``max_turns`` turns, or a turn longer than
    :data:`MAX_TURN_CHARS`."""
    if len(transcript.turns) > max_turns:
        raise _too_many_turns(max_turns, transcript.source, transcript.turns[max_turns].line)
    for turn in transcript.turns:
        if len(turn.text) > MAX_TURN_CHARS:
            raise TranscriptError(
                f"turn too long: {len(turn.text):,} characters, the limit is {MAX_TURN_CHARS:,}; "
                "is this a file without line breaks or speaker labels?",
                path=transcript.source,
                line=turn.line,
            )
    return transcript


def _read_file(
    path: Path, roles: Mapping[str, str], options: _ReadOptions = _ReadOptions()
) -> Iterator[Transcript | TranscriptError]:
    """Yield every call in one file, or an error in place of what cannot be read."""
    for entry in _read_formats(path, roles, options):
        if isinstance(entry, Transcript):
            try:
                _check_turns(entry, options.max_turns)
            except TranscriptError as error:
                entry = error
        yield entry


def _read_formats(
    path: Path, roles: Mapping[str, str], options: _ReadOptions
) -> Iterator[Transcript | TranscriptError]:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        yield _unsupported(path)
    elif suffix == ".jsonl":
        yield from _iter_jsonl(path, roles, options)
    elif suffix in (".csv", ".tsv"):
        yield from _iter_table(path, roles, options)
    else:
        try:
            yield _load_one(path, roles, options)
        except TranscriptError as error:
            yield error


def _unsupported(path: Path) -> TranscriptError:
    if not path.exists():  # a missing file is reported as missing, whatever its name
        return _os_error(path, FileNotFoundError())
    return TranscriptError(
        f"unsupported file type {path.suffix or '(none)'!r}; "
        f"supported: {', '.join(SUPPORTED_SUFFIXES)}",
        path=path,
    )


# --------------------------------------------------------------------------------------------
# Public readers
# --------------------------------------------------------------------------------------------


def load_transcript(
    path: str | os.PathLike[str],
    *,
    aliases: Mapping[str, str] | None = None,
    agent_speaker: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_turns: int = DEFAULT_MAX_TURNS,
) -> Transcript:
    """Read one call from a ``.txt``, ``.json``, ``.vtt`` or ``.srt`` file, or a single-call
    ``.jsonl``, ``.csv`` or ``.tsv`` file.

    The id is the JSON ``"id"`` (or the table's ``call_id``) if there is one, else the file name
    without its extension.
    Files are UTF-8 (a byte-order mark is fine); a file that is not valid UTF-8 is read as
    Windows-1252 with a :class:`~empathy_score.errors.TranscriptWarning`.

    Parameters
    ----------
    path
        The file.
    aliases
        Extra speaker labels (label -> ``"agent"`` or ``"customer"``), merged over
        :data:`DEFAULT_ROLE_ALIASES`; case-insensitive.
    agent_speaker
        For anonymous speakers (``SPEAKER_01``): the label of the agent, instead of inferring
        it. Ignored when the file names its roles (``Agent``, ``Klant``).
    max_bytes
        The largest file read (for ``.jsonl``: the largest line); see :data:`DEFAULT_MAX_BYTES`.
    max_turns
        The most turns a call may have; see :data:`DEFAULT_MAX_TURNS`.

    Returns
    -------
    Transcript

    Raises
    ------
    TranscriptError
        If the file is missing or unreadable, empty, binary, too large (or its call has too
        many turns), of an unsupported type,
        malformed, or (``.jsonl``, ``.csv``, ``.tsv``) holds more than one call. The message
        names the file and, where known, the line.
    ValueError
        If ``aliases`` maps a label to anything but ``"agent"`` or ``"customer"``, or
        ``agent_speaker``, ``max_bytes`` or ``max_turns`` is not valid.
    """
    roles = _merge_aliases(aliases)
    options = _ReadOptions(agent_speaker, max_bytes, max_turns=max_turns)
    path = Path(path)
    if path.is_dir():
        raise _os_error(path, IsADirectoryError())
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise _unsupported(path)
    if path.suffix.lower() not in _MULTI_CALL_SUFFIXES:
        return _check_turns(_load_one(path, roles, options), options.max_turns)
    calls = _read_file(path, roles, options)
    first = next(calls)
    if isinstance(first, TranscriptError):
        raise first
    second = next(calls, None)
    if second is not None:
        raise TranscriptError(
            "holds more than one call; use iter_transcripts() to read them all", path=path
        )
    return first


def iter_transcripts(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    aliases: Mapping[str, str] | None = None,
    agent_speaker: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_turns: int = DEFAULT_MAX_TURNS,
) -> Iterator[Transcript | TranscriptError]:
    """Read many calls, lazily, accounting for every input.

    Folders are walked recursively in sorted order (by name; files and sub-folders alike),
    following symbolic links but never entering a folder twice. Inside folders only files with a
    :data:`SUPPORTED_SUFFIXES` extension are read, and hidden entries (names starting with
    ``"."``) are skipped; files named explicitly are always read. Files are read one at a time,
    ``.jsonl`` files line by line.

    Whatever cannot be read, a missing path, a file, one ``.jsonl`` line or one call of a
    ``.csv`` file, is yielded as a :class:`~empathy_score.errors.TranscriptError` *in its
    place*, not raised, so that the caller can emit an error record and continue with the rest.
    So is every call whose id was already read (naming where it was first read): results keyed
    by id must not silently overwrite each other.

    Parameters
    ----------
    paths
        A file or folder, or an iterable of them.
    aliases
        Extra speaker labels (label -> ``"agent"`` or ``"customer"``), merged over
        :data:`DEFAULT_ROLE_ALIASES`; case-insensitive.
    agent_speaker
        For anonymous speakers (``SPEAKER_01``): the label of the agent in every call, instead
        of inferring it. Ignored for files that name their roles; a call with anonymous
        speakers none of which has this label is an error.
    max_bytes
        The largest file read (for ``.jsonl``: the largest line); see :data:`DEFAULT_MAX_BYTES`.
    max_turns
        The most turns a call may have; see :data:`DEFAULT_MAX_TURNS`.

    Yields
    ------
    Transcript or TranscriptError
        In input order, then sorted walk order, then line order.

    Raises
    ------
    ValueError
        Immediately (not on first iteration) if ``aliases`` maps a label to anything but
        ``"agent"`` or ``"customer"``, or ``agent_speaker``, ``max_bytes`` or ``max_turns`` is
        not valid.
    """
    calls = _iter_calls(paths, aliases, agent_speaker, max_bytes, max_turns=max_turns)
    return flag_duplicate_ids(calls)


def _iter_calls(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    aliases: Mapping[str, str] | None = None,
    agent_speaker: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    exclude: Iterable[str | os.PathLike[str]] = (),
    *,
    max_turns: int = DEFAULT_MAX_TURNS,
) -> Iterator[Transcript | TranscriptError]:
    """:func:`iter_transcripts` without its duplicate-id check, for a caller that runs one
    across all its inputs (the scorer): checking twice would cost a digest lookup per call
    more, and would count "call N of this run" from the start of each path, not of the run.

    Folder walks never read the ``exclude`` files (compared as files, however spelled)."""
    roles = _merge_aliases(aliases)
    options = _ReadOptions(agent_speaker, max_bytes, file_keys(exclude), max_turns)
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    return _iter_paths(paths, roles, options)


def flag_duplicate_ids(
    entries: Iterable[Transcript | TranscriptError], seen: SeenIds | dict[str, str] | None = None
) -> Iterator[Transcript | TranscriptError]:
    """Pass calls through, replacing each whose id was already seen with a TranscriptError.

    The first call with an id is kept; every later one becomes an error located at its own file
    (and line) that names where the first was read, so both can be found and fixed.

    Parameters
    ----------
    entries
        Calls and errors, e.g. from :func:`iter_transcripts`; errors pass unchanged.
    seen
        Ids already read, mapped to where (``"file:line"``); updated in place, so that one
        record can span several streams. A :class:`~empathy_score.seen.SeenIds` by default,
        which stays small over millions of calls.
    """
    seen = SeenIds() if seen is None else seen
    for entry in entries:
        if isinstance(entry, Transcript):
            line = entry.turns[0].line
            place = entry.source or "a Transcript given in memory"
            if entry.source is not None and line is not None:
                place = f"{entry.source}:{line}"
            first = seen.get(entry.id)
            if first is not None:
                yield TranscriptError(
                    f"duplicate id {entry.id!r}: already read from {first}; "
                    'give every call its own id (file name, or "id" / call_id)',
                    path=entry.source,
                    line=line if entry.source is not None else None,
                )
                continue
            seen[entry.id] = place
        yield entry


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


def _iter_paths(
    paths: Iterable[str | os.PathLike[str]],
    roles: Mapping[str, str],
    options: _ReadOptions = _ReadOptions(),
) -> Iterator[Transcript | TranscriptError]:
    for given in paths:
        path = Path(given)
        try:
            is_dir = path.is_dir()
        except OSError as error:
            yield _os_error(path, error)
            continue
        if not is_dir:
            if not _is_regular(path):
                yield _not_regular(path)  # a pipe would block the run before any record
            else:
                yield from _read_file(path, roles, options)
            continue
        for found in _walk(path, options.skip):
            if isinstance(found, TranscriptError):
                yield found
            else:
                yield from _read_file(found, roles, options)


def _is_regular(path: Path) -> bool:
    """A regular file (after symlinks): the only kind opened, since reading a FIFO or a
    device can block the run forever. A missing or unreadable path counts as one: reading
    it reports that, naming the file."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return True


def _not_regular(path: Path) -> TranscriptError:
    return TranscriptError("not a regular file (a pipe, socket or device): not read", path=path)


def file_keys(paths: Iterable[str | os.PathLike[str]]) -> frozenset[tuple[int, int]]:
    """(device, inode) of each existing file: its identity however its path is spelled."""
    keys = set()
    for path in paths:
        try:
            keys.add(_file_key(os.stat(path)))
        except OSError:
            continue
    return frozenset(keys)


def _file_key(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def _walk(
    root: Path, skip: frozenset[tuple[int, int]] = frozenset()
) -> Iterator[Path | TranscriptError]:
    """Supported files under ``root`` in sorted order (never those in ``skip``); unreadable
    folders as errors."""
    visited: set[tuple[int, int]] = set()

    def visit(folder: Path) -> Iterator[Path | TranscriptError]:
        try:
            key = _file_key(folder.stat())
            if key in visited:  # a symlink back to a folder already read: a loop or a duplicate
                return
            visited.add(key)
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as error:
            yield TranscriptError(f"cannot read folder: {error.strerror or error}", path=folder)
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                yield from visit(Path(entry.path))
            elif os.path.splitext(entry.name)[1].lower() in SUPPORTED_SUFFIXES:
                try:
                    status = entry.stat()
                except OSError:  # gone or unreadable: reading it reports that, naming the file
                    status = None
                if status is not None:
                    if not stat.S_ISREG(status.st_mode):
                        yield _not_regular(Path(entry.path))
                        continue
                    if _file_key(status) in skip:
                        continue  # the run's own output, growing as the run reads
                yield Path(entry.path)

    yield from visit(root)
