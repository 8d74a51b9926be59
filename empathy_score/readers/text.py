"""The project's own ``.txt`` format: one turn per line as ``Label: text``.

A line without a recognised label continues the previous turn; blank lines and indentation are
ignored; labels are case-insensitive and mapped to a role through
:data:`~empathy_score.transcript.DEFAULT_ROLE_ALIASES` (plus the caller's ``aliases``). A
prefix shaped like a label that is no alias is an error, not a continuation
(:func:`~empathy_score.transcript.looks_like_label`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from empathy_score.errors import TranscriptError
from empathy_score.readers.files import ReadOptions, read_text, too_many_turns
from empathy_score.transcript import (
    Transcript,
    Turn,
    looks_like_label,
    merge_aliases,
    normalise_label,
    unknown_label_message,
)

__all__ = ["load_file", "parse_text"]

# A line break in any of the conventions editors count as one, so that line numbers in our
# messages are the ones the user sees. (str.splitlines would also split on \x0c, \u2028, …)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


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
    roles = merge_aliases(aliases)
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
                raise too_many_turns(max_turns, source, number)
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


def load_file(path: Path, options: ReadOptions) -> Transcript:
    """Read a ``.txt`` file: one call, its id the file name without the extension."""
    text = read_text(path, options.max_bytes)
    turns = _parse_lines(text, options.roles, str(path), options.max_turns)
    return Transcript(id=path.stem, turns=turns, source=str(path))


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
    key = normalise_label(prefix)
    role = roles.get(key)
    if role is not None:
        return role, rest.strip()
    if looks_like_label(key, roles, first=first) and (not rest or rest[0].isspace()):
        raise TranscriptError(
            unknown_label_message("speaker label", prefix.strip(), roles),
            path=source,
            line=number,
        )
    return None
